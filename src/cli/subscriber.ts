import type { Command } from 'commander';
import { readSubscribers, requireSubscriber, upsertSubscriber } from '../store/subscribers.js';
import { say, withConfigOption, withStore } from './context.js';
import { printTable } from './output.js';

const PURPOSE_HELP = 'why you read this (case number, legal request, ticket); required and recorded in the audit trail';

export function registerSubscriberCommands(program: Command): void {
  const sub = program
    .command('subscriber')
    .description('subscriber records; every read needs a purpose and is audited (show, search, set)');

  withConfigOption(sub.command('show <id>'))
    .description('show one subscriber')
    .requiredOption('-p, --purpose <text>', PURPOSE_HELP)
    .option('--json', 'as JSON')
    .action(async (id: string, opts: { purpose: string; json?: boolean; config?: string }) => {
      await withStore(opts, async ({ store, audit }) => {
        const s = await requireSubscriber(store.db, { ...audit, purpose: opts.purpose }, id);
        if (opts.json) process.stdout.write(`${JSON.stringify(s)}\n`);
        else for (const [k, v] of Object.entries(s)) process.stdout.write(`${k}: ${v ?? '-'}\n`);
      });
    });

  withConfigOption(sub.command('search <text>'))
    .description('find subscribers by id, name or email')
    .requiredOption('-p, --purpose <text>', PURPOSE_HELP)
    .option('-n, --limit <n>', 'how many', (v) => Number(v), 20)
    .option('--json', 'one JSON object per line')
    .action(async (text: string, opts: { purpose: string; limit: number; json?: boolean; config?: string }) => {
      await withStore(opts, async ({ store, audit }) => {
        const rows = await readSubscribers(
          store.db,
          { ...audit, purpose: opts.purpose },
          { search: text, limit: opts.limit },
        );
        printTable(rows, ['id', 'name', 'email', 'phone', 'contract'], opts.json);
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
