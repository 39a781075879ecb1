import { normaliseIp } from '../../net/ip.js';

// The two kinds of field every NAT log carries, read the same way by every format: an address in canonical
// text (so the store compares like with like) and a port.

/** The address in canonical text (dotted quad, RFC 5952), or undefined when the text is not one address. */
export function canonicalAddress(text: string): string | undefined {
  if (text.length === 0 || text.length > 45) return undefined;
  const result = normaliseIp(text);
  return result.ok ? result.indicator.value : undefined;
}

const DIGITS = /^\d{1,5}$/;

/** A port 0–65535 written in decimal, or undefined. Port 0 appears as an ICMP identifier, so it is allowed. */
export function portNumber(text: string): number | undefined {
  if (!DIGITS.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

/** `first-last` as a port block, or a sentence saying what is wrong with it. */
export function portRange(first: string, last: string): [number, number] | string {
  const from = portNumber(first);
  const to = portNumber(last);
  if (from === undefined) return `the first port "${first}" is not a port number (0–65535)`;
  if (to === undefined) return `the last port "${last}" is not a port number (0–65535)`;
  if (from > to) return `the port block ${from}-${to} ends before it starts`;
  return [from, to];
}

/** IANA protocol numbers for the names NAT logs write, so `TCP` and `6` qualify a session the same way. */
export function protocolNumber(text: string): string {
  const upper = text.toUpperCase();
  if (upper === 'TCP') return '6';
  if (upper === 'UDP') return '17';
  if (upper === 'ICMP') return '1';
  if (upper === 'ICMPV6' || upper === 'ICMP6') return '58';
  return text;
}
