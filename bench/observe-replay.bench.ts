// Observation end to end: `mizugiwa observe replay` of a 5,000,000-line BIND query log against
// 1,000,000 domain indicators held in the store — read, parse and match in worker threads, sum into
// sightings, write them with the file position — beside `grep -F -c -f` on the same two files, which
// only counts lines (and counts wrong). The replay runs twice: once as it runs after an import (which
// leaves the indicators compiled on disk), and once with that file removed. The replay's counts are checked against the generator's truth
// and against the sightings it wrote. See bench/README.md.
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SNAPSHOT_FILE } from '../src/match/indicator-snapshot.js';
import { writeQueryLog } from './gen/query-log.js';
import { Cleanup } from './lib/cleanup.js';
import { repoRoot } from './lib/paths.js';
import { spawnTimed } from './lib/spawn-timed.js';
import { seconds, writeTableResult, type Measurement } from './lib/table-result.js';

const LINES = wholeNumber(process.env.BENCH_OBSERVE_LINES, 5_000_000);
const INDICATORS = wholeNumber(process.env.BENCH_OBSERVE_INDICATORS, 1_000_000);
const GOAL_RATIO = 4;
const GREP = '/usr/bin/grep';
const GNU_TIME = '/usr/bin/time';
const BIN = join(repoRoot, 'bin', 'mizugiwa.js');
const TIMEOUT_MS = 30 * 60_000;

