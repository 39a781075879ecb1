// Intel ingest throughput: a generated ThreatFox CSV export (1,000,000 rows by default) parsed and written
// by ingest() into SQLite and into PostgreSQL, each in its own process (so peak RSS is per store), beside
// parsing alone, SQLite's own CSV import of the same values, and MISP's published figure.
// See bench/README.md for what each row means.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeThreatfoxCsv, type ThreatfoxWorkload } from './gen/threatfox-csv.js';
import { Cleanup } from './lib/cleanup.js';
import { summariseProfile } from './lib/cpuprofile.js';
import type { IngestJob, IngestOutcome } from './lib/ingest-child.js';
import { benchDir, repoRoot } from './lib/paths.js';
import { dropSchema, postgresReachable } from './lib/postgres.js';
import { settings } from './lib/settings.js';
import { spawnTimed } from './lib/spawn-timed.js';
import { seconds, writeTableResult, type Measurement } from './lib/table-result.js';

const ROWS = wholeNumber(process.env.BENCH_INGEST_ROWS, 1_000_000);
/** When set, the SQLite run is profiled (`node --cpu-prof`) into this directory and its top costs printed. */
const PROFILE_DIR = process.env.BENCH_INGEST_PROFILE_DIR;
const GOAL_ROWS_PER_S = 200_000;
const GOAL_RSS_KIB = 1024 * 1024;
const SQLITE3 = '/usr/bin/sqlite3';
const GNU_TIME = '/usr/bin/time';
/** A run that takes longer than this is killed: at 1,000 rows/s a million rows would still finish. */
const CHILD_TIMEOUT_MS = 30 * 60_000;
// MISP/MISP#9092 (2023): "one 43,000 attribute event took 2 minutes and 6 seconds to ingest".
const MISP = { attributes: 43_000, seconds: 126 };

const cleanup = new Cleanup();
const rows: Measurement[] = [];
const notes: string[] = [];

function log(line: string): void {
  process.stdout.write(`  ${line}\n`);
}

function wholeNumber(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a whole number ≥ 1, got "${raw}"`);
  return n;
}

const mib = (kib: number) => kib / 1024;
const rate = (count: number, ms: number) => count / (ms / 1000);

async function runChild(job: IngestJob, label: string, nodeFlags: string[] = []): Promise<IngestOutcome> {
  const child = join(benchDir, 'lib', 'ingest-child.ts');
  const run = await spawnTimed(process.execPath, [...nodeFlags, '--import', 'tsx', child, JSON.stringify(job)], {
    cwd: repoRoot,
    timeoutMs: CHILD_TIMEOUT_MS,
    label,
    cleanup,
  });
  const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (run.code !== 0 || !line) throw new Error(`${label} exited ${run.code}:\n${run.stderr.slice(-3000)}`);
  return JSON.parse(line.slice('RESULT '.length)) as IngestOutcome;
}

/** Rows accepted/rejected and stored as the generator says they must be; a note either way. */
function check(label: string, outcome: IngestOutcome, workload: ThreatfoxWorkload): void {
  const r = outcome.result!;
  const s = outcome.stored!;
  const { accepted, rejected } = workload.expected;
  const ok = r.accepted === accepted && r.rejected === rejected && s.claims === accepted && s.deadLetters === rejected;
  notes.push(
    `${label}: ${r.accepted.toLocaleString('en-US')} accepted, ${r.rejected.toLocaleString('en-US')} rejected ` +
      `(generator: ${accepted.toLocaleString('en-US')} / ${rejected.toLocaleString('en-US')}); read back ` +
      `${s.claims.toLocaleString('en-US')} claims and ${s.deadLetters.toLocaleString('en-US')} dead letters; ` +
      `${r.suppressed} suppressed, ${r.flagged} flagged by allowlists — ${ok ? 'consistent' : 'MISMATCH'}.`,
  );
  if (!ok) process.exitCode = 1;
}

function ingestRow(workload: string, store: string, outcome: IngestOutcome): Measurement {
  const r = outcome.result!;
  const total = r.accepted + r.rejected;
  return {
    workload,
    tool: store,
    rows: total,
    accepted: r.accepted,
    rejected: r.rejected,
    wallS: outcome.wallMs / 1000,
    rowsPerS: rate(total, outcome.wallMs),
    peakRssMiB: mib(outcome.maxRssKiB),
  };
}

async function sqlite3Version(): Promise<string | undefined> {
  if (!existsSync(SQLITE3)) return undefined;
  const run = await spawnTimed(SQLITE3, ['--version'], {
    cwd: repoRoot,
    timeoutMs: 10_000,
    label: 'sqlite3 --version',
  });
  return run.stdout.split(' ')[0]?.trim();
}

/** SQLite's own bulk CSV import of the same values into (value, type) with UNIQUE(type, value). */
async function sqlite3Peer(dir: string, plainCsv: string, version: string, rowCount: number): Promise<void> {
  const db = join(dir, 'peer.sqlite');
  const script = [
    'PRAGMA journal_mode=WAL;',
    'PRAGMA synchronous=NORMAL;',
    'CREATE TABLE indicators(value TEXT NOT NULL, type TEXT NOT NULL, UNIQUE(type, value));',
    `.import --csv ${plainCsv} indicators`,
    'SELECT count(*) FROM indicators;',
    '',
  ].join('\n');
  // GNU time, when there, reports the peak RSS of sqlite3 itself (%M, KiB) on stderr.
  const timed = existsSync(GNU_TIME);
  const [command, args] = timed ? [GNU_TIME, ['-f', 'MAXRSS %M', SQLITE3, db]] : [SQLITE3, [db]];
  const run = await spawnTimed(command, args, {
    cwd: dir,
    input: script,
    timeoutMs: CHILD_TIMEOUT_MS,
    label: 'sqlite3',
    cleanup,
  });
  if (run.code !== 0) throw new Error(`sqlite3 .import exited ${run.code}: ${run.stderr.slice(-2000)}`);
  const imported = Number(run.stdout.trim().split('\n').pop());
  const rssKiB = Number(/MAXRSS (\d+)/.exec(run.stderr)?.[1] ?? NaN);
  rows.push({
    workload: 'peer: CSV import of the same values (value,type) into a table with UNIQUE(type,value)',
    tool: `sqlite3 ${version} \`.import --csv\``,
    rows: rowCount,
    accepted: imported,
    rejected: null,
    wallS: run.wallMs / 1000,
    rowsPerS: rate(rowCount, run.wallMs),
    peakRssMiB: Number.isFinite(rssKiB) ? mib(rssKiB) : null,
  });
  if (imported !== rowCount) {
    notes.push(`sqlite3 peer imported ${imported} of ${rowCount} rows — MISMATCH.`);
    process.exitCode = 1;
  }
}

