import { resolve, join } from 'node:path';
import ipaddr from 'ipaddr.js';
import type { EnforceConfig } from '../config/enforce-schema.js';
import { installFiles, runCommand } from './files.js';
import type { EnforcementPoint, RenderContext } from './point.js';
import { entryKey, type PolicyEntry, type PolicySnapshot } from './snapshot.js';

// The firewall point: one nft script that replaces Mizugiwa's own table (`table inet mizugiwa`) and
// touches nothing else in the ruleset.
//
// For operators
// -------------
// `nft -f <data_dir>/nftables/mizugiwa.nft` (the default reload command) loads it; nft applies a file
// as one transaction, so the old table stays until the new one is complete, and a script nft refuses
// leaves the running ruleset as it was. To survive a reboot, add to /etc/nftables.conf:
//
//   include "/var/lib/mizugiwa/nftables/mizugiwa.nft"
//
// The table has named sets blocked_v4 / blocked_v6 (addresses and prefixes), blocked_v4_port /
// blocked_v6_port (address . port, for ip-port indicators, matched on TCP and UDP), and the same four
// named monitor_*. Chains, at priority filter - 10 with policy accept (a packet we do not list is
// left to the operator's own rules):
//
//   forward  drops traffic to and from a listed address: the ISP router's job is the subscribers'
//            traffic, in both directions (a subscriber reaching a C2; a listed scanner reaching in).
//   input    drops traffic from a listed address to the box itself (scanners, brute-forcers).
//   output   drops traffic from the box to a listed address (a hosting server calling a C2).
//
// Drop and monitor rules count packets (`nft list table inet mizugiwa`). Drops are logged with the
// prefix "mizugiwa drop " when enforce.nftables.log is on; monitor entries (and every entry when the
// point or enforce.monitor is in monitor mode) are logged with "mizugiwa monitor " and never dropped,
// whatever `log` says, because the log is what monitor mode is for. Logging is rate-limited per rule
// (LOG_LIMIT). Nothing here uses conntrack: a stateless router stays stateless. Inside a network
// namespace other than the host's, the kernel only logs when net.netfilter.nf_log_all_netns=1.
//
// The walled garden (abuse.escalation.nftables.enabled): the addresses of restricted subscribers are
// in the sets restricted_v4 / restricted_v6, for the operator's own rules (a redirect of their web
// traffic to the notice page, say). With walled_garden on, forward also drops their traffic to
// anything but restricted_allow_v4 / restricted_allow_v6 (the resolver, the notice page, update
// servers: abuse.escalation.nftables.allow), logged with "mizugiwa restricted ".

/**
 * Log lines per rule: a listed scanner can send a hundred thousand packets a second, and the kernel
 * log would take every one. The counters stay exact; the log is a sample beyond this rate.
 */
const LOG_LIMIT = 'limit rate 50/second burst 200 packets';

const V4_BITS = 32;
const V6_BITS = 128;

/** The script's path: configured (relative paths under the data directory), or `<data_dir>/nftables/mizugiwa.nft`. */
export function nftablesFile(context: Pick<RenderContext, 'config' | 'dataDir'>): string {
  const configured = context.config.enforce.nftables.file;
  return configured ? resolve(context.dataDir, configured) : join(context.dataDir, 'nftables', 'mizugiwa.nft');
}

export type Networks = { v4: string[]; v6: string[] };

type Range = { start: bigint; end: bigint };

/**
 * Addresses and prefixes as the smallest list of prefixes that covers exactly the same addresses:
 * duplicates dropped, prefixes inside others dropped, adjacent ones merged (two /25 halves become
 * the /24). nft refuses overlapping elements of an interval set ("conflicting intervals") and squid
 * warns about them, so every consumer of address lists goes through here. IPv4-mapped IPv6
 * (::ffff:192.0.2.1) is the IPv4 address: that is what appears on the wire. Sorted numerically.
 */
export function collapseNetworks(values: Iterable<string>): Networks {
  const v4: Range[] = [];
  const v6: Range[] = [];
  for (const value of values) {
    const parsed = parseNetwork(value);
    if (parsed) (parsed.v6 ? v6 : v4).push(parsed.range);
  }
  return { v4: merge(v4).flatMap((r) => toPrefixes(r, V4_BITS)), v6: merge(v6).flatMap((r) => toPrefixes(r, V6_BITS)) };
}

function parseNetwork(value: string): { v6: boolean; range: Range } | undefined {
  const [address, lengthText] = value.split('/') as [string, string | undefined];
  if (!ipaddr.isValid(address)) return undefined;
  let parsed = ipaddr.parse(address);
  let bits = parsed.kind() === 'ipv6' ? V6_BITS : V4_BITS;
  let length = lengthText === undefined ? bits : Number(lengthText);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() && length >= 96) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
    bits = V4_BITS;
    length -= 96;
  }
  if (!Number.isInteger(length) || length < 0 || length > bits) return undefined;
  const size = 1n << BigInt(bits - length);
  const start = (toBigInt(parsed.toByteArray()) / size) * size;
  return { v6: bits === V6_BITS, range: { start, end: start + size - 1n } };
}

