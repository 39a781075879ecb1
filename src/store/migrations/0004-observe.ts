import type { Migration } from './dialect.js';

// Observation: sightings (observations that matched an indicator, aggregated per indicator, client,
// point and window), how far each file input has read, and per-minute counts of what was seen.
// What matched nothing is counted, never stored, unless the operator turns raw storage on.
export const observe: Migration = {
  name: '0004-observe',
  async up({ db, withId }) {
    await withId(db.schema.createTable('sightings'))
      .addColumn('indicator_type', 'text', (c) => c.notNull())
      .addColumn('indicator_value', 'text', (c) => c.notNull())
      .addColumn('point', 'text', (c) => c.notNull())
      .addColumn('client', 'text', (c) => c.notNull())
      // The start of the aggregation window (ISO 8601 UTC); the unique key makes a flush an upsert.
      .addColumn('window_start', 'text', (c) => c.notNull())
      .addColumn('first_seen', 'text', (c) => c.notNull())
      .addColumn('last_seen', 'text', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      // How many of `count` the point blocked (0: all went through; count: all blocked).
      .addColumn('blocked_count', 'integer', (c) => c.notNull())
      // JSON arrays, as the intel said when first seen: what the indicator is and who lists it.
      .addColumn('categories', 'text', (c) => c.notNull())
      .addColumn('sources', 'text', (c) => c.notNull())
      .addColumn('input', 'text', (c) => c.notNull())
      .addColumn('detail', 'text')
      // Filled in by attribution: the subscriber key that held `client` at first_seen.
      .addColumn('subscriber', 'text')
      .addColumn('attributed_at', 'text')
      .addUniqueConstraint('sightings_key', ['indicator_type', 'indicator_value', 'client', 'point', 'window_start'])
      .execute();
    await db.schema.createIndex('sightings_window').on('sightings').column('window_start').execute();
    await db.schema.createIndex('sightings_client').on('sightings').columns(['client', 'window_start']).execute();
    await db.schema
      .createIndex('sightings_indicator')
      .on('sightings')
      .columns(['indicator_value', 'window_start'])
      .execute();
    await db.schema
      .createIndex('sightings_subscriber')
      .on('sightings')
      .columns(['subscriber', 'window_start'])
      .execute();

    await withId(db.schema.createTable('observe_positions'))
      .addColumn('input', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('dev', 'bigint', (c) => c.notNull())
      .addColumn('ino', 'bigint', (c) => c.notNull())
      .addColumn('offset', 'bigint', (c) => c.notNull())
      .addColumn('line', 'bigint', (c) => c.notNull())
      .addColumn('head', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('observe_positions_file', ['input', 'path'])
      .execute();

    await withId(db.schema.createTable('observe_counts'))
      .addColumn('input', 'text', (c) => c.notNull())
      .addColumn('point', 'text', (c) => c.notNull())
      .addColumn('minute', 'text', (c) => c.notNull())
      .addColumn('observed', 'integer', (c) => c.notNull())
      .addColumn('matched', 'integer', (c) => c.notNull())
      .addColumn('rejected', 'integer', (c) => c.notNull())
      .addColumn('dropped', 'integer', (c) => c.notNull())
      .addUniqueConstraint('observe_counts_minute', ['input', 'point', 'minute'])
      .execute();
    await db.schema.createIndex('observe_counts_by_minute').on('observe_counts').column('minute').execute();

    // Only written when observe.store_raw.enabled: every observation, matched or not, for a retention period.
    await withId(db.schema.createTable('raw_observations'))
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('input', 'text', (c) => c.notNull())
      .addColumn('point', 'text', (c) => c.notNull())
      .addColumn('client', 'text', (c) => c.notNull())
      .addColumn('client_port', 'integer')
      .addColumn('domain', 'text')
      .addColumn('addresses', 'text')
      .addColumn('port', 'integer')
      .addColumn('url', 'text')
      .addColumn('email', 'text')
      .addColumn('blocked', 'integer')
      .addColumn('detail', 'text')
      .execute();
    await db.schema.createIndex('raw_observations_at').on('raw_observations').column('at').execute();
  },
};
