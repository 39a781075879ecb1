import ipaddr from 'ipaddr.js';

/**
 * A membership test for a list of CIDR prefixes (IPv4 and IPv6 mixed). An IPv4-mapped IPv6 address
 * counts as its IPv4 address. Throws on an unreadable prefix: lists come from validated config.
 */
export function prefixMembership(prefixes: readonly string[]): (address: string) => boolean {
  const parsed = prefixes.map((p) => ipaddr.parseCIDR(p.includes('/') ? p : `${p}/${p.includes(':') ? 128 : 32}`));
  return (address) => {
    if (!ipaddr.isValid(address)) return false;
    let ip = ipaddr.parse(address);
    if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
    return parsed.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits));
  };
}
