import type { Kysely } from 'kysely';
import type { AbuseNoticesConfig } from '../../config/abuse-notices-schema.js';
import type { ScheduledTask } from '../../jobs/scheduler.js';
import type { LogSink } from '../../log.js';
import type { Database } from '../../store/schema.js';
import { runNotifier } from './notify.js';
import { smtpSender } from './send.js';

// The notifier as `serve` runs it: on abuse.notices.schedule, once SMTP is configured. The result
// logged is counts only; the digests name subscribers and stay out of the log.

export function notifierTasks(
  db: Kysely<Database>,
  config: AbuseNoticesConfig,
  configDir: string,
  log: LogSink,
): ScheduledTask[] {
  if (config.schedule === '' || config.smtp.host === '') return [];
  return [
    {
      name: 'abuse-notifier',
      cron: config.schedule,
      run: async () => {
        const sender = await smtpSender(config.smtp, configDir);
        try {
          const r = await runNotifier({ db, config, sender, log }, { dryRun: false });
          return {
            sent: r.sent,
            failed: r.failed,
            bounced: r.bounced,
            retried: r.retried,
            awaitingExport: r.awaitingExport,
            caseMoveProblems: r.problems.length,
          };
        } finally {
          sender.close();
        }
      },
    },
  ];
}

/** A line for `serve`'s start-up summary. */
export function describeNotifier(config: AbuseNoticesConfig): string {
  if (config.smtp.host === '')
    return 'abuse notices: not sent (abuse.notices.smtp.host is empty); dry run and CSV export available';
  if (config.schedule === '') return `abuse notices: through ${config.smtp.host}:${config.smtp.port}, on demand only`;
  return `abuse notices: through ${config.smtp.host}:${config.smtp.port} on "${config.schedule}" (UTC)`;
}
