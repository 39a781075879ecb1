import type { Kysely } from 'kysely';
import { leaseReadCache, lookupManyKeys, type LeaseReadCache } from '../attribute/lookup-many.js';
import type { LookupOptions, LookupQuery } from '../attribute/lookup.js';
import type { UnassignedReason } from '../domain/abuse-case.js';
import type { AuditContext } from '../domain/actor.js';
import { prefixMembership } from '../net/prefix-list.js';
import type { Database } from '../store/schema.js';
import { subscriberIdsForKeys, subscriberKeyId } from '../store/subscribers.js';

// Whose each event is: the subscriber who held its address (and port) when it happened, or why nobody can
// be named (no address, outside the ISP's prefixes, no lease, two candidates, a key without a subscriber
// record). Decided for a whole batch at once: the look-ups of all its events in a few statements
// (lookupMany), the subscriber ids of its keys in one more. The caller writes the decisions — onto events
// already stored (attribute-events.ts) or onto rows about to be inserted (receive-report.ts).

/** What deciding whose an event is needs: the look-ups' options, the clock skew allowed, the ISP's prefixes. */
export type DecideOptions = LookupOptions & {
  skewMs: number;
  ownPrefixes: readonly string[];
};

export type EventAttributionOptions = DecideOptions & {
  /** Aggregation window for a class, days. */
  windowDays: (type: string) => number;
  audit: AuditContext;
  batchSize?: number;
};

/** What attribution needs of an event. */
export type EventPlace = {
  type: string;
  occurredAt: string;
  sourceAddress?: string | null | undefined;
  sourcePort?: number | null | undefined;
};

export type Decision =
  | { subscriberId: string; key: string; reason?: undefined }
  | { reason: UnassignedReason; key: string | null; subscriberId?: undefined };

/** Caches kept across the batches of one run: an infected host's address and key come back batch after batch. */
export type AttributionRun = {
  options: DecideOptions;
  inOwn: (address: string) => boolean;
  subscriberOf: Map<string, string | null>;
  /** Lease rows read for earlier batches: the next batches' look-ups mostly need no statement. */
  leaseReads: LeaseReadCache;
};

type Answer = { key: { kind: string; value: string } } | { reason: UnassignedReason };

const KEY_CHUNK = 200;
/** Past this many entries a per-run cache starts afresh: memory stays flat however long the run. */
const CACHE_LIMIT = 200_000;

export function startAttributionRun(options: DecideOptions): AttributionRun {
  return { options, inOwn: ownPrefixTest(options.ownPrefixes), subscriberOf: new Map(), leaseReads: leaseReadCache() };
}

/** One decision per event, in the events' order; `lookups` is how many places were looked up. */
export async function decideBatch(
  db: Kysely<Database>,
  run: AttributionRun,
  events: readonly EventPlace[],
): Promise<{ decisions: Decision[]; lookups: number }> {
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
    else if (!run.inOwn(e.sourceAddress)) answers.push({ reason: 'outside-prefixes' });
    else {
      asked.push(answers.length);
      answers.push({ reason: 'no-lease' }); // until the look-up answers
      queries.push({
        address: e.sourceAddress,
        port: e.sourcePort ?? undefined,
        atMs: Date.parse(e.occurredAt),
        skewMs: run.options.skewMs,
      });
    }
  }
  const found = await lookupManyKeys(db, queries, run.options, undefined, run.leaseReads);
  asked.forEach((at, i) => (answers[at] = answerOf(found[i]!)));

  const { subscriberOf } = run;
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

  const decisionOf = answers.map((a): Decision => {
    if ('reason' in a) return { reason: a.reason, key: null };
    const subscriberId = subscriberOf.get(keyId(a.key)) ?? null;
    return subscriberId === null
      ? { reason: 'no-subscriber-record', key: a.key.value }
      : { subscriberId, key: a.key.value };
  });
  const decisions = new Array<Decision>(events.length);
  for (let i = 0; i < events.length; i++) decisions[i] = decisionOf[slot[i]!]!;
  return { decisions, lookups: queries.length };
}

const keyId = (k: { kind: string; value: string }) => subscriberKeyId(k.kind, k.value);

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

/** The subscriber key a look-up names (its candidates' distinct keys, lookupManyKeys), or why there is none to act on. */
function answerOf(keys: string[]): Answer {
  if (keys.length === 0) return { reason: 'no-lease' };
  if (keys.length > 1) return { reason: 'ambiguous' };
  const only = keys[0]!;
  const cut = only.indexOf('\0');
  return { key: { kind: only.slice(0, cut), value: only.slice(cut + 1) } };
}