function merge(ranges: Range[]): Range[] {
  ranges.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: Range[] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end + 1n) {
      if (r.end > last.end) last.end = r.end;
    } else out.push({ ...r });
  }
  return out;
}

/** A range as the fewest aligned prefixes; a one-address prefix is written as the bare address. */
function toPrefixes({ start, end }: Range, bits: number): string[] {
  const out: string[] = [];
  let at = start;
  while (at <= end) {
    let hostBits = 0;
    while (hostBits < bits) {
      const size = 1n << BigInt(hostBits + 1);
      if (at % size !== 0n || at + size - 1n > end) break;
      hostBits++;
    }
    const text = formatAddress(at, bits);
    out.push(hostBits === 0 ? text : `${text}/${bits - hostBits}`);
    at += 1n << BigInt(hostBits);
  }
  return out;
}

function toBigInt(bytes: number[]): bigint {
  return bytes.reduce((n, b) => (n << 8n) | BigInt(b), 0n);
}

function formatAddress(n: bigint, bits: number): string {
  const bytes: number[] = [];
  for (let i = bits / 8 - 1; i >= 0; i--) bytes.push(Number((n >> BigInt(i * 8)) & 0xffn));
  const address = ipaddr.fromByteArray(bytes);
  return address.kind() === 'ipv6' ? (address as ipaddr.IPv6).toRFC5952String() : address.toString();
}

type Endpoint = { v6: boolean; address: string; port: number };

/** `192.0.2.1:443` / `[2001:db8::1]:443` as nft concatenation elements; IPv4-mapped goes to IPv4. */
function parseEndpoint(value: string): Endpoint | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  if (!m) return undefined;
  const networks = collapseNetworks([(m[1] ?? m[2]) as string]);
  const address = networks.v4[0] ?? networks.v6[0];
  return address ? { v6: networks.v4.length === 0, address, port: Number(m[3]) } : undefined;
}

function endpoints(entries: PolicyEntry[], v6: boolean): string[] {
  const seen = new Map<string, { address: bigint; port: number }>();
  for (const e of entries) {
    const point = parseEndpoint(e.value);
    if (!point || point.v6 !== v6) continue;
    const range = parseNetwork(point.address) as { range: Range };
    seen.set(`${point.address} . ${point.port}`, { address: range.range.start, port: point.port });
  }
  return [...seen.entries()]
    .sort(([, a], [, b]) => (a.address !== b.address ? (a.address < b.address ? -1 : 1) : a.port - b.port))
    .map(([text]) => text);
}

const CARRIED = new Set<PolicyEntry['type']>(['ipv4', 'ipv6', 'cidr', 'ip-port']);

type SetName = 'blocked' | 'monitor';
type Sets = Record<SetName, { v4: string[]; v6: string[]; v4Port: string[]; v6Port: string[] }>;

function buildSets(entries: PolicyEntry[], monitorAll: boolean): Sets {
  const group = (action: PolicyEntry['action']) => {
    const mine = entries.filter((e) => (monitorAll ? 'monitor' : e.action) === action);
    const networks = collapseNetworks(mine.filter((e) => e.type !== 'ip-port').map((e) => e.value));
    const ports = mine.filter((e) => e.type === 'ip-port');
    return { v4: networks.v4, v6: networks.v6, v4Port: endpoints(ports, false), v6Port: endpoints(ports, true) };
  };
  return { blocked: group('block'), monitor: group('monitor') };
}

function setBlock(name: string, type: string, interval: boolean, elements: string[]): string[] {
  const lines = [`\tset ${name} {`, `\t\ttype ${type}`];
  if (interval) lines.push('\t\tflags interval');
  if (elements.length > 0) lines.push('\t\telements = {', elements.map((e) => `\t\t\t${e}`).join(',\n'), '\t\t}');
  lines.push('\t}');
  return lines;
}

/** The match expressions for traffic whose `dir` end is listed in sets named `<prefix>_*`. */
function matches(prefix: SetName, dir: 'saddr' | 'daddr'): string[] {
  const port = dir === 'saddr' ? 'sport' : 'dport';
  return [
    `ip ${dir} @${prefix}_v4`,
    `ip6 ${dir} @${prefix}_v6`,
    `meta l4proto { tcp, udp } ip ${dir} . th ${port} @${prefix}_v4_port`,
    `meta l4proto { tcp, udp } ip6 ${dir} . th ${port} @${prefix}_v6_port`,
  ];
}

/** The walled garden's part of the script: the restricted clients come from the snapshot. */
export type WalledGardenOptions = { walledGarden: boolean; allow: readonly string[] };

/** Forward rules for restricted clients: everything but the allowed destinations. */
function gardenRules(monitorAll: boolean, log: boolean): string[] {
  const out: string[] = [];
  for (const [ip, family] of [
    ['ip', 'v4'],
    ['ip6', 'v6'],
  ] as const) {
    const m = `${ip} saddr @restricted_${family} ${ip} daddr != @restricted_allow_${family}`;
    if (monitorAll) {
      out.push(`\t\t${m} counter ${LOG_LIMIT} log prefix "mizugiwa monitor "`);
      continue;
    }
    if (log) out.push(`\t\t${m} ${LOG_LIMIT} log prefix "mizugiwa restricted "`);
    out.push(`\t\t${m} counter drop`);
  }
  return out;
}

