// Abuse intake: a generated 1,000,000-row Shadowserver event4_sinkhole report imported end to end —
// receiveReport (evidence, parse, each batch attributed against 1,000,000 lease intervals — look-ups, subscriber
// keys, cases — and inserted), then attributeNewEvents (whatever is left `new`) — on SQLite and on PostgreSQL, each run a process of its own; rows per
// second over the whole and per phase, and peak RSS against the size of the file. Every outcome is checked
// against the generator's answers. See bench/README.md.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SKEW_MS } from '../src/attribute/lookup.js';
import { OUTCOMES } from './gen/shadowserver-csv.js';
import {
  AGGREGATION_DAYS,
  OWN_PREFIXES,
  REPORT_FILE,
  type AbuseJob,
  type AbuseOutcome,
  type AbuseWorkloadSpec,
  type IntakeOutcome,
  type PartsOutcome,
  type PrepareOutcome,
  type StoreSpec,
} from './lib/abuse-jobs.js';
import { checkPassed } from './lib/abuse-intake.js';
import { Cleanup } from './lib/cleanup.js';
import { benchDir, repoRoot } from './lib/paths.js';
import { dropSchema, postgresReachable } from './lib/postgres.js';
import { settings } from './lib/settings.js';
import { seconds, writeTableResult, type Cell, type Measurement } from './lib/table-result.js';

