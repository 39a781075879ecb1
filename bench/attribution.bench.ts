// Attribution: 10,000,000 lease intervals (DHCP churn, PPPoE sessions with delegated /56s, CGNAT port blocks)
// ingested into SQLite and into PostgreSQL through applyLeaseRecords, then 100,000 random look-ups through
// lookupAddress, each timed and checked against the generator's truth; beside the same look-ups as the plain
// query an operator would run on FreeRADIUS's stock radacct table, with its stock indexes, in the same
// PostgreSQL. Each run is a process of its own. See bench/README.md.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DEFAULT_SKEW_MS } from '../src/attribute/lookup.js';
import type {
  AttributionJob,
  AttributionOutcome,
  IngestOutcome,
  Latency,
  LookupOutcome,
  PeerOutcome,
  StoreSpec,
  WorkloadSpec,
} from './lib/attribution-jobs.js';
import { Cleanup } from './lib/cleanup.js';
import { summariseProfile } from './lib/cpuprofile.js';
import { benchDir, repoRoot } from './lib/paths.js';
import { dropSchema, postgresReachable } from './lib/postgres.js';
import { settings } from './lib/settings.js';
import { seconds, showCell, writeTableResult, type Cell, type Measurement } from './lib/table-result.js';

const INTERVALS = wholeNumber(process.env.BENCH_ATTRIBUTION_INTERVALS, 10_000_000);
const LOOKUPS = wholeNumber(process.env.BENCH_ATTRIBUTION_LOOKUPS, 100_000);
const BATCH_EVENTS = wholeNumber(process.env.BENCH_ATTRIBUTION_BATCH, 10_000);
const PEER_LOOKUPS = wholeNumber(process.env.BENCH_ATTRIBUTION_PEER_LOOKUPS, 200);
const PEER_SECONDS = wholeNumber(process.env.BENCH_ATTRIBUTION_PEER_SECONDS, 60);
/** When set, every Mizugiwa run is profiled (`node --cpu-prof`) into this directory and its top costs printed. */
const PROFILE_DIR = process.env.BENCH_ATTRIBUTION_PROFILE_DIR;
const SEED = 0x1ea5e5;
const GOAL_P99_MS = 2;
const GOAL_RATIO = 100;
/** Past this an ingest is reported as too slow for the default size (the issue asks for 10M on both stores). */
const SLOW_INGEST_MS = 30 * 60_000;
const RADACCT_SCHEMA = '/etc/freeradius/3.0/mods-config/sql/main/postgresql/schema.sql';
const CHILD_TIMEOUT_MS = 6 * 3600_000;
const POOL_SIZE = 10;

const cleanup = new Cleanup();
const rows: Measurement[] = [];
const notes: string[] = [];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mib = (bytes: number) => `${fmt(bytes / 2 ** 20)} MiB`;
const pgSafeUrl = settings.postgresUrl.replace(/:[^:@/]*@/, ':***@');

