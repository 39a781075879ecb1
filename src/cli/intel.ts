import { createReadStream, statSync } from 'node:fs';

import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { audited, recordAudit } from '../audit/append.js';
import { isIndicatorType, type IndicatorType } from '../domain/indicator.js';
import { startJob } from '../jobs/run.js';
import { normaliseAny } from '../net/normalise.js';
import { loadAllowlists } from '../intel/allowlist/load.js';
import { claimsFor } from '../intel/claims-store.js';
import { intelFormat } from '../intel/formats/registry.js';
import { INTEL_FORMAT_NAMES, type IntelFormatName } from '../intel/formats/names.js';
import { approveHeldSnapshot, ingest, type IngestResult } from '../intel/ingest.js';
import { refreshIndicatorSnapshot, SNAPSHOT_FILE } from '../match/indicator-snapshot.js';
import { sourceSpecFromConfig } from '../intel/source-config.js';
import { DEFAULT_SOURCE_DEFAULTS, type SourceSpec } from '../intel/source.js';
import { intelStats } from '../intel/stats.js';
import { runSource } from '../intel/run-source.js';
import { say, withConfigOption, withStore, type CliContext } from './context.js';
import { printTable } from './output.js';
import { withProgressBar } from './progress.js';

export function registerIntelCommands(program: Command): void {
  const intel = program
    .command('intel')
    .description('threat intelligence: import feeds, search indicators, see sources and stats, approve held snapshots');

  withConfigOption(intel.command('import <file>'))
    .description(
      'import a feed file into a source (created as a local, full-snapshot source if new), with a progress bar',
    )
    .requiredOption('-f, --format <format>', `one of ${INTEL_FORMAT_NAMES.join(', ')}`)
    .requiredOption('-s, --source <name>', 'the source the claims belong to')
    .option('--delta', 'the file only adds and updates (do not retire what it lacks)')
    .option('--type <type>', 'plain format: the type of every value')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        file: string,
        opts: { format: string; source: string; delta?: boolean; type?: string; json?: boolean; config?: string },
      ) => {
        if (!(INTEL_FORMAT_NAMES as readonly string[]).includes(opts.format)) {
          throw new Error(`--format: expected one of ${INTEL_FORMAT_NAMES.join(', ')}, got "${opts.format}"`);
        }
        if (opts.type !== undefined && !isIndicatorType(opts.type))
          throw new Error(`--type: "${opts.type}" is not an indicator type`);
        const path = resolve(file);
        const size = statSync(path).size;
        await withStore(opts, async (ctx) => {
          const configured = ctx.config.intel.sources.find((s) => s.name === opts.source);
          const spec: SourceSpec = configured
            ? sourceSpecFromConfig(configured)
            : {
                name: opts.source,
                format: opts.format,
                location: path,
                snapshot: opts.delta ? 'delta' : 'full',
                mode: 'block',
                defaults: DEFAULT_SOURCE_DEFAULTS,
                maxRetireShare: 0.5,
              };
          if (configured && configured.format !== opts.format) {
            throw new Error(`source ${opts.source} is configured with format ${configured.format}, not ${opts.format}`);
          }
          const options = configured?.options ?? (opts.type ? { type: opts.type as IndicatorType } : {});
          const format = intelFormat(opts.format as IntelFormatName, options);
          const allow = allowChecker(ctx);
          const job = await startJob(
            ctx.store.db,
            { kind: 'intel.import', params: { file: path, source: spec.name }, actor: ctx.audit.actor },
            async (jobProgress) => {
              const bar = withProgressBar(say('importing', '取り込み中'), jobProgress);
              bar.progress.setTotal(size);
              try {
                const input = countingBytes(createReadStream(path), (n) => bar.progress.advance(n));
                return await ingest(
                  ctx.store.db,
                  spec,
                  format.parse(input, { source: spec.name, input: path, now: new Date() }),
                  { allow },
                );
              } finally {
                bar.stop();
              }
            },
          );
          const result = await job.result;
          await recordAudit(ctx.store.db, ctx.audit, {
            action: 'intel.import',
            target: `source:${spec.name}`,
            detail: { file: path, ...result },
          });
          await refreshSnapshot(ctx);
          report(result, spec.name, opts.json);
        });
      },
    );

  withConfigOption(intel.command('fetch <source>'))
    .description('run a configured source now: download (conditionally) or read its file, check it, ingest it')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts: { json?: boolean; config?: string }) => {
      await withStore(opts, async (ctx) => {
        const source = ctx.config.intel.sources.find((s) => s.name === name);
        if (!source) {
          const known = ctx.config.intel.sources.map((s) => s.name).join(', ') || 'none';
          throw new Error(
            say(
              `no source named "${name}" in the config (configured: ${known})`,
              `設定にソース「${name}」はありません（設定済み: ${known}）`,
            ),
          );
        }
        const allow = allowChecker(ctx);
        const job = await startJob(
          ctx.store.db,
          { kind: 'intel.fetch', params: { source: name }, actor: ctx.audit.actor },
          async (jobProgress) => {
            const bar = withProgressBar(say('fetching', '取得中'), jobProgress);
            try {
              return await runSource(ctx.store.db, source, {
                baseDir: ctx.configDir,
                spoolDir: join(ctx.config.data_dir, 'spool'),
                allow,
                progress: bar.progress,
              });
            } finally {
              bar.stop();
            }
          },
        );
        const run = await job.result;
        await recordAudit(ctx.store.db, ctx.audit, { action: 'intel.fetch', target: `source:${name}`, detail: run });
        if (run.status !== 'not-modified') await refreshSnapshot(ctx);
        if (run.status === 'not-modified') {
          process.stdout.write(
            opts.json
              ? `${JSON.stringify({ source: name, status: run.status })}\n`
              : say(`${name}: not modified since the last fetch\n`, `${name}: 前回の取得から変更はありません\n`),
          );
        } else {
          report(run.result, name, opts.json);
        }
      });
    });

  withConfigOption(intel.command('search <value>'))
    .description('every claim on an indicator: sources, whether it counts now, and which allowlist suppresses it')
    .option('--json', 'one JSON object per line')
    .action(async (value: string, opts: { json?: boolean; config?: string }) => {
      const n = normaliseAny(value);
      if (!n.ok) throw new Error(n.reason);
      await withStore(opts, async (ctx) => {
        const now = new Date().toISOString();
        const verdict = allowChecker(ctx).check(n.indicator);
        const rows = (await claimsFor(ctx.store.db, n.indicator)).map((c) => ({
          ...c,
          effective: c.validUntil > now && !c.suppressedBy,
          allowlistNow: verdict ? `${verdict.list} / ${verdict.entry} (${verdict.mode})` : null,
        }));
        if (!opts.json) process.stdout.write(`${n.indicator.type} ${n.indicator.value}\n`);
        printTable(
          rows,
          [
            'source',
            'category',
            'mode',
            'confidence',
            'effective',
            'validUntil',
            'suppressedBy',
            'reviewBy',
            'lastSeen',
          ],
          opts.json,
        );
        if (!opts.json && rows.length === 0)
          process.stderr.write(say('no source lists it\n', 'どのソースにもありません\n'));
      });
    });

  withConfigOption(intel.command('stats'))
    .description('claims per source and type: effective, expired, suppressed by an allowlist, flagged for review')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { json?: boolean; config?: string }) => {
      await withStore(opts, async (ctx) => {
        printTable(
          await intelStats(ctx.store.db, new Date().toISOString()),
          ['source', 'type', 'total', 'effective', 'expired', 'suppressed', 'review'],
          opts.json,
        );
      });
    });

  withConfigOption(intel.command('sources'))
    .description('configured and imported sources with their last run')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { json?: boolean; config?: string }) => {
      await withStore(opts, async (ctx) => {
        const rows = await ctx.store.db.selectFrom('intelSources').selectAll().orderBy('name').execute();
        const known = new Map(rows.map((r) => [r.name, r]));
        const all = [
          ...rows.map((r) => {
            const last = r.lastResult ? (JSON.parse(r.lastResult) as IngestResult) : undefined;
            return {
              name: r.name,
              format: r.format,
              snapshot: r.snapshot,
              mode: r.mode,
              lastRunAt: r.lastRunAt,
              claims: last?.total,
              rejected: last?.rejected,
              held: last?.held ? 'HELD' : null,
              location: r.location,
            };
          }),
          ...ctx.config.intel.sources
            .filter((s) => !known.has(s.name))
            .map((s) => ({
              name: s.name,
              format: s.format,
              snapshot: s.snapshot,
              mode: s.mode,
              lastRunAt: null,
              claims: null,
              rejected: null,
              held: null,
              location: s.url ?? s.file,
            })),
        ];
        printTable(
          all,
          ['name', 'format', 'snapshot', 'mode', 'lastRunAt', 'claims', 'rejected', 'held', 'location'],
          opts.json,
        );
      });
    });

  withConfigOption(intel.command('approve <source>'))
    .description('apply a held full snapshot: retire the indicators its last run no longer listed')
    .action(async (source: string, opts: { config?: string }) => {
      await withStore(opts, async (ctx) => {
        const { retired } = await audited(
          ctx.store.db,
          ctx.audit,
          (r: { retired: number; total: number }) => ({
            action: 'intel.approve',
            target: `source:${source}`,
            detail: r,
          }),
          (trx) => approveHeldSnapshot(trx, source),
        );
        await refreshSnapshot(ctx);
        process.stdout.write(
          say(`${source}: retired ${retired} indicators\n`, `${source}: ${retired} 件の指標を廃止しました\n`),
        );
      });
    });
}

