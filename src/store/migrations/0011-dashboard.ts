import type { Migration } from './dialect.js';

// Indexes for the dashboard (GET /api/dashboard), each found by reading the query plans on SQLite and
// PostgreSQL with a million indicators, 100,000 sightings and 10,000 cases (bench/dashboard.bench.ts):
// - sightings per hour and category read (window_start, categories) alone, not the table;
// - open cases by state and age read (state, opened_at) alone;
// - dead letters not replayed, per source, read (replayed_at, source) alone.
export const dashboard: Migration = {
  name: '0011-dashboard',
  async up({ db }) {
    await db.schema
      .createIndex('sightings_by_window_categories')
      .on('sightings')
      .columns(['window_start', 'categories'])
      .execute();
    await db.schema
      .createIndex('abuse_cases_by_state_opened')
      .on('abuse_cases')
      .columns(['state', 'opened_at'])
      .execute();
    await db.schema.createIndex('dead_letters_pending').on('dead_letters').columns(['replayed_at', 'source']).execute();
  },
};
