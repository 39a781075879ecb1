import { sql } from 'kysely';
import type { Migration } from './dialect.js';

// The two queues of events, without an index entry for every event. abuse_events_by_state (state, id) held
// all of them, and nine in ten are `attributed`, which nothing reads by state: a large report paid an index
// insert per row for it (bench/README.md, abuse intake). Each queue — events still `new` (attributeNewEvents)
// and the unassigned ones (the triage queue) — now has a partial index of its own. A query must name the
// state as written here (`state = 'new'`) for the index to apply.
export const abuseEventQueues: Migration = {
  name: '0015-abuse-event-queues',
  async up({ db }) {
    await db.schema.dropIndex('abuse_events_by_state').execute();
    await db.schema
      .createIndex('abuse_events_new')
      .on('abuse_events')
      .column('id')
      .where(sql.ref('state'), '=', sql.lit('new'))
      .execute();
    await db.schema
      .createIndex('abuse_events_unassigned')
      .on('abuse_events')
      .column('id')
      .where(sql.ref('state'), '=', sql.lit('unassigned'))
      .execute();
  },
};
