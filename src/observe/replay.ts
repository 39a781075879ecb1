import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/index.js';
import type { Progress } from '../jobs/run.js';
import type { LogSink } from '../log.js';
import type { Kysely } from 'kysely';
import { compileIndicators, type CompiledIndicators } from '../match/compiled-indicators.js';
import { currentIndicators, SNAPSHOT_FILE } from '../match/indicator-snapshot.js';
import type { Database } from '../store/schema.js';
import { replayDnstapFile } from './inputs/dnstap-file.js';
import { runFileInput } from './inputs/file-input.js';
import type { ReplayFormat } from './formats.js';
import { pipelineFor } from './pipeline-for.js';
import { readLines } from './tail/index.js';

export type ReplayResult = {
  input: string;
  file: string;
  format: ReplayFormat;
  /** Lines (or dnstap frames) read in this run. */
  lines: number;
  observations: number;
  /** Observations that met at least one indicator. */
  matches: number;
  rejected: number;
  /** Sighting rows this input holds after the run (a sighting sums every match in its window). */
  sightings: number;
  /** Where this run started: a replay killed half-way goes on from the last line written, not from 0. */
  resumedFromLine: number;
  seconds: number;
};

/**
 * `observe replay`: one file (or stdin as `-`) through the same pipeline as live inputs: parse and
 * match in worker threads, sum into sightings, write them with the file position. Run again on the
 * same file, it goes on where the last run stopped (so a killed replay finishes with the same counts
 * as one that was never interrupted); a file read to its end reads nothing more.
 */
export async function replay(
  options: { file: string; format: ReplayFormat; zone?: string },
  deps: { db: Kysely<Database>; config: Config; log: LogSink; progress?: Progress },
): Promise<ReplayResult> {
  const started = performance.now();
  const stdin = options.file === '-';
  const file = stdin ? '-' : resolve(options.file);
  const input = `replay:${options.format}`;
  const db = deps.db;
  // One generation: the indicators as they stand when the replay starts, compiled once for both
  // workers (or read from the snapshot the last import wrote). The workers start (and load their
  // code) while the main thread reads them.
  const live: { compiled: CompiledIndicators; generation: number } = { compiled: compileIndicators([]), generation: 0 };
  const pipeline = pipelineFor(deps.config, { db, live, log: deps.log });
  const progress = deps.progress;
  let resumedFromLine = 0;
  try {
    const indicators = await currentIndicators(db, join(deps.config.data_dir, SNAPSHOT_FILE));
    if (indicators.problem)
      deps.log.info({ why: indicators.problem }, 'observe replay: indicators compiled from the store');
    live.compiled = indicators.compiled;
    live.generation = 1;
    if (options.format === 'dnstap') {
      if (!stdin) progress?.setTotal(statSync(file).size);
      await replayDnstapFile({
        input,
        file,
        pipeline,
        db: db,
        ...(progress && { onBytes: (n: number) => progress.advance(n) }),
      });
    } else if (stdin) {
      let line = 1;
      const format = options.format;
      await readLines(process.stdin, async (batch) => {
        await pipeline.lines({
          input,
          format,
          zone: options.zone ?? '',
          origin: 'stdin',
          stream: 'stdin',
          firstLine: line,
          data: batch.data,
        });
        line += batch.lines;
        progress?.advance(batch.data.byteLength);
      });
    } else {
      progress?.setTotal(statSync(file).size);
      await runFileInput(
        { name: input, format: options.format, path: file, zone: options.zone ?? '', follow: false, fromEnd: false },
        {
          db: db,
          pipeline,
          log: deps.log,
          onEvent: (event) => {
            if (event.type === 'opened' && event.path === file) {
              resumedFromLine = event.line;
              progress?.set(event.offset);
            }
          },
          onBatch: (batch) => progress?.advance(batch.to.offset - batch.from.offset),
        },
      );
    }
    await pipeline.drain();
  } finally {
    await pipeline.close();
  }
  const s = pipeline.status().find((x) => x.input === input);
  const row = await db
    .selectFrom('sightings')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('input', '=', input)
    .executeTakeFirstOrThrow();
  return {
    input,
    file,
    format: options.format,
    lines: s?.units ?? 0,
    observations: s?.observed ?? 0,
    matches: s?.matched ?? 0,
    rejected: s?.rejected ?? 0,
    sightings: Number(row.n),
    resumedFromLine,
    seconds: (performance.now() - started) / 1000,
  };
}
