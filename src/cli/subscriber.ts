import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { importSubscriberFile } from '../attribute/import-subscribers.js';
import { startJob } from '../jobs/run.js';
import { withProgressBar } from './progress.js';
import { readSubscribers, requireSubscriber, upsertSubscriber } from '../store/subscribers.js';
import { say, withConfigOption, withStore } from './context.js';
import { printTable } from './output.js';
import { purposeFrom, withPurposeOption } from './purpose-option.js';

export function registerSubscriberCommands(program: Command): void {
  const sub = program
    .command('subscriber')
    .alias('subscribers')
    .description('subscriber records; every read needs a purpose and is audited (show, search, set)');

  withPurposeOption(withConfigOption(sub.command('show <id>')))
    .description('show one subscriber')
    .option('--json', 'as JSON')
    .action(async (id: string, opts: { purpose?: string; reference?: string; json?: boolean; config?: string }) => {
      await withStore(opts, async ({ store, audit }) => {
        const s = await requireSubscriber(store.db, { ...audit, purpose: purposeFrom(opts) }, id);
        if (opts.json) process.stdout.write(`${JSON.stringify(s)}\n`);
        else for (const [k, v] of Object.entries(s)) process.stdout.write(`${k}: ${v ?? '-'}\n`);
      });
    });

  withPurposeOption(withConfigOption(sub.command('search <text>')))
    .description('find subscribers by id, name, kana or email')
    .option('-n, --limit <n>', 'how many', (v) => Number(v), 20)
    .option('--json', 'one JSON object per line')
    .action(
      async (
        text: string,
        opts: { purpose?: string; reference?: string; limit: number; json?: boolean; config?: string },
      ) => {
        await withStore(opts, async ({ store, audit }) => {
          const rows = await readSubscribers(
            store.db,
            { ...audit, purpose: purposeFrom(opts) },
            { search: text, limit: opts.limit },
          );
          printTable(rows, ['id', 'name', 'email', 'phone', 'contract'], opts.json);
        });
      },
    );

  withConfigOption(sub.command('import <csv>'))
    .description(
      'import the billing export (id, name, name_kana, email, phone, postal_address, contract, plan, status, radius_user, mac, circuit_id; Japanese headers too; UTF-8 or Shift_JIS)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (file: string, opts: { json?: boolean; config?: string }) => {
      if (!existsSync(file)) throw new Error(say(`${file}: no such file`, `${file}: ファイルがありません`));
      await withStore(opts, async (ctx) => {
        const job = await startJob(
          ctx.store.db,
          { kind: 'subscribers.import', params: { file }, actor: ctx.audit.actor },
          async (p) => {
            const bar = withProgressBar(say('importing', '取り込み中'), p);
            try {
              return await importSubscriberFile(ctx.store.db, ctx.audit, file, bar.progress);
            } finally {
              bar.stop();
            }
          },
        );
        const r = await job.result;
        if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else
          process.stdout.write(
            say(
              `${file}: ${r.imported} subscribers imported, ${r.rejected} rows rejected (see mizugiwa deadletter list --source subscribers), in ${r.seconds.toFixed(1)} s\n`,
              `${file}: 加入者 ${r.imported} 件を取り込み、${r.rejected} 行を除外しました（mizugiwa deadletter list --source subscribers で確認）、${r.seconds.toFixed(1)} 秒\n`,
            ),
          );
      });
    });

  withConfigOption(sub.command('set <id>'))
    .description('create or replace a subscriber record')
    .requiredOption('--name <name>', 'the subscriber name')
    .option('--email <email>')
    .option('--phone <phone>')
    .option('--address <address>')
    .option('--contract <contract>', 'contract or plan identifier')
    .action(
      async (
        id: string,
        opts: { name: string; email?: string; phone?: string; address?: string; contract?: string; config?: string },
      ) => {
        await withStore(opts, async ({ store, audit }) => {
          await upsertSubscriber(store.db, audit, {
            id,
            name: opts.name,
            email: opts.email ?? null,
            phone: opts.phone ?? null,
            address: opts.address ?? null,
            contract: opts.contract ?? null,
          });
          process.stdout.write(say(`subscriber ${id} saved\n`, `加入者 ${id} を保存しました\n`));
        });
      },
    );
}
