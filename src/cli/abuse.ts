import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { recordAudit } from '../audit/append.js';
import {
  addSummaries,
  attributeNewEvents,
  emptySummary,
  type EventAttributionSummary,
} from '../abuse/attribute-events.js';
import { addCaseNote, caseTimeline, listCases, moveCase } from '../abuse/cases.js';
import { listCsvMappings, saveCsvMapping } from '../abuse/csv-mappings.js';
import type { Config } from '../config/index.js';
import { CASE_STATES, isCaseState, UNASSIGNED_REASONS, type UnassignedReason } from '../domain/abuse-case.js';
import { listEventPage } from '../abuse/queries.js';
import { abuseAttributionOptions, loadAbuseContext } from '../abuse/desk.js';
import { retryUnassigned, unassignedCounts } from '../abuse/unassigned.js';
import type { AuditContext } from '../domain/actor.js';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { ABUSE_FORMAT_NAMES, isAbuseFormatName } from '../abuse/formats/registry.js';
import { receiveReport, type ReportOutcome } from '../abuse/receive-report.js';
import { listReports } from '../abuse/reports.js';
import { startJob } from '../jobs/run.js';
import { say, withConfigOption, withStore } from './context.js';
import { printTable } from './output.js';
import { withProgressBar } from './progress.js';
import { registerAbuseRestrictCommands } from './abuse-restrict.js';
import { registerAbuseNoticeCommands } from './abuse-notify.js';

