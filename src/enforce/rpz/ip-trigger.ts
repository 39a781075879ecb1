import ipaddr from 'ipaddr.js';

/**
 * The owner-name label of an rpz-ip / rpz-client-ip trigger for an address or prefix
 * (draft-vixie-dnsop-dns-rpz §4.2): the prefix length, then the address's parts in reverse order —
 * IPv4 octets in decimal (`24.0.2.0.192`), IPv6 16-bit words in hex without leading zeros, with the
 * longest run of zero words written `zz` (`64.zz.db8.2001` for 2001:db8::/64). A bare address is a
 * /32 or /128.
 */
export function ipTriggerLabel(addressOrPrefix: string): string {
  const [address, length] = addressOrPrefix.split('/') as [string, string | undefined];
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') {
    const octets = (parsed as ipaddr.IPv4).octets;
    return [length ?? '32', ...[...octets].reverse()].join('.');
  }
  const words = (parsed as ipaddr.IPv6).parts.map((w) => w.toString(16));
  // The longest run of two or more zero words (the first, if tied) becomes zz, as in RFC 5952's `::`.
  let best = { start: -1, length: 0 };
  for (let i = 0; i < words.length;) {
    if (words[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < words.length && words[j] === '0') j++;
    if (j - i > best.length && j - i >= 2) best = { start: i, length: j - i };
    i = j;
  }
  const parts =
    best.start < 0 ? words : [...words.slice(0, best.start), 'zz', ...words.slice(best.start + best.length)];
  return [length ?? '128', ...parts.reverse()].join('.');
}
