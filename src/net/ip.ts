import ipaddr from 'ipaddr.js';
import type { Normalised } from './result.js';
import { invalid } from './result.js';

// Strict dotted quad: four decimal parts 0–255 without leading zeros, so "010.1.1.1" (octal to some
// parsers) and "1.2.3" (short form) are refused instead of guessed.
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(text: string): boolean {
  return IPV4.test(text);
}

export function normaliseIpv4(input: string): Normalised {
  const text = input.trim();
  if (!IPV4.test(text))
    return invalid(`"${input}" is not an IPv4 address in dotted-decimal form (four numbers 0–255, no leading zeros)`);
  return { ok: true, indicator: { type: 'ipv4', value: text } };
}

/** IPv6 in RFC 5952 text: lower case, zeros compressed, the longest run of zero groups as `::`. */
export function normaliseIpv6(input: string): Normalised {
  const text = input.trim();
  if (text.includes('%')) return invalid(`"${input}" has a zone index (%…); indicators are global addresses`);
  if (!text.includes(':') || !ipaddr.IPv6.isValid(text)) return invalid(`"${input}" is not an IPv6 address`);
  const parsed = ipaddr.IPv6.parse(text);
  // RFC 5952 section 5: IPv4-mapped addresses keep the dotted quad.
  const value = parsed.isIPv4MappedAddress() ? `::ffff:${parsed.toIPv4Address().toString()}` : parsed.toRFC5952String();
  return { ok: true, indicator: { type: 'ipv6', value } };
}

/** An address of either family, normalised; used where the type is not known in advance. */
export function normaliseIp(input: string): Normalised {
  return input.includes(':') ? normaliseIpv6(input) : normaliseIpv4(input);
}
