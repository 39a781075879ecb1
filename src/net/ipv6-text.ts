/**
 * RFC 5952 text of an IPv6 address given as its eight 16-bit groups: lower case, no leading zeros,
 * the longest run of two or more zero groups as `::` (the first on a tie), and an IPv4-mapped address
 * with its dotted quad (section 5). For the hot paths that have the groups already (dnstap's raw
 * bytes, the kernel's fixed-width text), where ipaddr.js would build an object and parse first.
 */
export function ipv6GroupsText(groups: ArrayLike<number>): string {
  if (
    groups[0] === 0 &&
    groups[1] === 0 &&
    groups[2] === 0 &&
    groups[3] === 0 &&
    groups[4] === 0 &&
    groups[5] === 0xffff
  ) {
    const [g6, g7] = [groups[6]!, groups[7]!];
    return `::ffff:${g6 >> 8}.${g6 & 255}.${g7 >> 8}.${g7 & 255}`;
  }
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
      out += '::';
      i += bestLength - 1;
      continue;
    }
    if (out !== '' && !out.endsWith(':')) out += ':';
    out += groups[i]!.toString(16);
  }
  return out;
}
