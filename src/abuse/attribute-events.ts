import type { Kysely } from 'kysely';
import { appendAudit } from '../audit/append.js';
import { lookupAddress, type LookupOptions } from '../attribute/lookup.js';
import type { UnassignedReason } from '../domain/abuse-case.js';
import type { AuditContext } from '../domain/actor.js';
import { prefixMembership } from '../net/prefix-list.js';
import type { Database } from '../store/schema.js';
import { subscriberIdsForKeys } from '../store/subscribers.js';
import { groupIntoCases, type AttributedEvent } from './cases.js';

// New events are given to the subscriber who held their address (and port) when they happened, and
// grouped into cases; those that cannot be (no address, outside the ISP's prefixes, no lease, two
// candidates, a key without a subscriber record) wait in the unassigned queue with the reason. The
// look-ups read subscriber data: each batch is one audit entry, purpose abuse-notice.

export type EventAttributionOptions = LookupOptions & {
  skewMs: number;
  ownPrefixes: readonly string[];
  /** Aggregation window for a class, days. */
  windowDays: (type: string) => number;
  audit: AuditContext;
  batchSize?: number;
};

export type EventAttributionSummary = { attributed: number; unassigned: number; casesOpened: number };

type Answer = { key: { kind: string; value: string } } | { reason: UnassignedReason };

const KEY_CHUNK = 200;

/** Attributes every event still `new`, a batch at a time, until none is left. */
export async function attributeNewEvents(
  db: Kysely<Database>,
  options: EventAttributionOptions,
): Promise<EventAttributionSummary> {
  const summary: EventAttributionSummary = { attributed: 0, unassigned: 0, casesOpened: 0 };
  const inOwn = options.ownPrefixes.length > 0 ? prefixMembership(options.ownPrefixes) : undefined;
  const batchSize = options.batchSize ?? 1000;
  for (;;) {
    const events = await db
      .selectFrom('abuseEvents')
      .select(['id', 'type', 'occurredAt', 'sourceAddress', 'sourcePort'])
      .where('state', '=', 'new')
      .orderBy('id')
      .limit(batchSize)
      .execute();
    if (events.length === 0) return summary;

    const answers = new Map<string, Answer>();
    const placeOf = (e: (typeof events)[number]) => `${e.sourceAddress}\0${e.sourcePort ?? ''}\0${e.occurredAt}`;
    for (const e of events) {
      const place = placeOf(e);
      if (answers.has(place)) continue;
      answers.set(place, await answerFor(db, e, inOwn, options));
    }
    const keys = [
      ...new Map(
        [...answers.values()].flatMap((a) => ('key' in a ? [[`${a.key.kind}\0${a.key.value}`, a.key]] : [])),
      ).values(),
    ];
    const ids = new Map<string, string>();
    for (let i = 0; i < keys.length; i += KEY_CHUNK) {
      for (const [k, v] of await subscriberIdsForKeys(db, keys.slice(i, i + KEY_CHUNK))) ids.set(k, v);
    }

    const attributed: (AttributedEvent & { key: string })[] = [];
    const unassigned: { id: number; reason: UnassignedReason; key?: string }[] = [];
    for (const e of events) {
      const a = answers.get(placeOf(e))!;
      if ('reason' in a) {
        unassigned.push({ id: Number(e.id), reason: a.reason });
        continue;
      }
      const subscriberId = ids.get(`${a.key.kind}\0${a.key.value}`);
      if (subscriberId === undefined)
        unassigned.push({ id: Number(e.id), reason: 'no-subscriber-record', key: a.key.value });
      else
        attributed.push({ id: Number(e.id), subscriberId, type: e.type, occurredAt: e.occurredAt, key: a.key.value });
    }

    await db.transaction().execute(async (trx) => {
      for (const u of unassigned) {
        await trx
          .updateTable('abuseEvents')
          .set({ state: 'unassigned', unassignedReason: u.reason, subscriberKey: u.key ?? null })
          .where('id', '=', u.id)
          .execute();
      }
      for (const a of attributed) {
        await trx
          .updateTable('abuseEvents')
          .set({
            state: 'attributed',
            subscriberId: a.subscriberId,
            subscriberKey: a.key,
          })
          .where('id', '=', a.id)
          .execute();
      }
      summary.casesOpened += await groupIntoCases(trx, attributed, options.windowDays);
      await appendAudit(trx, options.audit, {
        action: 'attribution.lookup',
        target: `abuse-events:${events.length}`,
        purpose: 'abuse-notice: events from abuse reports',
        detail: { addresses: answers.size, attributed: attributed.length, unassigned: unassigned.length },
      });
    });
    summary.attributed += attributed.length;
    summary.unassigned += unassigned.length;
  }
}

async function answerFor(
  db: Kysely<Database>,
  e: { sourceAddress: string | null; sourcePort: number | null; occurredAt: string },
  inOwn: ((address: string) => boolean) | undefined,
  options: EventAttributionOptions,
): Promise<Answer> {
  if (!e.sourceAddress) return { reason: 'no-address' };
  if (inOwn && !inOwn(e.sourceAddress)) return { reason: 'outside-prefixes' };
  const found = await lookupAddress(
    db,
    {
      address: e.sourceAddress,
      port: e.sourcePort ?? undefined,
      atMs: Date.parse(e.occurredAt),
      skewMs: options.skewMs,
    },
    options,
  );
  const keyed = found.filter((a) => a.subscriberKey !== undefined);
  if (keyed.length === 0) return { reason: 'no-lease' };
  const distinct = new Set(keyed.map((a) => `${a.keyKind ?? 'user'}\0${a.subscriberKey}`));
  if (distinct.size > 1) return { reason: 'ambiguous' };
  const only = keyed[0]!;
  return { key: { kind: only.keyKind ?? 'user', value: only.subscriberKey! } };
}
