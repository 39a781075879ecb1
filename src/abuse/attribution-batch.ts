import { sql, type Kysely, type Transaction } from 'kysely';
import { OPEN_CASE_STATES, type UnassignedReason } from '../domain/abuse-case.js';
import { sqliteHandle } from '../store/open.js';
import type { Database } from '../store/schema.js';

// One batch of attributed events into cases, and the batch written. The grouping is groupIntoCases's
// (cases.ts): an event joins its subscriber's open case of its class — the one with the latest event —
// when it happened within the aggregation window of that case's last event, or opens a case. Here it is
// worked out in memory for the whole batch (one read of the open cases), and written with one prepared
// statement per row on SQLite or one statement per table on PostgreSQL: a case touched by a thousand events
// of the batch is written once, not a thousand times.

export type AttributedRow = {
  id: number;
  subscriberId: string;
  type: string;
  occurredAt: string;
  key: string;
  /** The event's source address, which its case lists (case-addresses.ts). */
  address?: string | null | undefined;
};
export type UnassignedRow = { id: number; reason: UnassignedReason; key: string | null };

type CaseDraft = {
  /** Undefined until a case opened by this batch is inserted. */
  id: number | undefined;
  subscriberId: string;
  type: string;
  firstEventAt: string;
  lastEventAt: string;
  lastMs: number;
  eventCount: number;
};

export type BatchCases = {
  opened: CaseDraft[];
  /** Open cases from before the batch that events joined. */
  joined: Set<CaseDraft>;
  /** Each attributed row's case, by the row's index. */
  caseOf: CaseDraft[];
};

const DAY_MS = 86_400_000;
/** PostgreSQL advisory lock key held while a batch is grouped into cases and written ("abuse" in ASCII). */
const CASE_GROUPING_LOCK = 0x6162757365;
const CHUNK = 1000;

/** `db` is the store the transaction belongs to (which kind it is decides the locking). */
export async function groupBatchIntoCases(
  db: Kysely<Database>,
  trx: Transaction<Database>,
  events: readonly AttributedRow[],
  windowDays: (type: string) => number,
): Promise<BatchCases> {
  const batch: BatchCases = { opened: [], joined: new Set(), caseOf: new Array(events.length) };
  if (events.length === 0) return batch;
  const pair = (subscriberId: string, type: string) => `${subscriberId}\0${type}`;
  const times = events.map((e) => Date.parse(e.occurredAt));
  const groups = new Map<string, number[]>();
  for (const [i, e] of events.entries()) {
    const k = pair(e.subscriberId, e.type);
    const list = groups.get(k);
    if (list) list.push(i);
    else groups.set(k, [i]);
  }
  // Two writers grouping at once (a report's intake and the backlog run) would each open a case for the same
  // subscriber and class; SQLite has one writer, PostgreSQL is told to take them one at a time.
  if (!sqliteHandle(db)) await sql`select pg_advisory_xact_lock(${CASE_GROUPING_LOCK})`.execute(trx);
  const current = new Map<string, CaseDraft>();
  const subscribers = [...new Set(events.map((e) => e.subscriberId))];
  for (let i = 0; i < subscribers.length; i += CHUNK) {
    const rows = await trx
      .selectFrom('abuseCases')
      .select(['id', 'subscriberId', 'type', 'firstEventAt', 'lastEventAt', 'eventCount'])
      .where('subscriberId', 'in', subscribers.slice(i, i + CHUNK))
      .where('state', 'in', OPEN_CASE_STATES)
      .execute();
    for (const r of rows) {
      const k = pair(r.subscriberId, r.type);
      const had = current.get(k);
      if (had && (had.lastEventAt > r.lastEventAt || (had.lastEventAt === r.lastEventAt && had.id! > r.id))) continue;
      current.set(k, { ...r, id: Number(r.id), lastMs: Date.parse(r.lastEventAt) });
    }
  }
  for (const [k, list] of groups) {
    list.sort((a, b) => times[a]! - times[b]!);
    const windowMs = windowDays(events[list[0]!]!.type) * DAY_MS;
    let c = current.get(k);
    for (const i of list) {
      const e = events[i]!;
      if (c !== undefined && times[i]! - c.lastMs <= windowMs) {
        c.eventCount += 1;
        if (e.occurredAt > c.lastEventAt) [c.lastEventAt, c.lastMs] = [e.occurredAt, times[i]!];
        if (e.occurredAt < c.firstEventAt) c.firstEventAt = e.occurredAt;
        if (c.id !== undefined) batch.joined.add(c);
      } else {
        c = {
          id: undefined,
          subscriberId: e.subscriberId,
          type: e.type,
          firstEventAt: e.occurredAt,
          lastEventAt: e.occurredAt,
          lastMs: times[i]!,
          eventCount: 1,
        };
        batch.opened.push(c);
      }
      batch.caseOf[i] = c;
    }
  }
  return batch;
}

/**
 * Writes the batch inside `trx`: cases opened (with their first history row), cases joined, every event's
 * state. `db` is the store the transaction belongs to (for SQLite's native handle). Returns the cases opened.
 */
export async function writeAttribution(
  db: Kysely<Database>,
  trx: Transaction<Database>,
  cases: BatchCases,
  attributed: readonly AttributedRow[],
  unassigned: readonly UnassignedRow[],
  now: string,
): Promise<number> {
  const opened = await writeCases(db, trx, cases, now);
  await writeEventStates(db, trx, cases, attributed, unassigned);
  return opened;
}

