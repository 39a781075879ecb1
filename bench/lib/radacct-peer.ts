// The attribution bench's peer: FreeRADIUS's stock radacct table (and the indexes its schema.sql creates) in a
// schema of its own, loaded with the RADIUS and DHCP intervals of the same seeded workload, and the plain query
// an operator would write, timed for a bounded sample of the same look-ups. Run by attribution-child.ts.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { LeaseEvent } from '../../src/domain/lease.js';
import { LeaseWorkload, type TruthLookup } from '../gen/leases.js';
import { Random } from '../gen/random.js';
import {
  byKind,
  fmt,
  latency,
  log,
  type AttributionJob,
  type LookupsFile,
  type PeerOutcome,
} from './attribution-jobs.js';

/** The radacct table and the index statements that are in force (not commented out) in FreeRADIUS's schema.sql. */
function radacctStatements(schemaSql: string): { table: string; indexes: string[] } {
  const text = schemaSql.replace(/\/\*[\s\S]*?\*\//g, '').replace(/--[^\n]*/g, '');
  const table = /CREATE TABLE(?: IF NOT EXISTS)? radacct \([\s\S]*?\n\);/i.exec(text)?.[0];
  if (!table) throw new Error('no CREATE TABLE radacct in the FreeRADIUS schema');
  const indexes = [...text.matchAll(/CREATE (?:UNIQUE )?INDEX [^;]*? ON radacct\b[^;]*;/gi)].map((m) => m[0]);
  return { table, indexes };
}

const RADACCT_INSERT = `insert into radacct (acctsessionid, acctuniqueid, username, nasipaddress, nasportid, nasporttype,
    acctstarttime, acctupdatetime, acctstoptime, acctsessiontime, acctauthentic, acctinputoctets, acctoutputoctets,
    callingstationid, acctterminatecause, servicetype, framedprotocol, framedipaddress, delegatedipv6prefix)
  select * from unnest($1::text[], $2::text[], $3::text[], $4::inet[], $5::text[], $6::text[], $7::timestamptz[],
    $8::timestamptz[], $9::timestamptz[], $10::bigint[], $11::text[], $12::bigint[], $13::bigint[], $14::text[],
    $15::text[], $16::text[], $17::text[], $18::inet[], $19::inet[])`;

type RadacctRow = {
  acct: string;
  unique: string;
  username: string;
  nas: string;
  portId: string | null;
  portType: string;
  start: number;
  framed: string;
  delegated: string | null;
  mac: string;
  ppp: boolean;
};

const TERMINATE = ['User-Request', 'Lost-Carrier', 'Idle-Timeout', 'Session-Timeout', 'NAS-Request', 'Port-Error'];
const DHCP_SERVER = '198.18.1.1';

/** Collects radacct rows (one per RADIUS session, v4 and /56 together; one per DHCP lease) as the events go by. */
class RadacctRows {
  private readonly open = new Map<string, RadacctRow>();
  private columns: unknown[][] = Array.from({ length: 19 }, () => []);
  rows = 0;
  private readonly rng = new Random(0x7adacc7);

  add(source: string, e: LeaseEvent): void {
    if (source === 'cgnat') return;
    const ppp = source === 'radius';
    const key = ppp ? e.session.split('/').slice(0, 2).join('/') : e.session;
    if (e.action === 'start') {
      if (ppp && e.address.includes(':')) {
        this.open.get(key)!.delegated = e.address;
        return;
      }
      const acct = ppp ? e.session.split('/')[1]! : `DHCP${e.session.split('/').pop()!}`;
      this.open.set(key, {
        acct,
        unique: createHash('md5').update(key).digest('hex'),
        username: e.subscriberKey!,
        nas: e.nas ?? DHCP_SERVER,
        portId: e.detail?.nasportid ?? null,
        portType: ppp ? 'Virtual' : 'Ethernet',
        start: e.at,
        framed: e.address,
        delegated: null,
        mac: e.detail?.callingstationid ?? e.subscriberKey!,
        ppp,
      });
      return;
    }
    if (e.action !== 'stop' || (ppp && e.address.includes(':'))) return;
    const row = this.open.get(key);
    if (!row) throw new Error(`stop without a start: ${e.session}`);
    this.open.delete(key);
    this.push(row, e.at);
  }

  /** Sessions without a stop: open rows (acctstoptime null). */
  finish(): void {
    for (const row of this.open.values()) this.push(row, undefined);
    this.open.clear();
  }

  get pending(): number {
    return this.columns[0]!.length;
  }

  take(): unknown[][] {
    const out = this.columns;
    this.columns = Array.from({ length: 19 }, () => []);
    return out;
  }

  private push(r: RadacctRow, stop: number | undefined): void {
    const seconds = stop === undefined ? null : Math.round((stop - r.start) / 1000);
    const bytes = seconds === null ? 0 : seconds * this.rng.between(100, 200_000);
    const values = [
      r.acct,
      r.unique,
      r.username,
      r.nas,
      r.portId,
      r.portType,
      new Date(r.start).toISOString(),
      new Date(stop ?? r.start).toISOString(),
      stop === undefined ? null : new Date(stop).toISOString(),
      seconds,
      'RADIUS',
      Math.round(bytes / 8),
      bytes,
      r.mac,
      stop === undefined ? null : r.ppp ? this.rng.pick(TERMINATE) : 'Lost-Service',
      r.ppp ? 'Framed-User' : null,
      r.ppp ? 'PPP' : null,
      r.framed,
      r.delegated,
    ];
    for (let i = 0; i < values.length; i++) this.columns[i]!.push(values[i]);
    this.rows++;
  }
}

const PEER_Q4 = `select username from radacct where framedipaddress = $1 and acctstarttime <= $2
  and (acctstoptime is null or acctstoptime > $2)`;
const PEER_Q6 = `select username from radacct where delegatedipv6prefix >>= $1::inet and acctstarttime <= $2
  and (acctstoptime is null or acctstoptime > $2)`;

/** What the peer asks: the inside address for a CGNAT look-up (radacct has no port blocks), else the address. */
function peerQuery(q: TruthLookup): { text: string; values: [string, string] } {
  const address = q.kind === 'cgnat' ? q.inside! : q.address;
  return { text: address.includes(':') ? PEER_Q6 : PEER_Q4, values: [address, new Date(q.atMs).toISOString()] };
}

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] };
function planText(node: PlanNode): string {
  const on = node['Index Name']
    ? ` using ${node['Index Name']}`
    : node['Relation Name']
      ? ` on ${node['Relation Name']}`
      : '';
  const children = (node.Plans ?? []).map(planText);
  return `${node['Node Type']}${on}${children.length ? ` → ${children.join(', ')}` : ''}`;
}

