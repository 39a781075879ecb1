import { normaliseIp } from '../net/ip.js';
import { normaliseIpPort } from '../net/ip-port.js';

/** `192.0.2.7`, `192.0.2.7:51234`, `2001:db8::1` or `[2001:db8::1]:443` → canonical address and port. */
export function parseAddressPort(text: string): { address: string; port?: number } | undefined {
  const trimmed = text.trim();
  const bare = normaliseIp(trimmed.replace(/^\[(.*)\]$/, '$1'));
  if (bare.ok) return { address: bare.indicator.value };
  const withPort = normaliseIpPort(trimmed);
  if (!withPort.ok) return undefined;
  const value = withPort.indicator.value;
  const colon = value.lastIndexOf(':');
  return { address: value.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(value.slice(colon + 1)) };
}
