import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Kysely } from 'kysely';
import type { Progress } from '../jobs/run.js';
import type { LogSink } from '../log.js';
import type { Database } from '../store/schema.js';
import type { ApplySummary } from './apply-leases.js';
import { readLeaseFile } from './ingest/lease-file.js';
import type { LeaseFormatName } from './lease-format.js';

export type LeaseImportResult = ApplySummary & {
  file: string;
  source: string;
  format: LeaseFormatName;
  lines: number;
  /** The line a previous import of the same file had reached (0: from the start). */
  resumedFromLine: number;
  seconds: number;
};

/**
 * Imports a lease file once, to its end. The position is kept as for a tailed file, so importing the
 * same file again (or a grown copy of it, at the same path) adds only what is new.
 */
export async function importLeaseFile(
  db: Kysely<Database>,
  options: {
    file: string;
    format: LeaseFormatName;
    source?: string | undefined;
    zone: string;
    staleIntervals?: number;
  },
  deps: { log: LogSink; progress?: Progress | undefined },
): Promise<LeaseImportResult> {
  const started = Date.now();
  const source = options.source ?? `import-${basename(options.file)}`;
  deps.progress?.setTotal((await stat(options.file)).size);
  let resumedFromLine = 0;
  const result = await readLeaseFile(
    {
      source,
      format: options.format,
      path: options.file,
      zone: options.zone,
      follow: false,
      staleIntervals: options.staleIntervals,
    },
    {
      db,
      log: deps.log,
      signal: deps.progress?.signal,
      onProgress: (p) => deps.progress?.set(p.bytes),
      onOpened: (line) => {
        resumedFromLine = line;
      },
    },
  );
  return {
    file: options.file,
    source,
    format: options.format,
    lines: result.lines,
    resumedFromLine,
    seconds: (Date.now() - started) / 1000,
    ...result.applied,
  };
}
