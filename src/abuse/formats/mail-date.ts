// Mail dates (RFC 5322 section 3.3 and the obsolete forms of section 4.3) and zoned ISO 8601 times, read as
// ISO 8601 UTC: shared by the ARF format and the free-text fallback, which both read times out of mail.

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** RFC 5322's obsolete zone names (section 4.3), plus JST, which Japanese mailers write. */
const ZONES: Record<string, number> = {
  ut: 0,
  utc: 0,
  gmt: 0,
  z: 0,
  est: -300,
  edt: -240,
  cst: -360,
  cdt: -300,
  mst: -420,
  mdt: -360,
  pst: -480,
  pdt: -420,
  jst: 540,
};
const RFC5322_DATE =
  /^(?:[a-z]{3,9}\s*,?\s*)?(\d{1,2})\s+([a-z]{3})[a-z]*\.?\s+(\d{4}|\d{2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(?:\s*([+-]\d{4}|[a-z]{1,5}))?(?:\s*\(([^)]*)\))?$/i;
const ISO_ZONED = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * A mail date (RFC 5322 section 3.3, with the obsolete forms of section 4.3: two-digit years, zone names, a zone
 * comment) or an ISO 8601 time with a zone, as ISO 8601 UTC. Without a zone, `defaultOffset` (minutes east of UTC)
 * when given, else undefined: a time off by hours would attribute the report to the wrong subscriber.
 */
export function mailDateToIso(text: string, defaultOffset?: number): string | undefined {
  const value = text.trim().replace(/\s+/g, ' ');
  const iso = ISO_ZONED.exec(value);
  if (iso) {
    const [, y, mo, d, h, mi, s = '0', zone] = iso;
    return utcIso(+y!, +mo!, +d!, +h!, +mi!, +s, zoneOffset(zone!));
  }
  const m = RFC5322_DATE.exec(value);
  if (!m) return undefined;
  const [, d, mon, year, h, mi, s = '0', zone, comment] = m;
  const month = MONTHS.indexOf(mon!.toLowerCase()) + 1;
  if (month === 0) return undefined;
  let y = Number(year);
  if (year!.length === 2) y += y < 50 ? 2000 : 1900;
  const offset = zone !== undefined ? zoneOffset(zone) : comment !== undefined ? zoneOffset(comment) : undefined;
  return utcIso(y, month, +d!, +h!, +mi!, +s, zone === undefined && offset === undefined ? defaultOffset : offset);
}

/** `+0900`, `-04:00`, `Z`, `JST` → minutes east of UTC; undefined for a name it does not know. */
export function zoneOffset(zone: string): number | undefined {
  const z = zone.trim();
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(z);
  if (m) return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  return ZONES[z.toLowerCase()];
}

/** A local date-time at `offset` minutes east of UTC as ISO 8601 UTC; undefined when no such time exists. */
export function utcIso(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  offset: number | undefined,
): string | undefined {
  if (offset === undefined || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60) return undefined;
  const local = new Date(Date.UTC(y, mo - 1, d, h, mi, Math.min(s, 59)));
  // Date.UTC rolls 30 February over into March: a date that does not exist is not a time.
  if (local.getUTCFullYear() !== y || local.getUTCMonth() !== mo - 1 || local.getUTCDate() !== d) return undefined;
  return new Date(local.getTime() - offset * 60_000).toISOString();
}
