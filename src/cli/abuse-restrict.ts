import type { Command } from 'commander';
import {
  approveRestriction,
  isRestrictionState,
  listRestrictions,
  releaseRestriction,
  requestRestriction,
  restrictionDetail,
  RESTRICTION_STATES,
  type Restriction,
} from '../abuse/restrictions/index.js';
import { say, withConfigOption, withStore } from './context.js';
import { printTable } from './output.js';

// `mizugiwa abuse restrict|restrictions|approve|release`: the walled garden from the shell. A running
// `serve` notices each change within seconds and publishes it (RPZ client-IP triggers, the nftables
// set) — the same as a change made through the API.

const PUBLISH_HINT = {
  en: 'a running `mizugiwa serve` publishes it within seconds (or run `mizugiwa enforce publish`)',
  ja: '起動中の `mizugiwa serve` が数秒以内に反映します（または `mizugiwa enforce publish` を実行してください）',
};

function id(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new Error(
      say(`${what}: expected a number, got "${text}"`, `${what}: 番号を指定してください（指定値: "${text}"）`),
    );
  return n;
}

export function registerAbuseRestrictCommands(abuse: Command): void {
  withConfigOption(abuse.command('restrict <case-id>'))
    .description("ask for a case's subscriber to be restricted to the walled garden; another person approves")
    .requiredOption('--reason <text>', 'why (recorded on the restriction, the case and the audit trail)')
    .option('--json', 'print the restriction as JSON')
    .action(async (caseId: string, opts: { reason: string; json?: boolean; config?: string }) => {
      await withStore(opts, async (ctx) => {
        const r = await requestRestriction(ctx.store.db, ctx.audit, id(caseId, 'case-id'), opts.reason);
        if (opts.json) return void process.stdout.write(`${JSON.stringify(r)}\n`);
        process.stdout.write(
          say(
            `restriction ${r.id} of case ${r.caseId} (${r.subscriberId}) is pending: approve it with \`mizugiwa abuse approve ${r.id}\` (someone else with abuse.restrict)\n`,
            `ケース ${r.caseId}（${r.subscriberId}）の利用制限 ${r.id} を申請しました。承認は \`mizugiwa abuse approve ${r.id}\`（abuse.restrict 権限を持つ別の担当者）\n`,
          ),
        );
      });
    });

  withConfigOption(abuse.command('restrictions [id]'))
    .description('restrictions, newest first; with an id, one restriction and every address it has covered')
    .option('--state <state>', `only in this state: ${RESTRICTION_STATES.join(', ')}`)
    .option('--case <id>', 'only of this case')
    .option('--subscriber <id>', 'only of this subscriber')
    .option('--limit <n>', 'how many (default 50)', Number)
    .option('--json', 'one JSON object per line')
    .action(
      async (
        one: string | undefined,
        opts: { state?: string; case?: string; subscriber?: string; limit?: number; json?: boolean; config?: string },
      ) => {
        if (opts.state !== undefined && !isRestrictionState(opts.state)) {
          throw new Error(
            say(
              `--state: expected one of ${RESTRICTION_STATES.join(', ')}, got "${opts.state}"`,
              `--state: ${RESTRICTION_STATES.join(', ')} のいずれかを指定してください（指定値: "${opts.state}"）`,
            ),
          );
        }
        await withStore(opts, async (ctx) => {
          if (one !== undefined) {
            const detail = await restrictionDetail(ctx.store.db, id(one, 'id'));
            if (opts.json) return void process.stdout.write(`${JSON.stringify(detail)}\n`);
            printOne(detail.restriction);
            for (const h of detail.history)
              process.stdout.write(`  ${h.address}  ${h.since} → ${h.until ?? say('now', '現在')}\n`);
            return;
          }
          const rows = await listRestrictions(
            ctx.store.db,
            {
              state: opts.state as Restriction['state'] | undefined,
              caseId: opts.case === undefined ? undefined : id(opts.case, '--case'),
              subscriberId: opts.subscriber,
            },
            { limit: opts.limit ?? 50, offset: 0 },
          );
          if (opts.json) return printTable(rows, [], true);
          printTable(
            rows.map((r) => ({ ...r, addresses: r.addresses.join(' ') || '-' })),
            ['id', 'caseId', 'subscriberId', 'type', 'state', 'requestedBy', 'approvedBy', 'releasedAt', 'addresses'],
          );
        });
      },
    );

  withConfigOption(abuse.command('approve <id>'))
    .description("approve a pending restriction: the subscriber's current addresses go into the walled garden")
    .option('--json', 'print the restriction as JSON')
    .action(async (restriction: string, opts: { json?: boolean; config?: string }) => {
      await withStore(opts, async (ctx) => {
        const r = await approveRestriction(ctx.store.db, ctx.audit, id(restriction, 'id'), {
          allowSelfApproval: ctx.config.abuse.escalation.allow_self_approval,
        });
        if (opts.json) return void process.stdout.write(`${JSON.stringify(r)}\n`);
        const where = r.addresses.join(', ') || say('no address right now', '現在アドレスなし');
        process.stdout.write(
          say(
            `restriction ${r.id} is active: case ${r.caseId} is restricted (${where}); ${PUBLISH_HINT.en}\n`,
            `利用制限 ${r.id} を有効にしました。ケース ${r.caseId} は制限中です（${where}）。${PUBLISH_HINT.ja}\n`,
          ),
        );
        if (r.addresses.length === 0)
          process.stdout.write(
            say(
              'the subscriber holds no address now: the restriction takes their next one from the lease data\n',
              '加入者は現在アドレスを保持していません。次に割り当てられたアドレスをリース情報から制限します\n',
            ),
          );
        for (const s of r.skipped) process.stdout.write(`  ! ${s.address}: ${s.reason}\n`);
      });
    });

  withConfigOption(abuse.command('release <id>'))
    .description('lift a restriction (its case is resolved), or decline one still pending')
    .requiredOption('--reason <text>', 'why (recorded on the restriction, the case and the audit trail)')
    .option('--json', 'print the restriction as JSON')
    .action(async (restriction: string, opts: { reason: string; json?: boolean; config?: string }) => {
      await withStore(opts, async (ctx) => {
        const r = await releaseRestriction(ctx.store.db, ctx.audit, id(restriction, 'id'), opts.reason);
        if (opts.json) return void process.stdout.write(`${JSON.stringify(r)}\n`);
        process.stdout.write(
          r.state === 'declined'
            ? say(`restriction ${r.id} declined\n`, `利用制限 ${r.id} の申請を却下しました\n`)
            : say(
                `restriction ${r.id} lifted; case ${r.caseId} is resolved; ${PUBLISH_HINT.en}\n`,
                `利用制限 ${r.id} を解除し、ケース ${r.caseId} を解決済みにしました。${PUBLISH_HINT.ja}\n`,
              ),
        );
      });
    });
}

function printOne(r: Restriction): void {
  process.stdout.write(
    `restriction ${r.id}: case ${r.caseId} ${r.subscriberId} ${r.type} ${r.state}\n` +
      `  requested ${r.requestedAt} by ${r.requestedBy}: ${r.reason}\n` +
      (r.approvedAt ? `  approved ${r.approvedAt} by ${r.approvedBy}\n` : '') +
      (r.releasedAt ? `  ${r.releaseKind} ${r.releasedAt} by ${r.releasedBy}: ${r.releaseReason}\n` : ''),
  );
}
