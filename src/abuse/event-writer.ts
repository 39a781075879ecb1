import type { Kysely } from 'kysely';
import { sqliteHandle } from '../store/open.js';
import type { Database } from '../store/schema.js';
import {
  addTo,
  emptySummary,
  writeDecided,
  type DecidedBatch,
  type EventAttributionSummary,
  type WriteOptions,
} from './attribute-events.js';

// A large report's batches are written in step with its parse: while one decided batch is written, the next
// is parsed and decided. On PostgreSQL writing is the server's work, on another core: the batch's transaction
// runs on a connection of its own while this thread goes on. One batch in flight, so memory holds two; a
// failed batch is reported by the next write or by close. On SQLite the statements run on this thread
// anyway, and a transaction left open while the next batch is parsed only grows: each batch is written
// before the next is read. (A writer thread with its own connection was measured too — bench/README.md: it
// gained a tenth and cost half as much memory again, a second page cache and a copy of each batch.)

export type EventWriter = {
  /** Hands a batch over; resolves once the batch before it is written, and rejects if that one failed. */
  write(batch: DecidedBatch): Promise<void>;
  /** Waits for the last batch; the counts of every batch written. */
  close(): Promise<EventAttributionSummary>;
  /** Waits for a batch in flight without asking how it went (the intake failed anyway). */
  abandon(): Promise<void>;
};

export function eventWriter(db: Kysely<Database>, options: WriteOptions): EventWriter {
  const summary = emptySummary();
  if (sqliteHandle(db))
    return {
      write: async (batch) => addTo(summary, await writeDecided(db, batch, options)),
      close: async () => summary,
      abandon: async () => {},
    };
  let inFlight: Promise<void> | undefined;
  let failure: { error: unknown } | undefined;
  const settle = async () => {
    await inFlight;
    inFlight = undefined;
    if (failure) throw failure.error;
  };
  return {
    async write(batch) {
      await settle();
      // Caught at once, so a failure waits for the next call without counting as unhandled.
      inFlight = writeDecided(db, batch, options).then(
        (added) => addTo(summary, added),
        (error: unknown) => void (failure = { error }),
      );
    },
    async close() {
      await settle();
      return summary;
    },
    async abandon() {
      await inFlight;
    },
  };
}
