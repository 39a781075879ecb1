import type { Kysely } from 'kysely';
import { noticeClassSettings, type AbuseNoticesConfig } from '../../config/abuse-notices-schema.js';
import type { AuditContext } from '../../domain/actor.js';
import type { LogSink } from '../../log.js';
import type { Database } from '../../store/schema.js';
import { findDueCases } from './due-cases.js';
import { claimDigestNotice, sendDigest } from './digest-mail.js';
import { buildDigests, type Digest } from './digests.js';
import { loadTemplates } from './notice-templates.js';
import { markBounced, markFailed, markSent, takeForRetry, type CaseMoveProblem } from './notice-records.js';
import type { NoticeKind } from './notice-view.js';
import { newMessageId, type NoticeSender, type SendOutcome } from './send.js';

// A notifier run: first the notices that could not be sent before (retried with the same text and
// Message-ID), then the cases that are due, as one digest per subscriber. A subscriber without an e-mail
// address is left for the CSV export. A failure is recorded on its notice and never stops the run.

export const NOTIFIER: AuditContext = { actor: { kind: 'system', component: 'notifier' } };

/** A notice left pending this long was being sent by a run that stopped: it is tried again. */
const STALE_PENDING_MS = 10 * 60_000;

export type DigestSummary = {
  subscriberId: string;
  locale: string;
  channel: 'email' | 'export';
  recipient: string | null;
  subject: string;
  body: string;
  cases: { id: number; type: string; kind: NoticeKind }[];
  noticeId?: number | undefined;
  status?: string | undefined;
  error?: string | undefined;
};

export type NotifyResult = {
  dryRun: boolean;
  digests: DigestSummary[];
  sent: number;
  failed: number;
  bounced: number;
  retried: number;
  /** Subscribers with due cases and no e-mail address: `mizugiwa abuse notices export`. */
  awaitingExport: number;
  problems: CaseMoveProblem[];
};

export type NotifierDeps = {
  db: Kysely<Database>;
  config: AbuseNoticesConfig;
  /** Needed unless it is a dry run. */
  sender?: NoticeSender | undefined;
  audit?: AuditContext | undefined;
  now?: Date | undefined;
  log?: LogSink | undefined;
};

export async function runNotifier(deps: NotifierDeps, options: { dryRun: boolean }): Promise<NotifyResult> {
  const { db, config } = deps;
  const audit = deps.audit ?? NOTIFIER;
  const now = deps.now ?? new Date();
  const result: NotifyResult = {
    dryRun: options.dryRun,
    digests: [],
    sent: 0,
    failed: 0,
    bounced: 0,
    retried: 0,
    awaitingExport: 0,
    problems: [],
  };
  if (!options.dryRun && !deps.sender) throw new Error('runNotifier: a sender is needed unless it is a dry run');

  if (!options.dryRun) await retryUnsent(deps, audit, now, result);

  const due = await findDueCases(db, (type) => noticeClassSettings(config, type), now);
  if (due.length === 0) return result;
  const templates = await loadTemplates(db);
  const digests = await buildDigests(db, config, templates, due, {
    ...audit,
    reason: options.dryRun ? 'notifier dry run' : 'notifier run',
  });
  for (const digest of digests) {
    const summary = summarise(digest);
    result.digests.push(summary);
    if (!digest.recipient) {
      result.awaitingExport++;
      continue;
    }
    if (options.dryRun) continue;
    const messageId = newMessageId(config.smtp.from);
    const mailable = { ...digest, recipient: digest.recipient };
    const noticeId = await claimDigestNotice(db, audit, mailable, messageId);
    if (noticeId === undefined) {
      summary.status = 'claimed by another run';
      continue;
    }
    summary.noticeId = noticeId;
    const outcome = await sendDigest(deps.sender!, mailable, messageId, noticeId);
    summary.status = await record(deps, audit, noticeId, messageId, digest.recipient, outcome, result);
    if (!outcome.ok) summary.error = outcome.error;
  }
  return result;
}

async function retryUnsent(deps: NotifierDeps, audit: AuditContext, now: Date, result: NotifyResult): Promise<void> {
  const stale = new Date(now.getTime() - STALE_PENDING_MS).toISOString();
  const unsent = await deps.db
    .selectFrom('notices')
    .selectAll()
    .where('channel', '=', 'email')
    .where((eb) =>
      eb.or([eb('status', '=', 'failed'), eb.and([eb('status', '=', 'pending'), eb('updatedAt', '<', stale)])]),
    )
    .orderBy('id')
    .execute();
  for (const n of unsent) {
    const id = Number(n.id);
    if (!n.recipient || !n.messageId || !(await takeForRetry(deps.db, id, n.status, n.updatedAt))) continue;
    result.retried++;
    const outcome = await deps.sender!.send({
      to: n.recipient,
      subject: n.subject,
      text: n.body,
      messageId: n.messageId,
      noticeId: id,
      locale: n.locale,
    });
    await record(deps, audit, id, n.messageId, n.recipient, outcome, result);
  }
}

async function record(
  deps: NotifierDeps,
  audit: AuditContext,
  noticeId: number,
  messageId: string,
  recipient: string,
  outcome: SendOutcome,
  result: NotifyResult,
): Promise<string> {
  if (outcome.ok) {
    result.sent++;
    result.problems.push(
      ...(await markSent(deps.db, audit, noticeId, `sent by e-mail to the subscriber (Message-ID ${messageId})`)),
    );
    return 'sent';
  }
  if (outcome.permanent) {
    result.bounced++;
    await markBounced(deps.db, audit, noticeId, {
      status: outcome.status,
      diagnostic: outcome.error,
      recipient,
      how: 'the mail relay refused the address',
    });
    deps.log?.warn({ noticeId, error: outcome.error }, 'notice refused by the relay');
    return 'bounced';
  }
  result.failed++;
  await markFailed(deps.db, noticeId, outcome.error);
  deps.log?.warn({ noticeId, error: outcome.error }, 'notice not sent; retried at the next run');
  return 'failed';
}

function summarise(d: Digest): DigestSummary {
  return {
    subscriberId: d.subscriber.id,
    locale: d.locale,
    channel: d.recipient ? 'email' : 'export',
    recipient: d.recipient,
    subject: d.subject,
    body: d.body,
    cases: d.cases.map((c) => ({ id: c.caseId, type: c.type, kind: c.kind })),
  };
}
