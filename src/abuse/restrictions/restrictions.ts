import type { Kysely, Transaction } from 'kysely';
import { appendAudit } from '../../audit/append.js';
import { canMoveCase, type CaseState } from '../../domain/abuse-case.js';
import { actorLabel, type AuditContext } from '../../domain/actor.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import type { AbuseRestrictionRow, Database } from '../../store/schema.js';
import { moveCase } from '../cases.js';
import { addressesHeldNow, type HeldAddresses } from './held-addresses.js';

// Restricting a case's subscriber to the walled garden, and lifting it. Four steps, each audited:
//
//   request (abuse.write)  → pending     the desk asks, with a reason; the case must have been notified
//   approve (abuse.restrict) → active    someone else agrees: the subscriber's current addresses are
//                                        taken from the lease data and the case becomes `restricted`
//   release (abuse.restrict) → released  by an operator, on its own after a quiet period, or because
//                                        the case was resolved or closed; an operator's or the quiet
//                                        period's release resolves the case
//   release of a pending one → declined  the request is turned down
//
// What enforcement carries is read from here (active-clients.ts); the case moves go through moveCase,
// the one audited path for case states.

export const RESTRICTION_STATES = ['pending', 'active', 'released', 'declined'] as const;
export type RestrictionState = (typeof RESTRICTION_STATES)[number];

/** Who or what ended a restriction. */
export type ReleaseKind = 'operator' | 'auto' | 'case-resolved' | 'case-closed' | 'declined';

export type Restriction = AbuseRestrictionRow & {
  state: RestrictionState;
  /** The addresses restricted now (empty unless active). */
  addresses: string[];
};

export type ApprovedRestriction = Restriction & { skipped: HeldAddresses['skipped'] };

export function isRestrictionState(value: string): value is RestrictionState {
  return (RESTRICTION_STATES as readonly string[]).includes(value);
}

const MIN_REASON = 3;

function requireReason(reason: string): void {
  if (reason.trim().length < MIN_REASON) throw new UserFacingError(400, 'abuse.case_reason_required', {});
}

