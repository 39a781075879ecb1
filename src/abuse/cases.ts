import { sql, type Kysely, type RawBuilder } from 'kysely';
import { appendAudit } from '../audit/append.js';
import { canMoveCase, nextCaseStates, type CaseState } from '../domain/abuse-case.js';
import { severityRank, SEVERITIES, typesOfSeverity } from '../domain/abuse-severity.js';
import { actorLabel, type AuditContext } from '../domain/actor.js';
import { nowIso } from '../domain/time.js';
import { UserFacingError } from '../domain/user-facing-error.js';
import { normaliseIp } from '../net/ip.js';
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
  /**
   * Free text: a case number, part of the subscriber id, or what a report named — the address (in any
   * notation), part of a host name, URL or the reporter's identifier (a malware family).
   */
  text?: string | undefined;
};

/** updated: most recently changed first; oldest / newest: by when opened; severity: worst class first. */
export const CASE_SORTS = ['updated', 'oldest', 'newest', 'severity'] as const;
export type CaseSort = (typeof CASE_SORTS)[number];

/** The severity rank (1 low – 4 critical) of a case's class, as SQL: the queue sorts by it on the server. */
function severityRankSql(): RawBuilder<number> {
  const whens = [...SEVERITIES]
    .reverse()
    .map(
      (s) =>
        sql`when ${sql.ref('abuseCases.type')} in (${sql.join(typesOfSeverity(s).map((t) => sql.lit(t)))}) then ${sql.lit(severityRank(s))}`,
    );
  return sql<number>`case ${sql.join(whens, sql` `)} else 1 end`;
}

