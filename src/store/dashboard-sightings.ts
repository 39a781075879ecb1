import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

// The dashboard's reads of the sightings table: counts per hour and category, and the indicators and
// subscribers seen most, all since one time. Each is an aggregate over an index range (migration 0011
// makes the chart's index-only); at 100,000 sightings in the range they stay in the tens of
// milliseconds on SQLite and PostgreSQL (bench/dashboard.bench.ts).

/** Sighting rows per UTC hour (`YYYY-MM-DDTHH`) and category set as stored (a JSON array). */
export type HourCount = { hour: string; categories: string; sightings: number };

export async function sightingsPerHour(db: Kysely<Database>, since: string): Promise<HourCount[]> {
  const hour = sql<string>`substr(window_start, 1, 13)`;
  const rows = await db
    .selectFrom('sightings')
    .select((eb) => [hour.as('hour'), 'categories', eb.fn.countAll<number>().as('sightings')])
    .where('windowStart', '>=', since)
    .groupBy([hour, 'categories'])
    .execute();
  return rows.map((r) => ({ hour: r.hour, categories: r.categories, sightings: Number(r.sightings) }));
}

export type TopIndicator = {
  type: string;
  value: string;
  /** Its categories as its sightings recorded them (the greatest set, should they differ). */
  categories: string[];
  sightings: number;
  /** Observations summed over those sightings. */
  hits: number;
  clients: number;
};

/**
 * The indicators with the most sightings since `since`, most first (ties: by value). Two steps: the
 * ranking counts rows alone, which an index answers without reading the table; only the ten winners'
 * rows are read for their observations, clients and categories (through the indicator index).
 */
export async function topIndicators(db: Kysely<Database>, since: string, limit: number): Promise<TopIndicator[]> {
  const ranked = await db
    .selectFrom('sightings')
    .select((eb) => ['indicatorType', 'indicatorValue', eb.fn.countAll<number>().as('sightings')])
    .where('windowStart', '>=', since)
    .groupBy(['indicatorType', 'indicatorValue'])
    .orderBy('sightings', 'desc')
    .orderBy('indicatorValue')
    .limit(limit)
    .execute();
  if (ranked.length === 0) return [];
  const details = await db
    .selectFrom('sightings')
    .select((eb) => [
      'indicatorType',
      'indicatorValue',
      eb.fn.sum<number>('count').as('hits'),
      eb.fn.count<number>('client').distinct().as('clients'),
      eb.fn.max('categories').as('categories'),
    ])
    .where('windowStart', '>=', since)
    .where('indicatorValue', 'in', [...new Set(ranked.map((r) => r.indicatorValue))])
    .groupBy(['indicatorType', 'indicatorValue'])
    .execute();
  const detail = new Map(details.map((d) => [`${d.indicatorType}\0${d.indicatorValue}`, d]));
  return ranked.map((r) => {
    const d = detail.get(`${r.indicatorType}\0${r.indicatorValue}`);
    return {
      type: r.indicatorType,
      value: r.indicatorValue,
      categories: parseList(d?.categories),
      sightings: Number(r.sightings),
      hits: Number(d?.hits ?? 0),
      clients: Number(d?.clients ?? 0),
    };
  });
}

export type TopSubscriber = { subscriber: string; sightings: number; hits: number; indicators: number };

/** The subscribers (as attribution named them) with the most sightings since `since`, most first; two steps as above. */
export async function topSubscribers(db: Kysely<Database>, since: string, limit: number): Promise<TopSubscriber[]> {
  const ranked = await db
    .selectFrom('sightings')
    .select((eb) => ['subscriber', eb.fn.countAll<number>().as('sightings')])
    .where('windowStart', '>=', since)
    .where('subscriber', 'is not', null)
    .groupBy('subscriber')
    .orderBy('sightings', 'desc')
    .orderBy('subscriber')
    .limit(limit)
    .execute();
  if (ranked.length === 0) return [];
  const details = await db
    .selectFrom('sightings')
    .select((eb) => [
      'subscriber',
      eb.fn.sum<number>('count').as('hits'),
      eb.fn.count<number>('indicatorValue').distinct().as('indicators'),
    ])
    .where('windowStart', '>=', since)
    .where(
      'subscriber',
      'in',
      ranked.map((r) => r.subscriber as string),
    )
    .groupBy('subscriber')
    .execute();
  const detail = new Map(details.map((d) => [d.subscriber, d]));
  return ranked.map((r) => ({
    subscriber: r.subscriber as string,
    sightings: Number(r.sightings),
    hits: Number(detail.get(r.subscriber)?.hits ?? 0),
    indicators: Number(detail.get(r.subscriber)?.indicators ?? 0),
  }));
}

/** A stored JSON array of strings; anything else reads as empty rather than failing the whole dashboard. */
export function parseList(json: string | null | undefined): string[] {
  if (!json) return [];
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}