async function requireRestriction(db: Kysely<Database>, id: number): Promise<AbuseRestrictionRow> {
  const row = await db.selectFrom('abuseRestrictions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new UserFacingError(404, 'abuse.restriction_not_found', { id });
  return row;
}

/** A note on the case, so that `abuse case show` tells the restriction's story beside the moves. */
async function caseNote(trx: Transaction<Database>, audit: AuditContext, caseId: number, text: string, at: string) {
  await trx
    .insertInto('abuseCaseNotes')
    .values({ caseId, at, author: actorLabel(audit.actor), text })
    .execute();
}

/** Asks for a case's subscriber to be restricted; someone with abuse.restrict approves it. */
export async function requestRestriction(
  db: Kysely<Database>,
  audit: AuditContext,
  caseId: number,
  reason: string,
  now: Date = new Date(),
): Promise<Restriction> {
  requireReason(reason);
  const at = now.toISOString();
  const row = await db.transaction().execute(async (trx) => {
    const kase = await trx.selectFrom('abuseCases').selectAll().where('id', '=', caseId).executeTakeFirst();
    if (!kase) throw new UserFacingError(404, 'abuse.case_not_found', { id: caseId });
    if (!canMoveCase(kase.state as CaseState, 'restricted'))
      throw new UserFacingError(409, 'abuse.restriction_case_state', { id: caseId, state: kase.state });
    const open = await trx
      .selectFrom('abuseRestrictions')
      .select(['id', 'state'])
      .where('caseId', '=', caseId)
      .where('state', 'in', ['pending', 'active'])
      .executeTakeFirst();
    if (open)
      throw new UserFacingError(409, 'abuse.restriction_exists', {
        id: caseId,
        restriction: open.id,
        state: open.state,
      });
    const inserted = await trx
      .insertInto('abuseRestrictions')
      .values({
        caseId,
        subscriberId: kase.subscriberId,
        type: kase.type,
        state: 'pending',
        reason,
        requestedBy: actorLabel(audit.actor),
        requestedAt: at,
        approvedBy: null,
        approvedAt: null,
        releasedBy: null,
        releasedAt: null,
        releaseKind: null,
        releaseReason: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await caseNote(trx, audit, caseId, `Restriction ${inserted.id} requested: ${reason}`, at);
    await appendAudit(trx, audit, {
      action: 'abuse.restriction.request',
      target: `restriction:${inserted.id}`,
      detail: { caseId, subscriberId: kase.subscriberId, reason },
    });
    return inserted;
  });
  return { ...row, state: 'pending', addresses: [] };
}

export type ApproveOptions = {
  /** abuse.escalation.allow_self_approval: the requester may approve (a desk of one). */
  allowSelfApproval: boolean;
  now?: Date;
};

/**
 * Approves a pending restriction: the subscriber's current addresses go into the walled garden and
 * the case becomes `restricted`. Refused when the approver asked for it themselves (unless the config
 * allows it), or when the case has moved on since the request.
 */
export async function approveRestriction(
  db: Kysely<Database>,
  audit: AuditContext,
  id: number,
  options: ApproveOptions,
): Promise<ApprovedRestriction> {
  const now = options.now ?? new Date();
  const r = await requireRestriction(db, id);
  if (r.state !== 'pending') throw new UserFacingError(409, 'abuse.restriction_not_pending', { id, state: r.state });
  const approver = actorLabel(audit.actor);
  if (approver === r.requestedBy && !options.allowSelfApproval)
    throw new UserFacingError(403, 'abuse.restriction_self_approval', { id });
  const kase = await db.selectFrom('abuseCases').select('state').where('id', '=', r.caseId).executeTakeFirst();
  if (!kase) throw new UserFacingError(404, 'abuse.case_not_found', { id: r.caseId });
  if (!canMoveCase(kase.state as CaseState, 'restricted'))
    throw new UserFacingError(409, 'abuse.restriction_case_state', { id: r.caseId, state: kase.state });

  const held = await addressesHeldNow(db, r.subscriberId, now);
  const at = now.toISOString();
  await db.transaction().execute(async (trx) => {
    const done = await trx
      .updateTable('abuseRestrictions')
      .set({ state: 'active', approvedBy: approver, approvedAt: at })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    // Someone else approved or declined it in the meantime.
    if (Number(done.numUpdatedRows) !== 1)
      throw new UserFacingError(409, 'abuse.restriction_not_pending', { id, state: 'changed' });
    for (const address of held.addresses) {
      await trx
        .insertInto('abuseRestrictionAddresses')
        .values({ restrictionId: id, address, since: at, until: null })
        .execute();
    }
    await appendAudit(trx, audit, {
      action: 'abuse.restriction.approve',
      target: `restriction:${id}`,
      // The addresses come from the lease data: a look-up of what the subscriber holds, for this case.
      purpose: `abuse-notice: restriction of case ${r.caseId}`,
      detail: { caseId: r.caseId, subscriberId: r.subscriberId, addresses: held.addresses, skipped: held.skipped },
    });
  });

  try {
    await moveCase(db, audit, r.caseId, 'restricted', `restriction ${id} approved: ${r.reason}`, {
      approvedRestriction: true,
    });
  } catch (err) {
    // The case moved on between the check and the move: the approval is undone, and says so.
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('abuseRestrictions')
        .set({ state: 'pending', approvedBy: null, approvedAt: null })
        .where('id', '=', id)
        .execute();
      await trx.deleteFrom('abuseRestrictionAddresses').where('restrictionId', '=', id).execute();
      await appendAudit(trx, audit, {
        action: 'abuse.restriction.approve_undone',
        target: `restriction:${id}`,
        detail: { error: err instanceof Error ? err.message : String(err) },
      });
    });
    throw err;
  }
  const approved = await requireRestriction(db, id);
  return { ...(approved as Restriction), addresses: held.addresses, skipped: held.skipped };
}

/**
 * Lifts a restriction (or declines a pending one). `operator` and `auto` releases resolve the case,
 * which stays in the timeline with the reason; a release because the case was resolved or closed
 * leaves the case as it is.
 */
export async function releaseRestriction(
  db: Kysely<Database>,
  audit: AuditContext,
  id: number,
  reason: string,
  kind: Exclude<ReleaseKind, 'declined'> = 'operator',
  now: Date = new Date(),
): Promise<Restriction> {
  requireReason(reason);
  const r = await requireRestriction(db, id);
  const at = now.toISOString();
  const by = actorLabel(audit.actor);
  if (r.state === 'pending' && kind === 'operator') {
    await db.transaction().execute(async (trx) => {
      const done = await trx
        .updateTable('abuseRestrictions')
        .set({ state: 'declined', releasedBy: by, releasedAt: at, releaseKind: 'declined', releaseReason: reason })
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) !== 1)
        throw new UserFacingError(409, 'abuse.restriction_not_open', { id, state: 'changed' });
      await caseNote(trx, audit, r.caseId, `Restriction ${id} declined: ${reason}`, at);
      await appendAudit(trx, audit, {
        action: 'abuse.restriction.decline',
        target: `restriction:${id}`,
        detail: { caseId: r.caseId, reason },
      });
    });
    return { ...(await requireRestriction(db, id)), state: 'declined', addresses: [] };
  }
  if (r.state !== 'active') throw new UserFacingError(409, 'abuse.restriction_not_open', { id, state: r.state });

  await db.transaction().execute(async (trx) => {
    const done = await trx
      .updateTable('abuseRestrictions')
      .set({ state: 'released', releasedBy: by, releasedAt: at, releaseKind: kind, releaseReason: reason })
      .where('id', '=', id)
      .where('state', '=', 'active')
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1)
      throw new UserFacingError(409, 'abuse.restriction_not_open', { id, state: 'changed' });
    const current = await trx
      .selectFrom('abuseRestrictionAddresses')
      .select('address')
      .where('restrictionId', '=', id)
      .where('until', 'is', null)
      .execute();
    await trx
      .updateTable('abuseRestrictionAddresses')
      .set({ until: at })
      .where('restrictionId', '=', id)
      .where('until', 'is', null)
      .execute();
    await appendAudit(trx, audit, {
      action: 'abuse.restriction.release',
      target: `restriction:${id}`,
      detail: { caseId: r.caseId, kind, reason, addresses: current.map((a) => a.address) },
    });
  });

  if (kind === 'operator' || kind === 'auto') {
    const kase = await db.selectFrom('abuseCases').select('state').where('id', '=', r.caseId).executeTakeFirst();
    if (kase?.state === 'restricted') {
      await moveCase(db, audit, r.caseId, 'resolved', `restriction ${id} lifted: ${reason}`).catch((err: unknown) => {
        // Resolved or closed by someone else a moment ago: that is where it was going anyway.
        if (!(err instanceof UserFacingError && err.statusCode === 409)) throw err;
      });
    }
  }
  return { ...(await requireRestriction(db, id)), state: 'released', addresses: [] };
}

