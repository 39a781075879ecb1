import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Config } from '../config/index.js';
import type { SourceConfig } from '../config/intel-schema.js';
import type { Actor } from '../domain/actor.js';
import { startJob, type JobHandle } from '../jobs/run.js';
import type { Logger } from '../log.js';
import type { Database } from '../store/schema.js';
import { loadAllowlists } from './allowlist/load.js';
import { countClaims } from './claims-store.js';
import type { IngestResult } from './ingest.js';
import { ingestSummary } from './ingest-summary.js';
import { runSource, type SourceRun } from './run-source.js';

/** What a fetch job records at its start: the source, and how many claims it had before (for the held diff). */
export type FetchJobParams = { source: string; before: number };

export type FetchOutcome = SourceRun & { source: string };

// A source fetched by the scheduler and one fetched on request must not run at once: two ingests of
// one full snapshot would each take the other's claims for vanished ones.
const running = new Map<string, number>();

/** The id of this process's job fetching `source`, if one is running. */
export function runningFetch(source: string): number | undefined {
  const id = running.get(source);
  return id !== undefined && id > 0 ? id : undefined;
}

/**
 * One run of a configured source as a job (done counts records; the total is the last run's size, as
 * an estimate, until the run ends), reading the allowlists afresh. `afterIngest` runs once the claims
 * are in (rebuild the matcher, publish soon). Returns undefined when the source is already being fetched.
 */
export async function startFetchJob(
  db: Kysely<Database>,
  config: Config,
  configDir: string,
  source: SourceConfig,
  options: { actor: Actor; log?: Logger; afterIngest?: (result: IngestResult) => Promise<void> | void },
): Promise<JobHandle<FetchOutcome> | undefined> {
  if (running.has(source.name)) return undefined;
  running.set(source.name, -1);
  try {
    const before = await countClaims(db, source.name);
    const last = await db
      .selectFrom('intelSources')
      .select('lastResult')
      .where('name', '=', source.name)
      .executeTakeFirst();
    const lastSize = estimateSize(last?.lastResult ?? null);
    const params: FetchJobParams = { source: source.name, before };
    const job = await startJob(
      db,
      { kind: 'intel.fetch', params, actor: options.actor, log: options.log },
      async (progress) => {
        progress.setTotal(lastSize);
        let records = 0;
        const run = await runSource(db, source, {
          baseDir: configDir,
          spoolDir: join(config.data_dir, 'spool'),
          allow: loadAllowlists(config.intel, configDir).checker,
          progress: { ...progress, advance: (by = 1) => ((records += by), progress.advance(by)) },
        });
        // The estimate was the last run's size; the run's own count is the truth.
        progress.setTotal(records);
        progress.set(records);
        if (run.status === 'ingested') {
          progress.message(ingestSummary(run.result));
          await options.afterIngest?.(run.result);
        } else {
          progress.message('not modified since the last fetch');
        }
        return { source: source.name, ...run };
      },
    );
    running.set(source.name, job.id);
    void job.result.finally(() => running.delete(source.name)).catch(() => undefined);
    return job;
  } catch (err) {
    running.delete(source.name);
    throw err;
  }
}

function estimateSize(lastResult: string | null): number | null {
  if (!lastResult) return null;
  const last = JSON.parse(lastResult) as Partial<IngestResult>;
  // Progress counts the records accepted (rejected ones go to the dead letters uncounted).
  return last.accepted && last.accepted > 0 ? last.accepted : null;
}
