// The abuse intake bench's preparation (untimed): a fresh store given the lease history and the subscriber
// directory, and the report to import with the answers for it.
//  - 1,000,000 lease intervals (bench/gen/leases.ts: DHCP, PPPoE, CGNAT port blocks over about 90 days)
//    through applyLeaseRecords, batch by batch, while DayLeases notes who held what on the report's day;
//  - a subscriber record for every key the history names, but one in a hundred (left out on purpose:
//    events of those keys must wait as `no-subscriber-record`);
//  - the report (bench/gen/shadowserver-csv.ts) and truth.json beside it, written once: the PostgreSQL
//    run checks that it was given the same history (dayDigest) and reads the same files.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sql } from 'kysely';
import { applyLeaseRecords } from '../../src/attribute/apply-leases.js';
import type { Config } from '../../src/config/index.js';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres, openSqlite, type Store } from '../../src/store/open.js';
import { importSubscribers, type SubscriberInput } from '../../src/store/subscribers.js';
import { LeaseWorkload } from '../gen/leases.js';
import { writeSinkholeReport } from '../gen/shadowserver-csv.js';
import { DayLeases } from './abuse-day-leases.js';
import {
  fmt,
  log,
  REPORT_DAY_MS,
  REPORT_FILE,
  TRUTH_FILE,
  type AbuseJob,
  type PrepareOutcome,
  type StoreSpec,
} from './abuse-jobs.js';

const DAY_MS = 86_400_000;
const SYSTEM = { actor: { kind: 'system' as const, component: 'bench' } };

export async function openBenchStore(spec: StoreSpec): Promise<Store> {
  return spec.kind === 'sqlite' ? openSqlite(spec.file) : openPostgres(spec.url, spec.schema, spec.poolSize);
}

/** The same store as the config's `data_dir` and `database` say it: how the intake's reading thread opens it. */
export function storeConfig(spec: StoreSpec): Pick<Config, 'data_dir' | 'database'> {
  return spec.kind === 'sqlite'
    ? { data_dir: dirname(spec.file), database: { url: `sqlite:${spec.file}`, schema: 'public', pool_size: 1 } }
    : { data_dir: tmpdir(), database: { url: spec.url, schema: spec.schema, pool_size: 2 } };
}

/** The subscriber record a key stands for: `S000123`, or none for one key in a hundred. */
export function subscriberDirectory(keys: Iterable<string>): Map<string, string | undefined> {
  const sorted = [...keys].sort();
  const ids = new Map<string, string | undefined>();
  sorted.forEach((key, i) => ids.set(key, i % 100 === 37 ? undefined : `S${String(i + 1).padStart(6, '0')}`));
  return ids;
}