const cleanup = new Cleanup();
const rows: Measurement[] = [];
const notes: string[] = [];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function wholeNumber(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a whole number ≥ 1, got "${raw}"`);
  return n;
}

function env(dataDir: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MIZUGIWA_')) out[k] = v;
  return { ...out, MIZUGIWA_DATA_DIR: dataDir, MIZUGIWA_LOG_LEVEL: 'warn', LC_ALL: 'C' };
}

/** Runs the CLI under GNU time (peak RSS) when it is there. */
async function mizugiwa(dataDir: string, args: string[], label: string) {
  const timed = existsSync(GNU_TIME);
  const [command, argv] = timed
    ? [GNU_TIME, ['-f', 'MAXRSS %M', process.execPath, BIN, ...args]]
    : [process.execPath, [BIN, ...args]];
  const run = await spawnTimed(command, argv, {
    cwd: repoRoot,
    env: env(dataDir),
    timeoutMs: TIMEOUT_MS,
    label,
    cleanup,
  });
  if (run.code !== 0) throw new Error(`${label} exited ${run.code}:\n${run.stderr.slice(-3000)}`);
  const rssKiB = Number(/MAXRSS (\d+)/.exec(run.stderr)?.[1] ?? NaN);
  return { ...run, rssMiB: Number.isFinite(rssKiB) ? rssKiB / 1024 : null };
}

async function main(): Promise<void> {
  process.stdout.write(`observe replay: ${fmt(INDICATORS)} domain indicators, ${fmt(LINES)} query-log lines\n`);
  const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-bench-observe-'));
  cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  try {
    const files = { indicators: join(dir, 'indicators.txt'), log: join(dir, 'query.log') };
    const truth = writeQueryLog(files.indicators, files.log, { indicators: INDICATORS, lines: LINES });
    const dataDir = join(dir, 'data');
    process.stdout.write(`  generated; importing the indicators (not timed)\n`);
    await mizugiwa(
      dataDir,
      ['intel', 'import', files.indicators, '--format', 'plain', '--type', 'domain', '--source', 'bench', '--json'],
      'intel import',
    );

    // A second data directory as the import left it, without the compiled indicators the import
    // wrote: what the first replay after an upgrade, or with a read-only data directory, costs.
    const coldDir = join(dir, 'data-cold');
    cpSync(dataDir, coldDir, { recursive: true });
    rmSync(join(coldDir, SNAPSHOT_FILE));

    const replayOnce = async (data: string, how: string) => {
      process.stdout.write(`  mizugiwa observe replay (${how})\n`);
      const run = await mizugiwa(
        data,
        ['observe', 'replay', files.log, '--format', 'bind-querylog', '--timezone', 'UTC', '--json'],
        'observe replay',
      );
      const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
        lines: number;
        matches: number;
        sightings: number;
        rejected: number;
      };
      const db = new Database(join(data, 'mizugiwa.db'), { readonly: true });
      const stored = db.prepare('select coalesce(sum(count), 0) as n, count(*) as rows from sightings').get() as {
        n: number;
        rows: number;
      };
      db.close();
      const exact =
        result.matches === truth.matchLines.length && stored.n === truth.matchLines.length && result.lines === LINES;
      rows.push({
        workload: `\`mizugiwa observe replay --format bind-querylog\`: start, ${how}, parse, match, sum, store`,
        tool: 'mizugiwa',
        items: `${fmt(result.lines)} lines`,
        wallS: run.wallMs / 1000,
        perS: result.lines / (run.wallMs / 1000),
        matches: result.matches,
        rssMiB: run.rssMiB,
      });
      notes.push(
        `Mizugiwa's counts (${how}): ${fmt(result.matches)} matching lines against ${fmt(truth.matchLines.length)} true ones; the ` +
          `${fmt(stored.rows)} sighting rows it wrote add up to ${fmt(stored.n)} — ${exact ? 'exact' : '**NOT EXACT**'}; ` +
          `${fmt(result.rejected)} lines dead-lettered.`,
      );
      if (!exact) process.exitCode = 1;
      return { run, exact };
    };
    const { run, exact } = await replayOnce(
      dataDir,
      `read the ${fmt(INDICATORS)} indicators compiled by the import (${SNAPSHOT_FILE})`,
    );
    const cold = await replayOnce(coldDir, `compile the ${fmt(INDICATORS)} indicators from the store first`);

    if (existsSync(GREP)) {
      process.stdout.write(`  peer: grep -F -c -f\n`);
      const grepArgs = ['-F', '-c', '-f', files.indicators, files.log];
      const timed = existsSync(GNU_TIME);
      const [command, argv] = timed ? [GNU_TIME, ['-f', 'MAXRSS %M', GREP, ...grepArgs]] : [GREP, grepArgs];
      const g = await spawnTimed(command, argv, {
        cwd: repoRoot,
        env: { ...process.env, LC_ALL: 'C' },
        timeoutMs: TIMEOUT_MS,
        label: 'grep',
        cleanup,
      });
      if (g.code !== 0 && g.code !== 1) throw new Error(`grep exited ${g.code}: ${g.stderr.slice(-2000)}`);
      const count = Number(g.stdout.trim());
      const rssKiB = Number(/MAXRSS (\d+)/.exec(g.stderr)?.[1] ?? NaN);
      rows.push({
        workload: 'peer: `grep -F -c -f indicators.txt query.log`, LC_ALL=C (counts lines only)',
        tool: 'GNU grep',
        items: `${fmt(LINES)} lines`,
        wallS: g.wallMs / 1000,
        perS: LINES / (g.wallMs / 1000),
        matches: count,
        rssMiB: Number.isFinite(rssKiB) ? rssKiB / 1024 : null,
      });
      const ratio = g.wallMs / run.wallMs;
      const coldRatio = g.wallMs / cold.run.wallMs;
      notes.unshift(
        `Without the compiled indicators (the first replay after an upgrade; \`intel import\`, \`intel fetch\` and \`serve\` write them after every change): ` +
          `${coldRatio.toFixed(1)}× (${(cold.run.wallMs / 1000).toFixed(1)} s), ${cold.exact ? 'exact' : '**NOT EXACT**'}.`,
      );
      notes.unshift(
        `Goal (issue): at least ${GOAL_RATIO}× faster than grep with exact counts — **${ratio >= GOAL_RATIO && exact ? 'met' : 'not met'}**: ` +
          `${ratio.toFixed(1)}× (${(run.wallMs / 1000).toFixed(1)} s against ${(g.wallMs / 1000).toFixed(1)} s); grep counted ` +
          `${fmt(count)} lines, ${fmt(count - truth.matchLines.length)} of them false positives.`,
      );
    } else notes.push(`grep peer skipped: ${GREP} not found.`);
    notes.push(
      `Workload: the matching bench's generator — ${fmt(truth.indicators)} domain indicators imported into the SQLite ` +
        `store beforehand (not timed), and a BIND query log of ${fmt(truth.lines)} lines ` +
        `(${(truth.bytes / 2 ** 20).toFixed(0)} MiB), 1 % of them asking for a listed name or a name under one, ` +
        `${fmt(truth.decoys)} decoys. Mizugiwa's wall time is the whole command, from process start to exit.`,
    );
  } finally {
    await cleanup.run();
  }

  writeTableResult({
    name: 'observe-replay',
    title: 'Observation: `observe replay` of a query log end to end, beside grep -F',
    caption:
      'matches: lines that matched (Mizugiwa: checked against the truth and the stored sightings; grep: its count).',
    columns: [
      { key: 'workload', label: 'workload' },
      { key: 'tool', label: 'run by' },
      { key: 'items', label: 'input', right: true },
      { key: 'wallS', label: 'wall s', right: true, show: seconds },
      { key: 'perS', label: 'lines per second', right: true },
      { key: 'matches', label: 'matches', right: true },
      { key: 'rssMiB', label: 'peak RSS MiB', right: true },
    ],
    rows,
    notes,
  });
}

await main();
