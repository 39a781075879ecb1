import { nowIso } from '../../domain/time.js';
import type { StoredEvidence } from '../evidence.js';
import { readEvidence } from '../evidence.js';
import { collect } from '../formats/mail-message.js';
import type { AbuseContext, ReportIntake, ReportOutcome } from '../receive-report.js';
import { readDsn } from './dsn.js';
import { markBounced } from './notice-records.js';
import { NOTIFIER } from './notify.js';

export { isDeliveryStatusReport } from './dsn.js';

// A bounce arriving at intake (the notices' envelope sender is usually the abuse desk's own address):
// kept as evidence and listed with the reports like any mail, but read as a DSN instead of as an abuse
// report. The notice it names by Message-ID is flagged bounced, with the status code and the remote
// server's words, and each case it covered gets a note. A DSN that names no notice of ours, or reports
// no failure (a delay warning), is recorded and changes nothing.

export type BounceState = 'bounce' | 'dsn-unmatched' | 'dsn-no-failure' | 'dsn-unreadable';

export async function handleBounce(
  ctx: AbuseContext,
  evidence: StoredEvidence,
  intake: ReportIntake,
): Promise<ReportOutcome> {
  const raw = await collect(readEvidence(ctx.dataDir, evidence.sha256));
  const headers = topHeaders(raw);
  if (headers.messageId) {
    const same = await ctx.db
      .selectFrom('abuseReports')
      .select(['id', 'state'])
      .where('messageId', '=', headers.messageId)
      .executeTakeFirst();
    if (same) return outcome(Number(same.id), same.state, true);
  }
  const read = readDsn(raw);
  let state: BounceState;
  let error: string | null = null;
  let noticeId: number | undefined;
  if (!read.ok) {
    state = 'dsn-unreadable';
    error = read.problem;
  } else {
    const failed = read.dsn.recipients.find((r) => r.action === 'failed');
    const notice = read.dsn.originalMessageId
      ? await ctx.db
          .selectFrom('notices')
          .select(['id'])
          .where('messageId', '=', read.dsn.originalMessageId)
          .executeTakeFirst()
      : undefined;
    if (!notice) {
      state = 'dsn-unmatched';
      error = read.dsn.originalMessageId
        ? `no notice was sent with Message-ID ${read.dsn.originalMessageId}`
        : 'the bounce does not quote the Message-ID of the message that bounced';
    } else if (!failed) {
      state = 'dsn-no-failure';
      noticeId = Number(notice.id);
      error = `notice ${noticeId}: ${read.dsn.recipients.map((r) => r.action).join(', ')}, not failed`;
    } else {
      state = 'bounce';
      noticeId = Number(notice.id);
      await markBounced(ctx.db, NOTIFIER, noticeId, {
        status: failed.status,
        diagnostic: failed.diagnostic ?? `action ${failed.action}`,
        recipient: failed.finalRecipient,
        how: `a delivery status notification came back${read.dsn.reportingMta ? ` from ${read.dsn.reportingMta}` : ''}`,
      });
    }
  }
  const inserted = await ctx.db
    .insertInto('abuseReports')
    .values({
      sha256: evidence.sha256,
      sizeBytes: evidence.sizeBytes,
      transport: intake.transport,
      origin: intake.origin,
      receivedAt: (intake.receivedAt ?? new Date()).toISOString(),
      format: null,
      reportType: noticeId !== undefined ? `notice:${noticeId}` : null,
      mappingName: null,
      subject: headers.subject ?? null,
      sender: headers.from ?? null,
      messageId: headers.messageId ?? null,
      state,
      parsedAt: nowIso(),
      error,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) {
    const row = await ctx.db
      .selectFrom('abuseReports')
      .select(['id', 'state'])
      .where('sha256', '=', evidence.sha256)
      .executeTakeFirstOrThrow();
    return outcome(Number(row.id), row.state, true);
  }
  return outcome(Number(inserted.id), state, false);
}

function outcome(reportId: number, state: string, duplicate: boolean): ReportOutcome {
  return { reportId, duplicate, format: null, state, events: 0, rejected: 0, suggestions: 0 };
}

function topHeaders(raw: Uint8Array): { subject?: string; from?: string; messageId?: string } {
  const text = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, 64 * 1024)).toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  const block = (end === -1 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(block)?.[1]?.trim() || undefined;
  return { subject: field('Subject'), from: field('From'), messageId: field('Message-ID') };
}