export async function peer(job: Extract<AttributionJob, { mode: 'peer' }>): Promise<PeerOutcome> {
  const { table, indexes } = radacctStatements(readFileSync(job.schemaSql, 'utf8'));
  const client = new pg.Client({ connectionString: job.url, options: `-c search_path=${job.schema}` });
  await client.connect();
  try {
    await client.query(`create schema if not exists "${job.schema}"`);
    await client.query(table);
    for (const statement of indexes) await client.query(statement);

    // The same workload again (seeded), its RADIUS and DHCP intervals as radacct rows.
    log('    loading radacct (not timed)');
    const started = performance.now();
    const workload = new LeaseWorkload(job.workload);
    const rows = new RadacctRows();
    let inFlight: Promise<unknown> | undefined;
    const send = async () => {
      await inFlight;
      inFlight = client.query(RADACCT_INSERT, rows.take());
    };
    let reported = started;
    for (const batch of workload.batches()) {
      for (const e of batch.records) rows.add(batch.source, e);
      if (rows.pending >= 20_000) await send();
      if (performance.now() - reported > 30_000) {
        reported = performance.now();
        log(`    ${fmt(rows.rows)} radacct rows so far`);
      }
    }
    rows.finish();
    await send();
    await inFlight;
    await client.query('vacuum (analyze) radacct');
    const loadMs = performance.now() - started;
    const summary = workload.summary();
    const expectedRows = summary.byKind.dhcp + summary.byKind.pppoe;
    const stored = Number((await client.query<{ n: string }>('select count(*) as n from radacct')).rows[0]?.n);
    const sizeBytes = Number(
      (await client.query<{ b: string }>(`select pg_total_relation_size('radacct') as b`)).rows[0]?.b,
    );

    const { lookups } = JSON.parse(readFileSync(job.lookupsFile, 'utf8')) as LookupsFile;
    const sample = lookups.slice(0, job.maxLookups);
    const plans: Record<string, number> = {};
    for (const q of sample) {
      const query = peerQuery(q);
      const explained = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>({
        text: `explain (format json) ${query.text}`,
        values: query.values,
      });
      const plan = planText(explained.rows[0]!['QUERY PLAN'][0].Plan);
      plans[plan] = (plans[plan] ?? 0) + 1;
    }

    log(`    timing the plain query (up to ${sample.length} look-ups or ${job.maxSeconds} s)`);
    const ms = new Float64Array(sample.length);
    let done = 0;
    let mismatches = 0;
    const examples: string[] = [];
    const deadline = performance.now() + job.maxSeconds * 1000;
    let stoppedBy: 'count' | 'time' = 'count';
    for (const q of sample) {
      if (performance.now() >= deadline) {
        stoppedBy = 'time';
        break;
      }
      const query = peerQuery(q);
      const t0 = process.hrtime.bigint();
      const result = await client.query<{ username: string | null }>(query);
      ms[done++] = Number(process.hrtime.bigint() - t0) / 1e6;
      const names = result.rows.map((r) => r.username);
      const ok = q.expect === null ? names.length === 0 : names.includes(q.expect);
      if (!ok) {
        mismatches++;
        if (examples.length < 5)
          examples.push(
            `${q.kind} ${query.values[0]} at ${query.values[1]}: expected ${q.expect ?? 'none'}, got [${names.join(', ')}]`,
          );
      }
    }
    return {
      mode: 'peer',
      rows: stored,
      expectedRows,
      loadMs,
      sizeBytes,
      indexes: indexes.map((s) => /INDEX (\w+)/i.exec(s)?.[1] ?? s),
      plans,
      latency: latency(ms.subarray(0, done)),
      byKind: byKind(sample, ms, done),
      stoppedBy,
      mismatches,
      examples,
      summary,
    };
  } finally {
    await client.end();
  }
}
