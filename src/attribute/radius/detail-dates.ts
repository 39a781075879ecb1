import type { LeaseContext } from '../lease-format.js';
import { monthNumber } from '../../observe/local-time.js';

// The two ways a FreeRADIUS detail file writes a time in local wall-clock text:
//  - the block header, `%t`: ctime, `Wed Nov 25 08:46:27 2026` (a day below 10 is space-padded: `Nov  4`);
//  - a `date` attribute (Event-Timestamp): strftime `%b %e %Y %H:%M:%S %Z`, `Nov 25 2026 08:26:10 JST`, where
//    %Z is an abbreviation (JST, CEST), or a numeric one (`-03`, `+0545`) for zones that have none.
// An abbreviation does not name a zone unambiguously (IST, CST), so those are read in the zone the source is
// configured with (ctx.localTime); UTC/GMT and numeric offsets are read as what they say.

const HEADER = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})$/;
const DATE = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{4}) (\d\d):(\d\d):(\d\d)(?: ([A-Za-z]{1,6}|[+-]\d\d(?:\d\d)?))?$/;
const UTC_NAMES = new Set(['UTC', 'GMT', 'UCT', 'UT', 'Z']);

/** ms since the epoch of a ctime header read in local time; undefined when the header is not one (`header` is configurable). */
export function detailHeaderTime(text: string, ctx: LeaseContext): number | undefined {
  const m = HEADER.exec(text);
  if (!m) return undefined;
  const fields = wallClock(m[1]!, m[2]!, m[6]!, m[3]!, m[4]!, m[5]!);
  return fields && ctx.localTime(...fields, 0);
}

export type DetailDate = {
  seconds: number;
  /** read with the configured zone (no offset written) */ localZone: boolean;
};

/** Seconds since the epoch of a date attribute's value, or what is wrong with it. */
export function detailDateSeconds(text: string, ctx: LeaseContext): DetailDate | string {
  // A dictionary that types the attribute `integer`, or FreeRADIUS 4, writes the number itself.
  if (/^\d{1,10}$/.test(text)) return { seconds: Number(text), localZone: false };
  const m = DATE.exec(text);
  const fields = m && wallClock(m[1]!, m[2]!, m[3]!, m[4]!, m[5]!, m[6]!);
  if (!m || !fields) {
    return 'not a date as FreeRADIUS writes one ("Nov 25 2026 08:26:10 JST") nor seconds since 1970';
  }
  const zone = m[7];
  if (zone === undefined || (/^[A-Za-z]/.test(zone) && !UTC_NAMES.has(zone.toUpperCase()))) {
    return { seconds: Math.floor(ctx.localTime(...fields, 0) / 1000), localZone: true };
  }
  let offsetMinutes = 0;
  if (zone.startsWith('+') || zone.startsWith('-')) {
    const hours = Number(zone.slice(1, 3));
    const minutes = zone.length > 3 ? Number(zone.slice(3, 5)) : 0;
    if (hours > 14 || minutes > 59) return `the zone offset "${zone}" is not an offset from UTC`;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  return {
    seconds: Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]) / 1000 - offsetMinutes * 60,
    localZone: false,
  };
}

type Fields = [year: number, month: number, day: number, hour: number, minute: number, second: number];

/** The numbers of a wall-clock time, or undefined when one is out of range (a 31 November, a 25th hour). */
function wallClock(
  month: string,
  day: string,
  year: string,
  hour: string,
  minute: string,
  second: string,
): Fields | undefined {
  const fields: Fields = [Number(year), monthNumber(month), Number(day), Number(hour), Number(minute), Number(second)];
  const [y, mo, d, h, mi, s] = fields;
  if (mo === 0 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  if (new Date(Date.UTC(y, mo - 1, d)).getUTCDate() !== d) return undefined;
  return fields;
}
