import { Cron } from 'croner';
import type { Logger } from 'pino';

export type ScheduledTask = { name: string; cron: string; run: () => Promise<unknown> };
export type Scheduler = { stop(): void; next(name: string): Date | null };

/**
 * Runs periodic tasks on cron expressions (UTC). A run that is still going when the next is due is
 * skipped, not stacked; a failure is logged and the schedule goes on.
 */
export function startScheduler(tasks: ScheduledTask[], log: Logger): Scheduler {
  const crons = new Map<string, Cron>();
  for (const task of tasks) {
    const cron = new Cron(
      task.cron,
      {
        name: task.name,
        timezone: 'UTC',
        protect: true,
        catch: (err) => log.error({ err, task: task.name }, 'scheduled task failed'),
      },
      async () => {
        const started = Date.now();
        const result = await task.run();
        log.info({ task: task.name, ms: Date.now() - started, result }, 'scheduled task done');
      },
    );
    crons.set(task.name, cron);
  }
  return {
    stop: () => crons.forEach((c) => c.stop()),
    next: (name) => crons.get(name)?.nextRun() ?? null,
  };
}
