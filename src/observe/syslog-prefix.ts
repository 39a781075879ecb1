import type { LineContext } from './line-format.js';
import { monthNumber, yearFor } from './local-time.js';

/** A log line with its syslog (or journal) stamp taken off: when, which host and program, and the rest. */
export type SyslogPrefix = {
  /** ms since the epoch; year-less and zone-less stamps are read in the input's zone (ctx.localTime). */
  time: number;
  host: string;
  /** The program (`named`, `kernel`, `postfix/smtpd`), without its `[pid]`. */
  tag: string;
  /** Where the message starts in the line. */
  rest: number;
};

const SPACE = 32;

/**
 * Reads the stamp syslog daemons and journalctl put before a message, in the forms operators' files hold:
 *   `Nov 24 10:00:00 host named[123]: …`                       (RFC 3164, rsyslog's default file format)
 *   `2026-11-24T10:00:00.123456+09:00 host named[123]: …`      (RFC 3339, rsyslog high precision; what
 *                                                                Mizugiwa's own syslog server hands on)
 *   `2026-11-24T10:00:00+0900 host kernel: …`                  (journalctl -o short-iso)
 *   `Nov 24 10:00:00.123456 host kernel: …`                     (journalctl -o short-precise)
 * Returns undefined when the line does not start with one of them (the line is then the bare message).
 */
export function syslogPrefix(line: string, ctx: LineContext): SyslogPrefix | undefined {
  let time: number;
  let at: number;
  const c0 = line.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57) {
    const m = ISO.exec(line);
    if (!m) return undefined;
    const [, y, mo, d, h, mi, s, frac, zone] = m;
    const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
    const wall = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!, ms);
    if (zone === undefined) time = ctx.localTime(+y!, +mo!, +d!, +h!, +mi!, +s!, ms);
    else if (zone === 'Z' || zone === 'z') time = wall;
    else {
      const sign = zone.charCodeAt(0) === 45 ? -1 : 1;
      const digits = zone.replace(':', '');
      time = wall - sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))) * 60_000;
    }
    at = m[0].length;
  } else {
    const m = BSD.exec(line);
    if (!m) return undefined;
    const month = monthNumber(m[1]!);
    if (month === 0) return undefined;
    const day = +m[2]!;
    const ms = m[6] ? Math.floor(Number(`0.${m[6]}`) * 1000) : 0;
    time = ctx.localTime(yearFor(month, day, ctx.now), month, day, +m[3]!, +m[4]!, +m[5]!, ms);
    at = m[0].length;
  }
  if (Number.isNaN(time)) return undefined;
  // host, then the tag up to `:` (with an optional `[pid]`).
  const hostEnd = line.indexOf(' ', at);
  if (hostEnd < 0) return undefined;
  const host = line.slice(at, hostEnd);
  const colon = line.indexOf(':', hostEnd + 1);
  if (colon < 0) return undefined;
  let tag = line.slice(hostEnd + 1, colon);
  if (tag.includes(' ')) return undefined;
  const bracket = tag.indexOf('[');
  if (bracket >= 0) tag = tag.slice(0, bracket);
  let rest = colon + 1;
  if (line.charCodeAt(rest) === SPACE) rest++;
  return { time, host, tag, rest };
}

const ISO = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d+))?(Z|z|[+-]\d\d:?\d\d)? /;
const BSD = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d+))? /;
