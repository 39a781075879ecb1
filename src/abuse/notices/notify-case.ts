import type { Kysely } from 'kysely';
import { recordAudit } from '../../audit/append.js';
import type { AbuseNoticesConfig } from '../../config/abuse-notices-schema.js';
import type { AuditContext } from '../../domain/actor.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import type { Database } from '../../store/schema.js';
import { claimDigestNotice, sendDigest } from './digest-mail.js';
import { buildDigests } from './digests.js';
import type { DueCase } from './due.js';
import { loadTemplates } from './notice-templates.js';
import { markBounced, markFailed, markSent, type CaseMoveProblem } from './notice-records.js';
import { newMessageId, type NoticeSender } from './send.js';

// "Notify now" from the case page: one case's notice (a new case) or reminder (a notified or reminded one)
// goes out at once, without waiting for the notifier's schedule or the class's interval. It is the
// notifier's own path for one case — the same digest, template, notice record, Message-ID, and the case
// moving on once the relay has it — so the notice looks and is tracked like any other. Only what the
// schedule decides (is it due yet?) is the person's decision here, and their reason is recorded.

export type NotifyCaseOutcome = {
  noticeId: number;
  kind: 'notice' | 'reminder';
  status: 'sent' | 'failed' | 'bounced';
  error: string | null;
  subject: string;
  problems: CaseMoveProblem[];
};

const IN_FLIGHT = ['pending', 'failed'];
const TOLD = ['sent', 'bounced', 'exported'];

export async function notifyCaseNow(
  db: Kysely<Database>,
  config: AbuseNoticesConfig,
  openSender: () => Promise<NoticeSender>,
  audit: AuditContext,
  caseId: number,
  reason: string,
): Promise<NotifyCaseOutcome> {
  if (reason.trim().length < 3) throw new UserFacingError(400, 'abuse.case_reason_required', {});
  const kase = await db.selectFrom('abuseCases').selectAll().where('id', '=', caseId).executeTakeFirst();
  if (!kase) throw new UserFacingError(404, 'abuse.case_not_found', { id: caseId });
  const kind: NotifyCaseOutcome['kind'] | null =
    kase.state === 'new' ? 'notice' : kase.state === 'notified' || kase.state === 'reminded' ? 'reminder' : null;
  if (!kind) throw new UserFacingError(409, 'abuse.notify_case_state', { id: caseId, state: kase.state });
  if (config.smtp.host === '') throw new UserFacingError(409, 'abuse.notices_no_smtp', {});

  const covering = await db
    .selectFrom('noticeCases')
    .innerJoin('notices', 'notices.id', 'noticeCases.noticeId')
    .select(['notices.id', 'notices.status', 'notices.sentAt', 'notices.createdAt'])
    .where('noticeCases.caseId', '=', caseId)
    .execute();
  const busy = covering.find((n) => IN_FLIGHT.includes(n.status));
  if (busy) throw new UserFacingError(409, 'abuse.notify_in_flight', { id: caseId, notice: Number(busy.id) });
  const byHand = await db
    .selectFrom('abuseCaseHistory')
    .select((eb) => eb.fn.max('at').as('at'))
    .where('caseId', '=', caseId)
    .where('toState', 'in', ['notified', 'reminded'])
    .executeTakeFirst();
  const told = [
    ...covering.filter((n) => TOLD.includes(n.status)).map((n) => n.sentAt ?? n.createdAt),
    ...(byHand?.at ? [byHand.at] : []),
  ].sort();

  const due: DueCase = {
    caseId,
    subscriberId: kase.subscriberId,
    type: kase.type,
    kind,
    previousNoticeAt: kind === 'reminder' ? (told.at(-1) ?? null) : null,
    round: covering.length + 1,
  };
  const [digest] = await buildDigests(db, config, await loadTemplates(db), [due], {
    ...audit,
    reason: `notify now, case ${caseId}: ${reason}`,
  });
  if (!digest)
    throw new UserFacingError(409, 'abuse.notify_no_subscriber', { id: caseId, subscriber: kase.subscriberId });
  if (!digest.recipient)
    throw new UserFacingError(409, 'abuse.notify_no_email', { id: caseId, subscriber: kase.subscriberId });

  const messageId = newMessageId(config.smtp.from);
  const mailable = { ...digest, recipient: digest.recipient };
  const noticeId = await claimDigestNotice(db, audit, mailable, messageId);
  // Another run (the scheduled notifier) claimed this case's round a moment ago: it is being told already.
  if (noticeId === undefined) throw new UserFacingError(409, 'abuse.notify_in_flight', { id: caseId, notice: '—' });
  await recordAudit(db, audit, {
    action: 'abuse.notice.send_now',
    target: `case:${caseId}`,
    detail: { notice: noticeId, kind, reason },
  });

  const sender = await openSender();
  try {
    const outcome = await sendDigest(sender, mailable, messageId, noticeId);
    const base = { noticeId, kind, subject: digest.subject };
    if (outcome.ok) {
      const how = `sent by e-mail to the subscriber (Message-ID ${messageId}), by hand: ${reason}`;
      return { ...base, status: 'sent', error: null, problems: await markSent(db, audit, noticeId, how) };
    }
    if (outcome.permanent) {
      await markBounced(db, audit, noticeId, {
        status: outcome.status,
        diagnostic: outcome.error,
        recipient: digest.recipient,
        how: 'the mail relay refused the address',
      });
      return { ...base, status: 'bounced', error: outcome.error, problems: [] };
    }
    // Left failed: the notifier's next run sends it again, with the same text and Message-ID.
    await markFailed(db, noticeId, outcome.error);
    return { ...base, status: 'failed', error: outcome.error, problems: [] };
  } finally {
    sender.close();
  }
}
