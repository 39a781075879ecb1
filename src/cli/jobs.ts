import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { getJob, listJobs } from '../store/jobs.js';
import { say, withConfigOption, withStore } from './context.js';
import { printTable } from './output.js';

export function registerJobCommands(program: Command): void {
  const jobs = program.command('jobs').description('long-running work and its progress (list, watch)');

  withConfigOption(jobs.command('list'))
    .description('list jobs, newest first')
    .option('-n, --limit <n>', 'how many', (v) => Number(v), 20)
    .option('--json', 'one JSON object per line')
    .action(async (opts: { limit: number; json?: boolean; config?: string }) => {
      await withStore(opts, async ({ store }) => {
        const rows = (await listJobs(store.db, { limit: opts.limit })).map((j) => ({
          ...j,
          progress: j.total ? `${j.done}/${j.total}` : String(j.done),
        }));
        printTable(
          rows,
          ['id', 'kind', 'state', 'progress', 'ratePerSecond', 'etaSeconds', 'startedAt', 'error'],
          opts.json,
        );
      });
    });

  withConfigOption(jobs.command('watch <id>'))
    .description("follow a job's progress bar until it ends (exit 1 if it failed)")
    .action(async (id: string, opts: { config?: string }) => {
      await withStore(opts, async ({ store }) => {
        const bar = new SingleBar(
          {
            format: `job ${id} [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {eta}s | {state}`,
            stream: process.stderr,
          },
          Presets.shades_classic,
        );
        let started = false;
        for (;;) {
          const job = await getJob(store.db, Number(id));
          if (!job) throw new Error(say(`there is no job with id ${id}`, `ID ${id} のジョブはありません`));
          const payload = { rate: job.ratePerSecond ?? 0, eta: job.etaSeconds ?? '?', state: job.state };
          if (!started) bar.start(job.total ?? Math.max(job.done, 1), job.done, payload);
          else {
            bar.setTotal(job.total ?? Math.max(job.done, 1));
            bar.update(job.done, payload);
          }
          started = true;
          if (job.state !== 'running' && job.state !== 'queued') {
            bar.stop();
            process.stdout.write(`job ${job.id} ${job.state}${job.error ? `: ${job.error}` : ''}\n`);
            if (job.state !== 'succeeded') process.exitCode = 1;
            return;
          }
          await new Promise((r) => setTimeout(r, 500));
        }
      });
    });
}
