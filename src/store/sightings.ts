import { sql, type Kysely, type Transaction } from 'kysely';
import { putDeadLetter, type DeadLetterInput } from './dead-letters.js';
import type {
  Database,
  ObserveCountsTable,
  ObservePositionsTable,
  RawObservationsTable,
  SightingRow,
} from './schema.js';

// Sightings and what goes with them: everything one flush of the observation pipeline writes, in one
// transaction, so that a crash loses a whole flush or nothing. File positions are part of it, which
// is what makes a restart neither re-count nor skip a line.

/** Observations of one indicator by one client at one point within one window, added up. */
export type SightingDelta = {
  indicatorType: string;
  indicatorValue: string;
  point: string;
  client: string;
  windowStart: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
  blockedCount: number;
  categories: readonly string[];
  sources: readonly string[];
  input: string;
  detail: string | null;
  /** Filled in by attribution when it knows who held `client` then; otherwise null. */
  subscriber: string | null;
};

/** How far one input has read one file (see src/observe/tail). */
export type StoredPosition = Omit<ObservePositionsTable, 'id' | 'updatedAt'>;

/** Per input, point and minute: what was seen, matched, unreadable, dropped. */
export type MinuteCount = Omit<ObserveCountsTable, 'id'>;

export type RawObservationRow = Omit<RawObservationsTable, 'id'>;

export type ObservationFlush = {
  sightings: SightingDelta[];
  counts: MinuteCount[];
  deadLetters: DeadLetterInput[];
  raw: RawObservationRow[];
  positions: StoredPosition[];
};

/** 16 columns × 400 rows stays under both SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 400;

export async function writeObservationFlush(db: Kysely<Database>, flush: ObservationFlush): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < flush.sightings.length; i += CHUNK)
      await upsertSightings(trx, flush.sightings.slice(i, i + CHUNK));
    for (let i = 0; i < flush.counts.length; i += CHUNK) await addCounts(trx, flush.counts.slice(i, i + CHUNK));
    for (let i = 0; i < flush.raw.length; i += CHUNK) {
      await trx
        .insertInto('rawObservations')
        .values(flush.raw.slice(i, i + CHUNK))
        .execute();
    }
    for (const letter of flush.deadLetters) await putDeadLetter(trx, letter);
    for (const p of flush.positions) await savePosition(trx, p);
  });
}

async function upsertSightings(trx: Transaction<Database>, deltas: SightingDelta[]): Promise<void> {
  await trx
    .insertInto('sightings')
    .values(
      deltas.map((d) => ({
        indicatorType: d.indicatorType,
        indicatorValue: d.indicatorValue,
        point: d.point,
        client: d.client,
        windowStart: d.windowStart,
        firstSeen: d.firstSeen,
        lastSeen: d.lastSeen,
        count: d.count,
        blockedCount: d.blockedCount,
        categories: JSON.stringify(d.categories),
        sources: JSON.stringify(d.sources),
        input: d.input,
        detail: d.detail,
        subscriber: d.subscriber,
        attributedAt: d.subscriber === null ? null : new Date().toISOString(),
      })),
    )
    .onConflict((oc) =>
      oc.columns(['indicatorType', 'indicatorValue', 'client', 'point', 'windowStart']).doUpdateSet({
        // Raw SQL in snake_case: the CamelCasePlugin does not rewrite inside sql``.
        count: sql`sightings.count + excluded.count`,
        blockedCount: sql`sightings.blocked_count + excluded.blocked_count`,
        firstSeen: sql`case when excluded.first_seen < sightings.first_seen then excluded.first_seen else sightings.first_seen end`,
        lastSeen: sql`case when excluded.last_seen > sightings.last_seen then excluded.last_seen else sightings.last_seen end`,
        detail: sql`coalesce(excluded.detail, sightings.detail)`,
        subscriber: sql`coalesce(sightings.subscriber, excluded.subscriber)`,
        attributedAt: sql`coalesce(sightings.attributed_at, excluded.attributed_at)`,
      }),
    )
    .execute();
}

async function addCounts(trx: Transaction<Database>, counts: MinuteCount[]): Promise<void> {
  await trx
    .insertInto('observeCounts')
    .values(counts)
    .onConflict((oc) =>
      oc.columns(['input', 'point', 'minute']).doUpdateSet({
        observed: sql`observe_counts.observed + excluded.observed`,
        matched: sql`observe_counts.matched + excluded.matched`,
        rejected: sql`observe_counts.rejected + excluded.rejected`,
        dropped: sql`observe_counts.dropped + excluded.dropped`,
      }),
    )
    .execute();
}

/** Stores where reading of a file stands, inside the transaction that applied the lines before it. */
export async function savePosition(trx: Transaction<Database>, p: StoredPosition): Promise<void> {
  const values = { ...p, updatedAt: new Date().toISOString() };
  await trx
    .insertInto('observePositions')
    .values(values)
    .onConflict((oc) =>
      oc.columns(['input', 'path']).doUpdateSet({
        dev: values.dev,
        ino: values.ino,
        offset: values.offset,
        line: values.line,
        head: values.head,
        updatedAt: values.updatedAt,
      }),
    )
    .execute();
}

