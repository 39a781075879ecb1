import { sql, type Kysely, type Transaction } from 'kysely';
import { appendAudit } from '../audit/append.js';
import { nowIso } from '../domain/time.js';
import { sqliteHandle } from '../store/open.js';
import type { Database, NewAbuseEvent } from '../store/schema.js';
import {
  groupBatchIntoCases,
  writeCases,
  writeEventStates,
  type AttributedRow,
  type BatchCases,
  type UnassignedRow,
} from './attribution-batch.js';
import {
  decideBatch,
  startAttributionRun,
  type AttributionRun,
  type Decision,
  type EventAttributionOptions,
} from './attribution-decisions.js';
import { addCaseAddresses } from './case-addresses.js';
import { insertEventsIn } from './insert-events.js';

// Events are given to the subscriber who held their address when they happened and grouped into cases, or
// wait in the unassigned queue with the reason (attribution-decisions.ts). Two ways in, one batch at a time:
// a report's rows as they are parsed, decided before they are inserted so each row is written once
// (decideRows, then writeDecided; for a large report in step with the parse, event-writer.ts), and events
// stored as `new` — by an intake without attribution, or before the leases that name their subscriber had
// arrived — read back and updated (attributeNewEvents). The look-ups read subscriber data: each batch is one
// audit entry, purpose abuse-notice.

export type { EventAttributionOptions } from './attribution-decisions.js';
export type EventAttributionSummary = { attributed: number; unassigned: number; casesOpened: number };
/** What writing a batch needs of the run's options: the classes' aggregation windows and who is acting. */
export type WriteOptions = Pick<EventAttributionOptions, 'windowDays' | 'audit'>;

type NewEvent = {
  id: number;
  type: string;
  occurredAt: string;
  sourceAddress: string | null;
  sourcePort: number | null;
};

const DEFAULT_BATCH = 25_000;

export function emptySummary(): EventAttributionSummary {
  return { attributed: 0, unassigned: 0, casesOpened: 0 };
}

/** Two runs' summaries together: a report's own attribution and the backlog run after it. */
export function addSummaries(a: EventAttributionSummary, b: EventAttributionSummary): EventAttributionSummary {
  return {
    attributed: a.attributed + b.attributed,
    unassigned: a.unassigned + b.unassigned,
    casesOpened: a.casesOpened + b.casesOpened,
  };
}

/** Adds a batch's counts to a run's summary. */
export function addTo(summary: EventAttributionSummary, batch: EventAttributionSummary): void {
  Object.assign(summary, addSummaries(summary, batch));
}

/** Attributes every event still `new`, a batch at a time, until none is left. */
export async function attributeNewEvents(
  db: Kysely<Database>,
  options: EventAttributionOptions,
): Promise<EventAttributionSummary> {
  const summary = emptySummary();
  const run = startAttributionRun(options);
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
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
      // A backlog: statistics from before it would have PostgreSQL read every new event and sort them for
      // each batch, instead of walking the index to the next batch's end.
      await sql`analyze abuse_events`.execute(db);
      analysed = true;
    }
    const { decisions, lookups } = await decideBatch(db, run, events);
    const { attributed, unassigned } = split(events, decisions, (e) => Number(e.id));
    const written = await db.transaction().execute(async (trx) => {
      const { cases, summary: added } = await writeBatch(db, trx, options, {
        attributed,
        unassigned: unassigned.length,
        lookups,
      });
      await writeEventStates(db, trx, cases, attributed, unassigned);
      return added;
    });
    addTo(summary, written);
  }
}

/** A batch of a report's rows with their decisions (decideRows), to be written in one transaction (writeDecided). */
export type DecidedBatch = {
  /** The rows, each unassigned one already carrying its reason; attributed ones get their case when written. */
  rows: NewAbuseEvent[];
  /** The attributed rows, identified by their index in `rows`. */
  attributed: AttributedRow[];
  unassigned: number;
  /** How many places were looked up, for the audit entry. */
  lookups: number;
};

