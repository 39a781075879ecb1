import type { LeaseContext } from '../lease-format.js';

// The times an operator types into an assignment sheet: a date (`2026-04-01`, `2026/04/01`) or a date and time
// (`2026-04-01 09:00`, `2026-04-01T09:00:00+09:00`). Without a zone they are the sheet's local time
// (ctx.localTime, Asia/Tokyo by default), because that is how contracts are written.

const STAMP =
  /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?)? *(Z|[+-]\d\d:?\d\d)?$/i;

/**
 * The cell as ms since the epoch, or a sentence saying what is wrong. A date alone is the start of that day,
 * except for an `until`, where it is the end of it: a line assigned "until 2026-03-31" is still the customer's
 * on the evening of the 31st.
 */
export function assignmentTime(text: string, ctx: LeaseContext, endOfDay: boolean): number | string {
  const m = STAMP.exec(text.trim());
  if (!m) return `"${text}" is not a date or date and time: write 2026-04-01, 2026/04/01 or 2026-04-01T09:00:00+09:00`;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = +y!;
  const month = +mo!;
  const day = +d!;
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day || year < 1970)
    return `"${text}" is not a real date`;
  const dateOnly = h === undefined;
  const hour = dateOnly ? 0 : +h!;
  const minute = dateOnly ? 0 : +mi!;
  const second = s === undefined ? 0 : +s;
  if (hour > 23 || minute > 59 || second > 59) return `"${text}" is not a real time of day`;
  const ms = frac === undefined ? 0 : Number((frac + '00').slice(0, 3));
  let time: number;
  if (zone === undefined) time = ctx.localTime(year, month, day, hour, minute, second, ms);
  else {
    const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
    if (zone.toUpperCase() === 'Z') time = wall;
    else {
      const digits = zone.replace(':', '');
      const offset = (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))) * 60_000;
      if (Number(digits.slice(1, 3)) > 23 || Number(digits.slice(3, 5)) > 59)
        return `"${text}" has no real zone offset`;
      time = digits[0] === '-' ? wall + offset : wall - offset;
    }
  }
  if (!Number.isFinite(time)) return `"${text}" is not a real local time`;
  // The end of a day is the start of the next one, read in the same zone (a DST day is not 24 hours).
  if (dateOnly && endOfDay) {
    const next = new Date(Date.UTC(year, month - 1, day + 1));
    return assignmentTime(
      `${next.getUTCFullYear()}-${next.getUTCMonth() + 1}-${next.getUTCDate()}${zone ?? ''}`,
      ctx,
      false,
    );
  }
  return time;
}
