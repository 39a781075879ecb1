import { resolve } from 'node:path';
import type { Command } from 'commander';
import { approvePoint, enabledPoint, previewPoint, runEnforceCycle, type CycleContext } from '../enforce/cycle.js';
import type { PublishOutcome } from '../enforce/publish.js';
import { rpzZoneFile } from '../enforce/rpz/point.js';
import { RESOLVERS, resolverConfig, type Resolver } from '../enforce/rpz/resolver-config.js';
import { POINT_NAMES } from '../enforce/snapshot.js';
import { readAllowlists } from '../intel/allowlist/load.js';
import { message, type MessageKey } from '../i18n/messages.js';
import { openAlerts } from '../store/alerts.js';
import { say, withConfigOption, withStore, type CliContext } from './context.js';
import { printTable } from './output.js';

/** Exit code of a publish that a guard held: the previous version is still live (as `intel` uses it). */
const EXIT_HELD = 3;
const EXIT_FAILED = 4;

export function registerEnforceCommands(program: Command): void {
  const enforce = program
    .command('enforce')
    .description('enforcement points (RPZ, Squid, nftables, Postfix): status, diff, publish, approve held versions');

  withConfigOption(enforce.command('status'))
    .description("each point's live version, any held or failed version, and the open alerts")
    .option('--json', 'print JSON lines')
    .action(async (opts: { json?: boolean; config?: string }) => {
      await withStore(opts, async (ctx) => {
        const rows = [];
        for (const point of POINT_NAMES) {
          const versions = await ctx.store.db
            .selectFrom('enforceVersions')
            .selectAll()
            .where('point', '=', point)
            .orderBy('version', 'desc')
            .limit(50)
            .execute();
          const live = versions.find((v) => v.status === 'live');
          const latest = versions[0];
          rows.push({
            point,
            enabled: ctx.config.enforce[point].enabled,
            monitor: ctx.config.enforce.monitor || ctx.config.enforce[point].monitor,
            live: live?.version ?? null,
            serial: live?.serial ?? null,
            entries: live?.entries ?? null,
            published: live?.publishedAt ?? null,
            pending:
              latest && latest.status !== 'live' && latest.status !== 'superseded'
                ? `${latest.status} v${latest.version}`
                : null,
          });
        }
        printTable(
          rows,
          ['point', 'enabled', 'monitor', 'live', 'serial', 'entries', 'published', 'pending'],
          opts.json,
        );
        const alerts = await openAlerts(ctx.store.db);
        for (const a of alerts) {
          const text = message(a.messageKey as MessageKey, ctx.locale, JSON.parse(a.params) as Record<string, string>);
          process.stdout.write(
            opts.json ? `${JSON.stringify({ alert: a.kind, subject: a.subject, text })}\n` : `! ${text}\n`,
          );
        }
      });
    });

  withConfigOption(enforce.command('diff <point>'))
    .description('what the next publish of a point would add and remove, and what the guards keep out')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean; config?: string }) => {
      await withStore(opts, async (ctx) => {
        const point = enabledPoint(ctx.config, name);
        const { diff, stopped } = await previewPoint(cycleContext(ctx), point);
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify({ point, ...diff, stopped: stopped.length, stoppedExamples: stopped.slice(0, 20) })}\n`,
          );
          return;
        }
        process.stdout.write(
          say(
            `${point}: ${diff.before} live → ${diff.after} next: +${diff.added} −${diff.removed}; ${stopped.length} kept out by guards\n`,
            `${point}: 現在 ${diff.before} 件 → 次 ${diff.after} 件: 追加 ${diff.added}、削除 ${diff.removed}。ガードで除外 ${stopped.length} 件\n`,
          ),
        );
        for (const k of diff.addedExamples) process.stdout.write(`+ ${k}\n`);
        for (const k of diff.removedExamples) process.stdout.write(`- ${k}\n`);
        for (const s of stopped.slice(0, 20)) process.stdout.write(`! ${s.type} ${s.value} (${s.rule})\n`);
      });
    });

  withConfigOption(enforce.command('publish [point]'))
    .description(`publish every enabled point (or one) now; exit ${EXIT_HELD} if a guard held a version`)
    .option('--json', 'print JSON lines')
    .action(async (name: string | undefined, opts: { json?: boolean; config?: string }) => {
      await withStore(opts, async (ctx) => {
        const only = name === undefined ? undefined : enabledPoint(ctx.config, name);
        const { outcomes } = await runEnforceCycle(cycleContext(ctx), only);
        report(outcomes, opts.json);
      });
    });

  withConfigOption(enforce.command('approve <point>'))
    .description('publish the held version of a point, if the change is still the one that was held')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean; config?: string }) => {
      await withStore(opts, async (ctx) => {
        const outcome = await approvePoint(cycleContext(ctx), enabledPoint(ctx.config, name));
        report([outcome], opts.json);
      });
    });

  const rpz = enforce.command('rpz').description('the DNS response policy zone');
  withConfigOption(rpz.command('config <resolver>'))
    .description(`print the configuration a resolver needs to take the zone: ${RESOLVERS.join(', ')}`)
    .action(async (resolver: string, opts: { config?: string }) => {
      if (!(RESOLVERS as readonly string[]).includes(resolver)) {
        throw new Error(
          say(
            `unknown resolver "${resolver}": expected one of ${RESOLVERS.join(', ')}`,
            `リゾルバー「${resolver}」は対応していません。${RESOLVERS.join('、')} のいずれかを指定してください`,
          ),
        );
      }
      await withStore(opts, async (ctx) => {
        const file = rpzZoneFile({ config: ctx.config, dataDir: resolve(ctx.config.data_dir) });
        process.stdout.write(resolverConfig(resolver as Resolver, ctx.config, file));
      });
    });
}

function cycleContext(ctx: CliContext): CycleContext {
  const { lists, fileProblems } = readAllowlists(ctx.config.intel, ctx.configDir);
  // An allowlist that cannot be read would let through what it protects: refuse to publish without it.
  if (fileProblems.length) throw new Error(fileProblems.join('; '));
  return { db: ctx.store.db, config: ctx.config, allowlists: lists, audit: ctx.audit };
}

function report(outcomes: PublishOutcome[], json = false): void {
  for (const o of outcomes) {
    if (json) {
      const { artifact: _artifact, ...rest } = o;
      process.stdout.write(`${JSON.stringify(rest)}\n`);
      continue;
    }
    const counts = `${o.entries} entries, +${o.diff.added} −${o.diff.removed}`;
    const failing = o.checks.filter((c) => !c.ok).map((c) => c.detail);
    const line = {
      unchanged: say(`${o.point}: unchanged (version ${o.version})`, `${o.point}: 変更なし（版 ${o.version}）`),
      live: say(
        `${o.point}: version ${o.version} is live (${counts})`,
        `${o.point}: 版 ${o.version} を公開しました（${counts}）`,
      ),
      held: say(
        `${o.point}: version ${o.version} HELD (${failing.join('; ')}); the previous version stays live — review with \`mizugiwa enforce diff ${o.point}\`, then \`mizugiwa enforce approve ${o.point}\``,
        `${o.point}: 版 ${o.version} を保留（${failing.join('; ')}）。前の版が有効なままです。\`mizugiwa enforce diff ${o.point}\` で確認し、\`mizugiwa enforce approve ${o.point}\` で承認してください`,
      ),
      failed: say(
        `${o.point}: version ${o.version} FAILED: ${o.error}; the previous files stay live`,
        `${o.point}: 版 ${o.version} の適用に失敗: ${o.error}。前のファイルが有効なままです`,
      ),
    }[o.status];
    process.stdout.write(`${line}\n`);
  }
  if (outcomes.some((o) => o.status === 'failed')) process.exitCode = EXIT_FAILED;
  else if (outcomes.some((o) => o.status === 'held')) process.exitCode = EXIT_HELD;
}
