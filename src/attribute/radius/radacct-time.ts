import type { LeaseContext } from '../lease-format.js';
import type { RadacctValue } from './radacct-row.js';

// The times of a radacct row as the drivers and the dumps hand them over:
//  - a Date (pg reads timestamptz into one),
//  - a number of seconds since the epoch (what UNIX_TIMESTAMP() and EXTRACT(EPOCH …) return),
//  - text: PostgreSQL's ISO output `2026-11-25 12:00:00+09` (offsets `+09`, `+05:30`, `+00`, fractions up to
//    microseconds), or MySQL's zone-less DATETIME `2026-11-25 12:00:00`, which is wall time in the time zone of
//    the session that wrote it and is read with the caller's `localTime`.
// MySQL writes its "zero date" `0000-00-00 00:00:00` (and UNIX_TIMESTAMP() turns it into 0) for a time it was
// never told; both mean "no time", not 1970.

export type LocalTime = LeaseContext['localTime'];

/** ms since the epoch; undefined when the column holds no time; a string saying what is wrong otherwise. */
export type RadacctTime = number | undefined | string;

const STAMP =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?(?::(\d{2}))?)?$/;
const ZERO_DATE = /^0000-00-00[ T]00:00:00(?:\.0+)?$/;

/** Reads the time in `column` of a row; `localTime` reads zone-less text, which is refused without it. */
export function radacctTime(column: string, value: RadacctValue, localTime: LocalTime | undefined): RadacctTime {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isNaN(ms) ? `${column} is an invalid date` : ms;
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    const seconds = Number(value);
    if (seconds === 0) return undefined;
    // Up to the last second of 9999, as far as either database's types reach.
    if (!(seconds > 0 && seconds < 253402300800))
      return `${column} ${String(value)} is not a time in seconds since 1970`;
    return Math.floor(seconds * 1000);
  }
  const text = value.trim();
  if (text === '' || ZERO_DATE.test(text)) return undefined;
  const m = STAMP.exec(text);
  const unreadable =
    `${column} "${text}" is not a time: expected 2026-11-25 12:00:00, with a fraction of a second and a UTC ` +
    'offset (+09, +05:30, Z) if the database wrote them';
  if (!m) return unreadable;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Milliseconds are kept and the rest of a fraction dropped, so a time never moves past a later one.
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(wall);
  if (
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    year < 1970
  ) {
    return unreadable;
  }
  if (m[8] === 'Z') return wall;
  if (m[9] !== undefined) {
    const offsetHours = Number(m[10]);
    const offsetMinutes = Number(m[11] ?? 0);
    const offsetSeconds = Number(m[12] ?? 0);
    if (offsetHours > 15 || offsetMinutes > 59 || offsetSeconds > 59) return unreadable;
    const offset = ((offsetHours * 60 + offsetMinutes) * 60 + offsetSeconds) * 1000;
    return m[9] === '+' ? wall - offset : wall + offset;
  }
  if (!localTime) {
    return (
      `${column} "${text}" has no UTC offset and nothing says which time zone it is in: give the zone ` +
      "the database wrote it in (MySQL's session time_zone, usually the server's)"
    );
  }
  return localTime(year, month, day, hour, minute, second, ms);
}
