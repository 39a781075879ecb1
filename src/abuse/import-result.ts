import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

// What came of an import, for the person who started it: the outcome of an upload that ran as a job
// (its audit entry names the job), and the cases the report's events went to.

export type ImportOutcome = {
  reportId: number;
  duplicate: boolean;
  format: string | null;
  state: string;
  events: number;
  rejected: number;
  suggestions: number;
  attribution: { attributed: number; unassigned: number; casesOpened: number };
};

/**
 * The outcome recorded by the `abuse.import` audit entry of a job, or undefined while it has none (still
 * running, failed). The entry's detail ends with `"job":<id>}`, which the LIKE finds without reading
 * every import ever audited.
 */
export async function importOutcomeOfJob(
  db: Kysely<Database>,
  job: { id: number; startedAt: string },
): Promise<ImportOutcome | undefined> {
  const rows = await db
    .selectFrom('auditEntries')
    .select('detail')
    .where('action', '=', 'abuse.import')
    .where('at', '>=', job.startedAt)
    .where('detail', 'like', `%"job":${job.id}}`)
    .orderBy('id', 'desc')
    .execute();
  for (const row of rows) {
    const detail = JSON.parse(row.detail ?? '{}') as Partial<ImportOutcome> & { job?: unknown };
    if (detail.job !== job.id || typeof detail.reportId !== 'number') continue;
    return {
      reportId: detail.reportId,
      duplicate: detail.duplicate === true,
      format: detail.format ?? null,
      state: detail.state ?? 'received',
      events: detail.events ?? 0,
      rejected: detail.rejected ?? 0,
      suggestions: detail.suggestions ?? 0,
      attribution: detail.attribution ?? { attributed: 0, unassigned: 0, casesOpened: 0 },
    };
  }
  return undefined;
}

export type ReportCase = { id: number; type: string; state: string; subscriberId: string; events: number };

/** The cases a report's events were added to, by case id, with how many of the report's events each got. */
export async function casesOfReport(
  db: Kysely<Database>,
  reportId: number,
  limit: number,
): Promise<{ items: ReportCase[]; total: number }> {
  const [items, total] = await Promise.all([
    db
      .selectFrom('abuseEvents')
      .innerJoin('abuseCases', 'abuseCases.id', 'abuseEvents.caseId')
      .select((eb) => [
        'abuseCases.id',
        'abuseCases.type',
        'abuseCases.state',
        'abuseCases.subscriberId',
        eb.fn.countAll<number | string>().as('events'),
      ])
      .where('abuseEvents.reportId', '=', reportId)
      .groupBy(['abuseCases.id', 'abuseCases.type', 'abuseCases.state', 'abuseCases.subscriberId'])
      .orderBy('abuseCases.id')
      .limit(limit)
      .execute(),
    db
      .selectFrom('abuseEvents')
      .select((eb) => eb.fn.count<number | string>('caseId').distinct().as('n'))
      .where('reportId', '=', reportId)
      .executeTakeFirst(),
  ]);
  return {
    items: items.map((r) => ({ ...r, id: Number(r.id), events: Number(r.events) })),
    total: Number(total?.n ?? 0),
  };
}
