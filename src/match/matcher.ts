import type { Indicator } from '../domain/indicator.js';
import {
  buildDomainTable,
  domainCount,
  domainLookup,
  entryOf,
  isExact,
  NOT_FOUND,
  type DomainTable,
} from './domain-table.js';
import { buildIpIndex } from './ip-index.js';
import { buildUrlIndex } from './url-index.js';

/** How an observed value met the indicator. */
export type MatchKind = 'exact' | 'subdomain' | 'prefix' | 'host';
export type Match<T> = { indicator: Indicator; ref: T; kind: MatchKind };

/**
 * The one lookup interface the observation, abuse and enforcement code calls. Built once from the
 * effective indicators (unexpired, not suppressed), then read-only: lookups never wait on anything.
 * Inputs are values as a network reports them; the matcher folds case and trailing dots itself.
 */
export type Matcher<T> = {
  domain(name: string): Match<T> | undefined;
  ip(address: string): Match<T> | undefined;
  /** Exact canonical URL; with `hostFallback`, then the URL's host as a domain or address. */
  url(url: string, options?: { hostFallback?: boolean }): Match<T> | undefined;
  /** Exact address; with `domainFallback`, then the domain part as a domain. */
  email(address: string, options?: { domainFallback?: boolean }): Match<T> | undefined;
  /** Exact address:port, then the address alone. */
  ipPort(address: string, port: number): Match<T> | undefined;
  hash(hex: string): Match<T> | undefined;
  readonly counts: Readonly<Record<'domains' | 'networks' | 'urls' | 'emails' | 'ipPorts' | 'hashes', number>>;
};

export type MatcherItem<T> = { indicator: Indicator; ref: T };

/** A domain table built beforehand (compiled-indicators.ts), and the item each of its entries stands for. */
export type PrebuiltDomains<T> = { table: DomainTable; item(entry: number): MatcherItem<T> };

/**
 * Builds the indexes over `items`. With `prebuilt`, its table answers for domains and the domain
 * items among `items` are left out: a worker handed a compiled table does not hash a million names again.
 */
export function buildMatcher<T>(items: Iterable<MatcherItem<T>>, prebuilt?: PrebuiltDomains<T>): Matcher<T> {
  const domains: MatcherItem<T>[] = [];
  const networks: { network: string; value: MatcherItem<T> }[] = [];
  const urls: { url: string; value: MatcherItem<T> }[] = [];
  const emails = new Map<string, MatcherItem<T>>();
  const ipPorts = new Map<string, MatcherItem<T>>();
  const hashes = new Map<string, MatcherItem<T>>();
  for (const item of items) {
    const { type, value } = item.indicator;
    if (type === 'domain') {
      if (!prebuilt) domains.push(item);
    } else if (type === 'ipv4' || type === 'ipv6' || type === 'cidr') networks.push({ network: value, value: item });
    else if (type === 'url') urls.push({ url: value, value: item });
    else if (type === 'email') addOnce(emails, value, item);
    else if (type === 'ip-port') addOnce(ipPorts, value, item);
    else addOnce(hashes, value, item);
  }
  const { table: domainTable, item: domainItem } = prebuilt ?? ownDomains(domains);
  const lookupDomain = domainLookup(domainTable);
  const ipIndex = buildIpIndex(networks);
  const urlIndex = buildUrlIndex(urls);

  const hit = (item: MatcherItem<T>, kind: MatchKind): Match<T> => ({ indicator: item.indicator, ref: item.ref, kind });

  const matcher: Matcher<T> = {
    domain(name) {
      const found = lookupDomain(name);
      if (found === NOT_FOUND) return undefined;
      return hit(domainItem(entryOf(found)), isExact(found) ? 'exact' : 'subdomain');
    },
    ip(address) {
      const found = ipIndex.lookup(unmapV4(address.toLowerCase()));
      if (!found) return undefined;
      const listed = found.value.indicator;
      return hit(found.value, listed.type === 'cidr' ? 'prefix' : 'exact');
    },
    url(url, options) {
      const exact = urlIndex.lookup(url);
      if (exact) return hit(exact, 'exact');
      if (!options?.hostFallback) return undefined;
      let host: string;
      try {
        host = new URL(url).hostname;
      } catch {
        return undefined;
      }
      const byHost = host.startsWith('[')
        ? matcher.ip(host.slice(1, -1))
        : /^[\d.]+$/.test(host)
          ? matcher.ip(host)
          : matcher.domain(host);
      return byHost && { ...byHost, kind: 'host' };
    },
    email(address, options) {
      const at = address.lastIndexOf('@');
      const folded = at < 0 ? address : `${address.slice(0, at)}@${foldName(address.slice(at + 1))}`;
      const exact = emails.get(folded);
      if (exact) return hit(exact, 'exact');
      if (!options?.domainFallback || at < 0) return undefined;
      const byDomain = matcher.domain(folded.slice(at + 1));
      return byDomain && { ...byDomain, kind: 'host' };
    },
    ipPort(address, port) {
      const a = unmapV4(address.toLowerCase());
      const exact = ipPorts.get(a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`);
      return exact ? hit(exact, 'exact') : matcher.ip(a);
    },
    hash(hex) {
      const found = hashes.get(hex.toLowerCase());
      return found && hit(found, 'exact');
    },
    counts: {
      domains: domainCount(domainTable),
      networks: ipIndex.size,
      urls: urlIndex.size,
      emails: emails.size,
      ipPorts: ipPorts.size,
      hashes: hashes.size,
    },
  };
  return matcher;
}

/** A table over the domain items given, each entry standing for the item at its id. */
function ownDomains<T>(domains: MatcherItem<T>[]): PrebuiltDomains<T> {
  const table = buildDomainTable(domains.map((d, id) => ({ domain: d.indicator.value, id })));
  return { table, item: (entry) => domains[table.ids[entry]!]! };
}

/** The first source listed wins: later duplicates of the same indicator add nothing to a lookup. */
function addOnce<T>(map: Map<string, T>, key: string, value: T): void {
  if (!map.has(key)) map.set(key, value);
}

/** Lower case without a trailing dot: how names arrive from DNS logs (`Evil.Example.`). */
function foldName(name: string): string {
  const end = name.endsWith('.') ? name.length - 1 : name.length;
  const trimmed = end === name.length ? name : name.slice(0, end);
  return /[A-Z]/.test(trimmed) ? trimmed.toLowerCase() : trimmed;
}

/** `::ffff:192.0.2.1` (an IPv4 client on a dual-stack socket) is the IPv4 address. */
function unmapV4(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
