// The system-under-test half of the matching bench, in a process of its own (run with --expose-gc):
//   node --expose-gc --import tsx bench/lib/match-child.ts '<json MatchJob>'
// Loads the indicators, builds the matcher, streams the query log through it, writes the numbers of the
// lines that matched to `matchedOut` (Int32 little-endian) for the parent to judge, then times raw
// lookups on names held in memory. Prints one line `RESULT <json MatchOutcome>`.
import { readFileSync, writeFileSync } from 'node:fs';
import { buildMatcher, type MatcherItem } from '../../src/match/matcher.js';
import { scanQueryNames } from './query-names.js';

export type MatchJob = {
  indicators: string;
  log: string;
  matchedOut: string;
  /** Raw lookups to time, over `sampleNames` names taken from the start of the log, split into `rounds`. */
  lookups: number;
  rounds: number;
  sampleNames: number;
};

export type MatchOutcome = {
  loadMs: number;
  buildMs: number;
  /** Heap the matcher (with its indicator records) holds, measured after a full GC. */
  indexHeapMiB: number;
  counts: { domains: number };
  streamMs: number;
  lines: number;
  matches: number;
  /** Peak RSS in KiB after build and stream (before the lookup sample is loaded). */
  maxRssKiB: number;
  /** Each round times lookups / rounds calls; `ms` per round, in the order run. */
  lookups: { calls: number; names: number; hits: number; ms: number[] };
};

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const heapMiB = () => {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

async function run(job: MatchJob): Promise<MatchOutcome> {
  const heapBefore = heapMiB();
  let started = performance.now();
  const items: MatcherItem<number>[] = [];
  const text = readFileSync(job.indicators, 'latin1');
  for (let pos = 0, n = 0; pos < text.length; n++) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = text.length;
    if (nl > pos) items.push({ indicator: { type: 'domain', value: text.slice(pos, nl) }, ref: n });
    pos = nl + 1;
  }
  const loadMs = performance.now() - started;

  started = performance.now();
  const matcher = buildMatcher(items);
  const buildMs = performance.now() - started;
  items.length = 0;
  const indexHeapMiB = heapMiB() - heapBefore;

  // The measured pass: every line's query name through matcher.domain().
  let matched = new Int32Array(1 << 16);
  let matches = 0;
  started = performance.now();
  const lines = await scanQueryNames(job.log, (name, line) => {
    if (matcher.domain(name) !== undefined) {
      if (matches === matched.length) {
        const grown = new Int32Array(matched.length * 2);
        grown.set(matched);
        matched = grown;
      }
      matched[matches++] = line;
    }
  });
  const streamMs = performance.now() - started;
  const maxRssKiB = process.resourceUsage().maxRSS;
  writeFileSync(job.matchedOut, matched.subarray(0, matches));

  // Raw lookups: names from the start of the log (the same mix of hits and misses), copied out of the
  // chunk they were read from so that each is a flat string of its own, as a decoder would hand it over.
  const names: string[] = [];
  await scanQueryNames(job.log, (name) => names.push(Buffer.from(name, 'latin1').toString('latin1')), job.sampleNames);
  const lookup = (calls: number): number => {
    let hits = 0;
    for (let done = 0; done < calls;) {
      const n = Math.min(names.length, calls - done);
      for (let i = 0; i < n; i++) if (matcher.domain(names[i] as string) !== undefined) hits++;
      done += n;
    }
    return hits;
  };
  lookup(Math.min(job.lookups, names.length)); // warm-up, not timed
  // Several timed rounds, so that a stall (GC, another process on the cores) shows as one slow round.
  const perRound = Math.ceil(job.lookups / job.rounds);
  const roundMs: number[] = [];
  let hits = 0;
  for (let r = 0; r < job.rounds; r++) {
    started = performance.now();
    hits += lookup(perRound);
    roundMs.push(performance.now() - started);
  }

  return {
    loadMs,
    buildMs,
    indexHeapMiB,
    counts: { domains: matcher.counts.domains },
    streamMs,
    lines,
    matches,
    maxRssKiB,
    lookups: { calls: perRound * job.rounds, names: names.length, hits, ms: roundMs },
  };
}

const job = JSON.parse(process.argv[2] ?? '') as MatchJob;
const outcome = await run(job);
process.stdout.write(`RESULT ${JSON.stringify(outcome)}\n`);
