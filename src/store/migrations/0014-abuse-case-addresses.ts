import { sql } from 'kysely';
import type { Migration } from './dialect.js';

// Events by address without an index entry per event. An index on abuse_events(source_address) took a
// random insert for each of a report's rows — a million rows all over the index, rewritten with every
// commit: a third of a large report's intake on SQLite. What the console asks by address is answered now by
// the distinct addresses of each case (a few per case, written once per case and address) and, for the
// events in no case (unassigned, or not attributed yet), by a partial index that holds only those.
export const abuseCaseAddresses: Migration = {
  name: '0014-abuse-case-addresses',
  async up({ db }) {
    await db.schema
      .createTable('abuse_case_addresses')
      .addColumn('case_id', 'bigint', (c) => c.notNull())
      .addColumn('address', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('abuse_case_addresses_pk', ['case_id', 'address'])
      .execute();
    await db.schema
      .createIndex('abuse_case_addresses_by_address')
      .on('abuse_case_addresses')
      .columns(['address', 'case_id'])
      .execute();
    await sql`insert into abuse_case_addresses (case_id, address)
      select distinct case_id, source_address from abuse_events
      where case_id is not null and source_address is not null`.execute(db);
    await db.schema.dropIndex('abuse_events_by_source').execute();
    await db.schema
      .createIndex('abuse_events_caseless_by_source')
      .on('abuse_events')
      .columns(['source_address', 'id'])
      .where(sql.ref('case_id'), 'is', null)
      .execute();
  },
};
