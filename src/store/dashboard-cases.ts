import { sql, type Kysely } from 'kysely';
import { OPEN_CASE_STATES, type CaseState } from '../domain/abuse-case.js';
import type { Database } from './schema.js';

// Open cases counted by state and by how long ago they were opened: one aggregate over the open
// states' part of the (state, opened_at) index of migration 0011.

/** How old an open case is, by its opened_at: the dashboard's columns, youngest first. */
export const CASE_AGE_BUCKETS = ['day', 'week', 'month', 'older'] as const;
export type CaseAgeBucket = (typeof CASE_AGE_BUCKETS)[number];

const DAY_MS = 86_400_000;
/** Each bucket's upper bound in days; `older` has none. */
const BUCKET_DAYS: Record<Exclude<CaseAgeBucket, 'older'>, number> = { day: 1, week: 7, month: 30 };

export type OpenCaseCounts = { state: CaseState; total: number; byAge: Record<CaseAgeBucket, number> };

export async function openCaseCounts(db: Kysely<Database>, now: Date): Promise<OpenCaseCounts[]> {
  const since = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
  const younger = (days: number) => sql<number>`sum(case when opened_at >= ${since(days)} then 1 else 0 end)`;
  const rows = await db
    .selectFrom('abuseCases')
    .select((eb) => [
      'state',
      eb.fn.countAll<number>().as('total'),
      younger(BUCKET_DAYS.day).as('day'),
      younger(BUCKET_DAYS.week).as('week'),
      younger(BUCKET_DAYS.month).as('month'),
    ])
    .where('state', 'in', [...OPEN_CASE_STATES])
    .groupBy('state')
    .execute();
  const found = new Map(rows.map((r) => [r.state, r]));
  // Every open state is listed, zeros included, in the order cases move through them.
  return OPEN_CASE_STATES.map((state) => {
    const r = found.get(state);
    const total = Number(r?.total ?? 0);
    const day = Number(r?.day ?? 0);
    const week = Number(r?.week ?? 0);
    const month = Number(r?.month ?? 0);
    return { state, total, byAge: { day, week: week - day, month: month - week, older: total - month } };
  });
}
