import type { Kysely } from 'kysely';
import { audited } from '../audit/append.js';
import type { UnassignedReason } from '../domain/abuse-case.js';
import type { AuditContext } from '../domain/actor.js';
import type { Database } from '../store/schema.js';

// The unassigned queue: events attribution could not give to a subscriber, each with the reason. Most
// reasons are final until a person acts (an address outside the ISP's prefixes stays outside), but
// `no-lease` often is not: the lease log of that hour may arrive after the report. Such events are
// put back to `new` so the next attribution run looks them up again.

export type UnassignedCount = {
  reason: string;
  count: number;
  /** When the oldest and newest of them were received. */
  firstReceivedAt: string;
  lastReceivedAt: string;
};

export async function unassignedCounts(db: Kysely<Database>): Promise<UnassignedCount[]> {
  const rows = await db
    .selectFrom('abuseEvents')
    .select((eb) => [
      'unassignedReason',
      eb.fn.countAll().as('n'),
      eb.fn.min('createdAt').as('first'),
      eb.fn.max('createdAt').as('last'),
    ])
    .where('state', '=', 'unassigned')
    .groupBy('unassignedReason')
    .orderBy('unassignedReason')
    .execute();
  return rows.map((r) => ({
    reason: r.unassignedReason ?? 'unknown',
    count: Number(r.n),
    firstReceivedAt: String(r.first),
    lastReceivedAt: String(r.last),
  }));
}

export type RetrySelection = {
  /** Only events waiting for these reasons; default every reason. */
  reasons?: readonly UnassignedReason[] | undefined;
  /** Only events received at or after this time (ISO 8601). */
  receivedSince?: string | undefined;
  /** Only these events. */
  ids?: readonly number[] | undefined;
};

/**
 * Puts unassigned events back to `new`, for the next attribution run to look up again; returns how
 * many. With `audit`, the request is recorded (a person asked); the automatic hourly retry is not,
 * its look-ups are.
 */
export async function retryUnassigned(
  db: Kysely<Database>,
  selection: RetrySelection,
  audit?: AuditContext,
): Promise<number> {
  if (selection.ids?.length === 0) return 0;
  const reset = async (trx: Kysely<Database>): Promise<number> => {
    let q = trx
      .updateTable('abuseEvents')
      .set({ state: 'new', unassignedReason: null, subscriberKey: null })
      .where('state', '=', 'unassigned');
    if (selection.reasons?.length) q = q.where('unassignedReason', 'in', selection.reasons);
    if (selection.receivedSince) q = q.where('createdAt', '>=', selection.receivedSince);
    if (selection.ids) q = q.where('id', 'in', selection.ids);
    return Number((await q.executeTakeFirst()).numUpdatedRows);
  };
  if (!audit) return reset(db);
  return audited(
    db,
    audit,
    (retried: number) => ({
      action: 'abuse.unassigned.retry',
      detail: {
        retried,
        ...(selection.reasons?.length && { reasons: selection.reasons.join(',') }),
        ...(selection.receivedSince && { receivedSince: selection.receivedSince }),
        ...(selection.ids && { ids: selection.ids.length }),
      },
    }),
    reset,
  );
}