const CHAINS: { name: string; directions: ('saddr' | 'daddr')[] }[] = [
  { name: 'input', directions: ['saddr'] },
  { name: 'forward', directions: ['daddr', 'saddr'] },
  { name: 'output', directions: ['daddr'] },
];

/**
 * The nft script for a snapshot: deterministic, and loadable by `nft -f` whatever was loaded before.
 * With `garden`, the restricted clients' sets (and, if asked, their forward rules) are in it too.
 */
export function renderNftables(snapshot: PolicySnapshot, enforce: EnforceConfig, garden?: WalledGardenOptions): string {
  const nft = enforce.nftables;
  const monitorAll = enforce.monitor || nft.monitor;
  const sets = buildSets(
    snapshot.entries.filter((e) => CARRIED.has(e.type)),
    monitorAll,
  );
  const table = `inet ${nft.table}`;
  const lines = [
    '#!/usr/sbin/nft -f',
    '# Written by Mizugiwa (enforce.nftables); every publish replaces it. Edit the policy, not this file.',
    '',
    // Declaring the table first makes the delete succeed on the first load, when it does not exist yet.
    `table ${table} {}`,
    `delete table ${table}`,
    '',
    `table ${table} {`,
  ];
  for (const name of ['blocked', 'monitor'] as const) {
    const s = sets[name];
    lines.push(
      ...setBlock(`${name}_v4`, 'ipv4_addr', true, s.v4),
      '',
      ...setBlock(`${name}_v6`, 'ipv6_addr', true, s.v6),
      '',
      ...setBlock(`${name}_v4_port`, 'ipv4_addr . inet_service', false, s.v4Port),
      '',
      ...setBlock(`${name}_v6_port`, 'ipv6_addr . inet_service', false, s.v6Port),
      '',
    );
  }
  if (garden) {
    const clients = collapseNetworks(snapshot.restrictedClients);
    lines.push(
      ...setBlock('restricted_v4', 'ipv4_addr', true, clients.v4),
      '',
      ...setBlock('restricted_v6', 'ipv6_addr', true, clients.v6),
      '',
    );
    if (garden.walledGarden) {
      const allow = collapseNetworks(garden.allow);
      lines.push(
        ...setBlock('restricted_allow_v4', 'ipv4_addr', true, allow.v4),
        '',
        ...setBlock('restricted_allow_v6', 'ipv6_addr', true, allow.v6),
        '',
      );
    }
  }
  for (const chain of CHAINS) {
    lines.push(`\tchain ${chain.name} {`, `\t\ttype filter hook ${chain.name} priority filter - 10; policy accept;`);
    for (const dir of chain.directions) {
      if (monitorAll) continue;
      for (const m of matches('blocked', dir)) {
        // The log has its own rule because a limit that is exceeded ends the rule: on the drop's rule
        // it would let the packet through.
        if (nft.log) lines.push(`\t\t${m} ${LOG_LIMIT} log prefix "mizugiwa drop "`);
        lines.push(`\t\t${m} counter drop`);
      }
    }
    if (chain.name === 'forward' && garden?.walledGarden) lines.push(...gardenRules(monitorAll, nft.log));
    // After the drops: an address both blocked and watched is dropped, and logged once, as a drop.
    for (const dir of chain.directions) {
      for (const m of matches('monitor', dir))
        lines.push(`\t\t${m} counter ${LOG_LIMIT} log prefix "mizugiwa monitor "`);
    }
    lines.push('\t}', '');
  }
  lines.pop();
  lines.push('}', '');
  return lines.join('\n');
}

/** The walled-garden options when restricted clients go into nftables (abuse.escalation.nftables). */
export function walledGardenOptions(config: RenderContext['config']): WalledGardenOptions | undefined {
  const nft = config.abuse.escalation.nftables;
  return nft.enabled ? { walledGarden: nft.walled_garden, allow: nft.allow } : undefined;
}

export const nftablesPoint: EnforcementPoint = {
  name: 'nftables',
  render(snapshot, context) {
    const garden = walledGardenOptions(context.config);
    const keys = [
      ...snapshot.entries.filter((e) => CARRIED.has(e.type)).map(entryKey),
      ...(garden ? snapshot.restrictedClients.map((prefix) => `client ${prefix}`) : []),
    ];
    return {
      point: 'nftables',
      keys: keys.sort(),
      files: [{ path: nftablesFile(context), content: renderNftables(snapshot, context.config.enforce, garden) }],
    };
  },
  async apply(artifact, context) {
    const file = artifact.files[0]?.path ?? nftablesFile(context);
    const command = context.config.enforce.nftables.reload_command;
    await installFiles(artifact.files, async () => {
      if (command) await runCommand(command, { file });
    });
  },
};