/**
 * Compiles the indicators as they now stand and writes them where `serve` and `observe replay` read
 * them at start, so the first of those after a change does not spend seconds compiling.
 */
async function refreshSnapshot(ctx: CliContext): Promise<void> {
  await refreshIndicatorSnapshot(ctx.store.db, join(ctx.config.data_dir, SNAPSHOT_FILE));
}

function allowChecker(ctx: CliContext) {
  const { checker, problems } = loadAllowlists(ctx.config.intel, ctx.configDir);
  for (const p of problems) process.stderr.write(`warning: ${p}\n`);
  return checker;
}

function report(result: IngestResult, source: string, json?: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ source, ...result })}\n`);
    return;
  }
  process.stdout.write(
    say(
      `${source}: ${result.accepted} accepted (${result.suppressed} suppressed by allowlists, ${result.flagged} flagged), ${result.rejected} rejected to dead letters, ${result.retired} retired; ${result.total} claims now\n`,
      `${source}: 受理 ${result.accepted} 件（許可リストで抑止 ${result.suppressed} 件、要確認 ${result.flagged} 件）、拒否 ${result.rejected} 件（デッドレター）、廃止 ${result.retired} 件。現在 ${result.total} 件\n`,
    ),
  );
  if (result.held) {
    process.stdout.write(
      say(
        `HELD: this snapshot would retire ${result.held.wouldRetire} of ${result.held.of} indicators (${Math.round(result.held.share * 100)}%); nothing was retired. Check the feed, then run: mizugiwa intel approve ${source}\n`,
        `保留: このスナップショットは ${result.held.of} 件中 ${result.held.wouldRetire} 件を廃止します。何も廃止していません。フィードを確認してから mizugiwa intel approve ${source} を実行してください\n`,
      ),
    );
    process.exitCode = 3;
  }
}

/** Passes chunks through, reporting each one's size (the progress of a file read). */
async function* countingBytes(stream: AsyncIterable<Buffer>, onBytes: (n: number) => void): AsyncIterable<Uint8Array> {
  for await (const chunk of stream) {
    onBytes(chunk.length);
    yield chunk;
  }
}
