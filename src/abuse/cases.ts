import type { Kysely } from 'kysely';
import { appendAudit } from '../audit/append.js';
import { canMoveCase, nextCaseStates, type CaseState } from '../domain/abuse-case.js';
import { actorLabel, type AuditContext } from '../domain/actor.js';
import { nowIso } from '../domain/time.js';
import { UserFacingError } from '../domain/user-facing-error.js';
import type { AbuseCaseRow, Database } from '../store/schema.js';

// Every change of a case's state, its notes, and reading cases: one path for a change, which writes
// the history row and the audit entry together with it. Events are grouped into cases in
// attribution-batch.ts.

/**
 * Moves a case to another state, for a reason; refused when the move makes no sense from where it is.
 * `restricted` is reached only through an approved restriction (restrictions/), which passes
 * `approvedRestriction`: the state must never say a subscriber is walled in when enforcement does not.
 */
export async function moveCase(
  db: Kysely<Database>,
  audit: AuditContext,
  caseId: number,
  to: CaseState,
  reason: string,
  options: { approvedRestriction?: boolean } = {},
): Promise<AbuseCaseRow> {
  if (reason.trim().length < 3) throw new UserFacingError(400, 'abuse.case_reason_required', {});
  if (to === 'restricted' && !options.approvedRestriction)
    throw new UserFacingError(409, 'abuse.case_restrict_via_approval', { id: caseId });
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('abuseCases').selectAll().where('id', '=', caseId).executeTakeFirst();
    if (!current) throw new UserFacingError(404, 'abuse.case_not_found', { id: caseId });
    const from = current.state as CaseState;
    if (!canMoveCase(from, to)) {
      throw new UserFacingError(409, 'abuse.case_bad_move', {
        id: caseId,
        from,
        to,
        allowed: nextCaseStates(from).join(', ') || '—',
      });
    }
    const at = nowIso();
    const updated = await trx
      .updateTable('abuseCases')
      .set({ state: to, updatedAt: at })
      .where('id', '=', caseId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('abuseCaseHistory')
      .values({ caseId, at, actor: actorLabel(audit.actor), fromState: from, toState: to, reason })
      .execute();
    await appendAudit(trx, audit, {
      action: 'abuse.case.move',
      target: `case:${caseId}`,
      detail: { from, to, reason },
    });
    return updated;
  });
}

export async function addCaseNote(
  db: Kysely<Database>,
  audit: AuditContext,
  caseId: number,
  text: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const exists = await trx.selectFrom('abuseCases').select('id').where('id', '=', caseId).executeTakeFirst();
    if (!exists) throw new UserFacingError(404, 'abuse.case_not_found', { id: caseId });
    await trx
      .insertInto('abuseCaseNotes')
      .values({ caseId, at: nowIso(), author: actorLabel(audit.actor), text })
      .execute();
    await appendAudit(trx, audit, { action: 'abuse.case.note', target: `case:${caseId}` });
  });
}

export type CaseFilter = {
  state?: CaseState | undefined;
  subscriberId?: string | undefined;
  type?: string | undefined;
};

export async function listCases(
  db: Kysely<Database>,
  filter: CaseFilter,
  page: { limit: number; offset: number },
): Promise<AbuseCaseRow[]> {
  let q = db.selectFrom('abuseCases').selectAll();
  if (filter.state) q = q.where('state', '=', filter.state);
  if (filter.subscriberId) q = q.where('subscriberId', '=', filter.subscriberId);
  if (filter.type) q = q.where('type', '=', filter.type);
  return q.orderBy('updatedAt', 'desc').orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute();
}

export type CaseTimelineEntry =
  | {
      at: string;
      kind: 'event';
      id: number;
      type: string;
      reportType: string;
      reporter: string;
      address: string | null;
      port: number | null;
      evidence: string;
    }
  | { at: string; kind: 'state'; actor: string; from: string | null; to: string; reason: string }
  | { at: string; kind: 'note'; author: string; text: string };

/** The case, and everything that happened in it in time order: events (by when they happened), moves, notes. */
export async function caseTimeline(
  db: Kysely<Database>,
  caseId: number,
): Promise<{ case: AbuseCaseRow; timeline: CaseTimelineEntry[] }> {
  const row = await db.selectFrom('abuseCases').selectAll().where('id', '=', caseId).executeTakeFirst();
  if (!row) throw new UserFacingError(404, 'abuse.case_not_found', { id: caseId });
  const [events, history, notes] = await Promise.all([
    db.selectFrom('abuseEvents').selectAll().where('caseId', '=', caseId).orderBy('occurredAt').limit(1000).execute(),
    db.selectFrom('abuseCaseHistory').selectAll().where('caseId', '=', caseId).orderBy('id').execute(),
    db.selectFrom('abuseCaseNotes').selectAll().where('caseId', '=', caseId).orderBy('id').execute(),
  ]);
  const timeline: CaseTimelineEntry[] = [
    ...events.map((e) => ({
      at: e.occurredAt,
      kind: 'event' as const,
      id: Number(e.id),
      type: e.type,
      reportType: e.reportType,
      reporter: e.reporter,
      address: e.sourceAddress,
      port: e.sourcePort,
      evidence: e.evidence,
    })),
    ...history.map((h) => ({
      at: h.at,
      kind: 'state' as const,
      actor: h.actor,
      from: h.fromState,
      to: h.toState,
      reason: h.reason,
    })),
    ...notes.map((n) => ({ at: n.at, kind: 'note' as const, author: n.author, text: n.text })),
  ];
  timeline.sort((a, b) => a.at.localeCompare(b.at));
  return { case: row, timeline };
}