export async function prepare(job: Extract<AbuseJob, { mode: 'prepare' }>): Promise<PrepareOutcome> {
  const store = await openBenchStore(job.store);
  try {
    await migrate(store);
    const w = job.workload;
    const workload = new LeaseWorkload({
      intervals: w.leases,
      lookups: 0,
      batchEvents: w.leaseBatch,
      skewMs: w.skewMs,
      seed: w.seed,
    });
    const day = new DayLeases(REPORT_DAY_MS, REPORT_DAY_MS + DAY_MS);
    const postgres = job.store.kind === 'postgres';
    const autovacuumOff =
      postgres && (await sql<{ autovacuum: string }>`show autovacuum`.execute(store.db)).rows[0]?.autovacuum === 'off';
    let applyMs = 0;
    let batches = 0;
    let events = 0;
    let vacuums = 0;
    const started = performance.now();
    let reported = started;
    for (const batch of workload.batches()) {
      day.observe(batch);
      // Where autovacuum is off, do what it would for open_leases, which every batch updates and deletes from.
      if (autovacuumOff && batches % 20 === 0 && (await vacuumDue(store))) {
        await sql`vacuum open_leases`.execute(store.db);
        vacuums++;
      }
      const t0 = performance.now();
      const applied = await applyLeaseRecords(store.db, batch.source, batch.records, { format: batch.format });
      applyMs += performance.now() - t0;
      if (applied.rejected > 0) throw new Error(`${applied.rejected} lease records rejected`);
      batches++;
      events += batch.records.length;
      if (performance.now() - reported > 30_000) {
        reported = performance.now();
        log(`    ${fmt(events)} lease events applied, ${fmt(events / (applyMs / 1000))}/s`);
      }
    }
    const leaseWallMs = performance.now() - started;
    const lease = workload.summary();
    day.finish(lease.nowMs);
    if (lease.pools.dhcpAddresses >= 254 * 4095 || lease.pools.pppoeAddresses >= 254 * 16383)
      throw new Error('the pools reach the addresses kept unused for the report');

    log(`    ${fmt(day.keys.size)} subscriber keys → the directory`);
    const directory = subscriberDirectory(day.keys.keys());
    const t0 = performance.now();
    let chunk: SubscriberInput[] = [];
    let subscribers = 0;
    for (const [key, id] of directory) {
      if (id === undefined) continue;
      chunk.push({
        id,
        name: `Subscriber ${id}`,
        email: `${id.toLowerCase()}@example.jp`,
        phone: null,
        address: null,
        contract: null,
        keys: [{ kind: day.keys.get(key)!, value: key }],
      });
      subscribers++;
      if (chunk.length === 1000) {
        await importSubscribers(store.db, SYSTEM, chunk, 'bench');
        chunk = [];
      }
    }
    await importSubscribers(store.db, SYSTEM, chunk, 'bench');
    const subscriberMs = performance.now() - t0;
    // The planner needs statistics for the look-ups (autovacuum may be off, as on this bench's server).
    if (postgres)
      await sql`vacuum (analyze) leases, open_leases, lease_spans, lease_prefix_lengths, subscribers, subscriber_keys`.execute(
        store.db,
      );

    const dayDigest = createHash('sha256')
      .update(JSON.stringify([day.holders, day.gaps]))
      .digest('hex');
    const outcome: PrepareOutcome = {
      mode: 'prepare',
      leaseApplyMs: applyMs,
      leaseWallMs,
      lease,
      subscribers,
      keysWithoutRecord: directory.size - subscribers,
      subscriberMs,
      dayDigest,
      holders: day.holders.length,
      gaps: day.gaps.length,
      vacuums,
    };
    if (job.writeReport) {
      log(`    writing the report: ${fmt(w.rows)} rows`);
      const t1 = performance.now();
      const truth = await writeSinkholeReport(join(job.dir, REPORT_FILE), {
        rows: w.rows,
        dayMs: REPORT_DAY_MS,
        seed: w.seed,
        skewMs: w.skewMs,
        holders: day.holders,
        gaps: day.gaps,
        subscriberOf: (key) => directory.get(key),
        // Of the ISP's prefixes but never handed out: the top of the DHCP and PPPoE pools' ranges.
        unused: [
          ...Array.from({ length: 254 }, (_, i) => `10.15.255.${i + 1}`),
          ...Array.from({ length: 254 }, (_, i) => `100.127.255.${i + 1}`),
        ],
        // TEST-NET-1: not the ISP's.
        outside: Array.from({ length: 126 }, (_, i) => `192.0.2.${i + 129}`),
        sampleSize: w.sampleSize,
      });
      outcome.reportMs = performance.now() - t1;
      writeFileSync(join(job.dir, TRUTH_FILE), JSON.stringify(truth));
      const { sample: _sample, eventsPerSubscriber, ...counts } = truth;
      outcome.truth = { ...counts, cases: Object.keys(eventsPerSubscriber).length };
    }
    return outcome;
  } finally {
    await store.close();
  }
}

async function vacuumDue(store: Store): Promise<boolean> {
  const { rows } = await sql<{ live: string; dead: string }>`
    select n_live_tup as live, n_dead_tup as dead from pg_stat_user_tables
    where relname = 'open_leases' and schemaname = current_schema()`.execute(store.db);
  return rows[0] !== undefined && Number(rows[0].dead) > 50 + 0.2 * Number(rows[0].live);
}
