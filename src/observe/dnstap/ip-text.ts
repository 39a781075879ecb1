// Addresses as dnstap and DNS carry them (4 or 16 raw bytes) turned into the text every index uses:
// dotted quad, and RFC 5952 for IPv6 (lower case, no leading zeros, the longest run of two or more zero
// groups as `::`, the first such run on a tie, IPv4-mapped addresses with a dotted quad). Written by hand
// because it runs for every client address and every answer (hundreds of thousands a second), where
// ipaddr.js would first build an object and parse; the test checks it against ipaddr.js's
// toRFC5952String on random and edge-case addresses.

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
  // ::ffff:a.b.c.d (RFC 5952 section 5).
  if (
    groups[0] === 0 &&
    groups[1] === 0 &&
    groups[2] === 0 &&
    groups[3] === 0 &&
    groups[4] === 0 &&
    groups[5] === 0xffff
  ) {
    return `::ffff:${ipv4Text(buf, at + 12)}`;
  }
  // The longest run of zero groups (first on a tie), if two or more long.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += i === 0 ? '::' : ':';
      i += bestLength - 1;
      continue;
    }
    out += groups[i]!.toString(16);
    if (i < 7) out += ':';
  }
  return out;
}
