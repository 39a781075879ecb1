// The Sightings screen's filter lives in the address (?indicator=…&client=…&subscriber=…), so a link from the
// dashboard, a bookmark or a reload shows the same list. Values are passed to the server as they are: it normalises
// them and answers a bad one with its reason, which the screen shows. Times are UTC ISO 8601 in the address (a link
// means the same instant to every operator) and wall-clock times in the operator's zone in the form.
import type { SightingQuery } from './api-types/sightings';
import { isCategory, isObservationPoint } from './sighting-terms';

const TEXT_KEYS = ['indicator', 'client', 'subscriber', 'from', 'to'] as const;
/** The order the address lists them in: the same filter always gives the same address. */
const KEYS = ['indicator', 'client', 'subscriber', 'point', 'category', 'from', 'to'] as const;

/** The filter in `search` (window.location.search); unknown points and categories are left out. */
export function sightingFilterFromSearch(search: string): SightingQuery {
  const params = new URLSearchParams(search);
  const filter: SightingQuery = {};
  for (const key of TEXT_KEYS) {
    const value = params.get(key)?.trim();
    if (value) filter[key] = value;
  }
  const point = params.get('point');
  if (point && isObservationPoint(point)) filter.point = point;
  const category = params.get('category');
  if (category && isCategory(category)) filter.category = category;
  return filter;
}

/** The address's query for a filter: "" for none, else "?indicator=…". */
export function sightingSearchOf(filter: SightingQuery): string {
  const params = new URLSearchParams();
  for (const key of KEYS) {
    const value = filter[key];
    if (value) params.set(key, value);
  }
  const search = params.toString();
  return search ? `?${search}` : '';
}

/** Puts the filter in the address without a new history entry: back still leaves the screen. */
export function keepSightingFilterInLocation(filter: SightingQuery): void {
  const search = sightingSearchOf(filter);
  if (search === window.location.search) return;
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${search}`);
}

const wallFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * An instant as a datetime-local field holds it ("2025-04-01T09:30") in `timeZone`; "" when `iso` is not a time.
 * The inverse of wallTimeToUtc (zoned-time.ts), to show a time from the address in the form.
 */
export function utcToWallTime(iso: string, timeZone: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  let format = wallFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    wallFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(ms).map((p) => [p.type, p.value]));
  const year = String(parts.year).padStart(4, '0');
  const seconds = parts.second === '00' ? '' : `:${parts.second}`;
  return `${year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}${seconds}`;
}
