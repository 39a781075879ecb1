import type { Kysely } from 'kysely';
import { nowIso } from '../domain/time.js';
import type { Database, JobRow } from './schema.js';

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export type JobView = {
  id: number;
  kind: string;
  state: JobState;
  params: unknown;
  done: number;
  total: number | null;
  ratePerSecond: number | null;
  etaSeconds: number | null;
  message: string | null;
  createdBy: string;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  error: string | null;
};

/** A job row as shown: rate and ETA derive from done/total and the elapsed time. */
export function toJobView(row: JobRow, now = Date.now()): JobView {
  const started = Date.parse(row.startedAt);
  const end = row.finishedAt ? Date.parse(row.finishedAt) : now;
  const seconds = Math.max((end - started) / 1000, 0.001);
  const done = Number(row.done);
  const total = row.total === null ? null : Number(row.total);
  const rate = done > 0 ? done / seconds : null;
  const running = row.state === 'running';
  return {
    id: Number(row.id),
    kind: row.kind,
    state: row.state as JobState,
    params: row.params ? (JSON.parse(row.params) as unknown) : null,
    done,
    total,
    ratePerSecond: rate === null ? null : Math.round(rate * 10) / 10,
    etaSeconds: running && rate && total !== null ? Math.max(0, Math.round((total - done) / rate)) : null,
    message: row.message,
    createdBy: row.createdBy,
    startedAt: row.startedAt,
    updatedAt: row.updatedAt,
    finishedAt: row.finishedAt,
    error: row.error,
  };
}

export async function insertJob(
  db: Kysely<Database>,
  input: { kind: string; params: unknown; createdBy: string },
): Promise<number> {
  const now = nowIso();
  const row = await db
    .insertInto('jobs')
    .values({
      kind: input.kind,
      state: 'running',
      params: input.params === undefined ? null : JSON.stringify(input.params),
      done: 0,
      createdBy: input.createdBy,
      startedAt: now,
      updatedAt: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function updateJob(
  db: Kysely<Database>,
  id: number,
  patch: Partial<Pick<JobRow, 'state' | 'done' | 'total' | 'message' | 'finishedAt' | 'error'>>,
): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ ...patch, updatedAt: nowIso() })
    .where('id', '=', id)
    .execute();
}

export async function getJob(db: Kysely<Database>, id: number): Promise<JobView | undefined> {
  const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toJobView(row) : undefined;
}

export async function listJobs(
  db: Kysely<Database>,
  f: { limit: number; state?: JobState | undefined; kind?: string | undefined },
): Promise<JobView[]> {
  let q = db.selectFrom('jobs').selectAll().orderBy('id', 'desc').limit(f.limit);
  if (f.state) q = q.where('state', '=', f.state);
  if (f.kind) q = q.where('kind', '=', f.kind);
  const now = Date.now();
  return (await q.execute()).map((r) => toJobView(r, now));
}

export async function countRunningJobs(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', '=', 'running')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Jobs still marked running but silent for longer than `staleMs` belong to a process that died:
 * they are failed with a message saying so, instead of showing progress forever.
 */
export async function failStaleJobs(db: Kysely<Database>, staleMs: number): Promise<number> {
  const cutoff = new Date(Date.now() - staleMs).toISOString();
  const result = await db
    .updateTable('jobs')
    .set({
      state: 'failed',
      error: 'interrupted: the process running it stopped',
      finishedAt: nowIso(),
      updatedAt: nowIso(),
    })
    .where('state', '=', 'running')
    .where('updatedAt', '<', cutoff)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function deleteFinishedJobs(db: Kysely<Database>, finishedBefore: string): Promise<number> {
  const result = await db
    .deleteFrom('jobs')
    .where('state', '!=', 'running')
    .where('finishedAt', '<', finishedBefore)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
