import { isTriageSuggestion, type TriageSuggestion } from '../domain/abuse-event.js';
import { isRejected, type Format, type Rejected } from '../domain/format.js';
import type { NewAbuseEvent } from '../store/schema.js';
import { eventRow } from './event-row.js';
import type { AbuseRecord } from './formats/registry.js';

// A stored report's records, parsed and gathered into batches: the event rows, what the parser refused (for the
// dead-letter store) and what it only suggested, and how many bytes of the file they took. The intake reads a
// report this way on its own thread (receive-report.ts) and in the reading thread (report-reader-worker.ts).

export type RecordBatch = {
  events: NewAbuseEvent[];
  rejected: Rejected[];
  suggestions: TriageSuggestion[];
  /** Bytes of the file read since the batch before. */
  bytes: number;
};

/** Dead letters and suggestions a batch may carry before it is handed on early (a file of bad rows). */
const RECORDS_PER_BATCH = 2000;

export async function* reportBatches(
  parser: Format<AbuseRecord>,
  file: AsyncIterable<Uint8Array>,
  report: { id: number; fileName: string; now: string; batchRows: number },
  signal?: AbortSignal,
): AsyncIterable<RecordBatch> {
  let batch: RecordBatch = { events: [], rejected: [], suggestions: [], bytes: 0 };
  const input = (async function* () {
    for await (const chunk of file) {
      if (signal?.aborted) throw new Error('cancelled');
      yield chunk;
      batch.bytes += chunk.byteLength;
    }
  })();
  let seq = 0;
  const ctx = { source: `report ${report.id}`, input: report.fileName, now: new Date(report.now) };
  for await (const record of parser.parse(input, ctx)) {
    if (isRejected(record)) batch.rejected.push(record);
    else if (isTriageSuggestion(record)) batch.suggestions.push(record);
    else batch.events.push(eventRow(record, report.id, seq++, report.now));
    if (
      batch.events.length >= report.batchRows ||
      batch.rejected.length + batch.suggestions.length >= RECORDS_PER_BATCH
    ) {
      yield batch;
      batch = { events: [], rejected: [], suggestions: [], bytes: 0 };
    }
  }
  if (batch.events.length + batch.rejected.length + batch.suggestions.length > 0 || batch.bytes > 0) yield batch;
}
