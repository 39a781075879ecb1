import { isIpv4 } from '../../net/ip.js';
import { normaliseCidr } from '../../net/cidr.js';

// Deterministic NAT (RFC 7422): the CGN gives every inside address a fixed block of ports on a fixed outside
// address, computed from the configuration, so nothing is logged and "who held 203.0.113.7:40123" is arithmetic.
//
// The formula (the one FD.io VPP det44 uses, snat_det_forward / snat_det_reverse, generalised to any port range):
//   N = inside addresses (every address of the inside prefix, network and broadcast included)
//   M = outside addresses (every address of the outside prefix)
//   R = ceil(N / M)                                  inside addresses sharing one outside address
//   B = floor((portsLast − portsFirst + 1) / R)      ports in each inside address's block
// forward, for the inside address at offset i = inside − insideBase (0 ≤ i < N):
//   outside = outsideBase + floor(i / R)
//   ports   = [portsFirst + (i mod R)·B, portsFirst + (i mod R)·B + B − 1]
// reverse, for outside address at offset o = outside − outsideBase and port p:
//   i = o·R + floor((p − portsFirst) / B), defined when 0 ≤ o < M, portsFirst ≤ p < portsFirst + R·B and i < N.
// Ports past portsFirst + R·B − 1 (the remainder of the division) and outside addresses past the last one used
// belong to no inside address.

/** A deterministic NAT mapping as configured: zod-free so config, CLI and store can all hold it. */
export type DeterministicNatMapping = {
  /** The inside (private) prefix, e.g. `100.64.0.0/22`. */
  inside: string;
  /** The outside (public) prefix, e.g. `203.0.113.0/28`. */
  outside: string;
  /** First and last outside port handed out, inclusive (1024 and 65535 on most CGNs). */
  portsFirst: number;
  portsLast: number;
  /** When the mapping took effect: ISO 8601 with a zone (`2026-04-01T00:00:00+09:00`). */
  since: string;
  /** When it stopped, if it has. */
  until?: string;
};

/** A mapping's arithmetic. It answers for any time: the caller checks that the time asked about is in since–until. */
export type DeterministicNat = {
  /** What is wrong with the mapping, each a full sentence; empty when it can be used. */
  validate(): string[];
  /** The outside address and port block of an inside address, or undefined when the mapping does not cover it. */
  outsideOf(inside: string): { address: string; ports: [number, number] } | undefined;
  /** The inside address that holds an outside address and port, or undefined when none does. */
  insideOf(outside: string, port: number): string | undefined;
};

type Plan = {
  insideBase: number;
  insideCount: number;
  outsideBase: number;
  outsideCount: number;
  sharing: number;
  block: number;
  portsFirst: number;
};

const ISO_WITH_ZONE = /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?(?:Z|[+-]\d\d:\d\d)$/;

export function deterministicNat(mapping: DeterministicNatMapping): DeterministicNat {
  const problems: string[] = [];
  const plan = planOf(mapping, problems);
  return {
    validate: () => [...problems],
    outsideOf(insideText) {
      if (plan === undefined || !isIpv4(insideText)) return undefined;
      const i = toNumber(insideText) - plan.insideBase;
      if (i < 0 || i >= plan.insideCount) return undefined;
      const slot = i % plan.sharing;
      const first = plan.portsFirst + slot * plan.block;
      return {
        address: toText(plan.outsideBase + Math.floor(i / plan.sharing)),
        ports: [first, first + plan.block - 1],
      };
    },
    insideOf(outsideText, port) {
      if (plan === undefined || !isIpv4(outsideText) || !Number.isInteger(port)) return undefined;
      const o = toNumber(outsideText) - plan.outsideBase;
      const offset = port - plan.portsFirst;
      if (o < 0 || o >= plan.outsideCount || offset < 0 || offset >= plan.sharing * plan.block) return undefined;
      const i = o * plan.sharing + Math.floor(offset / plan.block);
      return i < plan.insideCount ? toText(plan.insideBase + i) : undefined;
    },
  };
}

function planOf(mapping: DeterministicNatMapping, problems: string[]): Plan | undefined {
  const inside = prefixOf('inside', mapping.inside, problems);
  const outside = prefixOf('outside', mapping.outside, problems);
  const { portsFirst, portsLast } = mapping;
  const portsOk = isPort(portsFirst) && isPort(portsLast) && portsFirst <= portsLast;
  if (!portsOk)
    problems.push(
      `The port range ${String(portsFirst)}-${String(portsLast)} is not a range of ports: ` +
        'give whole numbers 1 to 65535 with the first no greater than the last (1024-65535 on most CGNs).',
    );
  const since = timeOf('since', mapping.since, problems);
  const until = mapping.until === undefined ? undefined : timeOf('until', mapping.until, problems);
  if (since !== undefined && until !== undefined && until <= since)
    problems.push(`The mapping ends (until ${mapping.until}) before it starts (since ${mapping.since}).`);
  if (inside === undefined || outside === undefined || !portsOk) return undefined;
  const sharing = Math.ceil(inside.count / outside.count);
  const block = Math.floor((portsLast - portsFirst + 1) / sharing);
  if (block < 1) {
    problems.push(
      `Each outside address is shared by ${sharing} inside addresses but only ${portsLast - portsFirst + 1} ports ` +
        'are configured, so an inside address would get no port: use a larger outside prefix or a wider port range.',
    );
    return undefined;
  }
  if (problems.length > 0) return undefined;
  return {
    insideBase: inside.base,
    insideCount: inside.count,
    outsideBase: outside.base,
    outsideCount: outside.count,
    sharing,
    block,
    portsFirst,
  };
}

function prefixOf(which: string, text: string, problems: string[]): { base: number; count: number } | undefined {
  const normalised = typeof text === 'string' ? normaliseCidr(text.includes('/') ? text : `${text}/32`) : undefined;
  if (normalised === undefined || !normalised.ok) {
    const why = normalised === undefined ? 'it is not text' : normalised.reason;
    problems.push(`The ${which} prefix cannot be used: ${why}; write an IPv4 prefix such as 100.64.0.0/22.`);
    return undefined;
  }
  const value = normalised.indicator.value;
  if (value.includes(':')) {
    problems.push(`The ${which} prefix ${value} is IPv6; deterministic NAT (RFC 7422) maps IPv4 to IPv4.`);
    return undefined;
  }
  const [address, length] = value.includes('/') ? value.split('/') : [value, '32'];
  return { base: toNumber(address!), count: 2 ** (32 - Number(length)) };
}

function timeOf(which: string, text: string, problems: string[]): number | undefined {
  const time = typeof text === 'string' && ISO_WITH_ZONE.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(time)) {
    problems.push(
      `The mapping's ${which} "${String(text)}" is not an ISO 8601 time with a zone, such as 2026-04-01T00:00:00+09:00.`,
    );
    return undefined;
  }
  return time;
}

function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

function toNumber(dotted: string): number {
  return dotted.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function toText(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}
