import type { Normalised } from './result.js';
import { invalid } from './result.js';
import { normaliseIpv4, normaliseIpv6 } from './ip.js';

/** `192.0.2.1:443` or `[2001:db8::1]:443` (ThreatFox's ip:port), with the address normalised. */
export function normaliseIpPort(input: string): Normalised {
  const text = input.trim();
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  if (!m) return invalid(`"${input}" is not address:port (IPv6 in brackets: [2001:db8::1]:443)`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return invalid(`"${input}": the port ${port} is not 1–65535`);
  const address = m[1] !== undefined ? normaliseIpv6(m[1]) : normaliseIpv4(m[2] as string);
  if (!address.ok) return invalid(`"${input}": ${address.reason}`);
  const host = m[1] !== undefined ? `[${address.indicator.value}]` : address.indicator.value;
  return { ok: true, indicator: { type: 'ip-port', value: `${host}:${port}` } };
}