/** `%text%` for LIKE with its wildcards taken literally (escape character `\`). */
function containing(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function filtered(db: Kysely<Database>, filter: CaseFilter) {
  let q = db.selectFrom('abuseCases');
  if (filter.state) q = q.where('abuseCases.state', '=', filter.state);
  if (filter.subscriberId) q = q.where('abuseCases.subscriberId', '=', filter.subscriberId);
  if (filter.type) q = q.where('abuseCases.type', '=', filter.type);
  const text = filter.text?.trim();
  if (text) {
    const like = containing(text);
    const address = normaliseIp(text);
    const caseNumber = /^#?(\d{1,15})$/.exec(text)?.[1];
    const lower = (column: string) => sql`lower(${sql.ref(column)})`;
    q = q.where((eb) =>
      eb.or([
        ...(caseNumber ? [eb('abuseCases.id', '=', Number(caseNumber))] : []),
        eb(lower('abuseCases.subscriberId'), 'like', sql<string>`${like} escape '\\'`),
        eb.exists(
          eb
            .selectFrom('abuseEvents')
            .select('abuseEvents.id')
            .whereRef('abuseEvents.caseId', '=', 'abuseCases.id')
            .where((e) =>
              e.or([
                ...(address.ok ? [e('abuseEvents.sourceAddress', '=', address.indicator.value)] : []),
                e(lower('abuseEvents.sourceHostname'), 'like', sql<string>`${like} escape '\\'`),
                e(lower('abuseEvents.sourceUrl'), 'like', sql<string>`${like} escape '\\'`),
                e(lower('abuseEvents.identifier'), 'like', sql<string>`${like} escape '\\'`),
              ]),
            ),
        ),
      ]),
    );
  }
  return q;
}

export async function listCases(
  db: Kysely<Database>,
  filter: CaseFilter,
  page: { limit: number; offset: number; sort?: CaseSort | undefined },
): Promise<AbuseCaseRow[]> {
  const q = filtered(db, filter).selectAll('abuseCases');
  const sorted =
    page.sort === 'oldest'
      ? q.orderBy('abuseCases.openedAt', 'asc').orderBy('abuseCases.id', 'asc')
      : page.sort === 'newest'
        ? q.orderBy('abuseCases.openedAt', 'desc').orderBy('abuseCases.id', 'desc')
        : page.sort === 'severity'
          ? q
              .orderBy(severityRankSql(), 'desc')
              .orderBy('abuseCases.lastEventAt', 'desc')
              .orderBy('abuseCases.id', 'desc')
          : q.orderBy('abuseCases.updatedAt', 'desc').orderBy('abuseCases.id', 'desc');
  return sorted.limit(page.limit).offset(page.offset).execute();
}

/** How many cases the filter finds, for the queue's pager. */
export async function countCases(db: Kysely<Database>, filter: CaseFilter): Promise<number> {
  const row = await filtered(db, filter)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export type CaseMoveOutcome =
  { id: number; ok: true; state: string } | { id: number; ok: false; code: string; message: string; status: number };

/**
 * Several cases to one state for one reason (the queue's bulk action). Each is moved on its own, with its
 * own history row and audit entry, as if moved one by one; one that may not move is reported and the rest
 * go on.
 */
export async function moveCases(
  db: Kysely<Database>,
  audit: AuditContext,
  ids: readonly number[],
  to: CaseState,
  reason: string,
  describe: (error: UserFacingError) => string,
): Promise<CaseMoveOutcome[]> {
  if (reason.trim().length < 3) throw new UserFacingError(400, 'abuse.case_reason_required', {});
  const outcomes: CaseMoveOutcome[] = [];
  for (const id of new Set(ids)) {
    try {
      const row = await moveCase(db, audit, id, to, reason);
      outcomes.push({ id, ok: true, state: row.state });
    } catch (error) {
      if (!(error instanceof UserFacingError)) throw error;
      outcomes.push({ id, ok: false, code: error.key, message: describe(error), status: error.statusCode });
    }
  }
  return outcomes;
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

/** A notice that covered a case, as its timeline shows it (when sent, or made if it never was). */
export type CaseNoticeEntry = {
  at: string;
  kind: 'notice';
  noticeId: number;
  /** notice or reminder, for this case. */
  noticeKind: string;
  status: string;
  channel: string;
  subject: string;
  createdBy: string;
};

/**
 * The case, and everything that happened in it in time order: events (by when they happened), moves, notes.
 * The case page pages through events on their own and asks for the rest without them (`events: false`).
 */
export async function caseTimeline(
  db: Kysely<Database>,
  caseId: number,
  include: { events?: boolean } = {},
): Promise<{ case: AbuseCaseRow; timeline: CaseTimelineEntry[] }> {
  const row = await db.selectFrom('abuseCases').selectAll().where('id', '=', caseId).executeTakeFirst();
  if (!row) throw new UserFacingError(404, 'abuse.case_not_found', { id: caseId });
  const [events, history, notes] = await Promise.all([
    include.events === false
      ? []
      : db
          .selectFrom('abuseEvents')
          .selectAll()
          .where('caseId', '=', caseId)
          .orderBy('occurredAt')
          .limit(1000)
          .execute(),
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

/** The notices that covered a case, oldest first. */
export async function caseNotices(db: Kysely<Database>, caseId: number): Promise<CaseNoticeEntry[]> {
  const rows = await db
    .selectFrom('noticeCases')
    .innerJoin('notices', 'notices.id', 'noticeCases.noticeId')
    .select([
      'notices.id',
      'noticeCases.kind',
      'notices.status',
      'notices.channel',
      'notices.subject',
      'notices.createdBy',
      'notices.createdAt',
      'notices.sentAt',
    ])
    .where('noticeCases.caseId', '=', caseId)
    .orderBy('notices.id')
    .execute();
  return rows.map((n) => ({
    at: n.sentAt ?? n.createdAt,
    kind: 'notice' as const,
    noticeId: Number(n.id),
    noticeKind: n.kind,
    status: n.status,
    channel: n.channel,
    subject: n.subject,
    createdBy: n.createdBy,
  }));
}