function wholeNumber(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a whole number ≥ 1, got "${raw}"`);
  return n;
}

function fail(note: string): void {
  notes.push(note);
  process.exitCode = 1;
}

/** Runs one child to its end; its stderr (progress) is passed through, its last `RESULT` line parsed. */
function runChild<T extends AttributionOutcome>(job: AttributionJob, label: string): Promise<T> {
  const flags = PROFILE_DIR && job.mode !== 'peer' ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  const child = spawn(
    process.execPath,
    [...flags, '--import', 'tsx', join(benchDir, 'lib', 'attribution-child.ts'), JSON.stringify(job)],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  cleanup.add(`stop ${label}`, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    process.stdout.write(chunk);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`${label} exited ${code ?? signal}:\n${stderr.slice(-3000)}`));
      else resolve(JSON.parse(line.slice('RESULT '.length)) as T);
    });
  });
}

function printProfiles(label: string): void {
  if (!PROFILE_DIR || !existsSync(PROFILE_DIR)) return;
  const files = readdirSync(PROFILE_DIR).filter((f) => f.endsWith('.cpuprofile'));
  for (const f of files) {
    const file = join(PROFILE_DIR, f);
    const s = summariseProfile(file);
    if (s.functions.length < 50) continue; // the tsx loader thread's
    process.stdout.write(`  profile ${label}: ${file} (${(s.wallMs / 1000).toFixed(1)} s); top self time:\n`);
    for (const fn of s.functions.slice(0, 15))
      process.stdout.write(
        `  ${fn.selfMs.toFixed(0).padStart(7)} ms ${((fn.selfMs / s.wallMs) * 100).toFixed(1).padStart(5)} %  ${fn.name}\n`,
      );
    rmSync(file);
  }
}

const STORE_LABEL = { sqlite: 'mizugiwa → SQLite', postgres: 'mizugiwa → PostgreSQL' } as const;

function ingestRow(kind: StoreSpec['kind'], o: IngestOutcome): Measurement {
  return {
    workload: `ingest: applyLeaseRecords, batches of ${fmt(BATCH_EVENTS)} events`,
    store: STORE_LABEL[kind],
    items: `${fmt(o.summary.intervals)} intervals (${fmt(o.summary.events)} events)`,
    wallS: o.applyMs / 1000,
    perS: o.summary.intervals / (o.applyMs / 1000),
    p50: o.perBatch.p50Ms,
    p99: o.perBatch.p99Ms,
    max: o.perBatch.maxMs,
    rssMiB: o.maxRssKiB / 1024,
  };
}

function lookupRow(workload: string, store: string, l: Latency, rssKiB: number | null): Measurement {
  return {
    workload,
    store,
    items: `${fmt(l.count)} look-ups`,
    wallS: l.totalMs / 1000,
    perS: l.count / (l.totalMs / 1000),
    p50: l.p50Ms,
    p99: l.p99Ms,
    max: l.maxMs,
    rssMiB: rssKiB === null ? null : rssKiB / 1024,
  };
}

function kindBreakdown(byKind: Partial<Record<string, Latency>>): string {
  return Object.entries(byKind)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, l]) => `${kind} ${fmt(l!.count)}: ${ms(l!.p50Ms)} / ${ms(l!.p99Ms)}`)
    .join('; ');
}

function ms(value: Cell): string {
  if (typeof value !== 'number') return showCell(value);
  return value < 1 ? value.toFixed(3) : value < 10 ? value.toFixed(2) : value < 1000 ? value.toFixed(1) : fmt(value);
}

/** Ingest, then look-ups, on one store; the results of both, or undefined after a failure noted. */
async function runStore(
  store: StoreSpec,
  workload: WorkloadSpec,
  lookupsFile: string,
): Promise<{ ingest: IngestOutcome; lookup: LookupOutcome } | undefined> {
  const name = store.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  process.stdout.write(`  ingest → ${name}\n`);
  const ingest = await runChild<IngestOutcome>({ mode: 'ingest', store, workload, lookupsFile }, `ingest ${name}`);
  printProfiles(`ingest ${name}`);
  rows.push(ingestRow(store.kind, ingest));
  const s = ingest.summary;
  const open = Object.values(s.openByKind).reduce((a, b) => a + b, 0);
  const consistent =
    ingest.stored.open === open && ingest.stored.closed === s.intervals - open && ingest.applied.rejected === 0;
  const line =
    `${name} ingest: ${fmt(s.intervals / (ingest.applyMs / 1000))} intervals/s (${fmt(s.events / (ingest.applyMs / 1000))} events/s) ` +
    `over ${(ingest.applyMs / 1000).toFixed(0)} s inside applyLeaseRecords (${(ingest.wallMs / 1000).toFixed(0)} s with generating the batches); ` +
    `${fmt(ingest.firstTenthEventsPerS)} events/s over the first tenth of the batches, ${fmt(ingest.lastTenthEventsPerS)} over the last. ` +
    `Stored ${fmt(ingest.stored.closed)} closed intervals and ${fmt(ingest.stored.open)} open sessions against the generator's ` +
    `${fmt(s.intervals - open)} and ${fmt(open)} — ${consistent ? 'consistent' : '**MISMATCH**'}; ${mib(ingest.sizeBytes)} on disk ` +
    `(${store.kind === 'sqlite' ? 'the database file after a checkpoint' : `leases partitions and open_leases with their indexes; open_leases alone ${mib(ingest.openSizeBytes ?? 0)} for ${fmt(ingest.stored.open)} live rows`}).` +
    (ingest.vacuums > 0
      ? ` Autovacuum is off on this server, so the run vacuumed open_leases in its place ${fmt(ingest.vacuums)} times, whenever a fifth of its rows were dead (autovacuum's default threshold), outside the timed batches.`
      : '');
  if (consistent) notes.push(line);
  else fail(line);
  if (ingest.applyMs > SLOW_INGEST_MS)
    notes.push(
      `${name} ingest took ${(ingest.applyMs / 60_000).toFixed(1)} min, over the ${SLOW_INGEST_MS / 60_000} min this bench ` +
        `expects per store at ${fmt(INTERVALS)} intervals.`,
    );

  process.stdout.write(`  look-ups → ${name}\n`);
  const lookup = await runChild<LookupOutcome>(
    { mode: 'lookup', store, lookupsFile, skewMs: workload.skewMs },
    `look-ups ${name}`,
  );
  printProfiles(`look-ups ${name}`);
  rows.push(
    lookupRow('look-ups: lookupAddress, one at a time', STORE_LABEL[store.kind], lookup.latency, lookup.maxRssKiB),
  );
  const checked =
    `${name} look-ups: ${fmt(lookup.latency.count)} answers checked against the generator, ${fmt(lookup.mismatches)} wrong` +
    `${lookup.examples.length ? ` (${lookup.examples.join('; ')})` : ''}; ${fmt(lookup.ambiguous)} returned more than one ` +
    `candidate (a neighbouring interval within the ${workload.skewMs / 1000} s skew). p50 / p99 ms by kind: ${kindBreakdown(lookup.byKind)}` +
    `${lookup.vacuumMs === undefined ? '' : `. VACUUM (ANALYZE) of the lease tables before them (not timed): ${(lookup.vacuumMs / 1000).toFixed(1)} s`}.`;
  if (lookup.mismatches === 0) notes.push(checked);
  else fail(checked);
  return { ingest, lookup };
}

