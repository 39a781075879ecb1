// Matching a resolver's query log against domain indicators: Mizugiwa's matcher (built from 1,000,000
// indicators, fed 5,000,000 BIND query-log lines) beside `grep -F -c -f`, the tool an operator would reach
// for, in the same run; plus raw lookups per second on names held in memory.
// See bench/README.md for what each row means.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeQueryLog, type QueryLogWorkload } from './gen/query-log.js';
import { Cleanup } from './lib/cleanup.js';
import type { MatchJob, MatchOutcome } from './lib/match-child.js';
import { benchDir, repoRoot } from './lib/paths.js';
import { spawnTimed } from './lib/spawn-timed.js';
import { seconds, writeTableResult, type Measurement } from './lib/table-result.js';

const LINES = wholeNumber(process.env.BENCH_MATCH_LINES, 5_000_000);
const INDICATORS = wholeNumber(process.env.BENCH_MATCH_INDICATORS, 1_000_000);
const LOOKUPS = wholeNumber(process.env.BENCH_MATCH_LOOKUPS, 10_000_000);
/** Names held in memory for the raw-lookup run, taken from the start of the log. */
const SAMPLE_NAMES = Math.min(LINES, 2_000_000);
/** The raw lookups are timed in this many rounds; the median round is the figure, the best is noted. */
const ROUNDS = 5;
const GOAL_LOOKUPS_PER_S = 5_000_000;
const GREP = '/usr/bin/grep';
const GNU_TIME = '/usr/bin/time';
const TIMEOUT_MS = 20 * 60_000;

const cleanup = new Cleanup();
const rows: Measurement[] = [];
const notes: string[] = [];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function log(line: string): void {
  process.stdout.write(`  ${line}\n`);
}

