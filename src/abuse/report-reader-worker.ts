import { once } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import { deterministicResolver } from '../attribute/deterministic-resolver.js';
import { openStore, sqliteHandle } from '../store/open.js';
import { decideRows } from './attribute-events.js';
import { startAttributionRun } from './attribution-decisions.js';
import { readEvidence } from './evidence.js';
import { csvMappingFormat } from './formats/csv-mapping.js';
import { shadowserverFormat } from './formats/shadowserver.js';
import { packRows } from './packed-rows.js';
import { reportBatches } from './report-batches.js';
import type { FromReader, ReaderJob, ToReader } from './report-reader.js';

// The reading thread of a large report (report-reader.ts): parse, decide each batch, hand it over, and wait
// until the writer has taken it before handing over the next. It only reads the store.

/** The writer's connection keeps the large page cache; this one reads a few lease pages per batch. */
const READER_CACHE_KIB = 16 * 1024;

const job = workerData as ReaderJob;
const port = parentPort!;
let taken = 1;
port.on('message', (m: ToReader) => {
  if (m.kind === 'taken') taken++;
});
const post = (message: FromReader) => port.postMessage(message);

try {
  await read();
  post({ kind: 'done' });
} catch (error) {
  post({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
}

async function read(): Promise<void> {
  const store = await openStore(job.setup.store);
  try {
    sqliteHandle(store.db)?.pragma(`cache_size = -${READER_CACHE_KIB}`);
    const run = startAttributionRun({
      ...job.decide,
      deterministicNat: deterministicResolver(job.setup.deterministicNat),
    });
    // The two formats large reports come in: the thread loads no mail parser.
    const { mapping, reportType, shadowserverSchema } = job.formatOptions;
    const parser =
      job.format === 'csv' && mapping
        ? csvMappingFormat(mapping)
        : shadowserverFormat({ reportType, schema: shadowserverSchema });
    const file = readEvidence(job.dataDir, job.sha256);
    const place = { id: job.reportId, fileName: job.fileName, now: job.now, batchRows: job.batchRows };
    for await (const { events, ...rest } of reportBatches(parser, file, place)) {
      const decided = events.length > 0 ? await decideRows(store.db, run, events) : null;
      // The writer holds one batch and one waits: the next is handed over when the waiting one is taken.
      while (taken === 0) await once(port, 'message');
      taken--;
      const packed = decided && { ...decided, rows: packRows(decided.rows), attributed: packRows(decided.attributed) };
      post({ kind: 'batch', decided: packed, ...rest });
    }
  } finally {
    await store.close();
  }
}
