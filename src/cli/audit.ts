import type { Command } from 'commander';
import { listAudit, verifyAuditChain } from '../audit/index.js';
import { startJob } from '../jobs/run.js';
import { say, withConfigOption, withStore } from './context.js';
import { printTable } from './output.js';
import { withProgressBar } from './progress.js';

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('read and verify the hash-chained audit trail (list, verify)');

  withConfigOption(audit.command('verify'))
    .description('walk the hash chain; exits 1 and names the first broken entry if a row was edited or removed')
    .action(async (opts: { config?: string }) => {
      const ok = await withStore(opts, async ({ store, audit: ctx }) => {
        const job = await startJob(store.db, { kind: 'audit.verify', actor: ctx.actor }, async (jobProgress) => {
          const bar = withProgressBar(say('verifying', '検証中'), jobProgress);
          try {
            return await verifyAuditChain(store.db, (checked, total) => {
              bar.progress.setTotal(total);
              bar.progress.set(checked);
            });
          } finally {
            bar.stop();
          }
        });
        const result = await job.result;
        if (result.ok) {
          process.stdout.write(
            say(
              `audit chain intact: ${result.checked} entries verified\n`,
              `監査ログの連鎖は正常です: ${result.checked} 件を検証しました\n`,
            ),
          );
        } else {
          process.stdout.write(
            say(
              `audit chain BROKEN at entry ${result.firstBroken!.id}: ${result.firstBroken!.problem}\n(${result.checked} entries before it verified)\n`,
              `監査ログの連鎖が壊れています（エントリ ${result.firstBroken!.id}）: ${result.firstBroken!.problem}\n（それ以前の ${result.checked} 件は正常）\n`,
            ),
          );
        }
        return result.ok;
      });
      if (!ok) process.exitCode = 1;
    });

  withConfigOption(audit.command('list'))
    .description('show audit entries, newest first')
    .option('-n, --limit <n>', 'how many', (v) => Number(v), 50)
    .option('--before <id>', 'entries before this id', (v) => Number(v))
    .option('--actor <actor>', 'only this actor, e.g. user:admin or cli:root')
    .option('--action <prefix>', 'only actions starting with this, e.g. subscriber. or auth.login')
    .option('--target <target>', 'only this target, e.g. user:3; end with * for a prefix, e.g. address:192.0.2.5*')
    .option('--purpose <prefix>', 'only purposes starting with this, e.g. abuse-notice or "abuse-notice: CASE-9"')
    .option('--json', 'one JSON object per line')
    .action(
      async (opts: {
        limit: number;
        before?: number;
        actor?: string;
        action?: string;
        target?: string;
        purpose?: string;
        json?: boolean;
        config?: string;
      }) => {
        await withStore(opts, async ({ store }) => {
          const rows = await listAudit(store.db, {
            limit: opts.limit,
            beforeId: opts.before,
            actor: opts.actor,
            action: opts.action,
            target: opts.target,
            purpose: opts.purpose,
          });
          printTable(rows, ['id', 'at', 'actor', 'action', 'target', 'purpose'], opts.json);
        });
      },
    );
}
