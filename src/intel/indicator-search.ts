import { sql, type Kysely } from 'kysely';
import { INDICATOR_TYPES, type IndicatorType } from '../domain/indicator.js';
import { sqliteHandle } from '../store/open.js';
import type { Database } from '../store/schema.js';

// Finding indicators by the start of their value ("evil.", "203.0.113.", "https://login."), a page at
// a time. The claims' key starts (type, value), so each type is one range walk of the key; nothing
// else (a substring anywhere in the value) can use an index, so nothing else is offered.

export type IndicatorMatch = {
  type: IndicatorType;
  value: string;
  sources: number;
  categories: string[];
  /** Some claim counts now. */
  effective: boolean;
  /** Every claim is suppressed by an allowlist. */
  suppressed: boolean;
  /** The latest expiry of its claims. */
  validUntil: string;
};

/** Where the next page starts: after this indicator. */
export type SearchCursor = { type: IndicatorType; value: string };

/** The largest code point: every string starting with p sorts before p + this (binary order). */
const HIGHEST = '\u{10FFFF}';

export async function searchIndicatorsByPrefix(
  db: Kysely<Database>,
  prefix: string,
  options: { type?: IndicatorType | undefined; limit: number; after?: SearchCursor | undefined; now: string },
): Promise<{ items: IndicatorMatch[]; next: SearchCursor | null }> {
  const types = options.type ? [options.type] : [...INDICATOR_TYPES].sort();
  const start = options.after ? types.indexOf(options.after.type) : 0;
  // SQLite compares text in binary order, so a prefix is exactly a key range; PostgreSQL's collation
  // may not be binary, so there the range is replaced by starts_with (correct, if not by the index).
  const binary = sqliteHandle(db) !== undefined;
  const keys: { type: string; value: string }[] = [];
  for (let i = Math.max(start, 0); i < types.length && keys.length <= options.limit; i++) {
    const type = types[i] as IndicatorType;
    let q = db.selectFrom('claims').select(['type', 'value']).distinct().where('type', '=', type);
    q = binary
      ? q.where('value', '>=', prefix).where('value', '<', `${prefix}${HIGHEST}`)
      : q.where(sql<boolean>`starts_with(value, ${prefix})`);
    if (options.after && options.after.type === type) q = q.where('value', '>', options.after.value);
    keys.push(
      ...(await q
        .orderBy('value')
        .limit(options.limit + 1 - keys.length)
        .execute()),
    );
  }
  const more = keys.length > options.limit;
  const page = keys.slice(0, options.limit);
  const items = await summarise(db, page, options.now);
  const last = page[page.length - 1];
  return { items, next: more && last ? { type: last.type as IndicatorType, value: last.value } : null };
}

/** One row per indicator: how many sources list it, their categories, whether it counts now. */
export async function summarise(
  db: Kysely<Database>,
  keys: { type: string; value: string }[],
  now: string,
): Promise<IndicatorMatch[]> {
  if (keys.length === 0) return [];
  const rows = await db
    .selectFrom('claims')
    .select(['type', 'value', 'source', 'category', 'validUntil', 'suppressedBy'])
    .where((eb) => eb.or(keys.map((k) => eb.and([eb('type', '=', k.type), eb('value', '=', k.value)]))))
    .execute();
  return keys.map((k) => {
    const claims = rows.filter((r) => r.type === k.type && r.value === k.value);
    return {
      type: k.type as IndicatorType,
      value: k.value,
      sources: new Set(claims.map((c) => c.source)).size,
      categories: [...new Set(claims.map((c) => c.category))].sort(),
      effective: claims.some((c) => c.validUntil > now && c.suppressedBy === null),
      suppressed: claims.length > 0 && claims.every((c) => c.suppressedBy !== null),
      validUntil: claims.reduce((latest, c) => (c.validUntil > latest ? c.validUntil : latest), ''),
    };
  });
}
