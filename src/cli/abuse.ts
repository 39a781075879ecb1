import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { recordAudit } from '../audit/append.js';
import { listCsvMappings, saveCsvMapping } from '../abuse/csv-mappings.js';
import { ABUSE_FORMAT_NAMES, isAbuseFormatName } from '../abuse/formats/registry.js';
import { receiveReport, type ReportOutcome } from '../abuse/receive-report.js';
import { listReports } from '../abuse/reports.js';
import { startJob } from '../jobs/run.js';
import { say, withConfigOption, withStore } from './context.js';
import { printTable } from './output.js';
import { withProgressBar } from './progress.js';

export function registerAbuseCommands(program: Command): void {
  const abuse = program
    .command('abuse')
    .description('the abuse desk: reports in (ARF, X-ARF, Shadowserver, ACNS, CSV lists, mail), events out');

  withConfigOption(abuse.command('import <file>'))
    .description('read a report file or mail; the same bytes imported twice are one report')
    .option('-f, --format <format>', `one of ${ABUSE_FORMAT_NAMES.join(', ')} (default: recognised from the content)`)
    .option('-m, --mapping <name>', 'the saved column mapping to read a csv list with')
    .option('--report-type <type>', 'shadowserver: the report type, when the file name does not carry it')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        file: string,
        opts: { format?: string; mapping?: string; reportType?: string; json?: boolean; config?: string },
      ) => {
        if (opts.format !== undefined && !isAbuseFormatName(opts.format)) {
          throw new Error(
            say(
              `--format: expected one of ${ABUSE_FORMAT_NAMES.join(', ')}, got "${opts.format}"`,
              `--format: ${ABUSE_FORMAT_NAMES.join(', ')} のいずれかを指定してください（指定値: "${opts.format}"）`,
            ),
          );
        }
        if (opts.format === 'csv' && !opts.mapping) {
          throw new Error(
            say(
              '--format csv reads a list through a saved column mapping: add --mapping <name> (see `mizugiwa abuse mapping list`)',
              '--format csv は保存済みの列マッピングで読みます: --mapping <名前> を付けてください（`mizugiwa abuse mapping list` で一覧）',
            ),
          );
        }
        if (!existsSync(file)) throw new Error(say(`${file}: no such file`, `${file}: ファイルがありません`));
        await withStore(opts, async (ctx) => {
          const dataDir = resolve(ctx.configDir, ctx.config.data_dir);
          const job = await startJob(
            ctx.store.db,
            { kind: 'abuse.import', params: { file, format: opts.format ?? 'auto' }, actor: ctx.audit.actor },
            async (jobProgress) => {
              const bar = withProgressBar(say('importing', '取り込み中'), jobProgress);
              try {
                return await receiveReport(
                  { db: ctx.store.db, dataDir },
                  createReadStream(file, { highWaterMark: 256 * 1024 }),
                  {
                    transport: 'cli',
                    origin: resolve(file),
                    fileName: basename(file),
                    format: opts.format as (typeof ABUSE_FORMAT_NAMES)[number] | undefined,
                    mappingName: opts.mapping,
                    reportType: opts.reportType,
                  },
                  bar.progress,
                );
              } finally {
                bar.stop();
              }
            },
          );
          const result = await job.result;
          await recordAudit(ctx.store.db, ctx.audit, {
            action: 'abuse.import',
            target: `abuse-report:${result.reportId}`,
            detail: { file, ...result },
          });
          printOutcome(file, result, opts.json === true);
          if (result.state === 'unreadable') process.exitCode = 1;
        });
      },
    );

  withConfigOption(abuse.command('reports'))
    .description('the reports received, newest first')
    .option('--limit <n>', 'how many (default 50)', Number)
    .option('--json', 'print as JSON')
    .action(async (opts: { limit?: number; json?: boolean; config?: string }) => {
      await withStore(opts, async (ctx) => {
        const rows = await listReports(ctx.store.db, { limit: opts.limit ?? 50, offset: 0 });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        printTable(
          rows.map((r) => ({
            id: String(r.id),
            received: r.receivedAt,
            via: r.transport,
            format: r.format ?? '?',
            state: r.state,
            events: String(r.events),
            rejected: String(r.rejected),
            subject: (r.subject ?? r.origin).slice(0, 60),
          })),
          ['id', 'received', 'via', 'format', 'state', 'events', 'rejected', 'subject'],
        );
      });
    });

  const mapping = abuse.command('mapping').description('saved column mappings for lists that arrive as CSV');
  withConfigOption(mapping.command('save <name> <file>'))
    .description('save (or replace) a column mapping from a JSON or YAML file')
    .action(async (name: string, file: string, opts: { config?: string }) => {
      if (!existsSync(file)) throw new Error(say(`${file}: no such file`, `${file}: ファイルがありません`));
      const text = readFileSync(file, 'utf8');
      const value: unknown = file.endsWith('.json') ? JSON.parse(text) : (await import('yaml')).parse(text);
      await withStore(opts, async (ctx) => {
        await saveCsvMapping(ctx.store.db, name, value, ctx.audit.actor);
        process.stdout.write(say(`saved mapping "${name}"\n`, `マッピング「${name}」を保存しました\n`));
      });
    });
  withConfigOption(mapping.command('list'))
    .description('the saved column mappings')
    .action(async (opts: { config?: string }) => {
      await withStore(opts, async (ctx) => {
        const rows = await listCsvMappings(ctx.store.db);
        printTable(
          rows.map((r) => ({ name: r.name, description: r.description ?? '', updated: r.updatedAt, by: r.updatedBy })),
          ['name', 'description', 'updated', 'by'],
        );
      });
    });
}

function printOutcome(file: string, r: ReportOutcome, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ file, ...r }, null, 2)}\n`);
    return;
  }
  if (r.duplicate) {
    process.stdout.write(
      say(
        `${file}: already received as report ${r.reportId} (${r.state}); nothing added\n`,
        `${file}: レポート ${r.reportId} として受信済みです（${r.state}）。追加はありません\n`,
      ),
    );
    return;
  }
  process.stdout.write(
    say(
      `${file}: report ${r.reportId}, format ${r.format ?? 'unknown'}, ${r.state}: ${r.events} events, ${r.rejected} rejected (dead letters), ${r.suggestions} suggestions for triage\n`,
      `${file}: レポート ${r.reportId}、形式 ${r.format ?? '不明'}、${r.state}: イベント ${r.events} 件、不正 ${r.rejected} 件（デッドレター）、確認候補 ${r.suggestions} 件\n`,
    ),
  );
}
