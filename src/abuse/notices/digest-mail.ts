import type { Kysely } from 'kysely';
import { actorLabel, type AuditContext } from '../../domain/actor.js';
import type { Database } from '../../store/schema.js';
import type { Digest } from './digests.js';
import { claimNotice } from './notice-records.js';
import type { NoticeKind } from './notice-view.js';
import type { NoticeSender, SendOutcome } from './send.js';

// A digest going out by e-mail, the same way from the notifier's run and from "notify now" on a case page: its
// notice record is claimed first (so two runs never mail the same round twice), then the relay is given it with the
// Message-ID the record keeps.

export type MailableDigest = Digest & { recipient: string };

/** A reminder only when every case in it has been told before. */
export function digestKind(digest: Digest): NoticeKind {
  return digest.cases.some((c) => c.kind === 'notice') ? 'notice' : 'reminder';
}

/** The digest's notice record, pending; undefined when another run claimed one of its cases' rounds first. */
export function claimDigestNotice(
  db: Kysely<Database>,
  audit: AuditContext,
  digest: MailableDigest,
  messageId: string,
): Promise<number | undefined> {
  return claimNotice(db, {
    subscriberId: digest.subscriber.id,
    locale: digest.locale,
    kind: digestKind(digest),
    channel: 'email',
    recipient: digest.recipient,
    subject: digest.subject,
    body: digest.body,
    messageId,
    status: 'pending',
    createdBy: actorLabel(audit.actor),
    cases: digest.cases.map((c) => ({ caseId: c.caseId, kind: c.kind, round: c.round })),
  });
}

export function sendDigest(
  sender: NoticeSender,
  digest: MailableDigest,
  messageId: string,
  noticeId: number,
): Promise<SendOutcome> {
  return sender.send({
    to: digest.recipient,
    subject: digest.subject,
    text: digest.body,
    messageId,
    noticeId,
    locale: digest.locale,
  });
}
