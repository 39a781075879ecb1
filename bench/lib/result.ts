import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir } from './paths.js';

/** One load run: one workload, one server, one load generator. */
export type Row = {
  workload: string;
  server: string;
  tool: string;
  connections: number;
  durationS: number;
  /** Mean requests per second over the measured run. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Responses outside 2xx (wrk: outside 2xx/3xx). */
  non2xx: number;
  /** Completed requests. */
  requests: number;
};

/** What a bench writes to bench/results/<name>.json and run.ts turns into README tables. */
export type BenchResult = {
  name: string;
  title: string;
  rows: Row[];
  /** Lines shown under the table: skipped targets, integrity checks, anything a reader should know. */
  notes: string[];
};

export function resultFile(name: string): string {
  return join(benchDir, 'results', `${name}.json`);
}

export function writeResult(result: BenchResult): string {
  const file = resultFile(result.name);
  mkdirSync(join(benchDir, 'results'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
