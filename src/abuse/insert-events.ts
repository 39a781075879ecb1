import { sql, type Kysely, type Transaction } from 'kysely';
import { sqliteHandle } from '../store/open.js';
import type { Database, NewAbuseEvent } from '../store/schema.js';

// The events of a report go into abuse_events a batch at a time, and a report may bring millions: on
// SQLite prepared statements of a few rows each, run inside one transaction (one multi-row insert of a whole
// batch would pass SQLite's 32,766 bound variables, and building it costs more than the insert), on
// PostgreSQL one statement per batch with the rows as a single jsonb parameter.

const COLUMNS = [
  ['report_id', 'bigint', (e: NewAbuseEvent) => e.reportId],
  ['seq', 'int', (e: NewAbuseEvent) => e.seq],
  ['type', 'text', (e: NewAbuseEvent) => e.type],
  ['identifier', 'text', (e: NewAbuseEvent) => e.identifier ?? null],
  ['occurred_at', 'text', (e: NewAbuseEvent) => e.occurredAt],
  ['source_address', 'text', (e: NewAbuseEvent) => e.sourceAddress ?? null],
  ['source_port', 'int', (e: NewAbuseEvent) => e.sourcePort ?? null],
  ['source_hostname', 'text', (e: NewAbuseEvent) => e.sourceHostname ?? null],
  ['source_url', 'text', (e: NewAbuseEvent) => e.sourceUrl ?? null],
  ['destination', 'text', (e: NewAbuseEvent) => e.destination ?? null],
  ['protocol', 'text', (e: NewAbuseEvent) => e.protocol ?? null],
  ['reporter', 'text', (e: NewAbuseEvent) => e.reporter],
  ['report_type', 'text', (e: NewAbuseEvent) => e.reportType],
  ['evidence', 'text', (e: NewAbuseEvent) => e.evidence],
  ['detail', 'text', (e: NewAbuseEvent) => e.detail ?? null],
  ['needs_review', 'int', (e: NewAbuseEvent) => e.needsReview ?? 0],
  ['state', 'text', (e: NewAbuseEvent) => e.state],
  ['unassigned_reason', 'text', (e: NewAbuseEvent) => e.unassignedReason ?? null],
  ['subscriber_key', 'text', (e: NewAbuseEvent) => e.subscriberKey ?? null],
  ['subscriber_id', 'text', (e: NewAbuseEvent) => e.subscriberId ?? null],
  ['case_id', 'bigint', (e: NewAbuseEvent) => e.caseId ?? null],
  ['created_at', 'text', (e: NewAbuseEvent) => e.createdAt],
] as const;

const NAMES = COLUMNS.map(([name]) => name).join(', ');
const ROW = `(${COLUMNS.map(() => '?').join(', ')})`;
/** Rows per statement run: binding sixteen rows at once costs a fifth less per row than one by one. */
const ROWS_PER_RUN = 16;

/** Inserts the rows in one transaction. */
export async function insertEvents(db: Kysely<Database>, rows: readonly NewAbuseEvent[]): Promise<void> {
  if (rows.length === 0) return;
  await db.transaction().execute((trx) => insertEventsIn(db, trx, rows));
}

/** Inserts the rows inside `trx`, a transaction of `db` (whose SQLite handle, if any, runs the statements). */
export async function insertEventsIn(
  db: Kysely<Database>,
  trx: Transaction<Database>,
  rows: readonly NewAbuseEvent[],
): Promise<void> {
  if (rows.length === 0) return;
  const native = sqliteHandle(db);
  if (native) {
    // Kysely's transaction holds the one connection: nothing else interleaves.
    const many = native.prepare(
      `insert into abuse_events (${NAMES}) values ${Array(ROWS_PER_RUN).fill(ROW).join(', ')}`,
    );
    const one = native.prepare(`insert into abuse_events (${NAMES}) values ${ROW}`);
    const values: unknown[] = new Array(ROWS_PER_RUN * COLUMNS.length);
    let r = 0;
    for (; r + ROWS_PER_RUN <= rows.length; r += ROWS_PER_RUN) {
      for (let i = 0, v = 0; i < ROWS_PER_RUN; i++)
        for (let c = 0; c < COLUMNS.length; c++) values[v++] = COLUMNS[c]![2](rows[r + i]!);
      many.run(values);
    }
    const single: unknown[] = new Array(COLUMNS.length);
    for (; r < rows.length; r++) {
      for (let c = 0; c < COLUMNS.length; c++) single[c] = COLUMNS[c]![2](rows[r]!);
      one.run(single);
    }
    return;
  }
  const json = JSON.stringify(rows.map((row) => COLUMNS.map(([, , value]) => value(row))));
  // Each row an array in column order: a smaller parameter than objects naming every column.
  await sql`insert into abuse_events (${sql.raw(NAMES)})
    select ${sql.raw(COLUMNS.map(([, type], i) => `(r ->> ${i})::${type}`).join(', '))}
    from jsonb_array_elements(${json}::jsonb) as r`.execute(trx.withoutPlugins());
}
