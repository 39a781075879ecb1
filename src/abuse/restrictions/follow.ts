import type { Kysely } from 'kysely';
import { appendAudit } from '../../audit/append.js';
import { releaseAfterDaysFor, type AbuseEscalationConfig } from '../../config/abuse-escalation-schema.js';
import type { AuditContext } from '../../domain/actor.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import type { Database } from '../../store/schema.js';
import { addressesHeldNow } from './held-addresses.js';
import { releaseRestriction, type ReleaseKind } from './restrictions.js';

// What keeps active restrictions true while nobody touches them: the subscriber's addresses follow
// the lease data (a new DHCP lease, a PPPoE reconnect), a restriction whose case someone resolved or
// closed is marked released, and one whose case has been quiet long enough is lifted. `serve` runs
// this on a timer (abuse.escalation.follow_every_seconds); each change is audited.

const DAY_MS = 86_400_000;

export const ESCALATION_ACTOR: AuditContext = { actor: { kind: 'system', component: 'abuse-escalation' } };

export type FollowResult = {
  /** Restrictions whose addresses changed. */
  moved: { id: number; added: string[]; removed: string[] }[];
};

/** Recomputes the addresses of every active restriction from the leases held at `now`. */
export async function followRestrictedSubscribers(db: Kysely<Database>, now: Date = new Date()): Promise<FollowResult> {
  const active = await db
    .selectFrom('abuseRestrictions')
    .select(['id', 'caseId', 'subscriberId'])
    .where('state', '=', 'active')
    .orderBy('id')
    .execute();
  const moved: FollowResult['moved'] = [];
  const at = now.toISOString();
  for (const r of active) {
    const held = await addressesHeldNow(db, r.subscriberId, now);
    const change = await db.transaction().execute(async (trx) => {
      // Read again inside the transaction: a release since the list above must not be undone.
      const still = await trx.selectFrom('abuseRestrictions').select('state').where('id', '=', r.id).executeTakeFirst();
      if (still?.state !== 'active') return undefined;
      const current = (
        await trx
          .selectFrom('abuseRestrictionAddresses')
          .select('address')
          .where('restrictionId', '=', r.id)
          .where('until', 'is', null)
          .execute()
      ).map((a) => a.address);
      const added = held.addresses.filter((a) => !current.includes(a));
      const removed = current.filter((a) => !held.addresses.includes(a));
      if (added.length === 0 && removed.length === 0) return undefined;
      if (removed.length > 0) {
        await trx
          .updateTable('abuseRestrictionAddresses')
          .set({ until: at })
          .where('restrictionId', '=', r.id)
          .where('until', 'is', null)
          .where('address', 'in', removed)
          .execute();
      }
      for (const address of added) {
        await trx
          .insertInto('abuseRestrictionAddresses')
          .values({ restrictionId: r.id, address, since: at, until: null })
          .execute();
      }
      await appendAudit(trx, ESCALATION_ACTOR, {
        action: 'abuse.restriction.follow',
        target: `restriction:${r.id}`,
        purpose: `abuse-notice: restriction of case ${r.caseId}`,
        detail: { caseId: r.caseId, added, removed, skipped: held.skipped },
      });
      return { id: Number(r.id), added, removed };
    });
    if (change) moved.push(change);
  }
  return { moved };
}

export type SettleResult = { released: { id: number; kind: ReleaseKind }[] };

/**
 * Releases active restrictions that are over: the case was resolved or closed by hand
 * (`case-resolved`, `case-closed`), or no event has joined it for the class's quiet period since the
 * later of its last event and the approval (`auto`, which resolves the case).
 */
export async function settleRestrictions(
  db: Kysely<Database>,
  escalation: AbuseEscalationConfig,
  now: Date = new Date(),
): Promise<SettleResult> {
  const rows = await db
    .selectFrom('abuseRestrictions as r')
    .innerJoin('abuseCases as c', 'c.id', 'r.caseId')
    .select(['r.id', 'r.type', 'r.approvedAt', 'c.state as caseState', 'c.lastEventAt'])
    .where('r.state', '=', 'active')
    .orderBy('r.id')
    .execute();
  const released: SettleResult['released'] = [];
  for (const r of rows) {
    const id = Number(r.id);
    let kind: Exclude<ReleaseKind, 'declined' | 'operator'> | undefined;
    let reason = '';
    if (r.caseState === 'resolved' || r.caseState === 'closed') {
      kind = r.caseState === 'resolved' ? 'case-resolved' : 'case-closed';
      reason = `the case was ${r.caseState}`;
    } else {
      const days = releaseAfterDaysFor(escalation, r.type);
      const quietSince = Math.max(Date.parse(r.lastEventAt), Date.parse(r.approvedAt ?? r.lastEventAt));
      if (days > 0 && now.getTime() - quietSince >= days * DAY_MS) {
        kind = 'auto';
        reason = `no new events for ${days} days`;
      }
    }
    if (!kind) continue;
    try {
      await releaseRestriction(db, ESCALATION_ACTOR, id, reason, kind, now);
      released.push({ id, kind });
    } catch (err) {
      // Released by an operator in the meantime: nothing left to do.
      if (!(err instanceof UserFacingError && err.statusCode === 409)) throw err;
    }
  }
  return { released };
}

/** One round: settle first (a released restriction need not be followed), then follow. */
export async function escalationRound(
  db: Kysely<Database>,
  escalation: AbuseEscalationConfig,
  now: Date = new Date(),
): Promise<SettleResult & FollowResult> {
  const settled = await settleRestrictions(db, escalation, now);
  const followed = await followRestrictedSubscribers(db, now);
  return { ...settled, ...followed };
}
