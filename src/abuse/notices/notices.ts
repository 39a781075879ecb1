import type { Kysely } from 'kysely';
import { recordAudit } from '../../audit/append.js';
import type { AuditContext } from '../../domain/actor.js';
import { purposeText, type Purpose } from '../../domain/purpose.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import type { Database, NoticeRow } from '../../store/schema.js';

// The notices sent, for the desk: a list without what they said (the body names the subscriber and the
// recipient is their address), and one notice in full only with a purpose, recorded like any read of
// subscriber data.

export const NOTICE_STATUSES = ['pending', 'sent', 'failed', 'bounced', 'exported'] as const;
export type NoticeStatus = (typeof NOTICE_STATUSES)[number];

export function isNoticeStatus(value: string): value is NoticeStatus {
  return (NOTICE_STATUSES as readonly string[]).includes(value);
}

export type NoticeSummary = Omit<NoticeRow, 'id' | 'body' | 'recipient'> & {
  id: number;
  cases: { caseId: number; kind: string }[];
};

export type NoticeFilter = {
  status?: NoticeStatus | undefined;
  subscriberId?: string | undefined;
  caseId?: number | undefined;
};

export async function listNotices(
  db: Kysely<Database>,
  filter: NoticeFilter,
  page: { limit: number; offset: number },
): Promise<NoticeSummary[]> {
  let q = db.selectFrom('notices').selectAll();
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.subscriberId) q = q.where('subscriberId', '=', filter.subscriberId);
  if (filter.caseId !== undefined) {
    const caseId = filter.caseId;
    q = q.where('id', 'in', (eb) => eb.selectFrom('noticeCases').select('noticeId').where('caseId', '=', caseId));
  }
  const rows = await q.orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute();
  return withCases(db, rows);
}

export type NoticeDetail = NoticeSummary & { recipient: string | null; body: string | null };

/** One notice; its recipient and body only when a purpose is given, and then the read is audited. */
export async function getNotice(
  db: Kysely<Database>,
  id: number,
  access?: AuditContext & { purpose: Purpose },
): Promise<NoticeDetail> {
  const row = await db.selectFrom('notices').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new UserFacingError(404, 'abuse.notice_not_found', { id });
  const [summary] = await withCases(db, [row]);
  if (!access) return { ...summary!, recipient: null, body: null };
  await recordAudit(db, access, {
    action: 'abuse.notice.read',
    target: `notice:${id}`,
    purpose: purposeText(access.purpose),
    detail: { subscriber: row.subscriberId },
  });
  return { ...summary!, recipient: row.recipient, body: row.body };
}

async function withCases(db: Kysely<Database>, rows: NoticeRow[]): Promise<NoticeSummary[]> {
  if (rows.length === 0) return [];
  const links = await db
    .selectFrom('noticeCases')
    .select(['noticeId', 'caseId', 'kind'])
    .where(
      'noticeId',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('caseId')
    .execute();
  return rows.map(({ body: _body, recipient: _recipient, ...r }) => ({
    ...r,
    id: Number(r.id),
    cases: links
      .filter((l) => Number(l.noticeId) === Number(r.id))
      .map((l) => ({ caseId: Number(l.caseId), kind: l.kind })),
  }));
}
