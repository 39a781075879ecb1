import { randomUUID } from 'node:crypto';
import type { Migration } from './dialect.js';

// A number that goes up whenever the claims change (ingest, retire, expiry clean-up, allowlist
// re-application). The compiled indicators written to disk carry the revision they were built at, so
// a start that finds the same revision reads them instead of rebuilding a million-name matcher. The store's
// own random name goes with it: a data directory pointed at another database (SQLite to PostgreSQL, a restored
// copy) must not take that database's revision 7 for this one's.
export const intelRevision: Migration = {
  name: '0013-intel-revision',
  async up({ db }) {
    await db.schema
      .createTable('intel_revision')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('revision', 'bigint', (c) => c.notNull())
      .addColumn('store', 'text', (c) => c.notNull())
      .execute();
    await db
      .insertInto('intel_revision' as never)
      .values({ id: 1, revision: 0, store: randomUUID() } as never)
      .execute();
  },
};
