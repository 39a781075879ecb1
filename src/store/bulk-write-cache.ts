import type { Kysely } from 'kysely';
import { sqliteHandle } from './open.js';
import type { Database } from './schema.js';

// A bulk write (a report of a million rows) touches each page of the table it appends to once: a large page
// cache only keeps pages nobody reads again, and on SQLite that is memory the process holds to the end.
// While one runs, the connection's cache is made small; the last bulk write to end gives the usual size back.
// (bench/README.md, abuse intake: 128 MiB against 32 MiB, the same speed, a fifth less peak memory.)

/** The page cache of a connection while bulk writes run on it, KiB. */
const BULK_WRITE_CACHE_KIB = 32 * 1024;

const running = new WeakMap<object, { writers: number; usual: unknown }>();

/** Runs `work` with the store's page cache small if it is SQLite; PostgreSQL's is the server's own. */
export async function withBulkWriteCache<T>(db: Kysely<Database>, work: () => Promise<T>): Promise<T> {
  const native = sqliteHandle(db);
  if (!native) return work();
  let state = running.get(native);
  if (!state) {
    running.set(native, (state = { writers: 0, usual: native.pragma('cache_size', { simple: true }) }));
    native.pragma(`cache_size = -${BULK_WRITE_CACHE_KIB}`);
  }
  state.writers++;
  try {
    return await work();
  } finally {
    if (--state.writers === 0) {
      running.delete(native);
      native.pragma(`cache_size = ${Number(state.usual)}`);
    }
  }
}
