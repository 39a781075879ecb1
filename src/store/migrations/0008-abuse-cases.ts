import type { Migration } from './dialect.js';

// Cases: one open matter per subscriber and class (the RSIT type of its events), which events join
// while they keep coming within the aggregation window. Every change of state is a history row (and
// an audit entry) with who and why; notes are free text from the desk.
export const abuseCases: Migration = {
  name: '0008-abuse-cases',
  async up({ db, withId }) {
    await withId(db.schema.createTable('abuse_cases'))
      .addColumn('subscriber_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      // new, notified, reminded, restricted, resolved, closed, ignored
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('opened_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('first_event_at', 'text', (c) => c.notNull())
      .addColumn('last_event_at', 'text', (c) => c.notNull())
      .addColumn('event_count', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('abuse_cases_by_subscriber')
      .on('abuse_cases')
      .columns(['subscriber_id', 'type', 'state'])
      .execute();
    await db.schema.createIndex('abuse_cases_by_state').on('abuse_cases').columns(['state', 'updated_at']).execute();

    await withId(db.schema.createTable('abuse_case_history'))
      .addColumn('case_id', 'bigint', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('from_state', 'text')
      .addColumn('to_state', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('abuse_case_history_by_case').on('abuse_case_history').column('case_id').execute();

    await withId(db.schema.createTable('abuse_case_notes'))
      .addColumn('case_id', 'bigint', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('author', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('abuse_case_notes_by_case').on('abuse_case_notes').column('case_id').execute();
  },
};
