import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Config } from '../config/index.js';
import { startJob } from '../jobs/run.js';
import type { ScheduledTask } from '../jobs/scheduler.js';
import type { Logger } from '../log.js';
import type { LiveMatcher } from '../match/live.js';
import type { Database } from '../store/schema.js';
import { loadAllowlists } from './allowlist/load.js';
import { runSource } from './run-source.js';

/**
 * One scheduled task per configured source: each run is a job (visible with its progress and error),
 * reads the allowlists afresh (a list edited since start applies), and rebuilds the live matcher after
 * an ingest so that new and retired indicators take effect at once.
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
      const job = await startJob(
        db,
        {
          kind: 'intel.fetch',
          params: { source: source.name },
          actor: { kind: 'system', component: 'scheduler' },
          log,
        },
        (progress) =>
          runSource(db, source, {
            baseDir: configDir,
            spoolDir: join(config.data_dir, 'spool'),
            allow: loadAllowlists(config.intel, configDir).checker,
            progress,
          }),
      );
      const run = await job.result;
      if (run.status === 'ingested') {
        const counts = await matcher.rebuild();
        onIngested();
        if (run.result.held)
          log.warn(
            { source: source.name, held: run.result.held },
            'snapshot held for review: run `mizugiwa intel approve` after checking the feed',
          );
        return { source: source.name, ...run.result, matcher: counts };
      }
      return { source: source.name, status: run.status };
    },
  }));
}