async function autovacuum(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: settings.postgresUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return (await client.query<{ autovacuum: string }>('show autovacuum')).rows[0]?.autovacuum;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  process.stdout.write(
    `attribution: ${fmt(INTERVALS)} intervals, ${fmt(LOOKUPS)} look-ups, batches of ${fmt(BATCH_EVENTS)} events\n`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-bench-attribution-'));
  cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  const workload: WorkloadSpec = {
    intervals: INTERVALS,
    lookups: LOOKUPS,
    batchEvents: BATCH_EVENTS,
    skewMs: DEFAULT_SKEW_MS,
    seed: SEED,
  };
  let sqlite: Awaited<ReturnType<typeof runStore>>;
  let postgres: Awaited<ReturnType<typeof runStore>>;
  let peer: PeerOutcome | undefined;
  try {
    const sqliteFile = join(dir, 'mizugiwa.db');
    sqlite = await runStore({ kind: 'sqlite', file: sqliteFile }, workload, join(dir, 'lookups-sqlite.json'));
    // Free the disk (and the page cache) for the next runs.
    for (const suffix of ['', '-wal', '-shm']) rmSync(sqliteFile + suffix, { force: true });
    const pgDir = dir;

    const reachable = await postgresReachable(settings.postgresUrl);
    if (reachable) {
      const schema = `bench_attribution_${process.pid}_${Date.now()}`;
      cleanup.add(`drop schema ${schema}`, () => dropSchema(settings.postgresUrl, schema));
      postgres = await runStore(
        { kind: 'postgres', url: settings.postgresUrl, schema, poolSize: POOL_SIZE },
        workload,
        join(pgDir, 'lookups.json'),
      );
      // Free the disk and the page cache for the peer's table.
      await dropSchema(settings.postgresUrl, schema);
      if (sqlite && postgres && sqlite.ingest.lookupsSha256 !== postgres.ingest.lookupsSha256)
        fail(
          'The SQLite and PostgreSQL runs generated different look-ups: the workload is not deterministic — **MISMATCH**.',
        );
    } else {
      notes.push(`PostgreSQL and the radacct peer skipped: not reachable at ${pgSafeUrl}.`);
    }

    if (reachable && !existsSync(RADACCT_SCHEMA)) {
      notes.push(
        `radacct peer skipped: ${RADACCT_SCHEMA} not found (Debian package freeradius-postgresql: apt-get install freeradius-postgresql).`,
      );
    } else if (reachable && postgres) {
      process.stdout.write('  peer: FreeRADIUS radacct, plain query\n');
      const schema = `bench_radacct_${process.pid}_${Date.now()}`;
      cleanup.add(`drop schema ${schema}`, () => dropSchema(settings.postgresUrl, schema));
      peer = await runChild<PeerOutcome>(
        {
          mode: 'peer',
          url: settings.postgresUrl,
          schema,
          schemaSql: RADACCT_SCHEMA,
          workload,
          lookupsFile: join(pgDir, 'lookups.json'),
          maxLookups: PEER_LOOKUPS,
          maxSeconds: PEER_SECONDS,
        },
        'radacct peer',
      );
      await dropSchema(settings.postgresUrl, schema);
      rows.push(
        lookupRow(
          'peer: `select username from radacct where framedipaddress = $1 and acctstarttime <= $2 and (acctstoptime is null or acctstoptime > $2)`',
          'FreeRADIUS radacct → PostgreSQL',
          peer.latency,
          null,
        ),
      );
    }
  } finally {
    await cleanup.run();
  }

  // Goals first, then what the figures rest on.
  const goals: string[] = [];
  const stores = [
    ['SQLite', sqlite],
    ['PostgreSQL', postgres],
  ] as const;
  const measured = stores.filter(([, r]) => r !== undefined);
  if (measured.length > 0) {
    const met = measured.length === 2 && measured.every(([, r]) => r!.lookup.latency.p99Ms < GOAL_P99_MS);
    goals.push(
      `Goal (issue): look-up p99 under ${GOAL_P99_MS} ms on both stores — **${met ? 'met' : 'not met'}**: ` +
        measured
          .map(([name, r]) => `${name} p99 ${ms(r!.lookup.latency.p99Ms)} ms (p50 ${ms(r!.lookup.latency.p50Ms)})`)
          .join(', ') +
        (measured.length < 2 ? ' (PostgreSQL not measured)' : '') +
        '.',
    );
  }
  if (peer && postgres) {
    const m = postgres.lookup.latency;
    const p50 = peer.latency.p50Ms / m.p50Ms;
    const p99 = peer.latency.p99Ms / m.p99Ms;
    const tput = peer.latency.meanMs / m.meanMs;
    const ratios = [p50, p99, tput];
    const verdict =
      peer.mismatches > 0 || ratios.every((r) => r < GOAL_RATIO)
        ? 'not met'
        : ratios.every((r) => r >= GOAL_RATIO)
          ? 'met'
          : `met at ${[p50 >= GOAL_RATIO && 'p50', p99 >= GOAL_RATIO && 'p99', tput >= GOAL_RATIO && 'look-ups/s']
              .filter(Boolean)
              .join(' and ')}, not at ${[
              p50 < GOAL_RATIO && 'p50',
              p99 < GOAL_RATIO && 'p99',
              tput < GOAL_RATIO && 'look-ups/s',
            ]
              .filter(Boolean)
              .join(' or ')}`;
    goals.push(
      `Goal (issue): at least ${GOAL_RATIO}× faster than the query on the stock radacct schema — **${verdict}**: ` +
        `${fmt(p50)}× at p50 (${ms(peer.latency.p50Ms)} ms against ${ms(m.p50Ms)} ms), ${fmt(p99)}× at p99 ` +
        `(${ms(peer.latency.p99Ms)} against ${ms(m.p99Ms)} ms), ${fmt(tput)}× in look-ups per second; same PostgreSQL.`,
    );
  }
  notes.unshift(...goals);
  if (sqlite ?? postgres) {
    const s = (sqlite ?? postgres)!.ingest.summary;
    const open = s.openByKind;
    notes.push(
      `Workload (\`bench/gen/leases.ts\`, seeded): ${fmt(s.intervals)} intervals over ${((s.nowMs - s.startMs) / 86_400_000).toFixed(1)} days ` +
        `(${new Date(s.startMs).toISOString().slice(0, 10)} → ${new Date(s.nowMs).toISOString().slice(0, 16)}Z, "now"), ` +
        `${fmt(s.events)} events in ${fmt(s.batches)} batches: DHCP leases ${fmt(s.byKind.dhcp)} (MAC keys, ${fmt(s.pools.dhcpAddresses)} addresses of 10.0.0.0/12, ` +
        `lease times 1–24 h, 40 % released early), PPPoE sessions ${fmt(s.byKind.pppoe)} (RADIUS user names, ${fmt(s.pools.pppoeAddresses)} addresses of 100.64.0.0/10, ` +
        `minutes to 14 days) plus ${fmt(s.byKind['pppoe-v6'])} delegated /56s of dual-stack sessions, CGNAT port blocks ${fmt(s.byKind.cgnat)} ` +
        `(256 ports on ${s.pools.publicAddresses} addresses of 203.0.113.0/24 and 198.51.100.0/24, held by the 100.64/10 address of ` +
        `${fmt(s.sessionsBehindCgnat)} PPPoE sessions for part of their life; at most ${fmt(s.maxBlocksInUse)} blocks in use at once). ` +
        `Open at "now": ${fmt(open.dhcp)} DHCP, ${fmt(open.pppoe)} PPPoE, ${fmt(open['pppoe-v6'])} /56, ${fmt(open.cgnat)} blocks. ` +
        `Each interval is a start and (unless open) a stop event, in time order per source (dhcp, radius, cgnat), so nearly every ` +
        `session's start and stop land in different batches: the stop reloads the open row, moves it to the closed table and deletes it.`,
      `Look-ups: ${fmt(LOOKUPS)}, shuffled — 90 % at a random time inside a random interval (a random address inside a /56, a random ` +
        `port inside a block), 5 % in a gap between two holders of an address or port block (more than the skew from either), 5 % ` +
        `for addresses nobody held (172.16/12, 2001:db8:ffff::/48, 192.0.2.0/24 with a port). A hit is right when the holder's key ` +
        `is among the candidates (for a block: through the cgnat link to the right inside address); a miss when there are none. ` +
        `One at a time on one connection (pool of ${POOL_SIZE} on PostgreSQL), skew ${DEFAULT_SKEW_MS / 1000} s, timed with ` +
        `process.hrtime around each lookupAddress call; look-ups/s = count / the sum of their times.`,
    );
  }
  if (peer) {
    const s = peer.summary;
    const check =
      `The radacct answers: ${fmt(peer.mismatches)} wrong of ${fmt(peer.latency.count)}` +
      `${peer.examples.length ? ` (${peer.examples.join('; ')})` : ''}.`;
    const line =
      `Peer: FreeRADIUS 3's stock PostgreSQL schema (${RADACCT_SCHEMA}): the radacct table with its stock indexes ` +
      `(${peer.indexes.join(', ')}, plus the primary key and the unique acctuniqueid) — none on framedipaddress. Loaded (not timed, ` +
      `${(peer.loadMs / 1000).toFixed(0)} s) with ${fmt(peer.rows)} rows (expected ${fmt(peer.expectedRows)}): one per PPPoE session ` +
      `(framedipaddress, and delegatedipv6prefix for the ${fmt(s.dualStackSessions)} dual-stack ones) and one per DHCP lease ` +
      `(username = MAC), then VACUUM (ANALYZE); ${mib(peer.sizeBytes)} with indexes (pg_total_relation_size). ` +
      `Its plans (EXPLAIN of each sampled query): ${Object.entries(peer.plans)
        .map(([plan, n]) => `${plan} ×${n}`)
        .join('; ')}. The first ${fmt(PEER_LOOKUPS)} of the same shuffled look-ups, stopped after ` +
      `${peer.stoppedBy === 'time' ? `${PEER_SECONDS} s` : `${fmt(peer.latency.count)}`} (${fmt(peer.latency.count)} done): an IPv6 ` +
      `address asks \`delegatedipv6prefix >>= $1\` instead; radacct has no port blocks, so a CGNAT look-up asks it for the inside ` +
      `address the block led to — the CGNAT step is left out for the peer, which only makes its task easier. ` +
      `p50 / p99 ms by kind: ${kindBreakdown(peer.byKind)}. ${check}`;
    if (peer.mismatches === 0 && peer.rows === peer.expectedRows) notes.push(line);
    else fail(`${line} **MISMATCH**`);
  }
  if (postgres) {
    const av = await autovacuum();
    notes.push(
      `PostgreSQL at ${pgSafeUrl}, same server for Mizugiwa and the peer, each in a fresh schema dropped afterwards` +
        `${av === 'off' ? '; autovacuum is off on this server, so both runs VACUUM (ANALYZE) their tables before the look-ups (untimed), as autovacuum would have by then' : '; both runs VACUUM (ANALYZE) their tables before the look-ups (untimed)'}. ` +
        `Peak RSS is that of the Node process doing the run (process.resourceUsage().maxRSS), generator included for ingest.`,
    );
  }

  writeTableResult({
    name: 'attribution',
    title:
      'Attribution: 10M lease intervals, ingest and look-ups on SQLite and PostgreSQL, beside a FreeRADIUS radacct query',
    caption:
      'per second: intervals/s for ingest (time inside applyLeaseRecords), look-ups/s otherwise; p50 / p99 / max: per look-up, or for ingest per batch (one applyLeaseRecords call).',
    columns: [
      { key: 'workload', label: 'workload' },
      { key: 'store', label: 'run by' },
      { key: 'items', label: 'input', right: true },
      { key: 'wallS', label: 'wall s', right: true, show: seconds },
      { key: 'perS', label: 'per second', right: true },
      { key: 'p50', label: 'p50 ms', right: true, show: ms },
      { key: 'p99', label: 'p99 ms', right: true, show: ms },
      { key: 'max', label: 'max ms', right: true, show: ms },
      { key: 'rssMiB', label: 'peak RSS MiB', right: true },
    ],
    rows,
    notes,
  });
}

await main();