/** Decides whose each of a report's rows is, before they are inserted: the reads, none of the writes. */
export async function decideRows(
  db: Kysely<Database>,
  run: AttributionRun,
  rows: NewAbuseEvent[],
): Promise<DecidedBatch> {
  const { decisions, lookups } = await decideBatch(db, run, rows);
  // Rows are identified by their index in the batch until they have ids.
  const { attributed, unassigned } = split(rows, decisions, (_e, i) => i);
  for (const u of unassigned) {
    const row = rows[u.id]!;
    row.state = 'unassigned';
    row.unassignedReason = u.reason;
    row.subscriberKey = u.key;
  }
  return { rows, attributed, unassigned: unassigned.length, lookups };
}

/**
 * Writes a decided batch in one transaction: its cases, its audit entry and its rows, each attributed row
 * already in its case when first written. Returns what the batch added to the run's summary.
 */
export async function writeDecided(
  db: Kysely<Database>,
  batch: DecidedBatch,
  options: WriteOptions,
): Promise<EventAttributionSummary> {
  if (batch.rows.length === 0) return emptySummary();
  return db.transaction().execute(async (trx) => {
    const { cases, summary } = await writeBatch(db, trx, options, batch);
    for (const [i, a] of batch.attributed.entries()) {
      const row = batch.rows[a.id]!;
      row.state = 'attributed';
      row.subscriberId = a.subscriberId;
      row.subscriberKey = a.key;
      row.caseId = cases.caseOf[i]!.id!;
    }
    await insertEventsIn(db, trx, byCase(batch.rows));
    return summary;
  });
}

/**
 * A batch's rows in the order they are written: grouped by case (events in no case first), each case's in
 * report order. The ids of a case's events in a batch are then one run: the case index takes them as one
 * stretch instead of an insert at each of thousands of places (a fifth of the insert, bench/README.md), and
 * a case's events are read from neighbouring pages. The report's own order stays in `seq`.
 */
function byCase(rows: readonly NewAbuseEvent[]): NewAbuseEvent[] {
  const runs = new Map<number, NewAbuseEvent[]>();
  for (const row of rows) {
    const run = runs.get(row.caseId ?? 0);
    if (run) run.push(row);
    else runs.set(row.caseId ?? 0, [row]);
  }
  return [...runs.keys()].sort((a, b) => a - b).flatMap((caseId) => runs.get(caseId)!);
}

/** The events split by their decisions; `idOf` names an event in the rows written afterwards. */
function split<E extends { type: string; occurredAt: string; sourceAddress?: string | null | undefined }>(
  events: readonly E[],
  decisions: readonly Decision[],
  idOf: (e: E, i: number) => number,
): { attributed: AttributedRow[]; unassigned: UnassignedRow[] } {
  const attributed: AttributedRow[] = [];
  const unassigned: UnassignedRow[] = [];
  for (const [i, e] of events.entries()) {
    const d = decisions[i]!;
    if (d.reason !== undefined) unassigned.push({ id: idOf(e, i), reason: d.reason, key: d.key });
    else
      attributed.push({
        id: idOf(e, i),
        subscriberId: d.subscriberId,
        type: e.type,
        occurredAt: e.occurredAt,
        key: d.key,
        address: e.sourceAddress,
      });
  }
  return { attributed, unassigned };
}

/**
 * The batch's cases grouped and written, with the addresses each now lists, and its audit entry; the cases, and
 * what the batch adds to a summary.
 */
async function writeBatch(
  db: Kysely<Database>,
  trx: Transaction<Database>,
  options: WriteOptions,
  batch: { attributed: readonly AttributedRow[]; unassigned: number; lookups: number },
): Promise<{ cases: BatchCases; summary: EventAttributionSummary }> {
  const { attributed, unassigned, lookups } = batch;
  const cases = await groupBatchIntoCases(db, trx, attributed, options.windowDays);
  const casesOpened = await writeCases(db, trx, cases, nowIso());
  await addCaseAddresses(
    trx,
    attributed.map((a, i) => ({ caseId: cases.caseOf[i]!.id!, address: a.address })),
  );
  await appendAudit(trx, options.audit, {
    action: 'attribution.lookup',
    target: `abuse-events:${attributed.length + unassigned}`,
    purpose: 'abuse-notice: events from abuse reports',
    detail: { addresses: lookups, attributed: attributed.length, unassigned },
  });
  return { cases, summary: { attributed: attributed.length, unassigned, casesOpened } };
}