/** Where reading of `path` for `input` stands, as last written with the sightings before it. */
export async function loadPosition(
  db: Kysely<Database>,
  input: string,
  path: string,
): Promise<StoredPosition | undefined> {
  const row = await db
    .selectFrom('observePositions')
    .select(['input', 'path', 'dev', 'ino', 'offset', 'line', 'head'])
    .where('input', '=', input)
    .where('path', '=', path)
    .executeTakeFirst();
  // PostgreSQL hands bigint columns back as text.
  return (
    row && { ...row, dev: Number(row.dev), ino: Number(row.ino), offset: Number(row.offset), line: Number(row.line) }
  );
}

export async function listPositions(db: Kysely<Database>): Promise<(StoredPosition & { updatedAt: string })[]> {
  const rows = await db.selectFrom('observePositions').selectAll().orderBy('input').orderBy('path').execute();
  return rows.map((r) => ({
    input: r.input,
    path: r.path,
    dev: Number(r.dev),
    ino: Number(r.ino),
    offset: Number(r.offset),
    line: Number(r.line),
    head: r.head,
    updatedAt: r.updatedAt,
  }));
}

export type Sighting = Omit<SightingRow, 'categories' | 'sources'> & { categories: string[]; sources: string[] };

export type SightingFilter = {
  indicator?: string | undefined;
  client?: string | undefined;
  subscriber?: string | undefined;
  point?: string | undefined;
  category?: string | undefined;
  input?: string | undefined;
  /** first_seen ≥ from, last_seen < to (ISO 8601). */
  from?: string | undefined;
  to?: string | undefined;
};

export const MAX_SIGHTINGS_PAGE = 1000;

/**
 * Sightings newest first, `limit` at a time. `before` is the id the previous page ended with (keyset
 * paging: stable while new sightings arrive, and cheap however deep the operator pages).
 */
export async function listSightings(
  db: Kysely<Database>,
  filter: SightingFilter,
  page: { limit: number; before?: number | undefined },
): Promise<{ sightings: Sighting[]; next: number | null }> {
  const limit = Math.max(1, Math.min(MAX_SIGHTINGS_PAGE, Math.floor(page.limit)));
  let q = db.selectFrom('sightings').selectAll();
  if (filter.indicator !== undefined) q = q.where('indicatorValue', '=', filter.indicator);
  if (filter.client !== undefined) q = q.where('client', '=', filter.client);
  if (filter.subscriber !== undefined) q = q.where('subscriber', '=', filter.subscriber);
  if (filter.point !== undefined) q = q.where('point', '=', filter.point);
  if (filter.input !== undefined) q = q.where('input', '=', filter.input);
  // categories is a JSON array of plain words: a quoted match is exact.
  if (filter.category !== undefined)
    q = q.where('categories', 'like', `%"${filter.category.replace(/[%_"\\]/g, '')}"%`);
  if (filter.from !== undefined) q = q.where('lastSeen', '>=', filter.from);
  if (filter.to !== undefined) q = q.where('firstSeen', '<', filter.to);
  if (page.before !== undefined) q = q.where('id', '<', page.before);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const more = rows.length > limit;
  const sightings = rows.slice(0, limit).map((r) => ({
    ...r,
    id: Number(r.id),
    count: Number(r.count),
    blockedCount: Number(r.blockedCount),
    categories: JSON.parse(r.categories) as string[],
    sources: JSON.parse(r.sources) as string[],
  }));
  return { sightings, next: more ? sightings[sightings.length - 1]!.id : null };
}

/** Totals per point since `since`, for the status screen and the CLI. */
export async function countsSince(
  db: Kysely<Database>,
  since: string,
): Promise<{ input: string; point: string; observed: number; matched: number; rejected: number; dropped: number }[]> {
  const rows = await db
    .selectFrom('observeCounts')
    .select((eb) => [
      'input',
      'point',
      eb.fn.sum<number>('observed').as('observed'),
      eb.fn.sum<number>('matched').as('matched'),
      eb.fn.sum<number>('rejected').as('rejected'),
      eb.fn.sum<number>('dropped').as('dropped'),
    ])
    .where('minute', '>=', since)
    .groupBy(['input', 'point'])
    .orderBy('input')
    .execute();
  return rows.map((r) => ({
    input: r.input,
    point: r.point,
    observed: Number(r.observed),
    matched: Number(r.matched),
    rejected: Number(r.rejected),
    dropped: Number(r.dropped),
  }));
}

/** Retention, for the housekeeping job: returns how many rows of each went. */
export async function deleteObservationsBefore(
  db: Kysely<Database>,
  before: { sightings: string; counts: string; raw: string },
): Promise<{ sightings: number; counts: number; raw: number }> {
  const s = await db.deleteFrom('sightings').where('lastSeen', '<', before.sightings).executeTakeFirst();
  const c = await db.deleteFrom('observeCounts').where('minute', '<', before.counts).executeTakeFirst();
  const r = await db.deleteFrom('rawObservations').where('at', '<', before.raw).executeTakeFirst();
  return { sightings: Number(s.numDeletedRows), counts: Number(c.numDeletedRows), raw: Number(r.numDeletedRows) };
}
