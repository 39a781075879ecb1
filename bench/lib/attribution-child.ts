// One measured run of the attribution bench, in a process of its own so that its peak RSS is its own:
//   node --import tsx bench/lib/attribution-child.ts '<json AttributionJob>'
// Progress goes to stderr; the last stdout line is `RESULT <json>`. Started by bench/attribution.bench.ts.
//  - ingest: generate the lease workload batch by batch and apply each batch with applyLeaseRecords (the
//    timed part), check what the store holds against the generator, write the look-ups with their answers.
//  - lookup: run every look-up once with lookupAddress, timed one by one, and check each answer.
//  - peer: FreeRADIUS's stock radacct table (and its stock indexes) in a schema of its own, loaded with the
//    RADIUS and DHCP intervals of the same workload, and the plain query an operator would write, timed.
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import { applyLeaseRecords } from '../../src/attribute/apply-leases.js';
import { lookupAddress } from '../../src/attribute/lookup.js';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres, openSqlite, sqliteHandle, type Store } from '../../src/store/open.js';
import type { Database } from '../../src/store/schema.js';
import { LeaseWorkload } from '../gen/leases.js';
import {
  byKind,
  fmt,
  latency,
  log,
  type AttributionJob,
  type AttributionOutcome,
  type IngestOutcome,
  type LookupOutcome,
  type LookupsFile,
  type StoreSpec,
} from './attribution-jobs.js';
import { peer } from './radacct-peer.js';

async function openStore(spec: StoreSpec): Promise<Store> {
  return spec.kind === 'sqlite' ? openSqlite(spec.file) : openPostgres(spec.url, spec.schema, spec.poolSize);
}

async function count(db: Kysely<Database>, table: 'leases' | 'open_leases'): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

async function storeSize(store: Store, spec: StoreSpec): Promise<number> {
  if (spec.kind === 'sqlite') {
    sqliteHandle(store.db)!.pragma('wal_checkpoint(TRUNCATE)');
    let bytes = 0;
    for (const suffix of ['', '-wal']) {
      try {
        bytes += statSync(spec.file + suffix).size;
      } catch {
        // no WAL file
      }
    }
    return bytes;
  }
  const { rows } = await sql<{ bytes: string | number }>`select
      (select coalesce(sum(pg_total_relation_size(i.inhrelid)), 0) from pg_inherits i
        where i.inhparent = 'leases'::regclass)
      + pg_total_relation_size('open_leases') as bytes`.execute(store.db);
  return Number(rows[0]?.bytes ?? 0);
}

async function ingest(job: Extract<AttributionJob, { mode: 'ingest' }>): Promise<IngestOutcome> {
  const store = await openStore(job.store);
  try {
    await migrate(store);
    const workload = new LeaseWorkload(job.workload);
    const batchMs: number[] = [];
    const batchEvents: number[] = [];
    const applied = { events: 0, closed: 0, rejected: 0 };
    let applyMs = 0;
    let vacuums = 0;
    const started = performance.now();
    let reported = started;
    const autovacuumOff =
      job.store.kind === 'postgres' &&
      (await sql<{ autovacuum: string }>`show autovacuum`.execute(store.db)).rows[0]?.autovacuum === 'off';
    for (const batch of workload.batches()) {
      // Where autovacuum is off (as on this bench's own server), do what it would: vacuum open_leases,
      // which every batch updates and deletes from, once a fifth of its rows are dead (its default
      // threshold). Untimed: on a normal server it is autovacuum's background work, not the ingest's.
      if (autovacuumOff && batchMs.length % 20 === 0) {
        const { rows } = await sql<{ live: string; dead: string }>`
          select n_live_tup as live, n_dead_tup as dead from pg_stat_user_tables
          where relname = 'open_leases' and schemaname = current_schema()`.execute(store.db);
        if (rows[0] && Number(rows[0].dead) > 50 + 0.2 * Number(rows[0].live)) {
          await sql`vacuum open_leases`.execute(store.db);
          vacuums++;
        }
      }
      const t0 = performance.now();
      const result = await applyLeaseRecords(store.db, batch.source, batch.records, { format: batch.format });
      const dt = performance.now() - t0;
      applyMs += dt;
      batchMs.push(dt);
      batchEvents.push(batch.records.length);
      applied.events += result.events;
      applied.closed += result.closed;
      applied.rejected += result.rejected;
      if (t0 - reported > 30_000) {
        reported = t0;
        log(
          `    ${fmt(applied.events)} events applied (≈ ${((applied.events / (2 * job.workload.intervals)) * 100).toFixed(0)} %), ` +
            `${fmt(applied.events / (applyMs / 1000))} events/s so far, last batch ${dt.toFixed(0)} ms`,
        );
      }
    }
    const wallMs = performance.now() - started;
    const maxRssKiB = process.resourceUsage().maxRSS;
    const summary = workload.summary();
    const lookups = workload.lookups();
    const text = JSON.stringify({ nowMs: summary.nowMs, lookups });
    writeFileSync(job.lookupsFile, text);
    const tenth = Math.max(1, Math.floor(batchMs.length / 10));
    const rate = (from: number, to: number) => {
      let events = 0;
      let ms = 0;
      for (let i = from; i < to; i++) {
        events += batchEvents[i]!;
        ms += batchMs[i]!;
      }
      return ms > 0 ? events / (ms / 1000) : 0;
    };
    log('    counting what the store holds');
    const stored = { closed: await count(store.db, 'leases'), open: await count(store.db, 'open_leases') };
    const sizeBytes = await storeSize(store, job.store);
    const openSizeBytes =
      job.store.kind === 'postgres'
        ? Number(
            (await sql<{ b: string }>`select pg_total_relation_size('open_leases') as b`.execute(store.db)).rows[0]?.b,
          )
        : undefined;
    return {
      mode: 'ingest',
      applyMs,
      wallMs,
      perBatch: latency(batchMs),
      firstTenthEventsPerS: rate(0, tenth),
      lastTenthEventsPerS: rate(batchMs.length - tenth, batchMs.length),
      summary,
      applied,
      stored,
      sizeBytes,
      ...(openSizeBytes !== undefined && { openSizeBytes }),
      vacuums,
      maxRssKiB,
      lookupsSha256: createHash('sha256').update(text).digest('hex'),
    };
  } finally {
    await store.close();
  }
}

