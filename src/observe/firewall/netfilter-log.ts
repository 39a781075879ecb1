import type { Observation } from '../../domain/observation.js';
import { normaliseIp } from '../../net/ip.js';
import type { LineContext, LineFormat } from '../line-format.js';
import { syslogPrefix } from '../syslog-prefix.js';
import { kernelIpv6Text } from './kernel-ipv6.js';
import { kernelStamp } from './kernel-stamp.js';
import { readPacketFields, type PacketFields } from './packet-fields.js';

// Packets logged by the kernel for nftables `log prefix "…"` and iptables `-j LOG --log-prefix "…"`.
// The kernel writes `<prefix>IN=<if> OUT=<if> <packet fields>` (the prefix runs straight into IN=:
// a prefix without a trailing space gives `acceptIN=eth0`). Lines come as
//
//   Nov 24 10:00:00 gw kernel: [12345.678901] mizugiwa drop IN=…     syslog file (rsyslog imklog)
//   2026-11-24T10:00:00+0900 gw kernel: mizugiwa drop IN=…           journalctl -k -o short-iso
//   [12345.678901] mizugiwa drop IN=…                                 dmesg
//   mizugiwa drop IN=…                                                journalctl -o cat
//
// dmesg's stamp counts seconds since boot, so such lines (and bare messages) take ctx.now as their
// time: a replay of old dmesg output therefore lands at the replay's time, which is the best the line
// allows. Kernel lines that are not packet logs are null.
//
// Whether the packet was dropped is not in the line; only the prefix the operator chose says it. It
// counts as blocked when the prefix has drop, reject, block or deny in it: Mizugiwa's own rules log
// "mizugiwa drop " before dropping and "mizugiwa monitor " when only watching (src/enforce/nftables.ts),
// and operators' prefixes follow the same habit ("FW-REJECT", "[UFW BLOCK]", "Blocked SSH").

const BLOCKING_PREFIX = /drop|reject|block|deny/i;

function parseLine(line: string, ctx: LineContext): Observation | string | null {
  let time = ctx.now;
  let at = 0;
  const syslog = line.charCodeAt(0) === OPEN_BRACKET ? undefined : syslogPrefix(line, ctx);
  if (syslog) {
    if (syslog.tag !== 'kernel') return null;
    time = syslog.time;
    at = syslog.rest;
  }
  const stamp = kernelStamp(line, at, ctx);
  if (stamp) {
    at = stamp.rest;
    if (!syslog && stamp.time !== undefined) time = stamp.time;
  }

  const out = line.indexOf(' OUT=', at);
  if (out < 0) return null;
  const inAt = line.lastIndexOf('IN=', out);
  if (inAt < at || line.lastIndexOf(' ', out - 1) > inAt) return null;
  const logPrefix = trimPrefix(line.slice(at, inAt));
  const fieldsAt = line.indexOf(' ', out + 1);
  const fields = readPacketFields(line, fieldsAt < 0 ? line.length : fieldsAt);

  // An ARP packet has hardware and protocol addresses (IPSRC/IPDST) but no IP flow to match.
  if (fields.arp) return null;
  if (fields.src === undefined || fields.dst === undefined) return 'packet log without SRC= and DST=';
  const client = addressText(fields.src);
  if (client === undefined) return `SRC=${fields.src} is not an IP address`;
  const destination = addressText(fields.dst);
  if (destination === undefined) return `DST=${fields.dst} is not an IP address`;

  const observation: Observation = { time, point: 'firewall', client };
  const sourcePort = portNumber(fields.sourcePort);
  if (sourcePort !== undefined) observation.clientPort = sourcePort;
  observation.addresses = [destination];
  const destinationPort = portNumber(fields.destinationPort);
  if (destinationPort !== undefined) observation.port = destinationPort;
  const facts = protocolFacts(fields);
  observation.detail = logPrefix === '' ? facts : `${facts} (${logPrefix})`;
  observation.blocked = BLOCKING_PREFIX.test(logPrefix);
  return observation;
}

export const netfilterLog: LineFormat = { name: 'nftables-log', point: 'firewall', parseLine };

/** An address in normalised text (the kernel's long IPv6 form the fast way), undefined when it is none. */
function addressText(text: string): string | undefined {
  const v6 = kernelIpv6Text(text);
  if (v6 !== undefined) return v6;
  const address = normaliseIp(text);
  return address.ok ? address.indicator.value : undefined;
}

/** `TCP SYN`, `UDP`, `ICMP 8/0`, `ICMPv6 128/0`, `proto 47` (the kernel writes a number for the rest). */
function protocolFacts(fields: PacketFields): string {
  const proto = fields.proto;
  if (proto === undefined) return 'IP';
  if (proto === 'TCP') return fields.tcpFlags.length > 0 ? `TCP ${fields.tcpFlags.join(' ')}` : 'TCP';
  if (proto === 'ICMP' || proto === 'ICMPv6') {
    return fields.icmpType === undefined ? proto : `${proto} ${fields.icmpType}/${fields.icmpCode ?? '?'}`;
  }
  return isNumber(proto) ? `proto ${proto}` : proto;
}

/** The prefix as the operator wrote it, without the space or colon that separates it from IN=. */
function trimPrefix(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) === SPACE) start++;
  while (end > start && (text.charCodeAt(end - 1) === SPACE || text.charCodeAt(end - 1) === COLON)) end--;
  return text.slice(start, end);
}

function portNumber(text: string | undefined): number | undefined {
  if (text === undefined || !isNumber(text) || text.length > 5) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

function isNumber(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

const SPACE = 32;
const COLON = 58;
const OPEN_BRACKET = 91;
