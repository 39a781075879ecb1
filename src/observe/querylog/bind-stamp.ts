import type { LineContext } from '../line-format.js';
import { monthNumber } from '../local-time.js';
import { digitsAt, isWallClock } from './stamp-digits.js';

const DASH = 45;
const COLON = 58;
const DOT = 46;
const SPACE = 32;
const T = 84;
const Z = 90;

/**
 * The time BIND's own `print-time` stamp at `at` says, in ms since the epoch; NaN when there is none there.
 *   `25-Nov-2026 06:46:37.491`    print-time yes | local   (the server's local time)
 *   `2026-11-25T06:46:37.491`     print-time iso8601       (local time, no zone written)
 *   `2026-11-24T21:46:37.491Z`    print-time iso8601-utc
 * Local times are read in the input's zone (ctx.localTime), which must be the zone named ran in.
 */
export function bindStampTime(line: string, at: number, ctx: LineContext): number {
  if (line.charCodeAt(at + 2) === DASH) return legacyStampTime(line, at, ctx);
  if (line.charCodeAt(at + 4) === DASH) return isoStampTime(line, at, ctx);
  return NaN;
}

/**
 * The second of the last stamp read (its text up to the seconds) and the instant it starts at. Lines come in
 * time order, dozens to thousands to a second, so most lines match the one before and cost a string compare
 * instead of a parse and a zone lookup. Keyed by the context as well as the text, so that a result never depends
 * on which lines came before.
 */
type LastSecond = { text: string; ctx: LineContext | null; time: number };
const lastLegacy: LastSecond = { text: '', ctx: null, time: 0 };
const lastIsoLocal: LastSecond = { text: '', ctx: null, time: 0 };
const lastIsoUtc: LastSecond = { text: '', ctx: null, time: 0 };

/** Length of `DD-Mon-YYYY HH:MM:SS`, the part of a legacy stamp before its milliseconds. */
const LEGACY_SECOND = 20;
/** Length of `YYYY-MM-DDTHH:MM:SS`. */
const ISO_SECOND = 19;

function legacyStampTime(line: string, at: number, ctx: LineContext): number {
  const ms = line.charCodeAt(at + LEGACY_SECOND) === DOT ? digitsAt(line, at + LEGACY_SECOND + 1, 3) : 0;
  if (ms < 0) return NaN;
  if (lastLegacy.ctx === ctx && line.startsWith(lastLegacy.text, at)) return lastLegacy.time + ms;
  if (
    line.charCodeAt(at + 6) !== DASH ||
    line.charCodeAt(at + 11) !== SPACE ||
    line.charCodeAt(at + 14) !== COLON ||
    line.charCodeAt(at + 17) !== COLON
  )
    return NaN;
  const day = digitsAt(line, at, 2);
  const month = monthNumber(line.slice(at + 3, at + 6));
  const year = digitsAt(line, at + 7, 4);
  const hour = digitsAt(line, at + 12, 2);
  const minute = digitsAt(line, at + 15, 2);
  const second = digitsAt(line, at + 18, 2);
  if (year < 0 || !isWallClock(month, day, hour, minute, second)) return NaN;
  return (
    remember(
      lastLegacy,
      line.slice(at, at + LEGACY_SECOND),
      ctx,
      ctx.localTime(year, month, day, hour, minute, second, 0),
    ) + ms
  );
}

function remember(last: LastSecond, text: string, ctx: LineContext, time: number): number {
  if (!Number.isNaN(time)) {
    last.text = text;
    last.ctx = ctx;
    last.time = time;
  }
  return time;
}

function isoStampTime(line: string, at: number, ctx: LineContext): number {
  const hasMs = line.charCodeAt(at + ISO_SECOND) === DOT;
  const ms = hasMs ? digitsAt(line, at + ISO_SECOND + 1, 3) : 0;
  if (ms < 0) return NaN;
  const utc = line.charCodeAt(at + (hasMs ? ISO_SECOND + 4 : ISO_SECOND)) === Z;
  const last = utc ? lastIsoUtc : lastIsoLocal;
  if (last.ctx === ctx && line.startsWith(last.text, at)) return last.time + ms;
  if (
    line.charCodeAt(at + 7) !== DASH ||
    line.charCodeAt(at + 10) !== T ||
    line.charCodeAt(at + 13) !== COLON ||
    line.charCodeAt(at + 16) !== COLON
  )
    return NaN;
  const year = digitsAt(line, at, 4);
  const month = digitsAt(line, at + 5, 2);
  const day = digitsAt(line, at + 8, 2);
  const hour = digitsAt(line, at + 11, 2);
  const minute = digitsAt(line, at + 14, 2);
  const second = digitsAt(line, at + 17, 2);
  if (year < 0 || !isWallClock(month, day, hour, minute, second)) return NaN;
  const time = utc
    ? Date.UTC(year, month - 1, day, hour, minute, second)
    : ctx.localTime(year, month, day, hour, minute, second, 0);
  return remember(last, line.slice(at, at + ISO_SECOND), ctx, time) + ms;
}