async function lookup(job: Extract<AttributionJob, { mode: 'lookup' }>): Promise<LookupOutcome> {
  const { nowMs, lookups } = JSON.parse(readFileSync(job.lookupsFile, 'utf8')) as LookupsFile;
  const store = await openStore(job.store);
  try {
    let vacuumMs: number | undefined;
    if (job.store.kind === 'postgres') {
      const t0 = performance.now();
      await sql`vacuum (analyze) leases, open_leases, lease_spans, lease_prefix_lengths`.execute(store.db);
      vacuumMs = performance.now() - t0;
    }
    const ms = new Float64Array(lookups.length);
    let mismatches = 0;
    let ambiguous = 0;
    const examples: string[] = [];
    let reported = performance.now();
    for (let i = 0; i < lookups.length; i++) {
      const q = lookups[i]!;
      const t0 = process.hrtime.bigint();
      const found = await lookupAddress(
        store.db,
        { address: q.address, port: q.port, atMs: q.atMs, skewMs: job.skewMs },
        { nowMs },
      );
      ms[i] = Number(process.hrtime.bigint() - t0) / 1e6;
      if (found.length > 1) ambiguous++;
      const ok =
        q.expect === null
          ? found.length === 0
          : found.some(
              (a) =>
                a.subscriberKey === q.expect &&
                (q.kind !== 'cgnat' || (a.links[0]?.kind === 'cgnat' && a.links[0].inside === q.inside)),
            );
      if (!ok) {
        mismatches++;
        if (examples.length < 5) {
          examples.push(
            `${q.kind} ${q.address}${q.port === undefined ? '' : ` port ${q.port}`} at ${new Date(q.atMs).toISOString()}: ` +
              `expected ${q.expect ?? 'none'}, got [${found.map((a) => a.subscriberKey ?? '?').join(', ')}]`,
          );
        }
      }
      if (performance.now() - reported > 30_000) {
        reported = performance.now();
        log(`    ${fmt(i + 1)} look-ups done`);
      }
    }
    return {
      mode: 'lookup',
      latency: latency(ms),
      byKind: byKind(lookups, ms, lookups.length),
      mismatches,
      examples,
      ambiguous,
      ...(vacuumMs !== undefined && { vacuumMs }),
      maxRssKiB: process.resourceUsage().maxRSS,
    };
  } finally {
    await store.close();
  }
}

async function run(job: AttributionJob): Promise<AttributionOutcome> {
  if (job.mode === 'ingest') return ingest(job);
  if (job.mode === 'lookup') return lookup(job);
  return peer(job);
}

const job = JSON.parse(process.argv[2] ?? '') as AttributionJob;
const outcome = await run(job);
process.stdout.write(`RESULT ${JSON.stringify(outcome)}\n`);
