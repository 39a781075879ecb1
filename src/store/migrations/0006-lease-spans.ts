import { sql } from 'kysely';
import { LEASE_SPAN_SQL, PG_LENGTH } from '../../attribute/store/lease-span.js';
import type { Migration } from './dialect.js';

// Closed lease intervals get a span class, so that "who held this address at t" reads a handful of
// index entries however long the address's history is.
//
// An index on (address, end) alone answers `end >= t` with every later interval of that address: a
// CGNAT public address carries thousands of port blocks over a retention period, a busy DHCP address
// hundreds of leases, and a look-up early in the period walked all of them. If every interval in a
// class is at most 2^span seconds long, one that covers t ended in [t, t + 2^span s]; so a look-up asks
// each (prefix length, span) present for that bounded range, and each probe reads the few entries of
// one address in one window. `lease_spans` lists the classes present; it only grows (retention leaves
// a stale class behind, which costs one empty probe).
//
export const leaseSpans: Migration = {
  name: '0006-lease-spans',
  async up({ db, dialect }) {
    if (dialect === 'postgres') await postgres(db);
    else await sqlite(db);
  },
};

async function sqlite(db: Parameters<Migration['up']>[0]['db']): Promise<void> {
  await sql.raw('alter table leases add column span integer not null default 0').execute(db);
  await sql.raw(`update leases set span = ${LEASE_SPAN_SQL.sqlite('start_ms', 'end_ms')}`).execute(db);
  await sql.raw('drop index leases_by_key').execute(db);
  // The filter columns are in the index, so a probe touches the table only for the rows it returns.
  await sql
    .raw('create index leases_by_key_span on leases (key, span, end_ms, start_ms, port_first, port_last)')
    .execute(db);
  await sql
    .raw('create table lease_spans (length integer not null, span integer not null, primary key (length, span))')
    .execute(db);
  // The prefix length is the key's first byte.
  const { rows } = await sql<{
    head: Uint8Array;
    span: number;
  }>`select distinct substr(key, 1, 1) as head, span from leases`.execute(db);
  for (const { head, span } of rows) {
    await sql`insert or ignore into lease_spans (length, span) values (${head[0]}, ${span})`.execute(db);
    await sql`insert or ignore into lease_prefix_lengths (length) values (${head[0]})`.execute(db);
  }
}

async function postgres(db: Parameters<Migration['up']>[0]['db']): Promise<void> {
  await sql.raw('alter table leases add column span smallint not null default 0').execute(db);
  await sql.raw(`update leases set span = ${LEASE_SPAN_SQL.postgres('lower(during)', 'ended_at')}`).execute(db);
  // Lengths as the SQLite store writes them, in IPv6 space (IPv4 /n is n + 96), so one list serves both families.
  await sql.raw('create table lease_prefix_lengths (length smallint primary key)').execute(db);
  await sql
    .raw('create table lease_spans (length smallint not null, span smallint not null, primary key (length, span))')
    .execute(db);
  await sql
    .raw(
      `insert into lease_spans (length, span)
        select distinct ${PG_LENGTH('address')}, span from leases`,
    )
    .execute(db);
  await sql
    .raw(
      `insert into lease_prefix_lengths (length)
        select length from lease_spans union select ${PG_LENGTH('address')} from open_leases
        on conflict do nothing`,
    )
    .execute(db);
  // Exact-prefix btrees replace the GiST indexes: a look-up asks for each covering prefix by equality.
  await sql.raw('drop index leases_by_address').execute(db);
  await sql
    .raw('create index leases_by_address_span on leases (address, span, ended_at) include (during, ports)')
    .execute(db);
  await sql.raw('drop index open_leases_by_address').execute(db);
  await sql.raw('create index open_leases_by_address on open_leases (address)').execute(db);
  await sql.raw(LEASE_CANDIDATES_DIRECT).execute(db);
  await sql.raw(LEASE_CANDIDATES).execute(db);
}

// The look-up as functions, so that its plan is made once per connection and kept: planning the
// statement afresh cost ten times its execution (about 1.5 ms against 0.1 ms). The plan is generic
// (parameters unknown); partitions outside [from, to + reach] are pruned when it runs. `offset 0`
// keeps each probe a subquery of its own, so the planner cannot merge it into one scan of every
// interval that ended after `from`.
const LEASE_CANDIDATES_DIRECT = `
create function lease_candidates_direct(asked inet, from_at timestamptz, to_at timestamptz, port int)
returns table (open boolean, source text, session text, address cidr, ports int4range, inside inet,
  subscriber_key text, key_kind text, nas text, evidence text, detail jsonb, start_at timestamptz,
  end_at timestamptz, end_estimated boolean, last_seen timestamptz, expires_at timestamptz, interim_s int)
language plpgsql stable
set plan_cache_mode = force_generic_plan
as $fn$
#variable_conflict use_column
begin
  return query
  with prefixes as (
    select n.length, network(set_masklen(asked, n.length - case family(asked) when 4 then 96 else 0 end)) as prefix
    from lease_prefix_lengths n
    where case family(asked) when 4 then n.length between 96 and masklen(asked) + 96
      else n.length <= masklen(asked) end)
  select false, l.source, l.session, l.address, l.ports, l.inside, l.subscriber_key, l.key_kind, l.nas, l.evidence,
    l.detail, lower(l.during), l.ended_at, l.end_estimated, null::timestamptz, null::timestamptz, null::int
  from prefixes p join lease_spans s on s.length = p.length
  cross join lateral (select * from leases c
    where c.address = p.prefix and c.span = s.span and c.ended_at >= from_at
      and c.ended_at <= to_at + make_interval(secs => 2 ^ s.span) and lower(c.during) <= to_at
      and (port is null or c.ports is null or c.ports @> port)
    offset 0) l
  union all
  select true, o.source, o.session, o.address, o.ports, o.inside, o.subscriber_key, o.key_kind, o.nas, o.evidence,
    o.detail, o.started_at, null, false, o.last_seen, o.expires_at, o.interim_s
  from open_leases o
  where o.address in (select prefix from prefixes) and o.started_at <= to_at
    and (port is null or o.ports is null or o.ports @> port);
end
$fn$`;

// The intervals of an address and, for each CGNAT block among them, those of its inside address in
// the same window (\`via\` names it): the usual two steps of a CGNAT look-up in one round trip.
const LEASE_CANDIDATES = `
create function lease_candidates(asked inet, from_at timestamptz, to_at timestamptz, port int)
returns table (via inet, open boolean, source text, session text, address cidr, ports int4range, inside inet,
  subscriber_key text, key_kind text, nas text, evidence text, detail jsonb, start_at timestamptz,
  end_at timestamptz, end_estimated boolean, last_seen timestamptz, expires_at timestamptz, interim_s int)
language plpgsql stable
as $fn$
#variable_conflict use_column
begin
  return query
  with direct as materialized (select * from lease_candidates_direct(asked, from_at, to_at, port))
  select null::inet, d.* from direct d
  union all
  select i.inside, c.* from (select distinct d.inside from direct d where d.inside is not null) i
    cross join lateral lease_candidates_direct(i.inside, from_at, to_at, null) c;
end
$fn$`;
