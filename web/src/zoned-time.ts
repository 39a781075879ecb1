// A wall-clock time the operator types (a datetime-local field: "2025-04-01T09:30") means that time in the zone the
// UI shows times in, which need not be the browser's own zone. The browser only converts from its own zone, so the
// zone's offset at that moment is read from Intl instead.

const WALL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

const partFormats = new Map<string, Intl.DateTimeFormat>();

/** How far `timeZone`'s clocks are ahead of UTC at the instant `utcMs`, in ms. */
function offsetAt(utcMs: number, timeZone: string): number {
  let format = partFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partFormats.set(timeZone, format);
  }
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    Number(format.formatToParts(utcMs).find((p) => p.type === type)?.value);
  const wall = utcOf(part('year'), part('month'), part('day'), part('hour'), part('minute'), part('second'));
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/** Date.UTC without its two-digit-year rule (years 0–99 mean 1900–1999 there). */
function utcOf(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

/**
 * The UTC instant (ISO 8601) of a wall-clock time in `timeZone`; null when `wall` is not a date and time. A time in
 * the hour a daylight-saving change skips or repeats gets one of the offsets in force around the change.
 */
export function wallTimeToUtc(wall: string, timeZone: string): string | null {
  const m = WALL_TIME.exec(wall);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map((v) => Number(v ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const asIfUtc = utcOf(year, month, day, hour, minute, second);
  // Two rounds: the offset at the first guess can differ from the one at the answer near a change of offset.
  const guess = asIfUtc - offsetAt(asIfUtc, timeZone);
  return new Date(asIfUtc - offsetAt(guess, timeZone)).toISOString();
}