export type RestrictionFilter = {
  state?: RestrictionState | undefined;
  caseId?: number | undefined;
  subscriberId?: string | undefined;
};

/** Restrictions, newest first, each with the addresses it restricts now. */
export async function listRestrictions(
  db: Kysely<Database>,
  filter: RestrictionFilter,
  page: { limit: number; offset: number },
): Promise<Restriction[]> {
  let q = db.selectFrom('abuseRestrictions').selectAll();
  if (filter.state) q = q.where('state', '=', filter.state);
  if (filter.caseId !== undefined) q = q.where('caseId', '=', filter.caseId);
  if (filter.subscriberId) q = q.where('subscriberId', '=', filter.subscriberId);
  const rows = await q.orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute();
  const current = await currentAddresses(
    db,
    rows.filter((r) => r.state === 'active').map((r) => r.id),
  );
  return rows.map((r) => ({ ...r, state: r.state as RestrictionState, addresses: current.get(r.id) ?? [] }));
}

export type RestrictionAddressSpan = { address: string; since: string; until: string | null };

/** One restriction with every address it has covered, and when (the subscriber's moves). */
export async function restrictionDetail(
  db: Kysely<Database>,
  id: number,
): Promise<{ restriction: Restriction; history: RestrictionAddressSpan[] }> {
  const row = await requireRestriction(db, id);
  const history = await db
    .selectFrom('abuseRestrictionAddresses')
    .select(['address', 'since', 'until'])
    .where('restrictionId', '=', id)
    .orderBy('since')
    .orderBy('id')
    .execute();
  const addresses = row.state === 'active' ? history.filter((h) => h.until === null).map((h) => h.address) : [];
  return { restriction: { ...row, state: row.state as RestrictionState, addresses }, history };
}

async function currentAddresses(db: Kysely<Database>, ids: number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom('abuseRestrictionAddresses')
    .select(['restrictionId', 'address'])
    .where('restrictionId', 'in', ids)
    .where('until', 'is', null)
    .orderBy('address')
    .execute();
  for (const r of rows) {
    const list = out.get(r.restrictionId) ?? [];
    list.push(r.address);
    out.set(r.restrictionId, list);
  }
  return out;
}
