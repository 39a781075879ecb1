import type { Kysely } from 'kysely';
import { recordAudit } from '../../audit/append.js';
import type { AuditContext } from '../../domain/actor.js';
import { nowIso } from '../../domain/time.js';
import type { Database } from '../../store/schema.js';
import { addCaseNote, moveCase } from '../cases.js';
import type { NoticeKind } from './notice-view.js';

// Writing down a notice and what became of it. A notice row is made, with the cases it covers, before
// anything is sent: what was meant to go out is never lost, and a failed send is still there to retry.
// Each covered case takes the round it was found due in (its notice count then, plus one); the pair is
// unique, so of two notifier runs deciding at the same moment only one claims a case, and the other leaves
// it alone.

export type NewNotice = {
  subscriberId: string;
  locale: string;
  kind: NoticeKind;
  channel: 'email' | 'export';
  recipient: string | null;
  subject: string;
  body: string;
  messageId: string | null;
  status: 'pending' | 'exported';
  createdBy: string;
  cases: { caseId: number; kind: NoticeKind; round: number }[];
};

/** The new notice's id, or undefined when another run claimed one of its cases first. */
export async function claimNotice(db: Kysely<Database>, notice: NewNotice): Promise<number | undefined> {
  const { cases, ...row } = notice;
  const at = nowIso();
  try {
    return await db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('notices')
        .values({ ...row, attempts: 0, createdAt: at, updatedAt: at })
        .returning('id')
        .executeTakeFirstOrThrow();
      const id = Number(inserted.id);
      for (const c of cases)
        await trx
          .insertInto('noticeCases')
          .values({ noticeId: id, caseId: c.caseId, kind: c.kind, round: c.round })
          .execute();
      return id;
    });
  } catch (error) {
    if (isUniqueViolation(error)) return undefined;
    throw error;
  }
}

/** Takes a failed (or long-pending) notice for one more attempt; false when another run has it. */
export async function takeForRetry(db: Kysely<Database>, id: number, status: string, updatedAt: string) {
  const result = await db
    .updateTable('notices')
    .set({ status: 'pending', updatedAt: nowIso() })
    .where('id', '=', id)
    .where('status', '=', status)
    .where('updatedAt', '=', updatedAt)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export type CaseMoveProblem = { caseId: number; problem: string };

/**
 * The notice reached the relay (or was handed to the people who phone and write: exported), and each case
 * it covered moves to notified (or reminded) for that reason. A case moved elsewhere meanwhile (resolved by
 * hand) keeps its state: said, not thrown.
 */
export async function markSent(
  db: Kysely<Database>,
  audit: AuditContext,
  noticeId: number,
  how: string,
  status: 'sent' | 'exported' = 'sent',
): Promise<CaseMoveProblem[]> {
  const at = nowIso();
  await db
    .updateTable('notices')
    .set((eb) => ({ status, sentAt: at, updatedAt: at, error: null, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', noticeId)
    .execute();
  const covered = await coveredCases(db, noticeId);
  const problems: CaseMoveProblem[] = [];
  for (const c of covered) {
    const to = c.kind === 'reminder' ? 'reminded' : 'notified';
    try {
      await moveCase(db, audit, c.caseId, to, `${c.kind === 'reminder' ? 'reminder' : 'notice'} ${noticeId} ${how}`);
    } catch (error) {
      problems.push({ caseId: c.caseId, problem: (error as Error).message });
    }
  }
  await recordAudit(db, audit, {
    action: `abuse.notice.${status}`,
    target: `notice:${noticeId}`,
    detail: { cases: covered.map((c) => c.caseId), how },
  });
  return problems;
}

export async function markFailed(db: Kysely<Database>, noticeId: number, error: string): Promise<void> {
  await db
    .updateTable('notices')
    .set((eb) => ({ status: 'failed', error, updatedAt: nowIso(), attempts: eb('attempts', '+', 1) }))
    .where('id', '=', noticeId)
    .execute();
}

/** The notice cannot reach its recipient (refused for good, or a DSN came back): flagged, and each case noted. */
export async function markBounced(
  db: Kysely<Database>,
  audit: AuditContext,
  noticeId: number,
  bounce: { status?: string | undefined; diagnostic: string; recipient?: string | undefined; how: string },
): Promise<void> {
  const at = nowIso();
  const before = await db.selectFrom('notices').select('status').where('id', '=', noticeId).executeTakeFirst();
  await db
    .updateTable('notices')
    .set({
      status: 'bounced',
      bouncedAt: at,
      updatedAt: at,
      bounceStatus: bounce.status ?? null,
      bounceDiagnostic: bounce.diagnostic,
    })
    .where('id', '=', noticeId)
    .execute();
  // A second DSN for the same notice changes the details, not the cases' notes.
  if (before?.status === 'bounced') return;
  const text =
    `notice ${noticeId} did not reach the subscriber${bounce.recipient ? ` (${bounce.recipient})` : ''}: ` +
    `${bounce.how}${bounce.status ? `, status ${bounce.status}` : ''}: ${bounce.diagnostic}. ` +
    'Check the e-mail address on record, or reach the subscriber another way.';
  for (const c of await coveredCases(db, noticeId)) await addCaseNote(db, audit, c.caseId, text);
  await recordAudit(db, audit, {
    action: 'abuse.notice.bounced',
    target: `notice:${noticeId}`,
    detail: { status: bounce.status ?? null, diagnostic: bounce.diagnostic, how: bounce.how },
  });
}

export async function coveredCases(
  db: Kysely<Database>,
  noticeId: number,
): Promise<{ caseId: number; kind: NoticeKind }[]> {
  const rows = await db
    .selectFrom('noticeCases')
    .select(['caseId', 'kind'])
    .where('noticeId', '=', noticeId)
    .orderBy('caseId')
    .execute();
  return rows.map((r) => ({ caseId: Number(r.caseId), kind: r.kind as NoticeKind }));
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === '23505' || (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT'));
}
