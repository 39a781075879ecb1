import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { recordAudit } from '../audit/append.js';
import { parseAddressPort } from '../attribute/address-port.js';
import { importLeaseFile, type LeaseImportResult } from '../attribute/import-leases.js';
import { LEASE_FORMAT_NAMES, type LeaseFormatName } from '../attribute/lease-format.js';
import { lookupOptionsFor } from '../attribute/lookup-options.js';
import { attributionStatus } from '../attribute/status.js';
import { whoHeld, type WhoAnswer } from '../attribute/who-held.js';
import { addLegalHold, listLegalHolds, releaseLegalHold } from '../attribute/legal-holds.js';
import { UserFacingError } from '../domain/user-facing-error.js';
import { startJob } from '../jobs/run.js';
import { createLogger } from '../log.js';
import { say, withConfigOption, withStore } from './context.js';
import { printTable } from './output.js';
import { withProgressBar } from './progress.js';
import { purposeFrom, withPurposeOption } from './purpose-option.js';

export function registerAttributeCommands(program: Command): void {
  const attribute = program
    .command('attribute')
    .description('attribution: who held an address (and CGNAT port) at a time, from RADIUS, DHCP and CGNAT logs');

  withConfigOption(attribute.command('import <file>'))
    .description('read a lease file once; importing the same file again adds only what is new')
    .requiredOption('-f, --format <format>', `one of ${LEASE_FORMAT_NAMES.join(', ')}`)
    .option('-s, --source <name>', 'the lease source to keep the intervals under (default: import-<file name>)')
    .option('--timezone <zone>', "IANA zone of stamps written without one (default: this machine's)")
    .option('--json', 'print the result as JSON')
    .action(
      async (
        file: string,
        opts: { format: string; source?: string; timezone?: string; json?: boolean; config?: string },
      ) => {
        if (!(LEASE_FORMAT_NAMES as readonly string[]).includes(opts.format)) {
          throw new Error(
            say(
              `--format: expected one of ${LEASE_FORMAT_NAMES.join(', ')}, got "${opts.format}"`,
              `--format: ${LEASE_FORMAT_NAMES.join(', ')} のいずれかを指定してください（指定値: "${opts.format}"）`,
            ),
          );
        }
        if (!existsSync(file)) throw new Error(say(`${file}: no such file`, `${file}: ファイルがありません`));
        await withStore(opts, async (ctx) => {
          const log = createLogger({ log: { ...ctx.config.log, level: 'warn' } }, process.stderr);
          const job = await startJob(
            ctx.store.db,
            { kind: 'attribute.import', params: { file, format: opts.format }, actor: ctx.audit.actor },
            async (jobProgress) => {
              const bar = withProgressBar(say('importing', '取り込み中'), jobProgress);
              try {
                return await importLeaseFile(
                  ctx.store.db,
                  {
                    file,
                    format: opts.format as LeaseFormatName,
                    source: opts.source,
                    zone: opts.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
                    staleIntervals: ctx.config.attribute.stale_after_intervals,
                  },
                  { log, progress: bar.progress },
                );
              } finally {
                bar.stop();
              }
            },
          );
          const result = await job.result;
          await recordAudit(ctx.store.db, ctx.audit, {
            action: 'attribute.import',
            target: `file:${file}`,
            detail: result,
          });
          printImport(result, opts.json === true);
        });
      },
    );

  withPurposeOption(withConfigOption(attribute.command('who <address>')))
    .description('who held 192.0.2.7, 192.0.2.7:51234 or [2001:db8::1]:443 at a time; needs a purpose and is audited')
    .requiredOption('--at <time>', 'ISO 8601 time with a zone, e.g. 2026-11-24T10:00:00+09:00')
    .option('--skew <seconds>', 'clock difference allowed (default: attribute.skew_seconds)', Number)
    .option('--keys-only', 'show subscriber keys, not contact details')
    .option('--json', 'print as JSON')
    .action(
      async (
        text: string,
        opts: {
          at: string;
          skew?: number;
          keysOnly?: boolean;
          purpose?: string;
          reference?: string;
          json?: boolean;
          config?: string;
        },
      ) => {
        const purpose = purposeFrom(opts);
        const target = parseAddressPort(text);
        if (!target) throw new UserFacingError(400, 'attribute.bad_address', { address: text });
        const atMs = Date.parse(opts.at);
        if (!/[zZ]|[+-]\d\d:?\d\d$/.test(opts.at) || Number.isNaN(atMs)) {
          throw new UserFacingError(400, 'attribute.bad_time', { at: opts.at });
        }
        await withStore(opts, async (ctx) => {
          const answer = await whoHeld(
            ctx.store.db,
            { ...ctx.audit, purpose },
            { ...target, atMs, skewMs: (opts.skew ?? ctx.config.attribute.skew_seconds) * 1000 },
            { ...lookupOptionsFor(ctx.config), contact: opts.keysOnly !== true },
          );
          printWho(answer, opts.json === true);
        });
      },
    );

  withConfigOption(attribute.command('status'))
    .description('each lease source: open sessions, intervals kept, newest end, position')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean; config?: string }) => {
      await withStore(opts, async (ctx) => {
        const status = await attributionStatus(ctx.store.db, ctx.config);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(status)}\n`);
          return;
        }
        printTable(
          status.sources.map((s) => ({
            source: s.source,
            type: s.type ?? '-',
            open: s.open,
            intervals: s.closed,
            'newest end': s.lastEnd ?? '-',
            position: s.position ?? '-',
          })),
          ['source', 'type', 'open', 'intervals', 'newest end', 'position'],
        );
      });
    });

  const hold = attribute.command('hold').description('legal holds: keep intervals past retention');
  withConfigOption(hold.command('add <subject>'))
    .description('keep the intervals of an address, prefix or subscriber key in a time range')
    .requiredOption('--from <time>', 'ISO 8601 start')
    .requiredOption('--until <time>', 'ISO 8601 end')
    .requiredOption('--reason <text>', 'the legal request or case this hold is for')
    .action(async (subject: string, opts: { from: string; until: string; reason: string; config?: string }) => {
      await withStore(opts, async (ctx) => {
        const id = await addLegalHold(ctx.store.db, ctx.audit, {
          subject,
          from: opts.from,
          until: opts.until,
          reason: opts.reason,
        });
        process.stdout.write(say(`legal hold ${id} added\n`, `リーガルホールド ${id} を登録しました\n`));
      });
    });
  withConfigOption(hold.command('list'))
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean; config?: string }) => {
      await withStore(opts, async (ctx) => {
        printTable(
          await listLegalHolds(ctx.store.db),
          ['id', 'subject', 'fromAt', 'untilAt', 'reason', 'createdBy', 'releasedAt'],
          opts.json,
        );
      });
    });
  withConfigOption(hold.command('release <id>')).action(async (id: string, opts: { config?: string }) => {
    await withStore(opts, async (ctx) => {
      await releaseLegalHold(ctx.store.db, ctx.audit, Number(id));
      process.stdout.write(say(`legal hold ${id} released\n`, `リーガルホールド ${id} を解除しました\n`));
    });
  });
}

function printImport(r: LeaseImportResult, json: boolean): void {
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
      `${r.file}${resumed}: ${r.lines} lines, ${r.events} lease events, ${r.closed} intervals closed, ${r.open} sessions open, ${r.rejected} unreadable (dead letters), source ${r.source}, in ${r.seconds.toFixed(1)} s\n`,
      `${r.file}${resumed}: ${r.lines} 行、リースイベント ${r.events} 件、終了区間 ${r.closed} 件、継続中セッション ${r.open} 件、読めない記録 ${r.rejected} 件（デッドレター）、ソース ${r.source}、${r.seconds.toFixed(1)} 秒\n`,
    ),
  );
}

function printWho(answer: WhoAnswer, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(answer)}\n`);
    return;
  }
  const asked = `${answer.address}${answer.port === undefined ? '' : ` port ${answer.port}`} @ ${answer.at} (±${answer.skewMs / 1000} s)`;
  if (answer.candidates.length === 0) {
    process.stdout.write(say(`${asked}: no one held it\n`, `${asked}: 該当する利用者はいません\n`));
    return;
  }
  process.stdout.write(
    say(`${asked}: ${answer.candidates.length} candidate(s)\n`, `${asked}: 候補 ${answer.candidates.length} 件\n`),
  );
  answer.candidates.forEach((c, i) => {
    const who = c.subscriber
      ? `${c.subscriber.id} ${c.subscriber.name}${c.subscriber.email ? ` <${c.subscriber.email}>` : ''}${c.subscriber.phone ? ` ${c.subscriber.phone}` : ''}`
      : (c.subscriberId ?? c.subscriberKey ?? say('(unknown)', '（不明）'));
    process.stdout.write(
      `${i + 1}. ${who}  key=${c.subscriberKey ?? '-'}  confidence=${c.confidence}${c.notes.length ? `  [${c.notes.join(', ')}]` : ''}\n`,
    );
    for (const l of c.links) {
      const ports = l.ports ? `:${l.ports[0]}-${l.ports[1]}` : '';
      process.stdout.write(
        `   ${l.kind} ${l.address}${ports}${l.inside ? ` → ${l.inside}` : ''} [${l.start} – ${l.end ?? say('open', '継続中')}${l.endEstimated ? '~' : ''}) ${l.source}: ${l.evidence}\n`,
      );
    }
  });
}
