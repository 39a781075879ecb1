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

function legacyStampTime(line: string, at: number, ctx: LineContext): number {
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
  const ms = line.charCodeAt(at + 20) === DOT ? digitsAt(line, at + 21, 3) : 0;
  if (year < 0 || ms < 0 || !isWallClock(month, day, hour, minute, second)) return NaN;
  return ctx.localTime(year, month, day, hour, minute, second, ms);
}

function isoStampTime(line: string, at: number, ctx: LineContext): number {
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
  const hasMs = line.charCodeAt(at + 19) === DOT;
  const ms = hasMs ? digitsAt(line, at + 20, 3) : 0;
  if (year < 0 || ms < 0 || !isWallClock(month, day, hour, minute, second)) return NaN;
  const utc = line.charCodeAt(at + (hasMs ? 23 : 19)) === Z;
  return utc
    ? Date.UTC(year, month - 1, day, hour, minute, second, ms)
    : ctx.localTime(year, month, day, hour, minute, second, ms);
}
