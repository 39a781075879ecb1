import { CATEGORIES } from '../domain/indicator.js';
import { parseList, type HourCount } from '../store/dashboard-sightings.js';

// The time axis of the dashboard's chart: the last 24 hours by the hour, or the last 30 days by the
// operator's calendar day. The store counts by UTC hour; days are folded from hours here, in the
// operator's zone, so "today" starts at local midnight. (A zone whose offset is not a whole number of
// hours, such as Asia/Kolkata, puts the hour that spans midnight into the day it starts in.)

export const DASHBOARD_RANGES = ['24h', '30d'] as const;
export type DashboardRange = (typeof DASHBOARD_RANGES)[number];

const HOUR_MS = 3_600_000;
const DAYS = 30;
const HOURS = 24;

export type TimeAxis = {
  bucket: 'hour' | 'day';
  /** The start of each bucket, oldest first (ISO 8601 UTC). */
  starts: string[];
  /** The first bucket's start: what the store is asked from. */
  since: string;
  /** The bucket an hour (its start in ms) falls in, or -1 outside the axis. */
  indexOf(hourMs: number): number;
};

/** A calendar date in `timeZone` as YYYY-MM-DD. */
function dateIn(timeZone: string): (ms: number) => string {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return (ms) => format.format(ms);
}

export function timeAxis(range: DashboardRange, timeZone: string, now: Date): TimeAxis {
  const thisHour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  if (range === '24h') {
    const first = thisHour - (HOURS - 1) * HOUR_MS;
    const starts = Array.from({ length: HOURS }, (_, i) => new Date(first + i * HOUR_MS).toISOString());
    return {
      bucket: 'hour',
      starts,
      since: starts[0]!,
      indexOf: (ms) => (ms < first || ms > thisHour ? -1 : Math.floor((ms - first) / HOUR_MS)),
    };
  }
  // Walk back hour by hour until DAYS local dates have been seen; a day starts at its earliest hour.
  const date = dateIn(timeZone);
  const dayStart = new Map<string, number>();
  for (let ms = thisHour; ; ms -= HOUR_MS) {
    const key = date(ms);
    if (!dayStart.has(key) && dayStart.size === DAYS) break;
    dayStart.set(key, ms);
  }
  const days = [...dayStart.entries()].reverse();
  const index = new Map(days.map(([key], i) => [key, i]));
  return {
    bucket: 'day',
    starts: days.map(([, ms]) => new Date(ms).toISOString()),
    since: new Date(days[0]![1]).toISOString(),
    indexOf: (ms) => index.get(date(ms)) ?? -1,
  };
}

export type CategorySeries = { category: string; counts: number[]; total: number };

/**
 * Sightings per bucket for each category seen, in the fixed category order (so a category keeps its
 * colour from one load to the next). A sighting listed under two categories counts in both.
 */
export function categorySeries(axis: TimeAxis, hours: HourCount[]): CategorySeries[] {
  const byCategory = new Map<string, number[]>();
  for (const row of hours) {
    const at = axis.indexOf(Date.parse(`${row.hour}:00:00.000Z`));
    if (at < 0) continue;
    const categories = parseList(row.categories);
    for (const category of categories.length > 0 ? categories : ['other']) {
      let counts = byCategory.get(category);
      if (!counts) byCategory.set(category, (counts = axis.starts.map(() => 0)));
      counts[at]! += row.sightings;
    }
  }
  const rank = (c: string) => {
    const i = (CATEGORIES as readonly string[]).indexOf(c);
    return i < 0 ? CATEGORIES.length : i;
  };
  return [...byCategory.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([category, counts]) => ({ category, counts, total: counts.reduce((s, n) => s + n, 0) }));
}
