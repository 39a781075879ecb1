import ipaddr from 'ipaddr.js';
import { normaliseIpv4, normaliseIpv6 } from '../../net/ip.js';
import { all, type RadiusAttributes } from './radius-attributes.js';

// The addresses an accounting record says its session holds, in canonical text (a bare address for a /32 or
// /128, `network/len` otherwise). A value that cannot be read is reported rather than skipped, and does not
// hide the others: a damaged Delegated-IPv6-Prefix must not cost the subscriber's IPv4 lease.

/** Framed-IP-Address values that mean "no address yet" (RFC 2865 5.8: the NAS or the user should choose). */
const NOT_ASSIGNED = new Set(['0.0.0.0', '255.255.255.255', '255.255.255.254']);

/**
 * A prefix wider than these is not one subscriber's: a default route handed to a wholesale LNS, an ISP's whole
 * allocation typed by mistake. Taken as a lease it would name that subscriber for every address inside it.
 */
const WIDEST = { 4: 16, 6: 32 } as const;

export type HeldAddresses = { addresses: string[]; problems: string[] };

export function heldAddresses(attrs: RadiusAttributes): HeldAddresses {
  const held = new Set<string>();
  const problems: string[] = [];
  const add = (result: string | { problem: string } | undefined) => {
    if (typeof result === 'string') held.add(result);
    else if (result) problems.push(result.problem);
  };
  for (const value of all(attrs, 'Framed-IP-Address')) {
    if (NOT_ASSIGNED.has(value)) continue;
    const v4 = normaliseIpv4(value);
    add(v4.ok ? v4.indicator.value : { problem: `Framed-IP-Address ${JSON.stringify(value)}: ${v4.reason}` });
  }
  for (const value of all(attrs, 'Framed-IPv6-Address')) {
    const v6 = normaliseIpv6(value);
    if (v6.ok && v6.indicator.value === '::') continue;
    add(v6.ok ? v6.indicator.value : { problem: `Framed-IPv6-Address ${JSON.stringify(value)}: ${v6.reason}` });
  }
  for (const name of ['Framed-IPv6-Prefix', 'Delegated-IPv6-Prefix']) {
    for (const value of all(attrs, name)) add(prefix(name, value, 6, value));
  }
  // Routes are "destination gateway metric" text (RFC 2865 5.22, RFC 3162 2.5); only a destination with an
  // explicit length (or, Cisco's way, followed by a dotted netmask) says which block is routed to the line.
  for (const value of all(attrs, 'Framed-Route')) {
    const [destination = '', second = ''] = value.trim().split(/\s+/);
    if (destination.includes('/')) add(prefix('Framed-Route', value, 4, destination));
    else if (isNetmask(second)) add(prefix('Framed-Route', value, 4, `${destination}/${maskLength(second)}`));
  }
  for (const value of all(attrs, 'Framed-IPv6-Route')) {
    const destination = value.trim().split(/\s+/)[0] ?? '';
    if (destination.includes('/')) add(prefix('Framed-IPv6-Route', value, 6, destination));
  }
  return { addresses: [...held], problems };
}

/** `text` (addr/len) as the network it names, host bits cleared: NASes send the subscriber's address/len too. */
function prefix(name: string, value: string, family: 4 | 6, text: string): string | { problem: string } {
  const slash = text.indexOf('/');
  const where = `${name} ${JSON.stringify(value)}`;
  const lengthText = text.slice(slash + 1);
  const address = family === 6 ? normaliseIpv6(text.slice(0, slash)) : normaliseIpv4(text.slice(0, slash));
  if (slash < 0 || !address.ok) {
    const what = family === 6 ? 'an IPv6 prefix' : 'an IPv4 prefix';
    return { problem: `${where} is not ${what} (address/length)${address.ok ? '' : `: ${address.reason}`}` };
  }
  const max = family === 6 ? 128 : 32;
  if (!/^\d{1,3}$/.test(lengthText) || Number(lengthText) > max) {
    return { problem: `${where}: the prefix length "${lengthText}" is not a number from 0 to ${max}` };
  }
  const length = Number(lengthText);
  if (length < WIDEST[family]) {
    return {
      problem: `${where} is a /${length}, wider than one subscriber holds (the widest taken is /${WIDEST[family]}): left out of the leases so that it does not name this subscriber for every address inside it`,
    };
  }
  if (length === max) return address.indicator.value;
  const network =
    family === 6
      ? ipaddr.IPv6.networkAddressFromCIDR(`${address.indicator.value}/${length}`).toRFC5952String()
      : ipaddr.IPv4.networkAddressFromCIDR(`${address.indicator.value}/${length}`).toString();
  return `${network}/${length}`;
}

function isNetmask(text: string): boolean {
  return text !== '0.0.0.0' && normaliseIpv4(text).ok && ipaddr.IPv4.parse(text).prefixLengthFromSubnetMask() !== null;
}

function maskLength(text: string): number {
  return ipaddr.IPv4.parse(text).prefixLengthFromSubnetMask()!;
}