/**
 * The batch's cases inside `trx`: those opened get their ids (and first history row), those joined their new
 * counts and times. Returns the cases opened.
 */
export async function writeCases(
  db: Kysely<Database>,
  trx: Transaction<Database>,
  cases: BatchCases,
  now: string,
): Promise<number> {
  const native = sqliteHandle(db);
  if (native) {
    // Kysely holds the one connection for this transaction: statements run on it directly are part of it.
    const openCase = native.prepare(
      `insert into abuse_cases (subscriber_id, type, state, opened_at, updated_at, first_event_at, last_event_at, event_count)
       values (?, ?, 'new', ?, ?, ?, ?, ?)`,
    );
    const history = native.prepare(
      `insert into abuse_case_history (case_id, at, actor, from_state, to_state, reason)
       values (?, ?, 'system:abuse', null, 'new', 'first event')`,
    );
    for (const c of cases.opened) {
      c.id = Number(
        openCase.run(c.subscriberId, c.type, now, now, c.firstEventAt, c.lastEventAt, c.eventCount).lastInsertRowid,
      );
      history.run(c.id, now);
    }
    const join = native.prepare(
      'update abuse_cases set event_count = ?, first_event_at = ?, last_event_at = ?, updated_at = ? where id = ?',
    );
    for (const c of cases.joined) join.run(c.eventCount, c.firstEventAt, c.lastEventAt, now, c.id);
    return cases.opened.length;
  }

  const raw = trx.withoutPlugins();
  for (let i = 0; i < cases.opened.length; i += CHUNK) {
    const part = cases.opened.slice(i, i + CHUNK);
    const rows = await trx
      .insertInto('abuseCases')
      .values(
        part.map((c) => ({
          subscriberId: c.subscriberId,
          type: c.type,
          state: 'new',
          openedAt: now,
          updatedAt: now,
          firstEventAt: c.firstEventAt,
          lastEventAt: c.lastEventAt,
          eventCount: c.eventCount,
        })),
      )
      .returning(['id', 'subscriberId', 'type', 'firstEventAt'])
      .execute();
    // Two cases of one subscriber and class opened by one batch began a window apart: never at one time.
    const idOf = new Map(rows.map((r) => [`${r.subscriberId}\0${r.type}\0${r.firstEventAt}`, Number(r.id)]));
    for (const c of part) c.id = idOf.get(`${c.subscriberId}\0${c.type}\0${c.firstEventAt}`);
    await trx
      .insertInto('abuseCaseHistory')
      .values(
        part.map((c) => ({
          caseId: c.id!,
          at: now,
          actor: 'system:abuse',
          fromState: null,
          toState: 'new',
          reason: 'first event',
        })),
      )
      .execute();
  }
  if (cases.joined.size > 0) {
    const json = JSON.stringify(
      [...cases.joined].map((c) => ({ id: c.id, n: c.eventCount, first: c.firstEventAt, last: c.lastEventAt })),
    );
    await sql`update abuse_cases c set event_count = v.n, first_event_at = v.first, last_event_at = v.last, updated_at = ${now}
      from jsonb_to_recordset(${json}::jsonb) as v(id bigint, n int, first text, last text) where c.id = v.id`.execute(
      raw,
    );
  }
  return cases.opened.length;
}

/** Events already stored given their subscriber and case (attributed) or their reason (unassigned), inside `trx`. */
export async function writeEventStates(
  db: Kysely<Database>,
  trx: Transaction<Database>,
  cases: BatchCases,
  attributed: readonly AttributedRow[],
  unassigned: readonly UnassignedRow[],
): Promise<void> {
  const native = sqliteHandle(db);
  if (native) {
    const given = native.prepare(
      `update abuse_events set state = 'attributed', subscriber_id = ?, subscriber_key = ?, case_id = ? where id = ?`,
    );
    for (const [i, e] of attributed.entries()) given.run(e.subscriberId, e.key, cases.caseOf[i]!.id, e.id);
    const waiting = native.prepare(
      `update abuse_events set state = 'unassigned', unassigned_reason = ?, subscriber_key = ? where id = ?`,
    );
    for (const u of unassigned) waiting.run(u.reason, u.key, u.id);
    return;
  }
  const raw = trx.withoutPlugins();
  if (attributed.length > 0) {
    const json = JSON.stringify(
      attributed.map((e, i) => ({ id: e.id, s: e.subscriberId, k: e.key, c: cases.caseOf[i]!.id })),
    );
    await sql`update abuse_events e set state = 'attributed', subscriber_id = v.s, subscriber_key = v.k, case_id = v.c
      from jsonb_to_recordset(${json}::jsonb) as v(id bigint, s text, k text, c bigint) where e.id = v.id`.execute(raw);
  }
  if (unassigned.length > 0) {
    const json = JSON.stringify(unassigned.map((u) => ({ id: u.id, r: u.reason, k: u.key })));
    await sql`update abuse_events e set state = 'unassigned', unassigned_reason = v.r, subscriber_key = v.k
      from jsonb_to_recordset(${json}::jsonb) as v(id bigint, r text, k text) where e.id = v.id`.execute(raw);
  }
}
