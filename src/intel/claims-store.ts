import { sql, type Kysely, type Transaction } from 'kysely';
import type { Indicator } from '../domain/indicator.js';
import type { ClaimRow, ClaimsTable, Database } from '../store/schema.js';
import type { Insertable } from 'kysely';

// Reading and writing claims. "Effective" is decided by the query at read time (valid_until in the
// future), so an expired claim stops counting the moment it expires, not when a cleanup job runs.

export type NewClaim = Insertable<ClaimsTable>;

/** Inserts or replaces claims of one source by (source, type, value), in one statement per batch. */
export async function upsertClaims(trx: Transaction<Database> | Kysely<Database>, rows: NewClaim[]): Promise<void> {
  if (rows.length === 0) return;
  await trx
    .insertInto('claims')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['source', 'type', 'value']).doUpdateSet((eb) => ({
        category: eb.ref('excluded.category'),
        confidence: eb.ref('excluded.confidence'),
        tags: eb.ref('excluded.tags'),
        // The first sighting stays the earliest any run reported.
        firstSeen: sql<string>`case when claims.first_seen < excluded.first_seen then claims.first_seen else excluded.first_seen end`,
        lastSeen: eb.ref('excluded.lastSeen'),
        validUntil: eb.ref('excluded.validUntil'),
        tlp: eb.ref('excluded.tlp'),
        reference: eb.ref('excluded.reference'),
        mode: eb.ref('excluded.mode'),
        attributes: eb.ref('excluded.attributes'),
        suppressedBy: eb.ref('excluded.suppressedBy'),
        reviewBy: eb.ref('excluded.reviewBy'),
        generation: eb.ref('excluded.generation'),
        updatedAt: eb.ref('excluded.updatedAt'),
      })),
    )
    .execute();
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
  let after: { source: string; type: string; value: string } | undefined;
  for (;;) {
    let q = db.selectFrom('claims').selectAll().where('validUntil', '>', now).where('suppressedBy', 'is', null);
    if (after) {
      const a = after;
      q = q.where((eb) =>
        eb.or([
          eb('source', '>', a.source),
          eb.and([eb('source', '=', a.source), eb('type', '>', a.type)]),
          eb.and([eb('source', '=', a.source), eb('type', '=', a.type), eb('value', '>', a.value)]),
        ]),
      );
    }
    const rows = await q.orderBy('source').orderBy('type').orderBy('value').limit(pageSize).execute();
    yield* rows;
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1] as ClaimRow;
    after = { source: last.source, type: last.type, value: last.value };
  }
}

/** Removes claims that expired more than `graceDays` ago: housekeeping, not correctness. */
export async function deleteLongExpiredClaims(db: Kysely<Database>, now: Date, graceDays: number): Promise<number> {
  const cutoff = new Date(now.getTime() - graceDays * 86_400_000).toISOString();
  const result = await db.deleteFrom('claims').where('validUntil', '<', cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}
