// Addresses as dnstap and DNS carry them (4 or 16 raw bytes) turned into the text every index uses:
// dotted quad, and RFC 5952 for IPv6 (lower case, no leading zeros, the longest run of two or more zero
// groups as `::`, the first such run on a tie, IPv4-mapped addresses with a dotted quad). Written by hand
// because it runs for every client address and every answer (hundreds of thousands a second), where
// ipaddr.js would first build an object and parse; the test checks it against ipaddr.js's
// toRFC5952String on random and edge-case addresses.

import { ipv6GroupsText } from '../../net/ipv6-text.js';

/** The text of a 4- or 16-byte address at `buf[at…]`; `length` must be 4 or 16 (the caller checks). */
export function ipText(buf: Uint8Array, at: number, length: 4 | 16): string {
  return length === 4 ? ipv4Text(buf, at) : ipv6Text(buf, at);
}

export function ipv4Text(buf: Uint8Array, at: number): string {
  return `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`;
}

const groups = new Uint16Array(8);

export function ipv6Text(buf: Uint8Array, at: number): string {
  for (let i = 0; i < 8; i++) groups[i] = (buf[at + 2 * i]! << 8) | buf[at + 2 * i + 1]!;
  return ipv6GroupsText(groups);
}
