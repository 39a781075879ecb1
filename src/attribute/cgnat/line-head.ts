import { syslogPrefix } from '../../observe/syslog-prefix.js';
import { readBsdStamp, readIsoStamp } from '../../observe/syslog/timestamp.js';
import type { LeaseContext } from '../lease-format.js';

/** What the syslog header in front of a NAT device's message says: when, and which device. */
export type LineHead = { time?: number; host?: string };

const SP = 32;

/**
 * The time and host of a line as a collector wrote it. NAT devices' lines come in more shapes than
 * syslog-prefix.ts reads, because they are often kept exactly as received:
 *   `Nov 24 10:00:00 host tag: …` and `2026-11-24T10:00:00+09:00 host tag: …`  (syslog-prefix.ts)
 *   `<14>Nov 24 10:00:00 host RT_NAT: …`                                       (a raw RFC 3164 datagram)
 *   `<134>1 2026-11-24T01:00:00.123456Z 192.0.2.1 NAT 5901 SADD [nsess …]`      (a raw RFC 5424 datagram)
 *   `Nov 24 10:00:00 mx1 (FPC Slot 1, PIC Slot 0) {sset}[jservices-nat]: …`   (a tag with spaces in it)
 * Year-less and zone-less stamps are read as syslog-prefix.ts reads them (the year nearest before ctx.now,
 * the input's zone). A stamp that is shaped right but names no real time (31 June) is a reason; a line
 * without any stamp is `{}`: the caller decides whether the message carries its own time.
 */
export function lineHead(line: string, ctx: LeaseContext): LineHead | string {
  const prefix = syslogPrefix(line, ctx);
  if (prefix !== undefined) return { time: prefix.time, host: prefix.host };
  let i = 0;
  if (line.charCodeAt(0) === 60) {
    const close = line.indexOf('>', 1);
    if (close < 2 || close > 4 || !/^\d+$/.test(line.slice(1, close))) return {};
    i = close + 1;
    // RFC 5424: VERSION, then TIMESTAMP or `-`.
    if (line.charCodeAt(i) === 49 && line.charCodeAt(i + 1) === SP) {
      i += 2;
      if (line.charCodeAt(i) === 45 && line.charCodeAt(i + 1) === SP) return { host: field(line, i + 2) };
      const stamp = readIsoStamp(line, i, ctx);
      if (stamp === undefined || typeof stamp === 'string') return stamp ?? {};
      return { time: stamp.time, host: field(line, stamp.end + 1) };
    }
  }
  while (line.charCodeAt(i) === SP) i++;
  const c = line.charCodeAt(i);
  const stamp = c >= 48 && c <= 57 ? readIsoStamp(line, i, ctx) : readBsdStamp(line, i, ctx);
  if (stamp === undefined || typeof stamp === 'string') return stamp ?? {};
  let at = stamp.end;
  while (line.charCodeAt(at) === SP) at++;
  const host = field(line, at);
  // A word ending in `:` straight after the stamp is a tag, not a host (the kernel via some relays).
  return host === undefined || host.endsWith(':') ? { time: stamp.time } : { time: stamp.time, host };
}

/** The space-delimited word at `at`, or undefined at the end of the line or for the RFC 5424 nil value. */
function field(line: string, at: number): string | undefined {
  const end = line.indexOf(' ', at);
  const word = line.slice(at, end < 0 ? line.length : end);
  return word.length === 0 || word === '-' ? undefined : word;
}
