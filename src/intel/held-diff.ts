import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { FetchJobParams } from './fetch-job.js';
import type { IngestResult } from './ingest.js';

// What a held full snapshot would change if approved. The run already wrote what it listed (new
// indicators count at once); what waits is retiring the claims it no longer listed: those are the
// claims of earlier generations, read here page by page.

export type RetireCandidate = { type: string; value: string; category: string; lastSeen: string; validUntil: string };

export type HeldDiff = {
  source: string;
  /** When the held run started. */
  runAt: string | null;
  generation: number;
  held: NonNullable<IngestResult['held']>;
  /** Claims the held run listed. */
  listed: number;
  /**
   * Of those, new to the source: known when the run was a job that counted the claims before it
   * (fetch now, the schedule, an API import); null after a command-line run.
   */
  added: number | null;
  /** Claims approving would retire now (a later delta or expiry can make it differ from held.wouldRetire). */
  removed: number;
  removedItems: RetireCandidate[];
};

/** The held diff of a source, or undefined when its last run is not held. */
export async function heldDiff(
  db: Kysely<Database>,
  source: string,
  page: { limit: number; offset: number },
): Promise<HeldDiff | undefined> {
  const row = await db
    .selectFrom('intelSources')
    .select(['generation', 'lastResult', 'lastRunAt'])
    .where('name', '=', source)
    .executeTakeFirst();
  const last = row?.lastResult ? (JSON.parse(row.lastResult) as Partial<IngestResult>) : null;
  if (!row || !last?.held) return undefined;
  const generation = Number(row.generation);
  const count = async (op: '<' | '=') =>
    Number(
      (
        await db
          .selectFrom('claims')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('source', '=', source)
          .where('generation', op, generation)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const removed = await count('<');
  const listed = await count('=');
  const removedItems = await db
    .selectFrom('claims')
    .select(['type', 'value', 'category', 'lastSeen', 'validUntil'])
    .where('source', '=', source)
    .where('generation', '<', generation)
    .orderBy('type')
    .orderBy('value')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  const before = await countBeforeRun(db, source, row.lastRunAt);
  return {
    source,
    runAt: row.lastRunAt,
    generation,
    held: last.held,
    listed,
    added: before === null ? null : Math.max(0, last.held.of - before),
    removed,
    removedItems,
  };
}

/**
 * The source's claim count before the run that started at `runAt`, from the job that ran it: its
 * params hold the count, and it started before and ended after that time.
 */
async function countBeforeRun(db: Kysely<Database>, source: string, runAt: string | null): Promise<number | null> {
  if (!runAt) return null;
  const jobs = await db
    .selectFrom('jobs')
    .select(['params', 'startedAt', 'finishedAt'])
    .where('kind', 'in', ['intel.fetch', 'intel.import'])
    .where('startedAt', '<=', runAt)
    .orderBy('id', 'desc')
    .limit(50)
    .execute();
  for (const job of jobs) {
    const params = job.params ? (JSON.parse(job.params) as Partial<FetchJobParams>) : {};
    if (params.source !== source) continue;
    // The newest job of the source that started before the run: it is the run's job only if it ended after it began.
    if (typeof params.before !== 'number' || (job.finishedAt !== null && job.finishedAt < runAt)) return null;
    return params.before;
  }
  return null;
}
