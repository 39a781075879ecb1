import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

export type SourceStats = {
  source: string;
  type: string;
  total: number;
  effective: number;
  expired: number;
  suppressed: number;
  review: number;
};

/** Claim counts per source and type at `now`: how much of each feed counts, and why the rest does not. */
export async function intelStats(db: Kysely<Database>, now: string): Promise<SourceStats[]> {
  const rows = await db
    .selectFrom('claims')
    .select(['source', 'type'])
    .select((eb) => [
      eb.fn.countAll<number>().as('total'),
      sql<number>`sum(case when valid_until > ${now} and suppressed_by is null then 1 else 0 end)`.as('effective'),
      sql<number>`sum(case when valid_until <= ${now} then 1 else 0 end)`.as('expired'),
      eb.fn.count<number>('suppressedBy').as('suppressed'),
      eb.fn.count<number>('reviewBy').as('review'),
    ])
    .groupBy(['source', 'type'])
    .orderBy('source')
    .orderBy('type')
    .execute();
  return rows.map((r) => ({
    source: r.source,
    type: r.type,
    total: Number(r.total),
    effective: Number(r.effective),
    expired: Number(r.expired),
    suppressed: Number(r.suppressed),
    review: Number(r.review),
  }));
}
