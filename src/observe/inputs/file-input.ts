import type { Kysely } from 'kysely';
import type { LogSink } from '../../log.js';
import type { Database } from '../../store/schema.js';
import { loadPosition } from '../../store/sightings.js';
import type { LineFormatName } from '../line-format.js';
import type { ObservePipeline } from '../pipeline/pipeline.js';
import { tailFile, type LineBatch, type TailEvent, type TailSummary } from '../tail/index.js';

export type FileInput = {
  /** The input's name: positions and sightings are kept under it. */
  name: string;
  format: LineFormatName;
  path: string;
  zone: string;
  /** Keep following growth and rotation (serve), or read to the end once (replay). */
  follow: boolean;
  /** With no stored position: start at the end (live tailing of a big existing log) rather than at 0. */
  fromEnd: boolean;
  /** The device writing the log enforces Mizugiwa's policy (observe input `enforced`). */
  enforced?: boolean;
};

/**
 * Reads one log file into the pipeline from where this input last stopped. Each batch's end position
 * travels with the batch and is written in the same transaction as its sightings, so neither a
 * restart nor a kill -9 re-counts or skips a line.
 */
export async function runFileInput(
  input: FileInput,
  deps: {
    db: Kysely<Database>;
    pipeline: ObservePipeline;
    log: LogSink;
    signal?: AbortSignal;
    onBatch?: (batch: LineBatch) => void;
    onEvent?: (event: TailEvent) => void;
  },
): Promise<TailSummary> {
  const stored = await loadPosition(deps.db, input.name, input.path);
  const start = stored && {
    path: stored.path,
    dev: stored.dev,
    ino: stored.ino,
    offset: stored.offset,
    line: stored.line,
    head: stored.head,
  };
  return tailFile({
    path: input.path,
    start,
    fromEnd: input.fromEnd,
    follow: input.follow,
    ...(deps.signal && { signal: deps.signal }),
    onEvent: (event) => {
      logEvent(deps.log, input.name, event);
      deps.onEvent?.(event);
    },
    onBatch: async (batch) => {
      await deps.pipeline.lines({
        input: input.name,
        enforced: input.enforced ?? false,
        format: input.format,
        zone: input.zone,
        origin: input.path,
        stream: `${input.name}\t${input.path}`,
        firstLine: batch.firstLine,
        data: batch.data,
        bytes: batch.to.offset - batch.from.offset,
        ...(batch.overLong && { overLong: true }),
        position: { input: input.name, ...batch.to },
      });
      deps.onBatch?.(batch);
    },
  });
}

function logEvent(log: LogSink, input: string, event: TailEvent): void {
  const lossy = ('linesMayBeLost' in event && event.linesMayBeLost) || event.type === 'error';
  if (lossy) log.warn({ input, ...event }, `observe: ${event.type} (${event.path})`);
  else log.info({ input, ...event }, `observe: ${event.type} (${event.path})`);
}
