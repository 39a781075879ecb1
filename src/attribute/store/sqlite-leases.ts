import { sql, type Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { coveringKeys, parsePrefix, prefixKey } from '../address-key.js';
import type { ClosedLease, OpenLease } from '../lease-interval.js';
import { LEASE_SPAN_SQL, spanReachMs } from './lease-span.js';
import type { LeaseCandidate, LeaseTables } from './lease-store.js';

// The SQLite half of the interval store. Batches travel as one JSON parameter read with json_each, so
// a flush of ten thousand intervals is one statement, not ten thousand.

const COMMON = [
  'source',
  'session',
  'address',
  'key',
  'port_first',
  'port_last',
  'inside',
  'subscriber_key',
  'key_kind',
  'nas',
  'start_ms',
  'evidence',
  'detail',
];
const KEY_COLUMN = COMMON.indexOf('key');
const OPEN_COLUMNS = [...COMMON, 'last_seen_ms', 'expires_ms', 'interim_s'];
const CLOSED_COLUMNS = [...COMMON, 'end_ms', 'end_estimated'];

function keyHex(address: string): string {
  const prefix = parsePrefix(address);
  if (!prefix) throw new Error(`lease address ${JSON.stringify(address)} is not an IP address or prefix`);
  return prefixKey(prefix).toString('hex');
}

function commonValues(l: OpenLease | ClosedLease): unknown[] {
  return [
    l.source,
    l.session,
    l.address,
    keyHex(l.address),
    l.ports?.[0] ?? null,
    l.ports?.[1] ?? null,
    l.inside ?? null,
    l.subscriberKey ?? null,
    l.keyKind ?? null,
    l.nas ?? null,
    l.startMs,
    l.evidence,
    l.detail ? JSON.stringify(l.detail) : null,
  ];
}

/** `select` list reading the columns back out of json_each rows, the key as a blob. */
function fromJson(columns: string[]): string {
  return columns.map((c, i) => (c === 'key' ? `unhex(value ->> ${i})` : `value ->> ${i}`)).join(', ');
}

const SELECT_COMMON = `source, session, address, port_first, port_last, inside, subscriber_key, key_kind, nas, start_ms, evidence, detail`;

type Row = {
  source: string;
  session: string;
  address: string;
  port_first: number | null;
  port_last: number | null;
  inside: string | null;
  subscriber_key: string | null;
  key_kind: string | null;
  nas: string | null;
  start_ms: number;
  evidence: string;
  detail: string | null;
  last_seen_ms?: number;
  expires_ms?: number | null;
  interim_s?: number | null;
  end_ms?: number;
  end_estimated?: number;
};

function openFromRow(r: Row): OpenLease {
  return {
    ...commonFromRow(r),
    lastSeenMs: Number(r.last_seen_ms),
    expiresMs: r.expires_ms ?? undefined,
    interimS: r.interim_s ?? undefined,
  };
}

function commonFromRow(r: Row): Omit<OpenLease, 'lastSeenMs'> {
  return {
    source: r.source,
    session: r.session,
    address: r.address,
    ports: r.port_first === null ? undefined : [r.port_first, r.port_last ?? r.port_first],
    inside: r.inside ?? undefined,
    subscriberKey: r.subscriber_key ?? undefined,
    keyKind: r.key_kind ?? undefined,
    nas: r.nas ?? undefined,
    startMs: Number(r.start_ms),
    evidence: r.evidence,
    detail: r.detail ? (JSON.parse(r.detail) as Record<string, string>) : undefined,
  };
}

const raw = (db: Kysely<Database>) => db.withoutPlugins();

export const sqliteLeases: LeaseTables = {
  async loadOpen(trx, source, sessions, nases) {
    if (sessions.length === 0 && nases.length === 0) return [];
    const { rows } = await sql<Row>`
      select ${sql.raw(SELECT_COMMON)}, last_seen_ms, expires_ms, interim_s from open_leases
      where source = ${source} and (session in (select value from json_each(${JSON.stringify(sessions)}))
        or nas in (select value from json_each(${JSON.stringify(nases)})))`.execute(raw(trx));
    return rows.map(openFromRow);
  },

  async writeOpen(trx, rows) {
    if (rows.length === 0) return;
    const common = rows.map(commonValues);
    const json = JSON.stringify(
      rows.map((l, i) => [...common[i]!, l.lastSeenMs, l.expiresMs ?? null, l.interimS ?? null]),
    );
    const updates = OPEN_COLUMNS.filter((c) => c !== 'source' && c !== 'session')
      .map((c) => `${c} = excluded.${c}`)
      .join(', ');
    await sql`insert into open_leases (${sql.raw(OPEN_COLUMNS.join(', '))})
      select ${sql.raw(fromJson(OPEN_COLUMNS))} from json_each(${json}) where true
      on conflict (source, session) do update set ${sql.raw(updates)}`.execute(raw(trx));
    await recordLengths(trx, common);
  },

  async deleteOpen(trx, source, sessions) {
    if (sessions.length === 0) return;
    await sql`delete from open_leases where source = ${source}
      and session in (select value from json_each(${JSON.stringify(sessions)}))`.execute(raw(trx));
  },

  async appendClosed(trx, rows) {
    if (rows.length === 0) return;
    const common = rows.map(commonValues);
    // Each row's prefix length rides after the columns, for lease_spans.
    const json = JSON.stringify(
      rows.map((l, i) => [...common[i]!, l.endMs, l.endEstimated ? 1 : 0, keyLength(common[i]!)]),
    );
    const at = (column: string) => `value ->> ${CLOSED_COLUMNS.indexOf(column)}`;
    const span = LEASE_SPAN_SQL.sqlite(at('start_ms'), at('end_ms'));
    await sql`insert into leases (${sql.raw(CLOSED_COLUMNS.join(', '))}, span)
      select ${sql.raw(fromJson(CLOSED_COLUMNS))}, ${sql.raw(span)} from json_each(${json})`.execute(raw(trx));
    // The classes just written, by the same expression, so that a look-up probes every one present.
    await sql`insert or ignore into lease_spans (length, span)
      select distinct value ->> ${sql.raw(String(CLOSED_COLUMNS.length))}, ${sql.raw(span)} from json_each(${json})`.execute(
      raw(trx),
    );
    await recordLengths(trx, common);
  },

  async candidates(db, query) {
    const address = parsePrefix(query.address);
    if (!address) return [];
    const shapes = (await sql<{ length: number; span: number }>`select length, span from lease_spans`.execute(raw(db)))
      .rows;
    const lengths = (await sql<{ length: number }>`select length from lease_prefix_lengths`.execute(raw(db))).rows.map(
      (r) => r.length,
    );
    // One probe per (covering prefix, span class): the key, the class, and how far past the window its end can lie.
    const keyOf = new Map(
      coveringKeys(address, [...new Set([...lengths, ...shapes.map((s) => s.length)])]).map((k) => [
        k[0]!,
        k.toString('hex'),
      ]),
    );
    const probes = JSON.stringify(
      shapes.flatMap(({ length, span }) => {
        const key = keyOf.get(length);
        return key === undefined ? [] : [[key, span, query.toMs + spanReachMs(span)]];
      }),
    );
    const keys = JSON.stringify([...keyOf.values()]);
    const port = (table: string) =>
      query.port === undefined
        ? sql``
        : sql`and (${sql.raw(table)}.port_first is null or ${query.port} between ${sql.raw(table)}.port_first and ${sql.raw(table)}.port_last)`;
    // `cross join` keeps the probes as the outer loop: each is one range of leases_by_key_span.
    const closed = await sql<Row>`
      select ${sql.raw(qualified('l', SELECT_COMMON))}, l.end_ms, l.end_estimated
      from json_each(${probes}) p cross join leases l
      where l.key = unhex(p.value ->> 0) and l.span = p.value ->> 1
        and l.end_ms >= ${query.fromMs} and l.end_ms <= p.value ->> 2 and l.start_ms <= ${query.toMs} ${port('l')}`.execute(
      raw(db),
    );
    const open = await sql<Row>`
      select ${sql.raw(SELECT_COMMON)}, last_seen_ms, expires_ms, interim_s from open_leases
      where key in (select unhex(value) from json_each(${keys})) and start_ms <= ${query.toMs} ${port('open_leases')}`.execute(
      raw(db),
    );
    return [
      ...closed.rows.map((r): LeaseCandidate => ({
        open: false,
        ...commonFromRow(r),
        endMs: Number(r.end_ms),
        endEstimated: r.end_estimated === 1,
      })),
      ...open.rows.map((r): LeaseCandidate => ({ open: true, ...openFromRow(r) })),
    ];
  },

  async candidatesInWindows(db, windows) {
    const found: LeaseCandidate[][] = windows.map(() => []);
    if (windows.length === 0) return found;
    const { rows: present } = await sql<{ length: number }>`select length from lease_prefix_lengths
      union select length from lease_spans`.execute(raw(db));
    const lengths = present.map((r) => r.length);
    // One row per (window, covering prefix): [window, key, prefix length, from, to], read once into a table of
    // its own; then, as in `candidates`, one probe per span class present for that length (1000 * 2^span is
    // spanReachMs in SQL).
    const probes: [number, string, number, number, number][] = [];
    windows.forEach((w, i) => {
      const address = parsePrefix(w.address);
      if (!address) return;
      for (const key of coveringKeys(address, lengths))
        probes.push([i, key.toString('hex'), key[0]!, w.fromMs, w.toMs]);
    });
    // In key order, each probe lands next to the one before it in the index.
    probes.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    const { rows } = await sql<Row & { w: number; open: number }>`
      with p as materialized (
        select value ->> 0 as w, unhex(value ->> 1) as key, value ->> 2 as length, value ->> 3 as from_ms,
          value ->> 4 as to_ms
        from json_each(${JSON.stringify(probes)}))
      select p.w, 0 as open, ${sql.raw(qualified('l', SELECT_COMMON))}, l.end_ms, l.end_estimated,
        null as last_seen_ms, null as expires_ms, null as interim_s
      from p cross join lease_spans s cross join leases l
      where s.length = p.length and l.key = p.key and l.span = s.span and l.end_ms >= p.from_ms
        and l.end_ms <= p.to_ms + 1000 * (1 << s.span) and l.start_ms <= p.to_ms
      union all
      select p.w, 1, ${sql.raw(qualified('o', SELECT_COMMON))}, null, null, o.last_seen_ms, o.expires_ms, o.interim_s
      from p cross join open_leases o
      where o.key = p.key and o.start_ms <= p.to_ms`.execute(raw(db));
    for (const r of rows) {
      found[r.w]!.push(
        r.open === 1
          ? { open: true, ...openFromRow(r) }
          : { open: false, ...commonFromRow(r), endMs: Number(r.end_ms), endEstimated: r.end_estimated === 1 },
      );
    }
    return found;
  },

  async dueOpen(trx, nowMs, staleIntervals, limit) {
    const { rows } = await sql<Row>`
      select ${sql.raw(SELECT_COMMON)}, last_seen_ms, expires_ms, interim_s from open_leases
      where (expires_ms is not null and expires_ms < ${nowMs})
        or (expires_ms is null and interim_s > 0 and last_seen_ms + ${staleIntervals} * interim_s * 1000 < ${nowMs})
      limit ${limit}`.execute(raw(trx));
    return rows.map(openFromRow);
  },

  async deleteEnded(db, source, beforeMs, holds) {
    const held = JSON.stringify(holds.map((h) => [h.subject, h.fromMs, h.untilMs]));
    const bySource = source === undefined ? sql`` : sql`and source = ${source}`;
    const result = await sql`
      delete from leases where end_ms < ${beforeMs} ${bySource}
        and not exists (select 1 from json_each(${held}) h
          where (h.value ->> 0 = leases.address or h.value ->> 0 = leases.subscriber_key or h.value ->> 0 = leases.inside)
            and leases.start_ms <= h.value ->> 2 and leases.end_ms >= h.value ->> 1)`.execute(raw(db));
    return Number(result.numAffectedRows ?? 0);
  },

  async any(db) {
    const { rows } = await sql<{
      found: number | boolean;
    }>`select (exists (select 1 from leases) or exists (select 1 from open_leases)) as found`.execute(raw(db));
    return rows[0]?.found === true || rows[0]?.found === 1;
  },

  async counts(db) {
    const { rows } = await sql<{ source: string; open: number; closed: number; last_end: number | null }>`
      select source, sum(open) as open, sum(closed) as closed, max(last_end) as last_end from (
        select source, count(*) as open, 0 as closed, null as last_end from open_leases group by source
        union all
        select source, 0, count(*), max(end_ms) from leases group by source
      ) group by source order by source`.execute(raw(db));
    return rows.map((r) => ({
      source: r.source,
      open: Number(r.open),
      closed: Number(r.closed),
      lastEndMs: r.last_end === null ? null : Number(r.last_end),
    }));
  },
};

/** The prefix length of a row's values: the first byte of its key. */
function keyLength(values: unknown[]): number {
  return parseInt((values[KEY_COLUMN] as string).slice(0, 2), 16);
}

/** `a, b` → `l.a, l.b`. */
function qualified(table: string, columns: string): string {
  return columns
    .split(',')
    .map((c) => `${table}.${c.trim()}`)
    .join(', ');
}

/** Notes the prefix lengths of rows just written, read off their keys (whose first byte is the length). */
async function recordLengths(trx: Kysely<Database>, common: unknown[][]): Promise<void> {
  const lengths = new Set<number>();
  for (const values of common) lengths.add(keyLength(values));
  await sql`insert or ignore into lease_prefix_lengths (length)
    select value from json_each(${JSON.stringify([...lengths])})`.execute(raw(trx));
}
