import { sql, type Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { ClosedLease, OpenLease } from '../lease-interval.js';
import { LEASE_SPAN_SQL, PG_LENGTH } from './lease-span.js';
import type { LeaseCandidate, LeaseTables } from './lease-store.js';

// The PostgreSQL half of the interval store: cidr/inet columns, int4range port blocks, tstzrange
// intervals, and `leases` partitioned by the month an interval ended — created on first use, dropped
// whole by retention. A look-up asks btrees for each covering prefix by equality, and the closed
// intervals per span class in a bounded range of ends (see the 0006-lease-spans migration). Batches
// travel as one jsonb parameter.

const raw = (db: Kysely<Database>) => db.withoutPlugins();

const RECORD_COLUMNS = `source text, session text, address cidr, port_first int, port_last int, inside inet,
  subscriber_key text, key_kind text, nas text, start_ms double precision, evidence text, detail jsonb`;
const COMMON_SELECT = `source, session, address, ports, inside, subscriber_key, key_kind, nas, evidence, detail`;

function common(l: OpenLease | ClosedLease) {
  return {
    source: l.source,
    session: l.session,
    address: l.address,
    port_first: l.ports?.[0] ?? null,
    port_last: l.ports?.[1] ?? null,
    inside: l.inside ?? null,
    subscriber_key: l.subscriberKey ?? null,
    key_kind: l.keyKind ?? null,
    nas: l.nas ?? null,
    start_ms: l.startMs,
    evidence: l.evidence,
    detail: l.detail ?? null,
  };
}

const portsExpr = `case when r.port_first is null then null else int4range(r.port_first, r.port_last, '[]') end`;
const ms = (column: string) => `to_timestamp(${column} / 1000.0)`;

type Row = {
  source: string;
  session: string;
  address: string;
  ports: string | null;
  inside: string | null;
  subscriber_key: string | null;
  key_kind: string | null;
  nas: string | null;
  evidence: string;
  detail: Record<string, string> | null;
  start_ms: string | number;
  end_ms?: string | number;
  end_estimated?: boolean;
  last_seen_ms?: string | number;
  expires_ms?: string | number | null;
  interim_s?: number | null;
};

/** `[1024,1280)` → [1024, 1279]. */
function parsePorts(text: string | null): [number, number] | undefined {
  if (!text) return undefined;
  const m = /^[[(](\d+),(\d+)[\])]$/.exec(text);
  if (!m) return undefined;
  const first = Number(m[1]) + (text.startsWith('(') ? 1 : 0);
  const last = Number(m[2]) - (text.endsWith(')') ? 1 : 0);
  return [first, last];
}

/** PostgreSQL writes a host's cidr as `192.0.2.7/32`; the rest of Mizugiwa writes a bare address. */
function addressText(cidr: string): string {
  return cidr.endsWith('/32') && !cidr.includes(':')
    ? cidr.slice(0, -3)
    : cidr.endsWith('/128')
      ? cidr.slice(0, -4)
      : cidr;
}

function commonFromRow(r: Row): Omit<OpenLease, 'lastSeenMs'> {
  return {
    source: r.source,
    session: r.session,
    address: addressText(r.address),
    ports: parsePorts(r.ports),
    inside: r.inside ?? undefined,
    subscriberKey: r.subscriber_key ?? undefined,
    keyKind: r.key_kind ?? undefined,
    nas: r.nas ?? undefined,
    startMs: Number(r.start_ms),
    evidence: r.evidence,
    detail: r.detail ?? undefined,
  };
}

function openFromRow(r: Row): OpenLease {
  return {
    ...commonFromRow(r),
    lastSeenMs: Number(r.last_seen_ms),
    expiresMs: r.expires_ms === null || r.expires_ms === undefined ? undefined : Number(r.expires_ms),
    interimS: r.interim_s ?? undefined,
  };
}

function candidate(r: Row & { open: boolean }): LeaseCandidate {
  return r.open
    ? { open: true, ...openFromRow(r) }
    : { open: false, ...commonFromRow(r), endMs: Number(r.end_ms), endEstimated: r.end_estimated === true };
}

/** `a, b` → `c.a, c.b`. */
function qualified(table: string, columns: string): string {
  return columns
    .split(',')
    .map((c) => `${table}.${c.trim()}`)
    .join(', ');
}

const epochMs = (expr: string) => `(extract(epoch from ${expr}) * 1000)::float8`;
const OPEN_SELECT = `${COMMON_SELECT}, ${epochMs('started_at')} as start_ms, ${epochMs('last_seen')} as last_seen_ms,
  ${epochMs('expires_at')} as expires_ms, interim_s`;

/** Windows of one batch read together while they begin within this of the first. */
const WINDOW_GROUP_MS = 86_400_000;

/** Partitions known to exist, as `schema.name`: one process may use several schemas (tests, benches). */
const partitions = new Set<string>();

async function ensurePartitions(trx: Kysely<Database>, endMs: number[]): Promise<void> {
  const months = new Set<string>();
  for (const end of endMs) {
    const d = new Date(end);
    months.add(`${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`);
  }
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(trx);
  const schema = rows[0]?.schema ?? '';
  for (const month of months) {
    const name = `leases_${month.replace('-', '_')}`;
    if (partitions.has(`${schema}.${name}`)) continue;
    const [y, m] = month.split('-').map(Number) as [number, number];
    const from = `${month}-01`;
    const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
    // Two writers may race to create the same month: the loser's `if not exists` is a no-op.
    await sql
      .raw(
        `create table if not exists ${name} partition of leases for values from ('${from} 00:00:00+00') to ('${next} 00:00:00+00')`,
      )
      .execute(trx);
    partitions.add(`${schema}.${name}`);
  }
}

export const postgresLeases: LeaseTables = {
  async loadOpen(trx, source, sessions, nases) {
    if (sessions.length === 0 && nases.length === 0) return [];
    const { rows } = await sql<Row>`select ${sql.raw(OPEN_SELECT)} from open_leases
      where source = ${source} and (session = any(${sessions}::text[]) or nas = any(${nases}::text[]))`.execute(
      raw(trx),
    );
    return rows.map(openFromRow);
  },

  async writeOpen(trx, rows) {
    if (rows.length === 0) return;
    const json = JSON.stringify(
      rows.map((l) => ({
        ...common(l),
        last_seen_ms: l.lastSeenMs,
        expires_ms: l.expiresMs ?? null,
        interim_s: l.interimS ?? null,
      })),
    );
    await sql`with written as (insert into open_leases (source, session, address, ports, inside, subscriber_key,
        key_kind, nas, evidence, detail, started_at, last_seen, expires_at, interim_s)
      select r.source, r.session, r.address, ${sql.raw(portsExpr)}, r.inside, r.subscriber_key, r.key_kind, r.nas,
        r.evidence, r.detail, ${sql.raw(ms('r.start_ms'))}, ${sql.raw(ms('r.last_seen_ms'))},
        ${sql.raw(ms('r.expires_ms'))}, r.interim_s
      from jsonb_to_recordset(${json}::jsonb) as r(${sql.raw(RECORD_COLUMNS)}, last_seen_ms double precision,
        expires_ms double precision, interim_s int)
      on conflict (source, session) do update set address = excluded.address, ports = excluded.ports,
        inside = excluded.inside, subscriber_key = excluded.subscriber_key, key_kind = excluded.key_kind,
        nas = excluded.nas, evidence = excluded.evidence, detail = excluded.detail, started_at = excluded.started_at,
        last_seen = excluded.last_seen, expires_at = excluded.expires_at, interim_s = excluded.interim_s
        returning address)
      insert into lease_prefix_lengths (length) select distinct ${sql.raw(PG_LENGTH('address'))} from written
      on conflict do nothing`.execute(raw(trx));
  },

  async deleteOpen(trx, source, sessions) {
    if (sessions.length === 0) return;
    await sql`delete from open_leases where source = ${source} and session = any(${sessions}::text[])`.execute(
      raw(trx),
    );
  },

  async appendClosed(trx, rows) {
    if (rows.length === 0) return;
    await ensurePartitions(
      trx,
      rows.map((r) => r.endMs),
    );
    const json = JSON.stringify(rows.map((l) => ({ ...common(l), end_ms: l.endMs, end_estimated: l.endEstimated })));
    // A session that began and ended at one instant is `[t, t]`: `[t, t)` would be empty and match nothing.
    await sql`with written as (insert into leases (source, session, address, ports, inside, subscriber_key, key_kind,
        nas, evidence, detail, during, ended_at, end_estimated, span)
      select r.source, r.session, r.address, ${sql.raw(portsExpr)}, r.inside, r.subscriber_key, r.key_kind, r.nas,
        r.evidence, r.detail,
        tstzrange(${sql.raw(ms('r.start_ms'))}, ${sql.raw(ms('r.end_ms'))}, case when r.end_ms > r.start_ms then '[)' else '[]' end),
        ${sql.raw(ms('r.end_ms'))}, r.end_estimated,
        ${sql.raw(LEASE_SPAN_SQL.postgres(ms('r.start_ms'), ms('r.end_ms')))}
      from jsonb_to_recordset(${json}::jsonb) as r(${sql.raw(RECORD_COLUMNS)}, end_ms double precision,
        end_estimated boolean)
      returning address, span),
    spans as (insert into lease_spans (length, span) select distinct ${sql.raw(PG_LENGTH('address'))}, span from written
      on conflict do nothing)
    insert into lease_prefix_lengths (length) select distinct ${sql.raw(PG_LENGTH('address'))} from written
    on conflict do nothing`.execute(raw(trx));
  },

  async candidates(db, query) {
    // lease_candidates (migration 0006) holds the statement, so that its plan is kept per connection,
    // and answers a CGNAT block's inside address in the same round trip (rows with `via`).
    const { rows } = await sql<Row & { open: boolean; via: string | null }>`
      select via, open, ${sql.raw(COMMON_SELECT)}, ${sql.raw(epochMs('start_at'))} as start_ms, ${sql.raw(epochMs('end_at'))} as end_ms,
        end_estimated, ${sql.raw(epochMs('last_seen'))} as last_seen_ms, ${sql.raw(epochMs('expires_at'))} as expires_ms, interim_s
      from lease_candidates(${query.address}::inet, ${new Date(query.fromMs).toISOString()}::timestamptz,
        ${new Date(query.toMs).toISOString()}::timestamptz, ${query.port ?? null}::int)`.execute(raw(db));
    const inner = new Map<string, LeaseCandidate[]>();
    for (const r of rows) {
      if (r.via === null) continue;
      const list = inner.get(r.via) ?? [];
      list.push(candidate(r));
      inner.set(r.via, list);
    }
    return rows
      .filter((r) => r.via === null)
      .map((r) => {
        const c = candidate(r);
        return c.inside === undefined ? c : { ...c, inner: inner.get(c.inside) ?? [] };
      });
  },

  async candidatesInWindows(db, windows) {
    const found: LeaseCandidate[][] = windows.map(() => []);
    // Windows close in time are read together (a report's rows come in time order), far ones apart: each
    // read scans the partitions its time range reaches.
    const order = windows.map((_, i) => i).sort((a, b) => windows[a]!.fromMs - windows[b]!.fromMs);
    for (let start = 0; start < order.length;) {
      let end = start + 1;
      let toMs = windows[order[start]!]!.toMs;
      while (end < order.length && windows[order[end]!]!.fromMs - windows[order[start]!]!.fromMs <= WINDOW_GROUP_MS)
        toMs = Math.max(toMs, windows[order[end++]!]!.toMs);
      const group = order.slice(start, end);
      const json = JSON.stringify(group.map((i) => ({ i, address: windows[i]!.address })));
      const from = new Date(windows[group[0]!]!.fromMs).toISOString();
      const to = new Date(toMs).toISOString();
      // Unlike `candidates`, no probe per span class: one index scan for all the prefixes (an array, searched
      // once per prefix), reading each prefix's intervals that ended since the earliest window — the partitions
      // from its month on. For a batch of thousands of addresses that is cheaper than thousands of rescans of
      // a probe per (prefix, class); rows past a window's own edges are the caller's to drop.
      const { rows } = await sql<Row & { w: number; open: boolean }>`
        with w as (select * from jsonb_to_recordset(${json}::jsonb) as w(i int, address inet)),
        p as materialized (
          select w.i, network(set_masklen(w.address, n.length - case family(w.address) when 4 then 96 else 0 end)) as prefix
          from w join lease_prefix_lengths n on case family(w.address) when 4
            then n.length between 96 and masklen(w.address) + 96 else n.length <= masklen(w.address) end)
        select p.i as w, false as open, ${sql.raw(qualified('c', COMMON_SELECT))}, ${sql.raw(epochMs('lower(c.during)'))} as start_ms,
          ${sql.raw(epochMs('c.ended_at'))} as end_ms, c.end_estimated, null::float8 as last_seen_ms, null::float8 as expires_ms,
          null::int as interim_s
        from leases c join p on c.address = p.prefix
        where c.address = any(array(select distinct prefix from p)) and c.ended_at >= ${from}::timestamptz
          and lower(c.during) <= ${to}::timestamptz
        union all
        select p.i, true, ${sql.raw(qualified('o', COMMON_SELECT))}, ${sql.raw(epochMs('o.started_at'))}, null, false,
          ${sql.raw(epochMs('o.last_seen'))}, ${sql.raw(epochMs('o.expires_at'))}, o.interim_s
        from open_leases o join p on o.address = p.prefix
        where o.address = any(array(select distinct prefix from p)) and o.started_at <= ${to}::timestamptz`.execute(
        raw(db),
      );
      for (const r of rows) found[r.w]!.push(candidate(r));
      start = end;
    }
    return found;
  },

  async dueOpen(trx, nowMs, staleIntervals, limit) {
    const now = new Date(nowMs).toISOString();
    const { rows } = await sql<Row>`select ${sql.raw(OPEN_SELECT)} from open_leases
      where (expires_at is not null and expires_at < ${now}::timestamptz)
        or (expires_at is null and interim_s > 0
          and last_seen + make_interval(secs => ${staleIntervals} * interim_s) < ${now}::timestamptz)
      limit ${limit}`.execute(raw(trx));
    return rows.map(openFromRow);
  },

  async deleteEnded(db, source, beforeMs, holds) {
    const before = new Date(beforeMs).toISOString();
    let deleted = 0;
    // Whole months first: a partition that ended before the cutoff, of every source, with nothing held in it.
    if (source === undefined) {
      const { rows } = await sql<{ name: string; upper: string }>`
        select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as upper
        from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'leases'::regclass`.execute(raw(db));
      for (const { name, upper } of rows) {
        const to = /TO \('([^']+)'\)/.exec(upper)?.[1];
        if (!to || Date.parse(to) > beforeMs) continue;
        const from = /FROM \('([^']+)'\)/.exec(upper)?.[1];
        const overlapsHold = holds.some((h) => h.fromMs <= Date.parse(to) && h.untilMs >= Date.parse(from ?? to));
        if (overlapsHold) continue;
        const { rows: n } = await sql<{ n: string }>`select count(*) as n from ${sql.table(name)}`.execute(raw(db));
        await sql`drop table ${sql.table(name)}`.execute(raw(db));
        // Which schema's it was is not known here: forgetting the month in all of them costs one `if not exists`.
        for (const known of partitions) if (known.endsWith(`.${name}`)) partitions.delete(known);
        deleted += Number(n[0]?.n ?? 0);
      }
    }
    const held = JSON.stringify(holds.map((h) => ({ subject: h.subject, from_ms: h.fromMs, until_ms: h.untilMs })));
    const bySource = source === undefined ? sql`` : sql`and source = ${source}`;
    const result = await sql`delete from leases where ended_at < ${before}::timestamptz ${bySource}
      and not exists (select 1 from jsonb_to_recordset(${held}::jsonb) as h(subject text, from_ms float8, until_ms float8)
        where (h.subject = host(leases.address) or h.subject = leases.address::text or h.subject = leases.subscriber_key
            or h.subject = host(leases.inside))
          and leases.during && tstzrange(to_timestamp(h.from_ms / 1000.0), to_timestamp(h.until_ms / 1000.0), '[]'))`.execute(
      raw(db),
    );
    return deleted + Number(result.numAffectedRows ?? 0);
  },

  async any(db) {
    const { rows } = await sql<{
      found: number | boolean;
    }>`select (exists (select 1 from leases) or exists (select 1 from open_leases)) as found`.execute(raw(db));
    return rows[0]?.found === true || rows[0]?.found === 1;
  },

  async counts(db) {
    const { rows } = await sql<{ source: string; open: string; closed: string; last_end: number | null }>`
      select source, sum(open) as open, sum(closed) as closed, max(last_end) as last_end from (
        select source, count(*) as open, 0 as closed, null::float8 as last_end from open_leases group by source
        union all
        select source, 0, count(*), ${sql.raw(epochMs('max(ended_at)'))} from leases group by source
      ) t group by source order by source`.execute(raw(db));
    return rows.map((r) => ({
      source: r.source,
      open: Number(r.open),
      closed: Number(r.closed),
      lastEndMs: r.last_end === null ? null : Number(r.last_end),
    }));
  },
};
