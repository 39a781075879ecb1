import type { Migration } from './dialect.js';

// Enforcement: every version published (or held) per point, the alerts an operator must see, and
// the sinkhole's hits (observations the observation stage turns into sightings).
export const enforce: Migration = {
  name: '0003-enforce',
  async up({ db, withId }) {
    await withId(db.schema.createTable('enforce_versions'))
      .addColumn('point', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      // live: what the device runs; held: refused by a guard until approved; superseded: was live;
      // failed: the device refused it (the previous version stayed live); rejected: approval declined.
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('entries', 'integer', (c) => c.notNull())
      .addColumn('added', 'integer', (c) => c.notNull())
      .addColumn('removed', 'integer', (c) => c.notNull())
      .addColumn('serial', 'integer')
      // JSON: the guards' findings ({ name, ok, detail }[]) and the entries they stopped.
      .addColumn('guards', 'text', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('published_at', 'text')
      .addColumn('approved_by', 'text')
      .addColumn('approved_at', 'text')
      .addUniqueConstraint('enforce_versions_point_version', ['point', 'version'])
      .execute();

    await withId(db.schema.createTable('alerts'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      // What the alert is about (a point, a source); one open alert per (kind, subject).
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('message_key', 'text', (c) => c.notNull())
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('resolved_at', 'text')
      .execute();
    await db.schema.createIndex('alerts_open').on('alerts').columns(['resolved_at', 'kind', 'subject']).execute();

    await withId(db.schema.createTable('sinkhole_hits'))
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('client_ip', 'text', (c) => c.notNull())
      .addColumn('client_port', 'integer', (c) => c.notNull())
      .addColumn('host', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('user_agent', 'text')
      .addColumn('reference', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sinkhole_hits_at').on('sinkhole_hits').column('at').execute();
    // Support finds a hit by the reference the subscriber reads out from the block page.
    await db.schema.createIndex('sinkhole_hits_reference').on('sinkhole_hits').column('reference').execute();
  },
};
