// `npm run bench`: runs every bench/*.bench.ts in its own process, one after another, then rewrites the
// results section of bench/README.md from bench/results/*.json. The rest of the README is left alone.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeMachine } from './lib/machine.js';
import { rowsTable } from './lib/markdown.js';
import { benchDir, repoRoot } from './lib/paths.js';
import { resultFile, type BenchResult } from './lib/result.js';

const START = '<!-- results:start -->';
const END = '<!-- results:end -->';
const README = join(benchDir, 'README.md');

/** A bench's figures: this run's (or its last run's) result, or the README's own section for it, kept as it is. */
type Outcome = { name: string; result?: BenchResult; failure?: string; kept?: string };

function runBench(file: string): Outcome {
  const name = file.replace(/\.bench\.ts$/, '');
  rmSync(resultFile(name), { force: true }); // never report a previous run's numbers as this run's
  process.stdout.write(`\n=== ${name} ===\n`);
  const started = Date.now();
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(benchDir, file)], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  process.stdout.write(
    `=== ${name}: exit ${child.status ?? child.signal} after ${Math.round((Date.now() - started) / 1000)} s ===\n`,
  );
  const result = existsSync(resultFile(name))
    ? (JSON.parse(readFileSync(resultFile(name), 'utf8')) as BenchResult)
    : undefined;
  const failure = child.status === 0 ? undefined : `exited with ${child.status ?? child.signal}`;
  return { name, ...(result && { result }), ...(failure && { failure }) };
}

function section(outcomes: Outcome[]): string {
  const m = describeMachine();
  const lines = [
    `Measured ${new Date().toISOString()} (UTC) with \`npm run bench\`.`,
    '',
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM`,
    `- Node ${m.node} on ${m.os}`,
    '- Load generator, server under test and database all on this one machine, over 127.0.0.1.',
  ];
  for (const o of outcomes) {
    if (o.kept) {
      lines.push('', o.kept);
      continue;
    }
    lines.push('', `### ${o.result?.title ?? o.name} (\`bench/${o.name}.bench.ts\`)`, '');
    if (o.failure)
      lines.push(`**The bench ${o.failure}**; figures below (if any) are what it recorded before that.`, '');
    if (o.result?.rows.length) lines.push(rowsTable(o.result.rows), '');
    for (const note of o.result?.notes ?? []) lines.push(`- ${note}`);
  }
  return lines.join('\n');
}

function rewriteReadme(body: string): void {
  const readme = readFileSync(README, 'utf8');
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${README} lacks the ${START} … ${END} markers`);
  writeFileSync(README, `${readme.slice(0, start + START.length)}\n${body}\n${readme.slice(end)}`);
}

/**
 * A bench not run this time keeps the figures of its last run: its bench/results/<name>.json, or, in a checkout
 * that has none (results are not committed), its section of the README as it stands.
 */
function lastOutcome(file: string): Outcome {
  const name = file.replace(/\.bench\.ts$/, '');
  if (existsSync(resultFile(name)))
    return { name, result: JSON.parse(readFileSync(resultFile(name), 'utf8')) as BenchResult };
  const kept = readmeSection(name);
  return kept ? { name, kept } : { name, failure: 'was not run (BENCH_ONLY) and has no earlier result' };
}

/** The README's results for one bench: from its heading (which names bench/<name>.bench.ts) to the next heading. */
function readmeSection(name: string): string | undefined {
  const readme = readFileSync(README, 'utf8');
  const results = readme.slice(readme.indexOf(START), readme.indexOf(END));
  const heading = new RegExp(`^### .*\\(\`bench/${name}\\.bench\\.ts\`\\)$`, 'm').exec(results);
  if (!heading) return undefined;
  const rest = results.slice(heading.index);
  const next = rest.indexOf('\n### ');
  return (next < 0 ? rest : rest.slice(0, next)).trimEnd();
}

const benches = readdirSync(benchDir)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
// BENCH_ONLY=observe-replay,dnstap reruns only those; the README keeps the others' last figures.
const only = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
const outcomes = benches.map((f) =>
  only.length === 0 || only.includes(f.replace(/\.bench\.ts$/, '')) ? runBench(f) : lastOutcome(f),
);
rewriteReadme(section(outcomes));
process.stdout.write(`\nupdated ${README}\n`);
if (outcomes.some((o) => o.failure)) process.exitCode = 1;
