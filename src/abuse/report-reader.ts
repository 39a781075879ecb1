import type { Config } from '../config/index.js';
import type { TriageSuggestion } from '../domain/abuse-event.js';
import type { Rejected } from '../domain/format.js';
import { startWorker } from '../jobs/start-worker.js';
import type { NewAbuseEvent } from '../store/schema.js';
import type { DecidedBatch } from './attribute-events.js';
import type { AttributedRow } from './attribution-batch.js';
import { unpackRows, type PackedRows } from './packed-rows.js';
import type { DecideOptions } from './attribution-decisions.js';
import type { AbuseFormatName, AbuseFormatOptions } from './formats/registry.js';

// A large report is read in a thread of its own: the evidence file parsed and each batch of rows decided
// (own prefixes, lease look-ups, subscriber keys — reads only, on the thread's own connection), while this
// thread groups the batch before into cases and writes it. On two cores that is the difference between
// one core doing everything and each doing half (bench/README.md, abuse intake). One batch waits while one
// is written, so memory holds two; the reader is told to go on when the writer takes a batch.

/** What the reading thread needs to open the store itself and to judge look-ups as this thread would. */
export type ReaderSetup = {
  store: Pick<Config, 'data_dir' | 'database'>;
  /** The deterministic NAT mappings look-ups follow (functions do not cross threads: the config does). */
  deterministicNat: Config['attribute']['deterministic_nat'];
};

export type ReaderJob = {
  setup: ReaderSetup;
  dataDir: string;
  sha256: string;
  reportId: number;
  /** The formats large reports come in. */
  format: Extract<AbuseFormatName, 'shadowserver' | 'csv'>;
  formatOptions: AbuseFormatOptions;
  /** The name positions are given by (the report's file name). */
  fileName: string;
  /** created_at of every event: when the parse began. */
  now: string;
  /** The data half of the attribution options; the reader rebuilds the rest from `setup`. */
  decide: Omit<DecideOptions, 'deterministicNat'>;
  batchRows: number;
};

/** A batch as the reader hands it over: its decided rows, and what the parser refused or only suggested. */
export type ReaderBatch = {
  decided: DecidedBatch | null;
  rejected: Rejected[];
  suggestions: TriageSuggestion[];
  /** Bytes of the file read since the batch before. */
  bytes: number;
};

/** A batch as it crosses between the threads: its rows with each distinct string once (packed-rows.ts). */
type PackedBatch = Omit<ReaderBatch, 'decided'> & {
  decided: (Omit<DecidedBatch, 'rows' | 'attributed'> & { rows: PackedRows; attributed: PackedRows }) | null;
};

export type FromReader = ({ kind: 'batch' } & PackedBatch) | { kind: 'done' } | { kind: 'failed'; message: string };
export type ToReader = { kind: 'taken' };

/**
 * Reads the report in a worker thread and hands each batch to `write`, one at a time and in order. Rejects
 * with the reader's error, `write`'s, or `cancelled` when `signal` aborts; the thread is stopped either way.
 */
export function readInThread(
  job: ReaderJob,
  write: (batch: ReaderBatch) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const worker = startWorker(new URL('./report-reader-worker.ts', import.meta.url), job);
  return new Promise<void>((resolve, reject) => {
    const waiting: PackedBatch[] = [];
    let writing = false;
    let ended = false;
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', cancel);
      void worker.terminate();
      if (error === undefined) resolve();
      else reject(error instanceof Error ? error : new Error(String(error)));
    };
    const cancel = () => finish(new Error('cancelled'));
    signal?.addEventListener('abort', cancel);
    if (signal?.aborted) return cancel();
    const pump = async () => {
      if (writing) return;
      writing = true;
      try {
        for (let batch = waiting.shift(); batch && !settled; batch = waiting.shift()) {
          worker.postMessage({ kind: 'taken' } satisfies ToReader);
          const { decided } = batch;
          await write({
            ...batch,
            decided: decided && {
              ...decided,
              rows: unpackRows<NewAbuseEvent>(decided.rows),
              attributed: unpackRows<AttributedRow>(decided.attributed),
            },
          });
        }
      } catch (error) {
        return finish(error);
      } finally {
        writing = false;
      }
      if (ended) finish();
    };
    worker.on('message', (message: FromReader) => {
      if (message.kind === 'batch') {
        const { kind: _kind, ...batch } = message;
        waiting.push(batch);
        void pump();
      } else if (message.kind === 'done') {
        ended = true;
        if (!writing && waiting.length === 0) finish();
      } else finish(new Error(message.message));
    });
    worker.on('error', finish);
    // After `done` the thread may end on its own while the last batches are still being written.
    worker.on('exit', (code) => {
      if (!ended) finish(new Error(`the report reader stopped (exit code ${code}) before the end of the report`));
    });
  });
}
