import { parse } from 'tldts';

/**
 * Whether a normalised domain is a public suffix (a TLD such as `jp`, or a registry suffix such as
 * `co.jp`): such a name must never be blocked, whatever a feed says. ICANN and private suffixes from
 * the Public Suffix List (bundled in tldts) both count: blocking `github.io` would cut off every site on it.
 */
export function isPublicSuffix(domain: string): boolean {
  const info = parse(domain, { allowPrivateDomains: true });
  return info.publicSuffix === domain || (info.domain === null && !info.isIp);
}