const ROWS = wholeNumber(process.env.BENCH_ABUSE_ROWS, 1_000_000);
const LEASES = wholeNumber(process.env.BENCH_ABUSE_LEASES, 1_000_000);
const STORES = (process.env.BENCH_ABUSE_STORES ?? 'sqlite,postgres').split(',').filter(Boolean);
/** When set, each intake child writes a V8 CPU profile here (read it with bench/lib/cpuprofile.ts). */
const PROFILE_DIR = process.env.BENCH_ABUSE_PROFILE_DIR;
const SEED = 0xab05e;
const GOAL_ROWS_PER_S = 50_000;
const GOAL_RSS_RATIO = 2;
const CHILD_TIMEOUT_MS = 3 * 3600_000;
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
function runChild<T extends AbuseOutcome>(job: AbuseJob, label: string, nodeFlags: string[] = []): Promise<T> {
  const child = spawn(
    process.execPath,
    [...nodeFlags, '--import', 'tsx', join(benchDir, 'lib', 'abuse-child.ts'), JSON.stringify(job)],
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

const STORE_LABEL = { sqlite: 'mizugiwa → SQLite', postgres: 'mizugiwa → PostgreSQL' } as const;
const NAME = { sqlite: 'SQLite', postgres: 'PostgreSQL' } as const;

function phaseRow(
  workload: string,
  kind: StoreSpec['kind'] | 'none',
  ms: number,
  totalMs: number | null,
  rssKiB: number | null,
  inputBytes: number,
): Measurement {
  return {
    workload,
    store: kind === 'none' ? 'mizugiwa (no store)' : STORE_LABEL[kind],
    rows: ROWS,
    wallS: ms / 1000,
    perS: ROWS / (ms / 1000),
    share: totalMs === null ? null : `${Math.round((ms / totalMs) * 100)} %`,
    rssMiB: rssKiB === null ? null : rssKiB / 1024,
    rssRatio: rssKiB === null ? null : `${((rssKiB * 1024) / inputBytes).toFixed(2)}×`,
  };
}

function intakeRows(kind: StoreSpec['kind'], o: IntakeOutcome): void {
  const total = o.receiveMs + o.attributeMs;
  rows.push(
    phaseRow(
      'receiveReport: evidence file, parse, each batch attributed (look-ups, subscriber keys, cases) and inserted',
      kind,
      o.receiveMs,
      total,
      o.phaseRssKiB.receive,
      o.inputBytes,
    ),
    phaseRow(
      'attributeNewEvents: the events left `new` afterwards (none expected)',
      kind,
      o.attributeMs,
      total,
      o.phaseRssKiB.attribute,
      o.inputBytes,
    ),
    phaseRow('**end to end** (the two above)', kind, total, total, o.maxRssKiB, o.inputBytes),
  );
}

function checkNote(kind: StoreSpec['kind'], o: IntakeOutcome): void {
  const c = o.check;
  const counts = OUTCOMES.map((k) => `${k} ${fmt(c.byOutcome.stored[k])} (expected ${fmt(c.byOutcome.expected[k])})`);
  const line =
    `${NAME[kind]}: report ${o.report.state}, ${fmt(o.report.events)} events, ${fmt(o.report.rejected)} rejected; ` +
    `attributeNewEvents said ${fmt(o.attribution.attributed)} attributed, ${fmt(o.attribution.unassigned)} unassigned, ` +
    `${fmt(o.attribution.casesOpened)} cases opened. Stored outcomes against the generator's: ${counts.join(', ')}; ` +
    `cases ${fmt(c.cases.stored)} (expected ${fmt(c.cases.expected)}, one per subscriber with events), ${fmt(c.cases.wrongCounts)} ` +
    `with the wrong number of events, ${fmt(c.cases.extra)} unexpected, ${fmt(c.cases.wrongSubscriber)} events in another ` +
    `subscriber's case, ${fmt(c.attributedWithoutCase)} attributed without a case; ${fmt(c.sampled)} sampled rows checked one by one ` +
    `(address, port, time, outcome, subscriber, case): ${fmt(c.sampleWrong)} wrong` +
    (c.examples.length ? ` (${c.examples.join('; ')})` : '') +
    ` — ${checkPassed(c) ? 'consistent' : '**MISMATCH**'}.`;
  if (checkPassed(c)) notes.push(line);
  else fail(line);
}

async function runStore(
  spec: StoreSpec,
  workload: AbuseWorkloadSpec,
  dir: string,
  writeReport: boolean,
): Promise<{ prepared: PrepareOutcome; intake: IntakeOutcome }> {
  const name = NAME[spec.kind];
  process.stdout.write(
    `  prepare ${name}: ${fmt(LEASES)} lease intervals, subscribers${writeReport ? ', the report' : ''}\n`,
  );
  const prepared = await runChild<PrepareOutcome>(
    { mode: 'prepare', store: spec, workload, dir, writeReport },
    `prepare ${name}`,
  );
  process.stdout.write(`  intake ${name}: ${fmt(ROWS)} rows\n`);
  const dataDir = join(dir, `data-${spec.kind}`);
  mkdirSync(dataDir, { recursive: true });
  const intake = await runChild<IntakeOutcome>(
    { mode: 'intake', store: spec, dir, dataDir, skewMs: workload.skewMs },
    `intake ${name}`,
    PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [],
  );
  rmSync(dataDir, { recursive: true, force: true });
  intakeRows(spec.kind, intake);
  checkNote(spec.kind, intake);
  return { prepared, intake };
}

async function main(): Promise<void> {
  const workload: AbuseWorkloadSpec = {
    leases: LEASES,
    rows: ROWS,
    seed: SEED,
    skewMs: DEFAULT_SKEW_MS,
    leaseBatch: 10_000,
    sampleSize: 20_000,
  };
  const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-bench-abuse-'));
  cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  const results: Partial<Record<StoreSpec['kind'], { prepared: PrepareOutcome; intake: IntakeOutcome }>> = {};
  let parts: PartsOutcome | undefined;
  let report: PrepareOutcome | undefined;
  try {
    for (const kind of STORES) {
      if (kind !== 'sqlite' && kind !== 'postgres') throw new Error(`BENCH_ABUSE_STORES: unknown store ${kind}`);
      let spec: StoreSpec;
      if (kind === 'sqlite') spec = { kind, file: join(dir, 'sqlite', 'mizugiwa.db') };
      else {
        if (!(await postgresReachable(settings.postgresUrl))) {
          notes.push(`PostgreSQL skipped: not reachable at ${pgSafeUrl}.`);
          continue;
        }
        const schema = `bench_abuse_${process.pid}_${Date.now()}`;
        cleanup.add(`drop schema ${schema}`, () => dropSchema(settings.postgresUrl, schema));
        spec = { kind, url: settings.postgresUrl, schema, poolSize: POOL_SIZE };
      }
      const result = await runStore(spec, workload, dir, report === undefined);
      report ??= result.prepared;
      if (result.prepared.dayDigest !== report.dayDigest)
        fail(`${NAME[kind]} was given another lease history than the report was drawn from — **MISMATCH**.`);
      results[kind] = result;
      if (kind === 'sqlite') rmSync(join(dir, 'sqlite'), { recursive: true, force: true });
      else if (spec.kind === 'postgres') await dropSchema(settings.postgresUrl, spec.schema);
      if (!parts) {
        process.stdout.write('  parts: evidence and parse alone\n');
        const dataDir = join(dir, 'data-parts');
        parts = await runChild<PartsOutcome>({ mode: 'parts', dir, dataDir }, 'parts');
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    await cleanup.run();
  }
  if (parts) {
    rows.push(
      phaseRow('storeEvidence alone: hash and copy the file', 'none', parts.evidenceMs, null, null, parts.inputBytes),
      phaseRow(
        'parse alone: the shadowserver format drained, each event made its row',
        'none',
        parts.parseMs,
        null,
        parts.maxRssKiB,
        parts.inputBytes,
      ),
    );
  }
  summarise(results, report, parts);
}

function summarise(
  results: Partial<Record<StoreSpec['kind'], { prepared: PrepareOutcome; intake: IntakeOutcome }>>,
  report: PrepareOutcome | undefined,
  parts: PartsOutcome | undefined,
): void {
  const goals: string[] = [];
  for (const kind of ['sqlite', 'postgres'] as const) {
    const r = results[kind];
    if (!r) continue;
    const o = r.intake;
    const rate = ROWS / ((o.receiveMs + o.attributeMs) / 1000);
    const ratio = (o.maxRssKiB * 1024) / o.inputBytes;
    const met = [rate >= GOAL_ROWS_PER_S, ratio < GOAL_RSS_RATIO];
    goals.push(
      `Goal (issue) on ${NAME[kind]}: at least ${fmt(GOAL_ROWS_PER_S)} rows/s and peak RSS under ${GOAL_RSS_RATIO}× the input — ` +
        `**${met.every(Boolean) ? 'met' : met.some(Boolean) ? `${met[0] ? 'rows/s met' : 'rows/s not met'}, ${met[1] ? 'RSS met' : 'RSS not met'}` : 'not met'}**: ` +
        `${fmt(rate)} rows/s end to end (receiveReport ${(o.receiveMs / 1000).toFixed(1)} s, attributeNewEvents ` +
        `${(o.attributeMs / 1000).toFixed(1)} s), peak RSS ${mib(o.maxRssKiB * 1024)} for a ${mib(o.inputBytes)} file (${ratio.toFixed(2)}×). ` +
        `IntelMQ documents about 20× (reference, not measured here).`,
    );
    notes.push(
      `${NAME[kind]} CPU time of the import process (user + system): receiveReport ${(o.receiveCpuMs / 1000).toFixed(1)} s, ` +
        `attributeNewEvents ${(o.attributeCpuMs / 1000).toFixed(1)} s, against ${(o.receiveMs / 1000).toFixed(1)} s and ` +
        `${(o.attributeMs / 1000).toFixed(1)} s of wall time` +
        (kind === 'postgres' ? ' (the server does its share on the other core)' : '') +
        '.',
    );
    const p = r.prepared;
    notes.push(
      `${NAME[kind]} setup (untimed): ${fmt(p.lease.intervals)} lease intervals (${fmt(p.lease.events)} events) through ` +
        `applyLeaseRecords in ${(p.leaseApplyMs / 1000).toFixed(0)} s, ${fmt(p.subscribers)} subscribers with their keys in ` +
        `${(p.subscriberMs / 1000).toFixed(0)} s` +
        (kind === 'postgres'
          ? `, then VACUUM (ANALYZE) of the lease and subscriber tables${p.vacuums ? ` (and ${p.vacuums} vacuums of open_leases during the load: autovacuum is off on this server)` : ''}`
          : '') +
        '.',
    );
  }
  notes.unshift(...goals);
  const t = report?.truth;
  if (report && t) {
    const s = report.lease;
    notes.push(
      `Workload: \`bench/gen/shadowserver-csv.ts\` (seeded) writes ${REPORT_FILE}: ${fmt(t.rows)} rows, ${mib(t.bytes)}, ` +
        `the 33 columns of the real report, rows in time order over the day. Sources: ${fmt(t.byKind.dhcp)} DHCP, ` +
        `${fmt(t.byKind.pppoe)} PPPoE and ${fmt(t.byKind.cgnat)} CGNAT rows (public address and a port inside the block) from ` +
        `${fmt(t.infectedKeys)} infected subscribers — 30 % of the keys online that day, each at a lognormal beacon rate of ` +
        `its own, through ${fmt(t.eligibleHolders)} of the ${fmt(report.holders)} intervals held that day — plus ` +
        `${fmt(t.byKind.gap)} rows in gaps between holders, ${fmt(t.byKind.unused)} from addresses of the prefixes never ` +
        `handed out, ${fmt(t.byKind.outside)} from outside the prefixes (${OWN_PREFIXES.join(', ')}). Times keep more than ` +
        `the skew (${DEFAULT_SKEW_MS / 1000} s) + 2 s from every interval's edge, so no row is ambiguous. Expected: ` +
        `${OUTCOMES.map((k) => `${k} ${fmt(t.byOutcome[k])}`).join(', ')}; ${fmt(t.cases)} cases (aggregation window ` +
        `${AGGREGATION_DAYS} days: one per subscriber). Lease history: \`bench/gen/leases.ts\` with ${fmt(s.intervals)} ` +
        `intervals over ${((s.nowMs - s.startMs) / 86_400_000).toFixed(1)} days (the attribution bench's generator); ` +
        `${fmt(report.subscribers)} subscriber records, one per key, ${fmt(report.keysWithoutRecord)} keys left without one.`,
    );
  }
  if (parts) {
    notes.push(
      `Without a store: storeEvidence (SHA-256 while copying to data_dir/evidence) ${fmt(parts.inputBytes / 2 ** 20 / (parts.evidenceMs / 1000))} MiB/s; ` +
        `the parser with eventRow ${fmt(parts.events / (parts.parseMs / 1000))} rows/s, ${fmt(parts.rejected)} rejected — ` +
        `the floor under receiveReport's time.`,
    );
  }
  notes.push(
    `Each run is a process of its own (setup, import, parts), started fresh; peak RSS is process.resourceUsage().maxRSS ` +
      `of the import process at the end of each phase. rows/s = ${fmt(ROWS)} / wall time of the phase. ` +
      `PostgreSQL at ${pgSafeUrl}, in a fresh schema dropped afterwards; SQLite in a temp dir.`,
  );
  writeTableResult({
    name: 'abuse-intake',
    title: `Abuse intake: a ${fmt(ROWS)}-row Shadowserver event4_sinkhole report, attributed against ${fmt(LEASES)} leases and grouped into cases`,
    caption:
      'rows/s: report rows over the wall time of the step; share: of the end-to-end time; peak RSS: the import process’s peak by the end of the step; RSS ÷ input: that over the file size.',
    columns: [
      { key: 'workload', label: 'workload' },
      { key: 'store', label: 'run by' },
      { key: 'rows', label: 'rows', right: true },
      { key: 'wallS', label: 'wall s', right: true, show: seconds },
      { key: 'perS', label: 'rows/s', right: true },
      { key: 'share', label: 'share', right: true },
      { key: 'rssMiB', label: 'peak RSS MiB', right: true },
      { key: 'rssRatio', label: 'RSS ÷ input', right: true, show: (v: Cell) => (v === null ? '—' : String(v)) },
    ],
    rows,
    notes,
  });
}

await main();
