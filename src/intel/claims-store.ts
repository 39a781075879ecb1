import { sql, type Kysely } from 'kysely';
import type { Indicator } from '../domain/indicator.js';
import type { ClaimRow, ClaimsTable, Database } from '../store/schema.js';
import { sqliteHandle } from '../store/open.js';
import { bumpIntelRevision } from './revision.js';
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
/** SQLite: rows staged (in memory, temp_store) before one sorted merge; bounds the memory staging takes. */
const MERGE_EVERY = 250_000;
let stageCount = 0;

export type ClaimWriter = {
  /** Adds rows; they are in `claims` once `close` resolves (on PostgreSQL, at once). */
  add(rows: NewClaim[]): Promise<void>;
  close(): Promise<void>;
};

/**
 * Writes claims (insert, or update by (type, value, source)) by the fastest path each database has.
 * Feed ingest is the bulk path of the product, and a feed lists indicators in no useful order: on
 * SQLite, upserting them as they come makes every row a random insert into the primary-key index,
 * and every commit rewrites most of its pages. So rows are appended to an unindexed TEMP table and
 * merged into `claims` sorted by the key, which walks the index once, in one short write transaction
 * (other writers wait only for the merge, not the parse). On PostgreSQL each batch is one statement
 * that unnests a column array per field.
 */
export function claimWriter(db: Kysely<Database>): ClaimWriter {
  const native = sqliteHandle(db);
  // The revision moves before the first row and after the last, so that compiled indicators built
  // while a write is under way (or one that never finished) are never taken for current.
  let bumped = false;
  const bumpOnce = async () => {
    if (bumped) return;
    bumped = true;
    await bumpIntelRevision(db);
  };
  if (!native) {
    return {
      add: async (rows) => {
        if (rows.length === 0) return;
        await bumpOnce();
        const arrays = KEYS.map((k, i) => sql`${rows.map((r) => r[k] ?? null)}::${sql.raw(PG_TYPES[i] as string)}[]`);
        await sql`insert into claims (${sql.raw(COLUMNS.join(', '))}) select * from unnest(${sql.join(arrays)}) on conflict (type, value, source) do update set ${sql.raw(UPDATE_SET)}`.execute(
          db.withoutPlugins(),
        );
      },
      close: async () => {
        if (bumped) await bumpIntelRevision(db);
      },
    };
  }

  // A table of its own per writer, so two ingests in one process never share a stage.
  const stage = `temp.claims_stage_${++stageCount}`;
  let staged = 0;
  let created = false;
  // Through Kysely's connection, so no other query of this process runs in the middle.
  const onConnection = (work: () => void) => db.connection().execute(async () => work());
  const merge = () => {
    if (staged === 0) return;
    native.transaction(() => {
      native.exec(
        `insert into claims (${COLUMNS.join(', ')}) select ${COLUMNS.join(', ')} from ${stage} where true ` +
          `order by type, value, source on conflict (type, value, source) do update set ${UPDATE_SET}`,
      );
      native.exec(`delete from ${stage}`);
    })();
    staged = 0;
  };
  return {
    add: async (rows) => {
      if (rows.length === 0) return;
      await bumpOnce();
      await onConnection(() => {
        if (!created) {
          native.exec(`create temp table ${stage.slice('temp.'.length)} (${COLUMNS.join(', ')})`);
          created = true;
        }
        const insert = native.prepare(`insert into ${stage} values (${COLUMNS.map(() => '?').join(', ')})`);
        native.transaction(() => {
          for (const row of rows) insert.run(KEYS.map((k) => row[k] ?? null));
        })();
        staged += rows.length;
        if (staged >= MERGE_EVERY) merge();
      });
    },
    close: async () => {
      await onConnection(() => {
        if (!created) return;
        merge();
        native.exec(`drop table ${stage}`);
      });
      if (bumped) await bumpIntelRevision(db);
    },
  };
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
  const retired = Number(result.numDeletedRows);
  if (retired > 0) await bumpIntelRevision(db);
  return retired;
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
export async function* effectiveClaims(db: Kysely<Database>, now: string): AsyncIterable<EffectiveClaim> {
  for await (const page of effectiveClaimPages(db, now)) yield* page;
}

/**
 * The same, a page at a time: what a million-claim reader uses, since an async generator costs a
 * promise per item yielded and a page costs one.
 */
export async function* effectiveClaimPages(
  db: Kysely<Database>,
  now: string,
  pageSize = 50_000,
): AsyncIterable<EffectiveClaim[]> {
  const native = sqliteHandle(db);
  if (native) {
    yield* effectiveClaimsSqlite(native, now, pageSize);
    return;
  }
  let after: EffectiveClaim | undefined;
  for (;;) {
    let q = db
      .selectFrom('claims')
      .select(EFFECTIVE_COLUMNS)
      .where('validUntil', '>', now)
      .where('suppressedBy', 'is', null);
    // A row-value comparison walks the primary key from where the last page ended (an OR of the
    // three cases made SQLite scan from the start for every page).
    if (after) q = q.where(sql<boolean>`(type, value, source) > (${after.type}, ${after.value}, ${after.source})`);
    const rows = await q.orderBy('type').orderBy('value').orderBy('source').limit(pageSize).execute();
    yield rows;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1] as EffectiveClaim;
  }
}

/** The same pages straight from better-sqlite3: a million claims in half the time the query builder takes. */
function* effectiveClaimsSqlite(
  native: NonNullable<ReturnType<typeof sqliteHandle>>,
  now: string,
  pageSize: number,
): Iterable<EffectiveClaim[]> {
  const select =
    'select type, value, source, category, mode, confidence, valid_until as validUntil from claims ' +
    'where valid_until > ? and suppressed_by is null';
  const first = native.prepare(`${select} order by type, value, source limit ?`);
  const next = native.prepare(`${select} and (type, value, source) > (?, ?, ?) order by type, value, source limit ?`);
  let rows = first.all(now, pageSize) as EffectiveClaim[];
  for (;;) {
    yield rows;
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1]!;
    rows = next.all(now, last.type, last.value, last.source, pageSize) as EffectiveClaim[];
  }
}

const EFFECTIVE_COLUMNS = ['type', 'value', 'source', 'category', 'mode', 'confidence', 'validUntil'] as const;
/** What matching and enforcement read of a claim: a few columns of 17, for a million rows at a time. */
export type EffectiveClaim = Pick<ClaimRow, (typeof EFFECTIVE_COLUMNS)[number]>;

/**
 * Removes claims that expired more than `graceDays` ago: housekeeping, not correctness. The revision
 * stays: no compiled indicators hold an expired claim, so none is changed by its going.
 */
export async function deleteLongExpiredClaims(db: Kysely<Database>, now: Date, graceDays: number): Promise<number> {
  const cutoff = new Date(now.getTime() - graceDays * 86_400_000).toISOString();
  const result = await db.deleteFrom('claims').where('validUntil', '<', cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}
