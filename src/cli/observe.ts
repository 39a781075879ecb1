import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { recordAudit } from '../audit/append.js';
import { startJob } from '../jobs/run.js';
import { createLogger } from '../log.js';
import { REPLAY_FORMATS, type ReplayFormat } from '../observe/formats.js';
import { replay, type ReplayResult } from '../observe/replay.js';
import { observeStatus } from '../observe/status.js';
import { say, withConfigOption, withStore } from './context.js';
import { printTable } from './output.js';
import { withProgressBar } from './progress.js';

export function registerObserveCommands(program: Command): void {
  const observe = program
    .command('observe')
    .description('observation: read resolver, proxy, firewall and mail logs, match them, record sightings');

  withConfigOption(observe.command('replay <file>'))
    .description(
      'read a log file (or - for stdin) through the matcher once; goes on where an interrupted replay of it stopped',
    )
    .requiredOption('-f, --format <format>', `one of ${REPLAY_FORMATS.join(', ')}`)
    .option('--timezone <zone>', "IANA zone of stamps written without one (default: this machine's)")
    .option('--json', 'print the result as JSON')
    .action(async (file: string, opts: { format: string; timezone?: string; json?: boolean; config?: string }) => {
      if (!(REPLAY_FORMATS as readonly string[]).includes(opts.format)) {
        throw new Error(
          say(
            `--format: expected one of ${REPLAY_FORMATS.join(', ')}, got "${opts.format}"`,
            `--format: ${REPLAY_FORMATS.join(', ')} のいずれかを指定してください（指定値: "${opts.format}"）`,
          ),
        );
      }
      if (file !== '-' && !existsSync(file)) {
        throw new Error(say(`${file}: no such file`, `${file}: ファイルがありません`));
      }
      await withStore(opts, async (ctx) => {
        const log = createLogger(
          { log: { ...ctx.config.log, level: ctx.config.log.level === 'info' ? 'warn' : ctx.config.log.level } },
          process.stderr,
        );
        const job = await startJob(
          ctx.store.db,
          { kind: 'observe.replay', params: { file, format: opts.format }, actor: ctx.audit.actor },
          async (jobProgress) => {
            const bar = withProgressBar(say('replaying', '読み込み中'), jobProgress);
            try {
              return await replay(
                { file, format: opts.format as ReplayFormat, ...(opts.timezone && { zone: opts.timezone }) },
                { db: ctx.store.db, config: ctx.config, log, progress: bar.progress },
              );
            } finally {
              bar.stop();
            }
          },
        );
        const result = await job.result;
        await recordAudit(ctx.store.db, ctx.audit, {
          action: 'observe.replay',
          target: `file:${result.file}`,
          detail: result,
        });
        printReplay(result, opts.json === true);
      });
    });

  withConfigOption(observe.command('status'))
    .description("each input's position, rate, errors and drops (from the store: works with or without serve running)")
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean; config?: string }) => {
      await withStore(opts, async (ctx) => {
        const status = await observeStatus(ctx.store.db, ctx.config);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(status)}\n`);
          return;
        }
        const columns = [
          'input',
          'type',
          'format',
          'position',
          'behind',
          'rate/s',
          'seen 1h',
          'matched 1h',
          'errors 1h',
          'dropped 1h',
        ];
        printTable(
          status.inputs.map((i) => ({
            input: i.input,
            type: i.type,
            format: i.format,
            position: i.position ? `${i.position.path}:${i.position.line} (${i.position.offset} B)` : '-',
            behind: i.behindBytes === null ? '-' : `${i.behindBytes} B`,
            'rate/s': i.ratePerSecond.toFixed(1),
            'seen 1h': i.lastHour.observed,
            'matched 1h': i.lastHour.matched,
            'errors 1h': i.lastHour.rejected,
            'dropped 1h': i.lastHour.dropped,
          })),
          columns,
        );
      });
    });
}

function printReplay(r: ReplayResult, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  const resumed =
    r.resumedFromLine > 0
      ? say(` (went on from line ${r.resumedFromLine})`, `（${r.resumedFromLine} 行目の続きから）`)
      : '';
  process.stdout.write(
    say(
      `${r.file}${resumed}: ${r.lines} lines, ${r.observations} observations, ${r.matches} matches, ${r.rejected} unreadable (dead letters), ${r.sightings} sightings recorded for ${r.input}, in ${r.seconds.toFixed(1)} s\n`,
      `${r.file}${resumed}: ${r.lines} 行、観測 ${r.observations} 件、一致 ${r.matches} 件、読めない行 ${r.rejected} 件（デッドレター）、${r.input} のサイティング ${r.sightings} 件、${r.seconds.toFixed(1)} 秒\n`,
    ),
  );
}
