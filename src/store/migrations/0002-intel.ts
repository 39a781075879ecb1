import type { Migration } from './dialect.js';

// Threat intelligence: configured sources and what each says about each indicator. An indicator is
// the (type, value) pair itself; it has no row of its own, so ingest writes one row per claim.
export const intel: Migration = {
  name: '0002-intel',
  async up({ db }) {
    await db.schema
      .createTable('intel_sources')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('format', 'text', (c) => c.notNull())
      .addColumn('location', 'text')
      .addColumn('snapshot', 'text', (c) => c.notNull())
      .addColumn('mode', 'text', (c) => c.notNull())
      .addColumn('options', 'text')
      .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('etag', 'text')
      .addColumn('last_modified', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('last_run_at', 'text')
      .addColumn('last_result', 'text')
      .execute();

    await db.schema
      .createTable('claims')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('category', 'text', (c) => c.notNull())
      .addColumn('confidence', 'integer', (c) => c.notNull())
      .addColumn('tags', 'text')
      .addColumn('first_seen', 'text', (c) => c.notNull())
      .addColumn('last_seen', 'text', (c) => c.notNull())
      .addColumn('valid_until', 'text', (c) => c.notNull())
      .addColumn('tlp', 'text', (c) => c.notNull())
      .addColumn('reference', 'text')
      .addColumn('mode', 'text', (c) => c.notNull())
      .addColumn('attributes', 'text')
      .addColumn('suppressed_by', 'text')
      .addColumn('review_by', 'text')
      .addColumn('generation', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      // Keyed indicator first: lookups by indicator use the key itself, so no second index is kept.
      .addPrimaryKeyConstraint('claims_pk', ['type', 'value', 'source'])
      .execute();
    // Retiring a snapshot and counting a source read by (source, generation).
    await db.schema.createIndex('claims_source_generation').on('claims').columns(['source', 'generation']).execute();
    // No index on valid_until: every ingest would pay to maintain it, and only the daily housekeeping
    // (deleting long-expired claims) would use it; effectiveness is filtered on rows found by key.
  },
};
