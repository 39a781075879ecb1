// The kernel writes IPv6 addresses in packet logs with %pI6: all eight groups, four hex digits each
// (`2001:0db8:000a:0000:0000:0000:0000:0005`). Every index uses RFC 5952 text (`2001:db8:a::5`).
// ipaddr.js does that conversion, at a tenth of the speed of the rest of a line, so this fixed form
// is converted here by hand; anything else goes to the general normaliser. The test checks this
// against ipaddr.js on random and edge-case addresses.

import { ipv6GroupsText } from '../../net/ipv6-text.js';

const groups = new Uint16Array(8);

/** The RFC 5952 text of a %pI6 address, or undefined when `text` is not in that form. */
export function kernelIpv6Text(text: string): string | undefined {
  if (text.length !== 39) return undefined;
  for (let g = 0; g < 8; g++) {
    const at = g * 5;
    if (g > 0 && text.charCodeAt(at - 1) !== COLON) return undefined;
    let value = 0;
    for (let i = at; i < at + 4; i++) {
      const digit = hexValue(text.charCodeAt(i));
      if (digit < 0) return undefined;
      value = (value << 4) | digit;
    }
    groups[g] = value;
  }
  return ipv6GroupsText(groups);
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

const COLON = 58;
