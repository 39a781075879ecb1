import type { LeaseAction, LeaseRecord } from '../../domain/lease.js';
import { monthNumber } from '../../observe/local-time.js';
import type { LeaseContext, LeaseFormat, LeaseReader } from '../lease-format.js';
import { lineHead } from './line-head.js';
import { canonicalAddress, portNumber, portRange, protocolNumber } from './nat-fields.js';
import { portBlockEvent, rejectedLine } from './port-block-event.js';

// Cisco IOS XR carrier-grade NAT (CGN on the CRS/ASR 9000 service cards, NAT44 and DS-Lite) syslog, as the
// "External Logging / Syslog Message Format" section of the CGN configuration guide lays it out: an RFC 5424-like
// header whose TIMESTAMP is `YYYY Mmm DD hh:mm:ss` (the one deviation the guide admits), MSGID `NAT44` or `DSLITE`,
// no structured data, then one or more records in brackets, each
//   [EventName L4 OriginalSourceIP InsideVRF OriginalSourceIPv6 TranslatedSourceIP OriginalPort
//    TranslatedFirstSourcePort TranslatedLastSourcePort DestinationIP DestinationPort]
// with `-` for a field that does not apply, e.g.
//   <134>1 2026 Nov 24 10:00:00 192.0.2.3 - - NAT44 - [UserbasedA - 100.64.0.1 Broadband - 203.0.113.1 - 2048 3071 - -]
// UserbasedA / UserbasedW are a bulk port block assigned / withdrawn; SessionbasedA(D) / SessionbasedW(D) one
// port for one translation (with its destination when session logging is on); Portblockrunout says nothing about
// who holds what. For DS-Lite the subscriber is the B4's IPv6 address (OriginalSourceIPv6): every B4 uses the same
// 192.0.0.x inside address, so that is what the chain continues from.

const EVENTS: Record<string, { action: LeaseAction; perSession: boolean }> = {
  UserbasedA: { action: 'start', perSession: false },
  UserbasedW: { action: 'stop', perSession: false },
  SessionbasedA: { action: 'start', perSession: true },
  SessionbasedW: { action: 'stop', perSession: true },
  SessionbasedAD: { action: 'start', perSession: true },
  SessionbasedWD: { action: 'stop', perSession: true },
};
const IGNORED = new Set(['Portblockrunout']);
const FIELDS = 11;

// The CGN TIMESTAMP, `2026 Nov 24 10:00:00` (local time of the router, no zone).
const CISCO_STAMP = /(?:^|[\s>])(\d{4}) ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))? (\S+)/;

export const ciscoCgn: LeaseFormat = {
  name: 'cisco-cgn',
  reader(ctx: LeaseContext): LeaseReader {
    return {
      line: (text, line) => readLine(text, line, ctx),
      end: () => [],
      pendingFrom: () => undefined,
    };
  },
};

function readLine(text: string, line: number, ctx: LeaseContext): LeaseRecord[] {
  const first = firstRecord(text);
  if (first < 0) return [];
  const head = text.slice(0, first);
  const when = recordTime(head, ctx);
  if (typeof when === 'string') return [rejectedLine(when, line, text)];
  const out: LeaseRecord[] = [];
  let i = first;
  while (i < text.length && text.charCodeAt(i) === 91) {
    const close = text.indexOf(']', i);
    if (close < 0) {
      out.push(
        rejectedLine(
          `the record at character ${i + 1} is never closed with "]": the message was cut short`,
          line,
          text,
        ),
      );
      break;
    }
    const record = readRecord(text.slice(i + 1, close), when, line, text);
    if (record !== undefined) out.push(record);
    i = close + 1;
    while (text.charCodeAt(i) === 32) i++;
  }
  return out;
}

/** Where the first bracketed CGN record starts, or -1 when the line holds none. */
function firstRecord(text: string): number {
  for (let i = text.indexOf('['); i >= 0; i = text.indexOf('[', i + 1)) {
    const name = text.slice(i + 1, text.indexOf(' ', i + 1));
    if (Object.hasOwn(EVENTS, name) || IGNORED.has(name)) return i;
  }
  return -1;
}

