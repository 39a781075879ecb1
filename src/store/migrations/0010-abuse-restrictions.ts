import { sql } from 'kysely';
import type { Migration } from './dialect.js';

// The walled garden: a case's subscriber restricted (their addresses carried as rpz-client-ip
// triggers, and optionally in an nftables set) once a second person approves, until released.
//
// A restriction is requested (pending), approved (active), and released — or declined while still
// pending. Its addresses follow the subscriber: each row is one address or prefix held from `since`
// to `until` (null: held now), so the list of what was restricted when stays after the lease moves.
// At most one restriction per case is pending or active at a time (a partial unique index, which
// both SQLite and PostgreSQL have).
export const abuseRestrictions: Migration = {
  name: '0010-abuse-restrictions',
  async up({ db, withId }) {
    await withId(db.schema.createTable('abuse_restrictions'))
      .addColumn('case_id', 'bigint', (c) => c.notNull())
      .addColumn('subscriber_id', 'text', (c) => c.notNull())
      // the case's class (RSIT type), for per-class release rules and the notice page
      .addColumn('type', 'text', (c) => c.notNull())
      // pending, active, released, declined
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('requested_by', 'text', (c) => c.notNull())
      .addColumn('requested_at', 'text', (c) => c.notNull())
      .addColumn('approved_by', 'text')
      .addColumn('approved_at', 'text')
      .addColumn('released_by', 'text')
      .addColumn('released_at', 'text')
      // operator, auto, case-resolved, case-closed, declined
      .addColumn('release_kind', 'text')
      .addColumn('release_reason', 'text')
      .execute();
    await db.schema.createIndex('abuse_restrictions_by_state').on('abuse_restrictions').column('state').execute();
    await db.schema.createIndex('abuse_restrictions_by_case').on('abuse_restrictions').column('case_id').execute();
    await sql
      .raw(
        `create unique index abuse_restrictions_one_open_per_case on abuse_restrictions (case_id)
          where state in ('pending', 'active')`,
      )
      .execute(db);

    await withId(db.schema.createTable('abuse_restriction_addresses'))
      .addColumn('restriction_id', 'bigint', (c) => c.notNull())
      // an address (192.0.2.7) or a prefix (2001:db8:1200::/56), as the lease holds it
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('since', 'text', (c) => c.notNull())
      .addColumn('until', 'text')
      .execute();
    await db.schema
      .createIndex('abuse_restriction_addresses_by_restriction')
      .on('abuse_restriction_addresses')
      .columns(['restriction_id', 'until'])
      .execute();

    // Following a restricted subscriber reads their open leases by key: without this, a full scan.
    await sql.raw('create index open_leases_by_subscriber on open_leases (subscriber_key)').execute(db);
  },
};
