import ipaddr from 'ipaddr.js';
import type { Normalised } from './result.js';
import { invalid } from './result.js';
import { normaliseIpv4, normaliseIpv6 } from './ip.js';

/**
 * A network in `address/length` form with the network address. Host bits are an error, not silently
 * masked: "192.0.2.1/24" usually means a typo in a feed, and guessing could block a whole /24.
 * A full-length prefix (/32, /128) is the address itself and becomes an ipv4 or ipv6 indicator.
 */
export function normaliseCidr(input: string): Normalised {
  const text = input.trim();
  const slash = text.indexOf('/');
  if (slash < 0) return invalid(`"${input}" has no "/length": write a CIDR such as 192.0.2.0/24`);
  const lengthText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lengthText)) return invalid(`"${input}": the prefix length "${lengthText}" is not a number`);
  const length = Number(lengthText);
  const address = text.slice(0, slash);
  const v6 = address.includes(':');
  const base = v6 ? normaliseIpv6(address) : normaliseIpv4(address);
  if (!base.ok) return invalid(`"${input}": ${base.reason}`);
  const max = v6 ? 128 : 32;
  if (length > max) return invalid(`"${input}": the prefix length ${length} is more than ${max}`);
  if (length === max) return { ok: true, indicator: base.indicator };

  const parsed = ipaddr.parse(base.indicator.value);
  const networkAddress = (v6 ? ipaddr.IPv6 : ipaddr.IPv4).networkAddressFromCIDR(`${base.indicator.value}/${length}`);
  const networkText = v6 ? (networkAddress as ipaddr.IPv6).toRFC5952String() : networkAddress.toString();
  if (networkText !== (v6 ? (parsed as ipaddr.IPv6).toRFC5952String() : parsed.toString())) {
    return invalid(
      `"${input}" has host bits set: the network is ${networkText}/${length} (write that, or the single address)`,
    );
  }
  return { ok: true, indicator: { type: 'cidr', value: `${networkText}/${length}` } };
}