type When = { time: number; host?: string };

/** The record's time: the CGN's own stamp when the header has one, else whatever syslog stamp precedes it. */
function recordTime(head: string, ctx: LeaseContext): When | string {
  const m = CISCO_STAMP.exec(head);
  if (m) {
    const [, y, mon, d, h, mi, s, frac, host] = m;
    const month = monthNumber(mon!);
    const ms = frac === undefined ? 0 : Number((frac + '00').slice(0, 3));
    if (month > 0 && isRealTime(+y!, month, +d!, +h!, +mi!, +s!)) {
      const time = ctx.localTime(+y!, month, +d!, +h!, +mi!, +s!, ms);
      if (Number.isFinite(time)) return host === '-' ? { time } : { time, host: host! };
    }
    return `the CGN time stamp "${m[0].trim()}" is not a real date and time`;
  }
  const syslog = lineHead(head, ctx);
  if (typeof syslog === 'string') return syslog;
  if (syslog.time === undefined)
    return 'the line has no time stamp: neither the CGN header ("1 YYYY Mmm DD hh:mm:ss") nor a syslog one';
  return syslog.host === undefined ? { time: syslog.time } : { time: syslog.time, host: syslog.host };
}

function isRealTime(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return y >= 1970 && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
}

function readRecord(body: string, when: When, line: number, raw: string): LeaseRecord | undefined {
  const fields = body.split(' ');
  const name = fields[0]!;
  if (IGNORED.has(name)) return undefined;
  const event = Object.hasOwn(EVENTS, name) ? EVENTS[name] : undefined;
  const reject = (why: string) => rejectedLine(`${name} record [${body}]: ${why}`, line, raw);
  if (event === undefined) return reject('unknown event name; expected UserbasedA/W or SessionbasedA/W(D)');
  if (fields.length !== FIELDS)
    return reject(`has ${fields.length} fields where the CGN syslog format has ${FIELDS}; the record is damaged`);
  const [, l4, sourceIp, vrf, sourceIpv6, translatedIp, originalPort, firstPort, lastPort, destIp, destPort] =
    fields as [string, string, string, string, string, string, string, string, string, string, string];

  const inside4 = sourceIp === '-' ? undefined : canonicalAddress(sourceIp);
  if (sourceIp !== '-' && inside4 === undefined)
    return reject(`the original source "${sourceIp}" is not an IP address`);
  const b4 = sourceIpv6 === '-' ? undefined : canonicalAddress(sourceIpv6);
  if (sourceIpv6 !== '-' && b4 === undefined)
    return reject(`the original source IPv6 "${sourceIpv6}" is not an IPv6 address`);
  const inside = b4 ?? inside4;
  if (inside === undefined) return reject('names no original source address');
  const address = canonicalAddress(translatedIp);
  if (address === undefined) return reject(`the translated source "${translatedIp}" is not an IP address`);
  const ports = portRange(firstPort, event.perSession && lastPort === '-' ? firstPort : lastPort);
  if (typeof ports === 'string') return reject(ports);

  const detail: Record<string, string> = {};
  if (when.host !== undefined) detail.host = when.host;
  if (b4 !== undefined && inside4 !== undefined) detail.insideIpv4 = inside4;
  let qualifier: string | undefined;
  if (event.perSession) {
    // One public port per translation: the protocol and inside port say which translation a withdrawal ends.
    const port = portNumber(originalPort);
    if (l4 === '-' || port === undefined)
      return reject('a session-based record needs its L4 protocol and original port to be joined to its withdrawal');
    qualifier = `${protocolNumber(l4)}/${port}`;
    if (destIp !== '-' && destPort !== '-') qualifier += `/${destIp}:${destPort}`;
  }
  return portBlockEvent({
    format: 'cisco-cgn',
    action: event.action,
    at: when.time,
    address,
    ports,
    inside,
    ...(vrf === '-' ? {} : { scope: vrf }),
    ...(qualifier === undefined ? {} : { qualifier }),
    line,
    detail,
  });
}
