import { join } from 'node:path';
import type { Command } from 'commander';
import { audited, recordAudit } from '../audit/append.js';
import { replayDeadLetters } from '../deadletter/replay.js';
import { loadAllowlists } from '../intel/allowlist/load.js';
import { registerIntelReplayers } from '../intel/replay.js';
import { SNAPSHOT_FILE } from '../match/indicator-snapshot.js';
import { createLiveMatcher, type LiveMatcher } from '../match/live.js';
import { registerObserveReplayers } from '../observe/replay-dead-letters.js';
import { startJob } from '../jobs/run.js';
import { deleteDeadLetters, getDeadLetter, listDeadLetters } from '../store/dead-letters.js';
import { say, withConfigOption, withStore } from './context.js';
import { printTable } from './output.js';
import { withProgressBar } from './progress.js';

export function registerDeadLetterCommands(program: Command): void {
  const dl = program
    .command('deadletter')
    .description('records parsers could not read, kept with their reason and raw bytes (list, show, replay, purge)');

  withConfigOption(dl.command('list'))
    .description('list dead letters, newest first')
    .option('--source <name>', 'only from this source')
    .option('--format <name>', 'only of this format')
    .option('-n, --limit <n>', 'how many', (v) => Number(v), 50)
    .option('--offset <n>', 'skip this many', (v) => Number(v), 0)
    .option('--json', 'one JSON object per line')
    .action(
      async (opts: {
        source?: string;
        format?: string;
        limit: number;
        offset: number;
        json?: boolean;
        config?: string;
      }) => {
        await withStore(opts, async ({ store }) => {
          const { total, items } = await listDeadLetters(store.db, opts);
          printTable(
            items,
            ['id', 'receivedAt', 'source', 'format', 'position', 'reason', 'size', 'replayedAt'],
            opts.json,
          );
          if (!opts.json)
            process.stderr.write(say(`${items.length} of ${total}\n`, `${total} 件中 ${items.length} 件\n`));
        });
      },
    );

  withConfigOption(dl.command('show <id>'))
    .description(
      'show one dead letter with its raw bytes (the read is audited: raw records may hold subscriber traffic)',
    )
    .option('--raw', 'write only the raw bytes to stdout, for piping into a parser')
    .action(async (id: string, opts: { raw?: boolean; config?: string }) => {
      await withStore(opts, async ({ store, audit }) => {
        const letter = await audited(
          store.db,
          audit,
          { action: 'deadletter.read', target: `deadletter:${id}` },
          (trx) => getDeadLetter(trx, Number(id)),
        );
        if (!letter)
          throw new Error(say(`there is no dead letter with id ${id}`, `ID ${id} のデッドレターはありません`));
        if (opts.raw) {
          process.stdout.write(letter.raw);
          return;
        }
        const { raw, ...rest } = letter;
        for (const [k, v] of Object.entries(rest)) process.stdout.write(`${k}: ${v ?? '-'}\n`);
        process.stdout.write(`raw (${raw.byteLength} bytes):\n${Buffer.from(raw).toString('utf8')}\n`);
      });
    });

  withConfigOption(dl.command('replay [ids...]'))
    .description('feed dead letters back through their parser (after a fix); --all replays every pending one')
    .option('--all', 'every dead letter not yet replayed (optionally with --source/--format)')
    .option('--source <name>', 'with --all: only this source')
    .option('--format <name>', 'with --all: only this format')
    .action(async (ids: string[], opts: { all?: boolean; source?: string; format?: string; config?: string }) => {
      await withStore(opts, async ({ store, audit, config, configDir }) => {
        registerIntelReplayers(store.db, config.intel, loadAllowlists(config.intel, configDir).checker);
        // Observation dead letters are matched against the indicators as they stand now.
        let live: LiveMatcher | undefined;
        registerObserveReplayers(store.db, {
          matcher: async () =>
            (live ??= await createLiveMatcher(store.db, { snapshotFile: join(config.data_dir, SNAPSHOT_FILE) }))
              .current,
          windowMs: config.observe.window_minutes * 60_000,
          zone: '',
        });
        let chosen = ids.map(Number);
        if (opts.all) {
          const { items } = await listDeadLetters(store.db, {
            source: opts.source,
            format: opts.format,
            limit: 1_000_000,
            offset: 0,
          });
          chosen = items.filter((i) => !i.replayedAt).map((i) => i.id);
        }
        if (chosen.length === 0)
          throw new Error(say('name dead-letter ids, or use --all', 'ID を指定するか --all を付けてください'));
        const job = await startJob(
          store.db,
          { kind: 'deadletter.replay', params: { count: chosen.length }, actor: audit.actor },
          async (jobProgress) => {
            const bar = withProgressBar(say('replaying', '再処理中'), jobProgress);
            try {
              return await replayDeadLetters(store.db, chosen, bar.progress);
            } finally {
              bar.stop();
            }
          },
        );
        await recordAudit(store.db, audit, {
          action: 'deadletter.replay',
          target: `job:${job.id}`,
          detail: { ids: chosen },
        });
        const s = await job.result;
        process.stdout.write(
          say(
            `replayed ${s.replayed}, still rejected ${s.stillRejected}, already replayed ${s.skipped} (job ${job.id})\n`,
            `再処理成功 ${s.replayed} 件、再び拒否 ${s.stillRejected} 件、処理済み ${s.skipped} 件（ジョブ ${job.id}）\n`,
          ),
        );
      });
    });

  withConfigOption(dl.command('purge [ids...]'))
    .description('delete dead letters by id, or --replayed, or --before <ISO time>')
    .option('--replayed', 'all that were replayed successfully')
    .option('--before <time>', 'all received before this ISO 8601 time')
    .action(async (ids: string[], opts: { replayed?: boolean; before?: string; config?: string }) => {
      const which = opts.replayed
        ? ({ replayed: true } as const)
        : opts.before
          ? { receivedBefore: new Date(opts.before).toISOString() }
          : ids.length
            ? { ids: ids.map(Number) }
            : undefined;
      if (!which)
        throw new Error(
          say('name ids, or use --replayed or --before', 'ID か --replayed / --before を指定してください'),
        );
      await withStore(opts, async ({ store, audit }) => {
        const n = await audited(
          store.db,
          audit,
          (deleted: number) => ({ action: 'deadletter.purge', detail: { ...which, deleted } }),
          (trx) => deleteDeadLetters(trx, which),
        );
        process.stdout.write(say(`deleted ${n} dead letters\n`, `デッドレターを ${n} 件削除しました\n`));
      });
    });
}
