import type { LineContext } from './line-format.js';

/**
 * Wall-clock times in a log (no zone written) turned into UTC, for an IANA zone such as Asia/Tokyo.
 * The zone's offset is looked up once per hour of wall time and cached: a log has millions of lines
 * and a handful of hours, and Intl is far too slow to ask per line.
 */
export function localTimeIn(zone: string): LineContext['localTime'] {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  // The offset (zone time − UTC) in force at a UTC instant.
  const offsetAt = (utc: number): number => {
    const f: Record<string, number> = {};
    for (const p of parts.formatToParts(new Date(utc))) if (p.type !== 'literal') f[p.type] = Number(p.value);
    return Date.UTC(f.year!, f.month! - 1, f.day!, f.hour!, f.minute!, f.second!) - Math.floor(utc / 1000) * 1000;
  };
  const byHour = new Map<number, number>();
  return (year, month, day, hour, minute, second, ms) => {
    const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
    const hourKey = Math.floor(wall / 3_600_000);
    let offset = byHour.get(hourKey);
    if (offset === undefined) {
      // Two passes settle the offset across a DST change; a wall time that does not exist keeps the first.
      const first = offsetAt(wall);
      offset = offsetAt(wall - first);
      if (byHour.size > 10_000) byHour.clear();
      byHour.set(hourKey, offset);
    }
    return wall - offset;
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** 1–12 for `Jan`…`Dec` (as BIND and syslog write them), 0 when it is none of them. */
export function monthNumber(abbreviation: string): number {
  return MONTHS.indexOf(abbreviation) + 1;
}

/**
 * The year of a year-less stamp (`Nov 24 10:00:00`): the one that puts it at most a day after `now`,
 * so that a December line read in January lands in the old year.
 */
export function yearFor(month: number, day: number, now: number): number {
  const today = new Date(now);
  const year = today.getUTCFullYear();
  return Date.UTC(year, month - 1, day) > now + 86_400_000 ? year - 1 : year;
}