function printProfile(dir: string): void {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  // The tsx loader thread writes a profile too; the main thread's is the one with the most samples.
  const summaries = files.map((f) => ({ file: join(dir, f), ...summariseProfile(join(dir, f)) }));
  const main = summaries.sort((a, b) => b.functions.length - a.functions.length)[0];
  if (!main) return;
  log(`profile of the SQLite run: ${main.file} (${(main.wallMs / 1000).toFixed(1)} s); top self time:`);
  for (const f of main.functions.slice(0, 15)) {
    log(
      `${f.selfMs.toFixed(0).padStart(7)} ms ${((f.selfMs / main.wallMs) * 100).toFixed(1).padStart(5)} %  ${f.name}`,
    );
  }
}

async function main(): Promise<void> {
  process.stdout.write(`intel-ingest: ${ROWS.toLocaleString('en-US')} ThreatFox CSV rows\n`);
  const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-bench-ingest-'));
  cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  try {
    const csv = join(dir, 'threatfox-full.csv');
    const plainCsv = join(dir, 'plain.csv');
    const peerVersion = await sqlite3Version();
    const started = performance.now();
    const workload = writeThreatfoxCsv(csv, ROWS, peerVersion ? plainCsv : undefined);
    const genS = (performance.now() - started) / 1000;
    log(
      `generated ${(workload.bytes / 2 ** 20).toFixed(0)} MiB in ${genS.toFixed(1)} s: ${JSON.stringify(workload.byType)}`,
    );

    log('parse only');
    const parsed = await runChild({ mode: 'parse', file: csv }, 'parse only');
    const p = parsed.parsed!;
    rows.push({
      workload: 'parse only: threatfox-csv format drained, no store',
      tool: 'mizugiwa',
      rows: p.records + p.rejected,
      accepted: p.records,
      rejected: p.rejected,
      wallS: parsed.wallMs / 1000,
      rowsPerS: rate(p.records + p.rejected, parsed.wallMs),
      peakRssMiB: mib(parsed.maxRssKiB),
    });

    log('ingest → SQLite');
    const profileFlags = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
    const sqlite = await runChild(
      { mode: 'sqlite', file: csv, dbFile: join(dir, 'mizugiwa.db') },
      'SQLite',
      profileFlags,
    );
    rmSync(join(dir, 'mizugiwa.db'), { force: true }); // free the disk before the next run
    rows.push(ingestRow('ingest(): parse, normalise, allowlist check, upsert', 'mizugiwa → SQLite', sqlite));
    check('SQLite', sqlite, workload);
    if (PROFILE_DIR) printProfile(PROFILE_DIR);

    log('store only → SQLite');
    const storeOnly = await runChild(
      { mode: 'store-only', file: csv, dbFile: join(dir, 'store-only.db') },
      'store only',
    );
    rmSync(join(dir, 'store-only.db'), { force: true });
    rows.push({
      workload: 'store only: the same claims, built beforehand, written by claimWriter (no parsing)',
      tool: 'mizugiwa → SQLite',
      rows: storeOnly.written!,
      accepted: storeOnly.written!,
      rejected: null,
      wallS: storeOnly.wallMs / 1000,
      rowsPerS: rate(storeOnly.written!, storeOnly.wallMs),
      peakRssMiB: null,
    });

    if (await postgresReachable(settings.postgresUrl)) {
      log('ingest → PostgreSQL');
      const schema = `bench_ingest_${process.pid}_${Date.now()}`;
      cleanup.add(`drop schema ${schema}`, () => dropSchema(settings.postgresUrl, schema));
      const job: IngestJob = { mode: 'postgres', file: csv, url: settings.postgresUrl, schema, poolSize: 10 };
      const pg = await runChild(job, 'PostgreSQL');
      rows.push(ingestRow('ingest(): parse, normalise, allowlist check, upsert', 'mizugiwa → PostgreSQL', pg));
      check('PostgreSQL', pg, workload);
    } else {
      const skipped = `PostgreSQL skipped: not reachable at ${settings.postgresUrl.replace(/:[^:@/]*@/, ':***@')}`;
      log(skipped);
      notes.push(`${skipped}.`);
    }

    if (peerVersion) {
      log(`peer: sqlite3 ${peerVersion} .import --csv`);
      await sqlite3Peer(dir, plainCsv, peerVersion, ROWS);
    } else {
      notes.push(`sqlite3 peer skipped: ${SQLITE3} not found (apt-get install sqlite3).`);
    }

    rows.push({
      workload: 'MISP (published: 43k-attribute URLhaus event in ~2 min)',
      tool: 'MISP 2.4 (reference, not measured here)',
      rows: MISP.attributes,
      accepted: null,
      rejected: null,
      wallS: MISP.seconds,
      rowsPerS: MISP.attributes / MISP.seconds,
      peakRssMiB: null,
    });

    const sqliteRate = rate(sqlite.result!.accepted + sqlite.result!.rejected, sqlite.wallMs);
    const met = sqliteRate >= GOAL_ROWS_PER_S && sqlite.maxRssKiB < GOAL_RSS_KIB;
    notes.unshift(
      `Goal (issue): ≥ ${GOAL_ROWS_PER_S.toLocaleString('en-US')} rows/s into SQLite with peak RSS < 1 GiB — ` +
        `**${met ? 'met' : 'not met'}**: ${Math.round(sqliteRate).toLocaleString('en-US')} rows/s ` +
        `(${((sqliteRate / GOAL_ROWS_PER_S) * 100).toFixed(0)} % of the goal), ` +
        `peak RSS ${mib(sqlite.maxRssKiB).toFixed(0)} MiB.`,
      `Workload: ${ROWS.toLocaleString('en-US')} rows (${(workload.bytes / 2 ** 20).toFixed(0)} MiB), ` +
        `${Object.entries(workload.byType)
          .map(([type, n]) => `${type} ${n.toLocaleString('en-US')}`)
          .join(', ')}; ` +
        `${workload.expected.rejected.toLocaleString('en-US')} bad rows (${Object.entries(workload.faults)
          .map(([kind, n]) => `${kind} ${n}`)
          .join(', ')}); generated in ${genS.toFixed(1)} s.`,
    );
  } finally {
    await cleanup.run();
  }

  writeTableResult({
    name: 'intel-ingest',
    title: 'Intel ingest: ThreatFox CSV export into SQLite and PostgreSQL',
    caption:
      'rows/s = (accepted + rejected) / wall time; wall time and peak RSS are those of the process doing the run.',
    columns: [
      { key: 'workload', label: 'workload' },
      { key: 'tool', label: 'run by' },
      { key: 'rows', label: 'rows', right: true },
      { key: 'accepted', label: 'accepted', right: true },
      { key: 'rejected', label: 'rejected', right: true },
      { key: 'wallS', label: 'wall s', right: true, show: seconds },
      { key: 'rowsPerS', label: 'rows/s', right: true },
      { key: 'peakRssMiB', label: 'peak RSS MiB', right: true },
    ],
    rows,
    notes,
  });
}

await main();
