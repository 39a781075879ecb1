import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import type { Command } from 'commander';
import { recordAudit } from '../audit/append.js';
import { exportNoticesCsv } from '../abuse/notices/export-csv.js';
import { getTemplate, listTemplates, revertTemplate, setTemplate } from '../abuse/notices/notice-templates.js';
import { getNotice, isNoticeStatus, listNotices, NOTICE_STATUSES } from '../abuse/notices/notices.js';
import { NOTIFIER, runNotifier, type NotifyResult } from '../abuse/notices/notify.js';
import { previewTemplate } from '../abuse/notices/preview.js';
import { smtpSender } from '../abuse/notices/send.js';
import { UserFacingError } from '../domain/user-facing-error.js';
import { say, withConfigOption, withStore } from './context.js';
import { printTable } from './output.js';
import { purposeFrom, withPurposeOption } from './purpose-option.js';

// `mizugiwa abuse notify | notices | template`: sending the digests (or showing what would be sent),
// the notices sent and their fate, the CSV for phone and postal follow-up, and the templates.

export function registerAbuseNoticeCommands(abuse: Command): void {
  withConfigOption(abuse.command('notify'))
    .description('send the digests that are due (one mail per subscriber), and retry those that failed')
    .option('--dry-run', 'print the digests that would go out; nothing is sent or changed')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { dryRun?: boolean; json?: boolean; config?: string }) => {
      await withStore(opts, async (ctx) => {
        const config = ctx.config.abuse.notices;
        if (opts.dryRun) {
          // A person reads the digests: the subscriber reads are theirs.
          const result = await runNotifier({ db: ctx.store.db, config, audit: ctx.audit }, { dryRun: true });
          printNotifyResult(result, opts.json === true);
          return;
        }
        if (config.smtp.host === '') throw new UserFacingError(400, 'abuse.notices_no_smtp');
        const sender = await smtpSender(config.smtp, ctx.configDir);
        try {
          await recordAudit(ctx.store.db, ctx.audit, { action: 'abuse.notify.run', target: 'notifier' });
          const result = await runNotifier({ db: ctx.store.db, config, sender, audit: NOTIFIER }, { dryRun: false });
          printNotifyResult(result, opts.json === true);
          if (result.failed > 0) process.exitCode = 1;
        } finally {
          sender.close();
        }
      });
    });

  const notices = withConfigOption(abuse.command('notices'))
    .description('notices sent to subscribers, newest first (show one, export the CSV for phone and postal follow-up)')
    .option('--status <status>', `only in this status: ${NOTICE_STATUSES.join(', ')}`)
    .option('--subscriber <id>', 'only to this subscriber')
    .option('--case <id>', 'only those covering this case', Number)
    .option('--limit <n>', 'how many (default 50)', Number)
    .option('--json', 'one JSON object per line')
    .action(
      async (opts: {
        status?: string;
        subscriber?: string;
        case?: number;
        limit?: number;
        json?: boolean;
        config?: string;
      }) => {
        if (opts.status !== undefined && !isNoticeStatus(opts.status)) {
          throw new Error(
            say(
              `--status: expected one of ${NOTICE_STATUSES.join(', ')}, got "${opts.status}"`,
              `--status: ${NOTICE_STATUSES.join(', ')} のいずれかを指定してください（指定値: "${opts.status}"）`,
            ),
          );
        }
        await withStore(opts, async (ctx) => {
          const rows = await listNotices(
            ctx.store.db,
            {
              status: opts.status as (typeof NOTICE_STATUSES)[number] | undefined,
              subscriberId: opts.subscriber,
              caseId: opts.case,
            },
            { limit: opts.limit ?? 50, offset: 0 },
          );
          printTable(
            rows.map((r) => ({
              ...r,
              cases: r.cases.map((c) => `${c.caseId}${c.kind === 'reminder' ? 'r' : ''}`).join(' '),
              when: r.sentAt ?? r.createdAt,
            })),
            opts.json
              ? Object.keys(rows[0] ?? {})
              : ['id', 'subscriberId', 'locale', 'kind', 'channel', 'status', 'cases', 'when', 'bounceStatus', 'error'],
            opts.json,
          );
        });
      },
    );

  withPurposeOption(withConfigOption(notices.command('show <id>')))
    .description('one notice; with --purpose, also its recipient and text (an audited read of subscriber data)')
    .option('--json', 'print as JSON')
    .action(async (id: string, _opts: unknown, command: Command) => {
      // --config and --json are options of `notices` too, which takes them wherever they are written.
      const opts = command.optsWithGlobals<{ purpose?: string; reference?: string; json?: boolean; config?: string }>();
      await withStore(opts, async (ctx) => {
        const access = opts.purpose ? { ...ctx.audit, purpose: purposeFrom(opts) } : undefined;
        const n = await getNotice(ctx.store.db, Number(id), access);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(n, null, 2)}\n`);
          return;
        }
        for (const [k, v] of Object.entries(n)) {
          if (k === 'body' || k === 'cases') continue;
          process.stdout.write(`${k}: ${v ?? '-'}\n`);
        }
        process.stdout.write(`cases: ${n.cases.map((c) => `${c.caseId} (${c.kind})`).join(', ')}\n`);
        if (n.body !== null) process.stdout.write(`\n${n.body}`);
        else
          process.stdout.write(
            say(
              '\n(the text and recipient are shown with --purpose abuse-notice --reference <case>)\n',
              '\n（本文と宛先は --purpose abuse-notice --reference <ケース番号> を付けると表示されます）\n',
            ),
          );
      });
    });

  withConfigOption(notices.command('export <file>'))
    .description(
      'write the due cases of subscribers without an e-mail address to a CSV for phone or postal follow-up; they are recorded as notified and not exported again',
    )
    .action(async (file: string, _opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<{ config?: string }>();
      if (existsSync(file))
        throw new Error(
          say(`${file} exists; give a new file name`, `${file} は既にあります。別のファイル名を指定してください`),
        );
      await withStore(opts, async (ctx) => {
        // The file is made first: cases are recorded as exported only once there is somewhere to write them.
        // Names, phone numbers and addresses: readable by the owner only.
        const fd = openSync(file, 'wx', 0o600);
        let result: Awaited<ReturnType<typeof exportNoticesCsv>>;
        try {
          result = await exportNoticesCsv(ctx.store.db, ctx.config.abuse.notices, ctx.audit);
          writeSync(fd, result.csv);
        } catch (error) {
          rmSync(file, { force: true });
          throw error;
        } finally {
          closeSync(fd);
        }
        process.stdout.write(
          say(
            `${file}: ${result.rows} subscribers, ${result.cases} cases\n`,
            `${file}: 加入者 ${result.rows} 件、ケース ${result.cases} 件\n`,
          ),
        );
        for (const p of result.problems) process.stderr.write(`case ${p.caseId}: ${p.problem}\n`);
      });
    });

  const template = abuse.command('template').description('the notice templates: list, show, set, preview, revert');
  withConfigOption(template.command('list'))
    .description('the templates, and which an admin has changed')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { json?: boolean; config?: string }) => {
      await withStore(opts, async (ctx) => {
        const rows = await listTemplates(ctx.store.db);
        printTable(
          rows.map((r) => ({ ...r, builtIn: r.builtIn ? 'yes' : 'no', overridden: r.overridden ? 'yes' : 'no' })),
          ['name', 'locale', 'builtIn', 'overridden', 'updatedBy', 'updatedAt'],
          opts.json,
        );
      });
    });
  withConfigOption(template.command('show <name>'))
    .description('the text of a template in use (the built-in one with --builtin)')
    .option('-l, --locale <locale>', 'ja or en', 'ja')
    .option('--builtin', 'the text Mizugiwa ships, even when an admin has changed it')
    .action(async (name: string, opts: { locale: string; builtin?: boolean; config?: string }) => {
      await withStore(opts, async (ctx) => {
        const t = await getTemplate(ctx.store.db, name, opts.locale);
        if (t.usesTemplate !== name)
          process.stderr.write(
            say(
              `${name} has no template of its own; notices use ${t.usesTemplate}:\n`,
              `${name} には専用のテンプレートがないため、${t.usesTemplate} が使われます:\n`,
            ),
          );
        process.stdout.write(opts.builtin ? (t.builtInSource ?? '') : t.source);
      });
    });
  withConfigOption(template.command('set <name> <file>'))
    .description('use the template in <file> instead of the built-in one (checked first; audited)')
    .requiredOption('-l, --locale <locale>', 'ja or en')
    .action(async (name: string, file: string, opts: { locale: string; config?: string }) => {
      if (!existsSync(file)) throw new Error(say(`${file}: no such file`, `${file}: ファイルがありません`));
      const source = readFileSync(file, 'utf8');
      await withStore(opts, async (ctx) => {
        await setTemplate(ctx.store.db, ctx.audit, name, opts.locale, source);
        process.stdout.write(
          say(`template ${name} (${opts.locale}) saved\n`, `テンプレート ${name}（${opts.locale}）を保存しました\n`),
        );
      });
    });
  withConfigOption(template.command('preview <name>'))
    .description('render a template against a real case, as its subscriber would get it (an audited read)')
    .requiredOption('--case <id>', 'the case to render', Number)
    .option('-l, --locale <locale>', "ja or en (default: the subscriber's language)")
    .option('--file <file>', 'a draft to render instead of the saved template')
    .option('--reminder', 'render it as a reminder')
    .action(
      async (
        name: string,
        opts: { case: number; locale?: string; file?: string; reminder?: boolean; config?: string },
      ) => {
        if (opts.file !== undefined && !existsSync(opts.file))
          throw new Error(say(`${opts.file}: no such file`, `${opts.file}: ファイルがありません`));
        await withStore(opts, async (ctx) => {
          const p = await previewTemplate(ctx.store.db, ctx.config.abuse.notices, ctx.audit, {
            name,
            caseId: opts.case,
            locale: opts.locale,
            source: opts.file !== undefined ? readFileSync(opts.file, 'utf8') : undefined,
            kind: opts.reminder ? 'reminder' : 'notice',
          });
          process.stdout.write(`Subject: ${p.subject}\n\n${p.body}`);
        });
      },
    );
  withConfigOption(template.command('revert <name>'))
    .description('go back to the built-in template (audited)')
    .requiredOption('-l, --locale <locale>', 'ja or en')
    .action(async (name: string, opts: { locale: string; config?: string }) => {
      await withStore(opts, async (ctx) => {
        await revertTemplate(ctx.store.db, ctx.audit, name, opts.locale);
        process.stdout.write(
          say(
            `template ${name} (${opts.locale}) is the built-in one again\n`,
            `テンプレート ${name}（${opts.locale}）を組み込みのものに戻しました\n`,
          ),
        );
      });
    });
}

function printNotifyResult(r: NotifyResult, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return;
  }
  if (r.dryRun) {
    for (const d of r.digests) {
      const to = d.recipient ?? say('(no e-mail address: CSV export)', '（メールアドレスなし: CSV 出力の対象）');
      const cases = d.cases.map((c) => `${c.id} ${c.type} (${c.kind})`).join(', ');
      process.stdout.write(
        `${'─'.repeat(72)}\nTo: ${to}\nSubscriber: ${d.subscriberId} (${d.locale})  Cases: ${cases}\nSubject: ${d.subject}\n\n${d.body}\n`,
      );
    }
    process.stdout.write(
      say(
        `dry run: ${r.digests.length} digests would go out (${r.awaitingExport} to the CSV export); nothing was sent or changed\n`,
        `ドライラン: 送信予定の通知 ${r.digests.length} 件（うち CSV 出力の対象 ${r.awaitingExport} 件）。送信も変更もしていません\n`,
      ),
    );
    return;
  }
  process.stdout.write(
    say(
      `${r.sent} sent, ${r.failed} failed (retried next run), ${r.bounced} refused by the relay, ${r.retried} retried; ${r.awaitingExport} subscribers without e-mail wait for \`mizugiwa abuse notices export\`\n`,
      `送信 ${r.sent} 件、失敗 ${r.failed} 件（次回再送）、中継サーバーが拒否 ${r.bounced} 件、再送 ${r.retried} 件。メールアドレスのない加入者 ${r.awaitingExport} 件は \`mizugiwa abuse notices export\` で出力してください\n`,
    ),
  );
  for (const d of r.digests)
    if (d.error) process.stderr.write(`notice ${d.noticeId ?? '-'} (${d.subscriberId}): ${d.error}\n`);
  for (const p of r.problems) process.stderr.write(`case ${p.caseId}: ${p.problem}\n`);
}