function wholeNumber(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a whole number ≥ 1, got "${raw}"`);
  return n;
}

/** Lines the matcher reported against the generator's truth (both ascending). */
function judge(matched: Int32Array, truth: Int32Array): { falsePositives: number; misses: number } {
  let i = 0;
  let j = 0;
  let falsePositives = 0;
  let misses = 0;
  while (i < matched.length || j < truth.length) {
    if (j >= truth.length || (i < matched.length && matched[i]! < truth[j]!)) {
      falsePositives++;
      i++;
    } else if (i >= matched.length || truth[j]! < matched[i]!) {
      misses++;
      j++;
    } else {
      i++;
      j++;
    }
  }
  return { falsePositives, misses };
}

async function ours(dir: string, files: { indicators: string; log: string }, truth: QueryLogWorkload): Promise<void> {
  const job: MatchJob = {
    ...files,
    matchedOut: join(dir, 'matched.bin'),
    lookups: LOOKUPS,
    rounds: ROUNDS,
    sampleNames: SAMPLE_NAMES,
  };
  const child = join(benchDir, 'lib', 'match-child.ts');
  const run = await spawnTimed(process.execPath, ['--expose-gc', '--import', 'tsx', child, JSON.stringify(job)], {
    cwd: repoRoot,
    timeoutMs: TIMEOUT_MS,
    label: 'matcher',
    cleanup,
  });
  const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (run.code !== 0 || !line) throw new Error(`matcher run exited ${run.code}:\n${run.stderr.slice(-3000)}`);
  const o = JSON.parse(line.slice('RESULT '.length)) as MatchOutcome;
  const bytes = readFileSync(job.matchedOut);
  const matched = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const { falsePositives, misses } = judge(matched, truth.matchLines);
  const verdict = `${fmt(falsePositives)} / ${fmt(misses)}`;
  const rssMiB = o.maxRssKiB / 1024;

  rows.push({
    workload: `build the matcher from ${fmt(INDICATORS)} domain indicators`,
    tool: 'mizugiwa buildMatcher()',
    items: `${fmt(o.counts.domains)} indicators`,
    wallS: o.buildMs / 1000,
    perS: o.counts.domains / (o.buildMs / 1000),
    matches: null,
    verdict: null,
    rssMiB: null,
  });
  rows.push({
    workload: 'match the log: stream, cut out the query name, matcher.domain()',
    tool: 'mizugiwa',
    items: `${fmt(o.lines)} lines`,
    wallS: o.streamMs / 1000,
    perS: o.lines / (o.streamMs / 1000),
    matches: o.matches,
    verdict,
    rssMiB,
  });
  const endToEndMs = o.loadMs + o.buildMs + o.streamMs;
  rows.push({
    workload: 'end to end: read indicators.txt, build, match the log',
    tool: 'mizugiwa',
    items: `${fmt(o.lines)} lines`,
    wallS: endToEndMs / 1000,
    perS: o.lines / (endToEndMs / 1000),
    matches: o.matches,
    verdict,
    rssMiB,
  });
  // The median round is the figure (a stall in one round does not move it); the best round is noted.
  const perRound = o.lookups.calls / o.lookups.ms.length;
  const sorted = [...o.lookups.ms].sort((a, b) => a - b);
  const medianMs = sorted[Math.floor(sorted.length / 2)]!;
  const lookupsPerS = perRound / (medianMs / 1000);
  const bestPerS = perRound / (sorted[0]! / 1000);
  rows.push({
    workload: 'raw lookups: matcher.domain() on names already in memory, one thread (median round)',
    tool: 'mizugiwa',
    items: `${fmt(perRound)} lookups`,
    wallS: medianMs / 1000,
    perS: lookupsPerS,
    matches: Math.round(o.lookups.hits / o.lookups.ms.length),
    verdict: null,
    rssMiB: null,
  });

  const goalMet = lookupsPerS > GOAL_LOOKUPS_PER_S;
  notes.push(
    `Goal (issue): > ${fmt(GOAL_LOOKUPS_PER_S)} raw lookups/s on one thread — **${goalMet ? 'met' : 'not met'}**: ` +
      `${fmt(lookupsPerS)}/s in the median of ${o.lookups.ms.length} rounds of ${fmt(perRound)} calls ` +
      `(best round ${fmt(bestPerS)}/s; rounds ${o.lookups.ms.map((ms) => fmt(perRound / (ms / 1000))).join(', ')}), ` +
      `cycling over ${fmt(o.lookups.names)} names from the start of the log, after one untimed warm-up pass.`,
    `Mizugiwa against the generator's truth: ${fmt(o.matches)} lines matched of ${fmt(truth.matchLines.length)} true; ` +
      `${fmt(falsePositives)} false positives, ${fmt(misses)} misses${falsePositives || misses ? ' — WRONG' : ''}. ` +
      `Reading indicators.txt took ${(o.loadMs / 1000).toFixed(2)} s; the built matcher holds ` +
      `${o.indexHeapMiB.toFixed(0)} MiB of heap (after GC); peak RSS of the matching process ${rssMiB.toFixed(0)} MiB.`,
  );
  if (falsePositives !== 0 || misses !== 0 || o.lines !== LINES) process.exitCode = 1;
}