export function registerAbuseCommands(program: Command): void {
  const abuse = program
    .command('abuse')
    .description('the abuse desk: reports in (ARF, X-ARF, Shadowserver, ACNS, CSV lists, mail), events out');
  registerAbuseRestrictCommands(abuse);
  registerAbuseNoticeCommands(abuse);

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
                  // The operator's Shadowserver schema (abuse.shadowserver_schema), as serve reads with.
                  { ...(await loadAbuseContext(ctx.store.db, ctx.config, ctx.configDir, ctx.audit)), dataDir },
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
          // Events left `new` by an earlier import without attribution are taken along now.
          const backlog = await attributeEvents(ctx.store.db, ctx.config, ctx.audit);
          const cases = addSummaries(result.attribution ?? emptySummary(), backlog);
          printOutcome(file, result, cases, opts.json === true);
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

  withConfigOption(abuse.command('cases'))
    .description('cases, most recently changed first')
    .option('--state <state>', `only in this state: ${CASE_STATES.join(', ')}`)
    .option('--subscriber <id>', 'only this subscriber')
    .option('--limit <n>', 'how many (default 50)', Number)
    .option('--json', 'one JSON object per line')
    .action(async (opts: { state?: string; subscriber?: string; limit?: number; json?: boolean; config?: string }) => {
      if (opts.state !== undefined && !isCaseState(opts.state)) {
        throw new Error(
          say(
            `--state: expected one of ${CASE_STATES.join(', ')}, got "${opts.state}"`,
            `--state: ${CASE_STATES.join(', ')} のいずれかを指定してください（指定値: "${opts.state}"）`,
          ),
        );
      }
      await withStore(opts, async (ctx) => {
        const rows = await listCases(
          ctx.store.db,
          { state: opts.state as (typeof CASE_STATES)[number] | undefined, subscriberId: opts.subscriber },
          { limit: opts.limit ?? 50, offset: 0 },
        );
        printTable(
          rows,
          ['id', 'subscriberId', 'type', 'state', 'eventCount', 'firstEventAt', 'lastEventAt', 'updatedAt'],
          opts.json,
        );
      });
    });

  const kase = abuse.command('case').description('one case: its timeline, a change of state, a note');
  withConfigOption(kase.command('show <id>'))
    .description('the case and its timeline: events, changes of state, notes')
    .option('--json', 'print as JSON')
    .action(async (id: string, opts: { json?: boolean; config?: string }) => {
      await withStore(opts, async (ctx) => {
        const { case: row, timeline } = await caseTimeline(ctx.store.db, Number(id));
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ case: row, timeline }, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          `case ${row.id}: ${row.subscriberId} ${row.type} ${row.state} (${row.eventCount} events, ${row.firstEventAt} → ${row.lastEventAt})\n`,
        );
        for (const t of timeline) {
          const what =
            t.kind === 'event'
              ? `${t.reportType} from ${t.reporter}: ${t.address ?? '-'}${t.port ? `:${t.port}` : ''} (${t.evidence})`
              : t.kind === 'state'
                ? `${t.from ?? '·'} → ${t.to} by ${t.actor}: ${t.reason}`
                : `note by ${t.author}: ${t.text}`;
          process.stdout.write(`  ${t.at}  ${t.kind.padEnd(5)}  ${what}\n`);
        }
      });
    });
  withConfigOption(kase.command('move <id> <state>'))
    .description('change the state of a case; the reason is recorded')
    .requiredOption('--reason <text>', 'why (recorded in the case history and the audit trail)')
    .action(async (id: string, state: string, opts: { reason: string; config?: string }) => {
      if (!isCaseState(state)) {
        throw new Error(
          say(`state: expected one of ${CASE_STATES.join(', ')}`, `状態: ${CASE_STATES.join(', ')} のいずれか`),
        );
      }
      await withStore(opts, async (ctx) => {
        const row = await moveCase(ctx.store.db, ctx.audit, Number(id), state, opts.reason);
        process.stdout.write(
          say(`case ${row.id} is now ${row.state}\n`, `ケース ${row.id} は ${row.state} になりました\n`),
        );
      });
    });
  withConfigOption(kase.command('note <id> <text>'))
    .description('add a note to a case')
    .action(async (id: string, text: string, opts: { config?: string }) => {
      await withStore(opts, async (ctx) => {
        await addCaseNote(ctx.store.db, ctx.audit, Number(id), text);
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

  withConfigOption(abuse.command('unassigned'))
    .description('the unassigned queue: events no subscriber could be found for, each with the reason')
    .option('--reason <reason>', `only this reason: ${UNASSIGNED_REASONS.join(', ')}`)
    .option('--limit <n>', 'how many events to list, newest first (default 50)', Number)
    .option('--json', 'print the counts and the events as JSON')
    .action(async (opts: { reason?: string; limit?: number; json?: boolean; config?: string }) => {
      const reason = unassignedReasonOption(opts.reason);
      await withStore(opts, async (ctx) => {
        const reasons = await unassignedCounts(ctx.store.db);
        const { items } = await listEventPage(
          ctx.store.db,
          { state: 'unassigned', reason },
          { limit: opts.limit ?? 50 },
        );
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ reasons, events: items }, null, 2)}\n`);
          return;
        }
        printTable(reasons, ['reason', 'count', 'firstReceivedAt', 'lastReceivedAt']);
        process.stdout.write('\n');
        printTable(
          items.map((e) => ({
            id: e.id,
            occurred: e.occurredAt,
            type: e.type,
            address: e.source.address ?? e.source.hostname ?? e.source.url,
            port: e.source.port,
            reason: e.unassignedReason,
            key: e.subscriberKey,
            report: e.reportId,
          })),
          ['id', 'occurred', 'type', 'address', 'port', 'reason', 'key', 'report'],
        );
      });
    });

  withConfigOption(abuse.command('attribute'))
    .description('give new events their subscriber and case now (serve does this as reports arrive and every minute)')
    .option('--retry-unassigned', 'first put unassigned events back, to be looked up again (after a late lease log)')
    .option('--reason <reason>', `with --retry-unassigned: only events unassigned for this reason`)
    .option('--json', 'print the result as JSON')
    .action(async (opts: { retryUnassigned?: boolean; reason?: string; json?: boolean; config?: string }) => {
      const reason = unassignedReasonOption(opts.reason);
      if (reason && !opts.retryUnassigned) {
        throw new Error(
          say('--reason goes with --retry-unassigned', '--reason は --retry-unassigned と一緒に指定してください'),
        );
      }
      await withStore(opts, async (ctx) => {
        const retried = opts.retryUnassigned
          ? await retryUnassigned(ctx.store.db, { reasons: reason ? [reason] : undefined }, ctx.audit)
          : 0;
        const s = await attributeEvents(ctx.store.db, ctx.config, ctx.audit);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ retried, ...s }, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          say(
            `${opts.retryUnassigned ? `${retried} unassigned events looked up again; ` : ''}${s.attributed} events given to subscribers (${s.casesOpened} new cases), ${s.unassigned} unassigned\n`,
            `${opts.retryUnassigned ? `未割り当て ${retried} 件を再照会。` : ''}加入者に割り当て ${s.attributed} 件（新規ケース ${s.casesOpened} 件）、未割り当て ${s.unassigned} 件\n`,
          ),
        );
      });
    });
}

/** Gives every new event its subscriber and case, as `serve` does continuously. */
export function attributeEvents(
  db: Kysely<Database>,
  config: Config,
  audit: AuditContext,
): Promise<EventAttributionSummary> {
  return attributeNewEvents(db, abuseAttributionOptions(config, audit));
}

function printOutcome(file: string, r: ReportOutcome, cases: EventAttributionSummary, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ file, ...r, attribution: cases }, null, 2)}\n`);
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
      `${file}: report ${r.reportId}, format ${r.format ?? 'unknown'}, ${r.state}: ${r.events} events, ${r.rejected} rejected (dead letters), ${r.suggestions} suggestions for triage\n` +
        `  ${cases.attributed} events given to subscribers (${cases.casesOpened} new cases), ${cases.unassigned} unassigned\n`,
      `${file}: レポート ${r.reportId}、形式 ${r.format ?? '不明'}、${r.state}: イベント ${r.events} 件、不正 ${r.rejected} 件（デッドレター）、確認候補 ${r.suggestions} 件\n` +
        `  加入者に割り当て ${cases.attributed} 件（新規ケース ${cases.casesOpened} 件）、未割り当て ${cases.unassigned} 件\n`,
    ),
  );
}

function unassignedReasonOption(reason: string | undefined): UnassignedReason | undefined {
  if (reason === undefined) return undefined;
  if ((UNASSIGNED_REASONS as readonly string[]).includes(reason)) return reason as UnassignedReason;
  throw new Error(
    say(
      `--reason: expected one of ${UNASSIGNED_REASONS.join(', ')}, got "${reason}"`,
      `--reason: ${UNASSIGNED_REASONS.join(', ')} のいずれかを指定してください（指定値: "${reason}"）`,
    ),
  );
}
