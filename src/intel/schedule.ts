import type { Kysely } from 'kysely';
import type { Config } from '../config/index.js';
import type { ScheduledTask } from '../jobs/scheduler.js';
import type { Logger } from '../log.js';
import type { LiveMatcher } from '../match/live.js';
import type { Database } from '../store/schema.js';
import { startFetchJob } from './fetch-job.js';

/**
 * One scheduled task per configured source: each run is a job (visible with its progress and error),
 * reads the allowlists afresh (a list edited since start applies), and rebuilds the live matcher after
 * an ingest so that new and retired indicators take effect at once. A run finding the source already
 * being fetched (an operator pressed "fetch now") is skipped.
 */
export function sourceTasks(
  db: Kysely<Database>,
  config: Config,
  configDir: string,
  matcher: LiveMatcher,
  log: Logger,
  /** Called after each ingest (enforcement publishes soon after). */
  onIngested: () => void = () => {},
): ScheduledTask[] {
  return config.intel.sources.map((source) => ({
    name: `intel:${source.name}`,
    cron: source.schedule,
    run: async () => {
      let counts: Awaited<ReturnType<LiveMatcher['rebuild']>> | undefined;
      const job = await startFetchJob(db, config, configDir, source, {
        actor: { kind: 'system', component: 'scheduler' },
        log,
        afterIngest: async (result) => {
          counts = await matcher.rebuild();
          onIngested();
          if (result.held)
            log.warn(
              { source: source.name, held: result.held },
              'snapshot held for review: run `mizugiwa intel approve` after checking the feed',
            );
        },
      });
      if (!job) return { source: source.name, status: 'skipped: already being fetched' };
      const run = await job.result;
      if (run.status === 'ingested') return { ...run.result, source: source.name, matcher: counts };
      return { source: source.name, status: run.status };
    },
  }));
}
