import { resolve } from 'node:path';
import { Cron } from 'croner';
import type { Kysely } from 'kysely';
import { describeError } from '../abuse/intake/incoming-mail.js';
import { readPasswordFile } from '../abuse/intake/password-file.js';
import { fetchNewReports, type SeenReports, type ShadowserverReport } from '../abuse/intake/shadowserver-api.js';
import type { ReportOutcome } from '../abuse/receive-report.js';
import type { ShadowserverApiConfig } from '../config/shadowserver-api-schema.js';
import type { Logger } from '../log.js';
import type { Database } from '../store/schema.js';

// Shadowserver's Reports API on the configured schedule, and once at start (so a new key shows at once
// whether it works). Which reports were fetched is kept in `shadowserver_fetched`, written only after a
// report was received, so one that failed comes again on the next poll and one that arrived never
// does. The key and secret are read from their files at each poll: a rotated key needs no restart.

export type ShadowserverFetch = {
  /** Polls now; joins the poll under way, if one is. */
  run(): Promise<void>;
  stats(): { runs: number; failures: number; listed: number; fetched: number; failed: number };
  /** Why the last poll, or a report in it, failed. */
  lastError(): string | undefined;
  stop(): Promise<void>;
};

export function scheduleShadowserverFetch(deps: {
  db: Kysely<Database>;
  api: ShadowserverApiConfig;
  configDir: string;
  log: Logger;
  /** Hands one report to intake; resolves once it is stored. */
  receive(report: ShadowserverReport): Promise<ReportOutcome>;
}): ShadowserverFetch {
  const { db, api, log } = deps;
  const abort = new AbortController();
  const stats = { runs: 0, failures: 0, listed: 0, fetched: 0, failed: 0 };
  let lastError: string | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  /** What `seen.add` records of a report the sink received. */
  const received = new Map<string, ShadowserverReport & { reportId: number }>();

  const seen: SeenReports = {
    async has(id) {
      const row = await db.selectFrom('shadowserverFetched').select('id').where('id', '=', id).executeTakeFirst();
      return row !== undefined;
    },
    async add(id) {
      const report = received.get(id);
      received.delete(id);
      await db
        .insertInto('shadowserverFetched')
        .values({
          id,
          fileName: report?.fileName ?? '',
          reportType: report?.type ?? '',
          reportDate: report?.reportDate ?? '',
          reportId: report?.reportId ?? null,
          fetchedAt: new Date().toISOString(),
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    },
  };

  const once = async (): Promise<void> => {
    stats.runs++;
    try {
      const [apiKey, secret] = await Promise.all([
        readPasswordFile(resolve(deps.configDir, api.api_key_file)),
        readPasswordFile(resolve(deps.configDir, api.secret_file)),
      ]);
      const result = await fetchNewReports(
        {
          baseUrl: api.base_url,
          apiKey,
          secret,
          reports: api.reports,
          types: api.types,
          days: api.days,
          timeoutMs: api.timeout_seconds * 1000,
          signal: abort.signal,
        },
        async (report) => {
          const outcome = await deps.receive(report);
          received.set(report.id, { ...report, reportId: outcome.reportId });
        },
        seen,
      );
      stats.listed += result.listed;
      stats.fetched += result.fetched;
      stats.failed += result.failed;
      lastError = result.failures[0]?.reason;
      for (const f of result.failures)
        log.warn(
          { id: f.id, file: f.fileName, reason: f.reason },
          'abuse: a Shadowserver report was not fetched; tried again next poll',
        );
      log.info(
        { listed: result.listed, new: result.new, fetched: result.fetched, failed: result.failed },
        'abuse: Shadowserver API polled',
      );
    } catch (err) {
      if (abort.signal.aborted) return;
      stats.failures++;
      lastError = describeError(err);
      log.error({ err: lastError }, 'abuse: polling the Shadowserver API failed; tried again on schedule');
    }
  };

  // One poll at a time: a slow one is not joined by the next tick.
  const run = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    running ??= once().finally(() => (running = undefined));
    return running;
  };
  const cron = new Cron(
    api.poll,
    { timezone: 'UTC', protect: true, catch: (err) => log.error({ err }, 'abuse: Shadowserver schedule failed') },
    () => run(),
  );
  const first = setTimeout(() => void run(), 0);

  return {
    run,
    stats: () => ({ ...stats }),
    lastError: () => lastError,
    async stop() {
      stopped = true;
      clearTimeout(first);
      cron.stop();
      abort.abort();
      await running;
    },
  };
}
