import { sql } from 'kysely';
import type { Migration } from './dialect.js';

// Attribution: who held an address (and, behind CGNAT, a port block) when.
//
// Sessions still running live in `open_leases`, one row per (source, session), updated in place by
// interim updates and renewals. When a session ends its row moves to `leases`, which is written once and
// never updated: the big table (tens of millions of rows) only ever grows by appends and shrinks by
// retention. On PostgreSQL it is partitioned by the month the interval ended, so retention drops whole
// months; its GiST index over (address, during) answers "which prefix held this address at that time".
// SQLite has neither inet nor ranges: an address is a 17-byte key (prefix length, then the 16-byte
// network in IPv6 space, IPv4 mapped) and a lookup asks for the keys of each prefix length in use, with
// times as integer ms, under a btree on (key, end).
export const attribute: Migration = {
  name: '0005-attribute',
  async up({ db, dialect }) {
    if (dialect === 'postgres') await postgres(db);
    else await sqlite(db);

    // Subscriber directory: more of the record, and the keys lease sources know a subscriber by.
    for (const column of ['name_kana', 'plan', 'status', 'source']) {
      await db.schema.alterTable('subscribers').addColumn(column, 'text').execute();
    }
    await db.schema
      .createTable('subscriber_keys')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('subscriber_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('subscriber_keys_pk', ['kind', 'value'])
      .execute();
    await db.schema.createIndex('subscriber_keys_by_id').on('subscriber_keys').column('subscriber_id').execute();

    // A legal hold keeps the intervals of an address or subscriber key in a time range past retention.
    await db.schema
      .createTable('legal_holds')
      .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
        dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
      )
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('from_at', 'text', (c) => c.notNull())
      .addColumn('until_at', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('released_at', 'text')
      .execute();

    // Where a polled source (a radacct table) has read up to.
    await db.schema
      .createTable('lease_cursors')
      .addColumn('source', 'text', (c) => c.primaryKey())
      .addColumn('cursor', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
};

async function sqlite(db: Parameters<Migration['up']>[0]['db']): Promise<void> {
  const common = `
    source text not null,
    session text not null,
    address text not null,
    key blob not null,
    port_first integer,
    port_last integer,
    inside text,
    subscriber_key text,
    key_kind text,
    nas text,
    start_ms integer not null,
    evidence text not null,
    detail text`;
  await sql
    .raw(
      `create table leases (id integer primary key, ${common},
        end_ms integer not null,
        end_estimated integer not null default 0)`,
    )
    .execute(db);
  await sql.raw('create index leases_by_key on leases (key, end_ms)').execute(db);
  await sql.raw('create index leases_by_end on leases (end_ms)').execute(db);
  await sql.raw('create index leases_by_subscriber on leases (subscriber_key, end_ms)').execute(db);
  await sql
    .raw(
      `create table open_leases (${common},
        last_seen_ms integer not null,
        expires_ms integer,
        interim_s integer,
        primary key (source, session))`,
    )
    .execute(db);
  await sql.raw('create index open_leases_by_key on open_leases (key)').execute(db);
  await sql.raw('create index open_leases_by_nas on open_leases (source, nas)').execute(db);
  // The prefix lengths present, so that a lookup asks for one key per length in use (usually two or three).
  await sql.raw('create table lease_prefix_lengths (length integer primary key)').execute(db);
}

async function postgres(db: Parameters<Migration['up']>[0]['db']): Promise<void> {
  const common = `
    source text not null,
    session text not null,
    address cidr not null,
    ports int4range,
    inside inet,
    subscriber_key text,
    key_kind text,
    nas text,
    evidence text not null,
    detail jsonb`;
  await sql
    .raw(
      `create table leases (${common},
        during tstzrange not null,
        ended_at timestamptz not null,
        end_estimated boolean not null default false) partition by range (ended_at)`,
    )
    .execute(db);
  // Created on the partitioned table, so every monthly partition gets its own.
  await sql.raw('create index leases_by_address on leases using gist (address inet_ops, during)').execute(db);
  await sql.raw('create index leases_by_subscriber on leases (subscriber_key, ended_at)').execute(db);
  await sql
    .raw(
      `create table open_leases (${common},
        started_at timestamptz not null,
        last_seen timestamptz not null,
        expires_at timestamptz,
        interim_s integer,
        primary key (source, session))`,
    )
    .execute(db);
  await sql.raw('create index open_leases_by_address on open_leases using gist (address inet_ops)').execute(db);
  await sql.raw('create index open_leases_by_nas on open_leases (source, nas)').execute(db);
}
