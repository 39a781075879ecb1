import { normaliseIpv6 } from '../../net/ip.js';

// Resolvers print client addresses with inet_ntop, so they are almost always in normal form already; this
// checks them and keeps the text as logged when it is. It runs on every line of multi-million-line logs, so
// an IPv4 address is checked by its characters (no regex, no allocation) and IPv6 text, which goes through
// ipaddr.js, is remembered: a log has far fewer distinct clients than lines.

const DOT = 46;
const AT = 64;

/** Cleared when it grows past this, so a log with very many IPv6 clients cannot grow it without bound. */
const IPV6_CACHE_LIMIT = 100_000;
const ipv6Cache = new Map<string, string | null>();

/**
 * `text` as an Observation's client: a dotted quad as it is, IPv6 in RFC 5952 form, an IPv4-mapped IPv6 address
 * (`::ffff:192.0.2.1`, a v4 client on a dual-stack socket) as the IPv4 address the subscriber holds, and a link
 * scope (`fe80::1%eth0`) dropped. Undefined when `text` is not an address.
 */
export function clientAddress(text: string): string | undefined {
  if (isDottedQuad(text)) return text;
  if (text.indexOf(':') === -1) return undefined;
  let known = ipv6Cache.get(text);
  if (known === undefined) {
    known = readIpv6(text);
    if (ipv6Cache.size >= IPV6_CACHE_LIMIT) ipv6Cache.clear();
    ipv6Cache.set(text, known);
  }
  return known ?? undefined;
}

function readIpv6(text: string): string | null {
  const percent = text.indexOf('%');
  const address = percent === -1 ? text : text.slice(0, percent);
  const normalised = normaliseIpv6(address);
  if (!normalised.ok) return null;
  const value = normalised.indicator.value;
  return value.startsWith('::ffff:') && value.indexOf('.') !== -1 ? value.slice(7) : value;
}

/** Four decimal parts 0–255 without leading zeros (the form inet_ntop writes), checked by character. */
export function isDottedQuad(text: string): boolean {
  const length = text.length;
  if (length < 7 || length > 15) return false;
  let parts = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= length; i++) {
    const c = i === length ? DOT : text.charCodeAt(i);
    if (c === DOT) {
      if (digits === 0 || value > 255) return false;
      parts++;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && value === 0) return false; // a leading zero
      value = value * 10 + (c - 48);
      digits++;
      if (digits > 3) return false;
    } else {
      return false;
    }
  }
  return parts === 4;
}

/** The port number written in decimal in `line` from `start` to `end`, or -1 when it is not one (0–65535). */
export function portNumber(line: string, start: number, end: number): number {
  if (end <= start || end - start > 5) return -1;
  let port = 0;
  for (let i = start; i < end; i++) {
    const d = line.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    port = port * 10 + d;
  }
  return port <= 65535 ? port : -1;
}

/**
 * `ADDRESS` or `ADDRESS@PORT` (how Unbound writes a client) in `line` from `start` to `end`, the address as
 * clientAddress gives it. A string says what is wrong.
 */
export function readAddressAndPort(
  line: string,
  start: number,
  end: number,
): { client: string; clientPort: number | undefined } | string {
  let at = end - 1;
  while (at > start && line.charCodeAt(at) !== AT) at--;
  const addressEnd = at > start ? at : end;
  const addressText = line.slice(start, addressEnd);
  const client = clientAddress(addressText);
  if (client === undefined) return `the client address "${addressText}" is not an IP address`;
  if (addressEnd === end) return { client, clientPort: undefined };
  const port = portNumber(line, at + 1, end);
  if (port === -1) return `the client port "${line.slice(at + 1, end)}" is not a port number`;
  return { client, clientPort: port };
}