async function grepPeer(files: { indicators: string; log: string }, truth: QueryLogWorkload): Promise<void> {
  if (!existsSync(GREP)) {
    notes.push(`grep peer skipped: ${GREP} not found.`);
    return;
  }
  const env = { ...process.env, LC_ALL: 'C' };
  const version = (
    await spawnTimed(GREP, ['--version'], { cwd: repoRoot, env, timeoutMs: 10_000, label: 'grep' })
  ).stdout
    .split('\n')[0]!
    .replace(/^grep \(GNU grep\) /, 'GNU grep ');
  const grepArgs = ['-F', '-c', '-f', files.indicators, files.log];
  // GNU time, when there, adds grep's peak RSS (%M, KiB) on stderr; the wall clock is ours either way.
  const timed = existsSync(GNU_TIME);
  const [command, args] = timed ? [GNU_TIME, ['-f', 'MAXRSS %M', GREP, ...grepArgs]] : [GREP, grepArgs];
  const run = await spawnTimed(command, args, { cwd: repoRoot, env, timeoutMs: TIMEOUT_MS, label: 'grep', cleanup });
  if (run.code !== 0 && run.code !== 1) throw new Error(`grep exited ${run.code}: ${run.stderr.slice(-2000)}`);
  const count = Number(run.stdout.trim());
  const rssKiB = Number(/MAXRSS (\d+)/.exec(run.stderr)?.[1] ?? NaN);
  const extra = count - truth.matchLines.length;
  rows.push({
    workload: 'peer: `grep -F -c -f indicators.txt query.log`, LC_ALL=C',
    tool: version,
    items: `${fmt(truth.lines)} lines`,
    wallS: run.wallMs / 1000,
    perS: truth.lines / (run.wallMs / 1000),
    matches: count,
    verdict: `${fmt(extra)} / 0`,
    rssMiB: Number.isFinite(rssKiB) ? rssKiB / 1024 : null,
  });
  notes.push(
    `grep counted ${fmt(count)} lines against ${fmt(truth.matchLines.length)} true matches: ${fmt(extra)} false ` +
      `positives (${((extra / truth.matchLines.length) * 100).toFixed(0)} % on top of the truth) — ` +
      `${fmt(truth.decoys)} decoy lines built for it, and ${fmt(extra - truth.decoys)} lines of other names that ` +
      `happen to contain a listed name. It cannot miss here (every true line holds its indicator verbatim, in ` +
      `lower case), so its count minus the truth is exactly its false positives. Its wall time includes ` +
      `compiling the ${fmt(truth.indicators)} patterns.`,
  );
}

async function main(): Promise<void> {
  process.stdout.write(`matching: ${fmt(INDICATORS)} domain indicators, ${fmt(LINES)} query-log lines\n`);
  const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-bench-match-'));
  cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  try {
    const files = { indicators: join(dir, 'indicators.txt'), log: join(dir, 'query.log') };
    const started = performance.now();
    const truth = writeQueryLog(files.indicators, files.log, { indicators: INDICATORS, lines: LINES });
    const genS = (performance.now() - started) / 1000;
    log(
      `generated ${fmt(truth.indicators)} indicators and ${fmt(truth.lines)} lines (${(truth.bytes / 2 ** 20).toFixed(0)} MiB) ` +
        `in ${genS.toFixed(1)} s: ${fmt(truth.matchLines.length)} true matches, ${fmt(truth.decoys)} decoys`,
    );
    log('mizugiwa: build, match, raw lookups');
    await ours(dir, files, truth);
    log('peer: grep -F -c -f');
    await grepPeer(files, truth);
    notes.unshift(
      `Workload: ${fmt(truth.indicators)} domain indicators (2–4 labels) and a BIND query log of ${fmt(truth.lines)} ` +
        `lines (${(truth.bytes / 2 ** 20).toFixed(0)} MiB; A/AAAA/HTTPS, 5,000 clients); exactly ` +
        `${fmt(truth.matchLines.length)} lines (1 %) ask for an indicator or a name under one; ` +
        `${fmt(truth.decoys)} others ask for a decoy that contains an indicator without being under it ` +
        `(\`xevil.com\`, \`evil.com.cdn.example.net\`, \`evil.comx\`). Generated in ${genS.toFixed(1)} s.`,
    );
  } finally {
    await cleanup.run();
  }

  writeTableResult({
    name: 'matching',
    title: 'Matching: a DNS query log against domain indicators, beside grep -F',
    caption:
      'false pos. / misses are counted against the generator’s list of the lines that truly match; ' +
      'peak RSS is that of the process doing the run.',
    columns: [
      { key: 'workload', label: 'workload' },
      { key: 'tool', label: 'run by' },
      { key: 'items', label: 'input', right: true },
      { key: 'wallS', label: 'wall s', right: true, show: seconds },
      { key: 'perS', label: 'per second', right: true },
      { key: 'matches', label: 'matches', right: true },
      { key: 'verdict', label: 'false pos. / misses', right: true },
      { key: 'rssMiB', label: 'peak RSS MiB', right: true },
    ],
    rows,
    notes,
  });
}

await main();
