import type { LineContext } from '../line-format.js';
import { monthNumber, yearFor } from '../local-time.js';

/** A stamp read from a syslog header: the time in ms since the epoch and the index just after it. */
export type Stamp = { time: number; end: number };

// Times a log line can carry: toISOString() writes four-digit years only, and syslog-prefix.ts reads nothing
// else, so a stamp outside these years (a device whose clock was never set sends 1970 or 0000) is refused
// rather than turned into a line nobody can read back.
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

// RFC 5424 §6.2.3 (RFC 3339 with at most 6 fraction digits, a required offset, no leap second). Read leniently
// because rsyslog also puts this stamp into RFC 3164 headers: more fraction digits, `+hhmm` and no offset at all
// (then the time is local wall time, as in a file) are taken too.
const ISO = /(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?([Zz]|[+-]\d\d:?\d\d)?/y;

// RFC 3164 §4.1.2 `Mmm dd hh:mm:ss` (day padded with a space), plus what devices send instead: an unpadded day,
// a fraction (rsyslog high precision, journald) and a year before the time (Cisco `service timestamps ... year`).
const BSD = /([A-Z][a-z]{2}) {1,2}(\d{1,2})(?: (\d{4}))? (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?/y;

/**
 * Reads an RFC 3339 stamp at `at`. Undefined when the text there is not shaped like one; a reason when it is
 * shaped like one but names no real time (month 13, 31 June, offset +25:00).
 */
export function readIsoStamp(s: string, at: number, ctx: LineContext): Stamp | string | undefined {
  ISO.lastIndex = at;
  const m = ISO.exec(s);
  if (!m || !endsField(s, ISO.lastIndex)) return undefined;
  const [text, y, mo, d, h, mi, sec, frac, zone] = m;
  const wall = wallTime(+y!, +mo!, +d!, +h!, +mi!, +sec!, milliseconds(frac));
  if (wall === undefined) return `timestamp "${text}" is not a real date and time`;
  let time: number;
  if (zone === undefined) time = ctx.localTime(+y!, +mo!, +d!, +h!, +mi!, +sec!, milliseconds(frac));
  else if (zone === 'Z' || zone === 'z') time = wall;
  else {
    const hours = Number(zone.slice(1, 3));
    const minutes = Number(zone.slice(zone.length - 2));
    if (hours > 23 || minutes > 59) return `timestamp "${text}" has an offset that is not a real one`;
    time = wall - (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000;
  }
  return inRange(time, text) ?? { time, end: ISO.lastIndex };
}

/**
 * Reads an RFC 3164 stamp at `at`. Without a year, it takes the year that puts the stamp at most a day after
 * ctx.now (a December message read on 1 January is last year's), in the sender's zone (ctx.localTime).
 */
export function readBsdStamp(s: string, at: number, ctx: LineContext): Stamp | string | undefined {
  BSD.lastIndex = at;
  const m = BSD.exec(s);
  if (!m || !endsField(s, BSD.lastIndex)) return undefined;
  const [text, mon, d, y, h, mi, sec, frac] = m;
  const month = monthNumber(mon!);
  if (month === 0) return undefined;
  const day = +d!;
  const year = y === undefined ? yearFor(month, day, ctx.now) : +y;
  const ms = milliseconds(frac);
  if (wallTime(year, month, day, +h!, +mi!, +sec!, ms) === undefined) {
    return `timestamp "${text}" is not a real date and time`;
  }
  const time = ctx.localTime(year, month, day, +h!, +mi!, +sec!, ms);
  return inRange(time, text) ?? { time, end: BSD.lastIndex };
}

/** A stamp is a field of its own: a space or the end of the message follows it. */
function endsField(s: string, end: number): boolean {
  return end === s.length || s.charCodeAt(end) === 32;
}

/** The first three fraction digits as ms, exactly (no float rounding: `.123` must stay 123 ms). */
function milliseconds(frac: string | undefined): number {
  return frac === undefined ? 0 : Number((frac + '00').slice(0, 3));
}

/** The UTC reading of a wall time, or undefined when no such time exists (Date.UTC would roll 30 Feb over). */
function wallTime(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function inRange(time: number, text: string): string | undefined {
  if (Number.isNaN(time)) return `timestamp "${text}" is not a real local time`;
  if (time < EARLIEST || time > LATEST) return `timestamp "${text}" is outside the years 1970 to 9999`;
  return undefined;
}
