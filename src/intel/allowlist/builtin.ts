import type { Allowlist } from './entry.js';

// Never blocked, whatever a feed says: addresses that are not on the Internet (or are the ISP's own
// network's plumbing) and the documentation ranges, which show up in feeds only by mistake.
export const BUILTIN_NETWORKS: Allowlist = {
  name: 'builtin:special-addresses',
  mode: 'block',
  entries: [
    ['0.0.0.0/8', 'RFC 1122 "this network"'],
    ['10.0.0.0/8', 'RFC 1918 private'],
    ['100.64.0.0/10', 'RFC 6598 shared address space (CGNAT)'],
    ['127.0.0.0/8', 'loopback'],
    ['169.254.0.0/16', 'link-local'],
    ['172.16.0.0/12', 'RFC 1918 private'],
    ['192.0.0.0/24', 'RFC 6890 IETF protocol assignments'],
    ['192.0.2.0/24', 'RFC 5737 documentation (TEST-NET-1)'],
    ['192.168.0.0/16', 'RFC 1918 private'],
    ['198.18.0.0/15', 'RFC 2544 benchmarking'],
    ['198.51.100.0/24', 'RFC 5737 documentation (TEST-NET-2)'],
    ['203.0.113.0/24', 'RFC 5737 documentation (TEST-NET-3)'],
    ['224.0.0.0/4', 'multicast'],
    ['240.0.0.0/4', 'reserved, and broadcast'],
    ['::/128', 'unspecified'],
    ['::1/128', 'loopback'],
    ['fc00::/7', 'unique local'],
    ['fe80::/10', 'link-local'],
    ['ff00::/8', 'multicast'],
    ['2001:db8::/32', 'RFC 3849 documentation'],
  ].map(([value, comment]) => ({ kind: 'cidr' as const, value: value as string, comment })),
};

/** The names that identify this machine or no machine at all. Public suffixes are checked separately. */
export const BUILTIN_NAMES: Allowlist = {
  name: 'builtin:special-names',
  mode: 'block',
  entries: [
    ['localhost', 'RFC 6761'],
    ['local', 'RFC 6762 multicast DNS'],
    ['invalid', 'RFC 6761'],
    ['arpa', 'infrastructure (reverse DNS)'],
  ].map(([value, comment]) => ({ kind: 'hostname' as const, value: value as string, comment })),
};

/** The ISP's own domains and prefixes (config `intel.own`): blocking them would cut the ISP off from itself. */
export function ownNetworkAllowlist(own: { domains: string[]; prefixes: string[] }): Allowlist {
  return {
    name: 'builtin:own-network',
    mode: 'block',
    entries: [
      ...own.domains.map((value) => ({ kind: 'hostname' as const, value })),
      ...own.prefixes.map((value) => ({ kind: 'cidr' as const, value })),
    ],
  };
}
