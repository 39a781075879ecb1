import { sql, type Kysely } from 'kysely';
import { appendAudit } from '../audit/append.js';
import { lookupMany } from '../attribute/lookup-many.js';
import type { Attribution, LookupOptions, LookupQuery } from '../attribute/lookup.js';
import type { UnassignedReason } from '../domain/abuse-case.js';
import type { AuditContext } from '../domain/actor.js';
import { nowIso } from '../domain/time.js';
import { prefixMembership } from '../net/prefix-list.js';
import { sqliteHandle } from '../store/open.js';
import type { Database } from '../store/schema.js';
import { subscriberIdsForKeys } from '../store/subscribers.js';
import { groupBatchIntoCases, writeAttribution, type AttributedRow, type UnassignedRow } from './attribution-batch.js';

// New events are given to the subscriber who held their address (and port) when they happened, and
// grouped into cases; those that cannot be (no address, outside the ISP's prefixes, no lease, two
// candidates, a key without a subscriber record) wait in the unassigned queue with the reason. The
// look-ups read subscriber data: each batch is one audit entry, purpose abuse-notice.
//
// A report brings up to millions of events, so a batch is read as a whole: the look-ups of all its
// events in a few statements (lookupMany), the subscriber ids of its keys in one more, its cases grouped
// in memory and written with its events in one transaction (attribution-batch.ts).

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
type NewEvent = {
  id: number;
  type: string;
  occurredAt: string;
  sourceAddress: string | null;
  sourcePort: number | null;
};

const KEY_CHUNK = 200;
const DEFAULT_BATCH = 25_000;
/** Past this many entries a per-run cache starts afresh: memory stays flat however long the run. */
const CACHE_LIMIT = 200_000;

