import type { Kysely } from 'kysely';
import type { LogSink } from '../log.js';
import { actorLabel, type Actor } from '../domain/actor.js';
import { nowIso } from '../domain/time.js';
import type { Database } from '../store/schema.js';
import { insertJob, updateJob } from '../store/jobs.js';

/** What a job's work function reports through. Cheap to call per record: writes are throttled. */
export type Progress = {
  setTotal(total: number | null): void;
  advance(by?: number): void;
  set(done: number): void;
  message(text: string): void;
  readonly signal: AbortSignal;
};

export type JobHandle<T> = { id: number; result: Promise<T> };

const FLUSH_INTERVAL_MS = 500;
const running = new Map<number, { controller: AbortController; result?: Promise<unknown> }>();

/**
 * Runs `work` as a job: a row in `jobs` that the API, CLI and UI show with done/total, rate and ETA.
 * Returns at once with the job id; `result` settles when the work ends (the job row says how).
 */
export async function startJob<T>(
  db: Kysely<Database>,
  spec: { kind: string; params?: unknown; actor: Actor; log?: LogSink | undefined },
  work: (progress: Progress) => Promise<T>,
): Promise<JobHandle<T>> {
  const id = await insertJob(db, { kind: spec.kind, params: spec.params, createdBy: actorLabel(spec.actor) });
  const controller = new AbortController();
  running.set(id, { controller });

  let done = 0;
  let total: number | null = null;
  let text: string | null = null;
  let dirty = false;
  let flushing: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    if (!dirty) return flushing;
    dirty = false;
    flushing = flushing
      .then(() => updateJob(db, id, { done, total, message: text }))
      .catch((err: unknown) => {
        spec.log?.warn({ err, jobId: id }, 'could not record job progress');
      });
    return flushing;
  };
  const timer = setInterval(() => void flush(), FLUSH_INTERVAL_MS);
  timer.unref();
  const mark = (): void => {
    dirty = true;
  };

  const progress: Progress = {
    setTotal: (t) => ((total = t), mark()),
    advance: (by = 1) => ((done += by), mark()),
    set: (d) => ((done = d), mark()),
    message: (m) => ((text = m), mark()),
    signal: controller.signal,
  };

  const result = (async () => {
    try {
      const value = await work(progress);
      clearInterval(timer);
      dirty = true;
      await flush();
      await updateJob(db, id, {
        state: controller.signal.aborted ? 'cancelled' : 'succeeded',
        finishedAt: nowIso(),
      });
      return value;
    } catch (err) {
      clearInterval(timer);
      dirty = true;
      await flush();
      const cancelled = controller.signal.aborted;
      await updateJob(db, id, {
        state: cancelled ? 'cancelled' : 'failed',
        error: err instanceof Error ? err.message : String(err),
        finishedAt: nowIso(),
      }).catch(() => undefined);
      spec.log?.[cancelled ? 'info' : 'error'](
        { err, jobId: id, kind: spec.kind },
        cancelled ? 'job cancelled' : 'job failed',
      );
      throw err;
    } finally {
      running.delete(id);
    }
  })();
  // The caller may not await: a failure is already recorded on the job, so do not crash the process.
  result.catch(() => undefined);
  const entry = running.get(id);
  if (entry) entry.result = result;
  return { id, result };
}

/** Asks a job running in this process to stop; returns false if it is not running here. */
export function cancelJob(id: number): boolean {
  const entry = running.get(id);
  if (!entry) return false;
  entry.controller.abort(new Error('cancelled by request'));
  return true;
}

/** Cancels every job of this process and resolves when each has recorded how it ended: used at shutdown. */
export async function cancelAllJobs(): Promise<number> {
  const entries = [...running.values()];
  for (const e of entries) e.controller.abort(new Error('cancelled: the server is stopping'));
  await Promise.allSettled(entries.map((e) => e.result));
  return entries.length;
}
