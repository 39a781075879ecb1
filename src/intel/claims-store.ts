import { sql, type Kysely } from 'kysely';
import type { Indicator } from '../domain/indicator.js';
import type { ClaimRow, ClaimsTable, Database } from '../store/schema.js';
import { sqliteHandle } from '../store/open.js';
import type { Insertable } from 'kysely';

// Reading and writing claims. "Effective" is decided by the query at read time (valid_until in the
// future), so an expired claim stops counting the moment it expires, not when a cleanup job runs.

export type NewClaim = Insertable<ClaimsTable>;

const COLUMNS = [
  'source',
  'type',
  'value',
  'category',
  'confidence',
  'tags',
  'first_seen',
  'last_seen',
  'valid_until',
  'tlp',
  'reference',
  'mode',
  'attributes',
  'suppressed_by',
  'review_by',
  'generation',
  'updated_at',
] as const;
const KEYS = [
  'source',
  'type',
  'value',
  'category',
  'confidence',
  'tags',
  'firstSeen',
  'lastSeen',
  'validUntil',
  'tlp',
  'reference',
  'mode',
  'attributes',
  'suppressedBy',
  'reviewBy',
  'generation',
  'updatedAt',
] as const;
const PG_TYPES = [
  'text',
  'text',
  'text',
  'text',
  'int',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'int',
  'text',
];
const UPDATE_SET = COLUMNS.slice(3)
  .map((c) =>
    c === 'first_seen'
      ? 'first_seen = case when claims.first_seen < excluded.first_seen then claims.first_seen else excluded.first_seen end'
      : `${c} = excluded.${c}`,
  )
  .join(', ');
const UPSERT_SQL = `insert into claims (${COLUMNS.join(', ')}) values (${COLUMNS.map(() => '?').join(', ')}) on conflict (type, value, source) do update set ${UPDATE_SET}`;

/**
 * Writes a batch of claims (insert, or replace by (source, type, value)) in one transaction, by the
 * fastest path each database has: on SQLite one prepared statement run per row; on PostgreSQL one
 * statement that unnests a column array per field. Feed ingest is the bulk path of the product.
 */
export async function writeClaims(db: Kysely<Database>, rows: NewClaim[]): Promise<void> {
  if (rows.length === 0) return;
  const native = sqliteHandle(db);
  if (native) {
    // Through Kysely's connection, so no other query of this process runs in the middle.
    await db.connection().execute(async () => {
      const statement = native.prepare(UPSERT_SQL);
      native.transaction((batch: NewClaim[]) => {
        for (const row of batch) statement.run(KEYS.map((k) => row[k] ?? null));
      })(rows);
    });
    return;
  }
  const arrays = KEYS.map((k, i) => sql`${rows.map((r) => r[k] ?? null)}::${sql.raw(PG_TYPES[i] as string)}[]`);
  await sql`insert into claims (${sql.raw(COLUMNS.join(', '))}) select * from unnest(${sql.join(arrays)}) on conflict (type, value, source) do update set ${sql.raw(UPDATE_SET)}`.execute(
    db.withoutPlugins(),
  );
}

export async function countClaims(db: Kysely<Database>, source: string, beforeGeneration?: number): Promise<number> {
  let q = db
    .selectFrom('claims')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('source', '=', source);
  if (beforeGeneration !== undefined) q = q.where('generation', '<', beforeGeneration);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** Deletes the claims a full snapshot no longer lists (seen last in an earlier generation). */
export async function retireClaims(db: Kysely<Database>, source: string, beforeGeneration: number): Promise<number> {
  const result = await db
    .deleteFrom('claims')
    .where('source', '=', source)
    .where('generation', '<', beforeGeneration)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Every claim on an indicator, effective or not, newest first. */
export async function claimsFor(db: Kysely<Database>, indicator: Indicator): Promise<ClaimRow[]> {
  return db
    .selectFrom('claims')
    .selectAll()
    .where('type', '=', indicator.type)
    .where('value', '=', indicator.value)
    .orderBy('updatedAt', 'desc')
    .execute();
}

/**
 * Claims that count at `now`: not past valid_until and not suppressed by an allowlist. Streamed in
 * pages, for index builds and exports.
 */
export async function* effectiveClaims(db: Kysely<Database>, now: string, pageSize = 50_000): AsyncIterable<ClaimRow> {
  let after: { type: string; value: string; source: string } | undefined;
  for (;;) {
    let q = db.selectFrom('claims').selectAll().where('validUntil', '>', now).where('suppressedBy', 'is', null);
    if (after) {
      const a = after;
      q = q.where((eb) =>
        eb.or([
          eb('type', '>', a.type),
          eb.and([eb('type', '=', a.type), eb('value', '>', a.value)]),
          eb.and([eb('type', '=', a.type), eb('value', '=', a.value), eb('source', '>', a.source)]),
        ]),
      );
    }
    const rows = await q.orderBy('type').orderBy('value').orderBy('source').limit(pageSize).execute();
    yield* rows;
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1] as ClaimRow;
    after = { type: last.type, value: last.value, source: last.source };
  }
}

/** Removes claims that expired more than `graceDays` ago: housekeeping, not correctness. */
export async function deleteLongExpiredClaims(db: Kysely<Database>, now: Date, graceDays: number): Promise<number> {
  const cutoff = new Date(now.getTime() - graceDays * 86_400_000).toISOString();
  const result = await db.deleteFrom('claims').where('validUntil', '<', cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}