/** Attributes every event still `new`, a batch at a time, until none is left. */
export async function attributeNewEvents(
  db: Kysely<Database>,
  options: EventAttributionOptions,
): Promise<EventAttributionSummary> {
  const summary: EventAttributionSummary = { attributed: 0, unassigned: 0, casesOpened: 0 };
  const inOwn = ownPrefixTest(options.ownPrefixes);
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  // Subscriber ids of keys, for this run: an infected host's key comes back batch after batch.
  const subscriberOf = new Map<string, string | null>();
  // Each batch reads on from the last id of the one before, past the index entries of events already done
  // (on PostgreSQL dead ones, until a vacuum); at the end one pass from the start picks up any event an
  // insert still in flight committed behind us.
  let after = 0;
  let lastPass = false;
  let analysed = false;
  for (;;) {
    // Without the name-mapping plugin: tens of thousands of rows a batch.
    const { rows: events } = await sql<NewEvent>`select id, type, occurred_at as "occurredAt",
        source_address as "sourceAddress", source_port as "sourcePort"
      from abuse_events where state = 'new' and id > ${after} order by id limit ${batchSize}`.execute(
      db.withoutPlugins(),
    );
    if (events.length === 0) {
      if (after === 0 || lastPass) return summary;
      [after, lastPass] = [0, true];
      continue;
    }
    after = Number(events[events.length - 1]!.id);
    if (events.length === batchSize && !analysed && !sqliteHandle(db)) {
      // A backlog (a report just imported): statistics from before it would have PostgreSQL read every new
      // event and sort them for each batch, instead of walking the index to the next batch's end.
      await sql`analyze abuse_events`.execute(db);
      analysed = true;
    }

    // One answer per place (address, port, time); a look-up for each place inside the ISP's prefixes.
    const slotOf = new Map<string, number>();
    const slot = new Int32Array(events.length);
    const answers: Answer[] = [];
    const asked: number[] = [];
    const queries: LookupQuery[] = [];
    for (const [i, e] of events.entries()) {
      const place = `${e.sourceAddress}\0${e.sourcePort ?? ''}\0${e.occurredAt}`;
      const known = slotOf.get(place);
      if (known !== undefined) {
        slot[i] = known;
        continue;
      }
      slotOf.set(place, (slot[i] = answers.length));
      if (!e.sourceAddress) answers.push({ reason: 'no-address' });
      else if (!inOwn(e.sourceAddress)) answers.push({ reason: 'outside-prefixes' });
      else {
        asked.push(answers.length);
        answers.push({ reason: 'no-lease' }); // until the look-up answers
        queries.push({
          address: e.sourceAddress,
          port: e.sourcePort ?? undefined,
          atMs: Date.parse(e.occurredAt),
          skewMs: options.skewMs,
        });
      }
    }
    const found = await lookupMany(db, queries, options);
    asked.forEach((at, i) => (answers[at] = answerOf(found[i]!)));

    const unknown = new Map<string, { kind: string; value: string }>();
    for (const a of answers) {
      if ('key' in a && !subscriberOf.has(keyId(a.key))) unknown.set(keyId(a.key), a.key);
    }
    if (subscriberOf.size + unknown.size > CACHE_LIMIT) subscriberOf.clear();
    const keys = [...unknown.values()];
    for (let i = 0; i < keys.length; i += KEY_CHUNK) {
      const chunk = keys.slice(i, i + KEY_CHUNK);
      const ids = await subscriberIdsForKeys(db, chunk);
      for (const k of chunk) subscriberOf.set(keyId(k), ids.get(keyId(k)) ?? null);
    }

    const attributed: AttributedRow[] = [];
    const unassigned: UnassignedRow[] = [];
    for (const [i, e] of events.entries()) {
      const a = answers[slot[i]!]!;
      if ('reason' in a) {
        unassigned.push({ id: Number(e.id), reason: a.reason, key: null });
        continue;
      }
      const subscriberId = subscriberOf.get(keyId(a.key)) ?? null;
      if (subscriberId === null)
        unassigned.push({ id: Number(e.id), reason: 'no-subscriber-record', key: a.key.value });
      else
        attributed.push({
          id: Number(e.id),
          subscriberId,
          type: e.type,
          occurredAt: e.occurredAt,
          key: a.key.value,
        });
    }

    await db.transaction().execute(async (trx) => {
      const now = nowIso();
      const cases = await groupBatchIntoCases(trx, attributed, options.windowDays);
      summary.casesOpened += await writeAttribution(db, trx, cases, attributed, unassigned, now);
      await appendAudit(trx, options.audit, {
        action: 'attribution.lookup',
        target: `abuse-events:${events.length}`,
        purpose: 'abuse-notice: events from abuse reports',
        detail: { addresses: queries.length, attributed: attributed.length, unassigned: unassigned.length },
      });
    });
    summary.attributed += attributed.length;
    summary.unassigned += unassigned.length;
  }
}

const keyId = (k: { kind: string; value: string }) => `${k.kind}\0${k.value}`;

/** Whether an address is the ISP's; an address is parsed once per run, not once per event. */
function ownPrefixTest(prefixes: readonly string[]): (address: string) => boolean {
  if (prefixes.length === 0) return () => true;
  const test = prefixMembership(prefixes);
  const known = new Map<string, boolean>();
  return (address) => {
    let inside = known.get(address);
    if (inside === undefined) {
      if (known.size >= CACHE_LIMIT) known.clear();
      known.set(address, (inside = test(address)));
    }
    return inside;
  };
}

/** The subscriber key a look-up names, or why there is none to act on. */
function answerOf(found: Attribution[]): Answer {
  const keyed = found.filter((a) => a.subscriberKey !== undefined);
  if (keyed.length === 0) return { reason: 'no-lease' };
  const distinct = new Set(keyed.map((a) => `${a.keyKind ?? 'user'}\0${a.subscriberKey}`));
  if (distinct.size > 1) return { reason: 'ambiguous' };
  const only = keyed[0]!;
  return { key: { kind: only.keyKind ?? 'user', value: only.subscriberKey! } };
}
