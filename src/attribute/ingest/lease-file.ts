import { open } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { LeaseRecord } from '../../domain/lease.js';
import type { LogSink } from '../../log.js';
import { localTimeIn } from '../../observe/local-time.js';
import { tailFile, type FilePosition, type LineBatch, type TailSummary } from '../../observe/tail/index.js';
import type { Database } from '../../store/schema.js';
import { loadPosition, savePosition } from '../../store/sightings.js';
import { applyLeaseRecords, type ApplySummary } from '../apply-leases.js';
import { LEASE_FORMATS } from '../formats.js';
import type { LeaseFormatName, LeaseReader } from '../lease-format.js';

export type LeaseFile = {
  /** The lease source the intervals are kept under (retention, status, evidence). */
  source: string;
  format: LeaseFormatName;
  path: string;
  /** IANA zone for stamps written without one. */
  zone: string;
  /** Keep following growth and rotation (a live log), or read to the end once (an import). */
  follow: boolean;
  /**
   * At the end of a one-shot read, finish (or reject) a record still waiting for its terminator. Default:
   * when not following. A directory watch reads files that may still be written to, so it does not.
   */
  finish?: boolean | undefined;
  staleIntervals?: number | undefined;
};

export type LeaseFileProgress = { bytes: number; lines: number; applied: ApplySummary };

/** File positions of lease sources live beside the observation inputs', under this prefix. */
export const LEASE_POSITION_PREFIX = 'lease:';

/**
 * Reads a lease file from where this source last stopped, applying each batch's records and the
 * position after them in one transaction. A record that spans lines and is not finished at the end of
 * a batch (a `lease {` block cut in two) holds the stored position at the line it began on, so a
 * restart reads it again whole. A one-shot import finishes such a record (or dead-letters it) at the end.
 */
export async function readLeaseFile(
  file: LeaseFile,
  deps: {
    db: Kysely<Database>;
    log: LogSink;
    signal?: AbortSignal | undefined;
    now?: number;
    onProgress?: (progress: LeaseFileProgress) => void;
    /** Reading starts at this line of the file (0: from the start). */
    onOpened?: (line: number) => void;
  },
): Promise<TailSummary & { applied: ApplySummary }> {
  const format = LEASE_FORMATS[file.format];
  const input = `${LEASE_POSITION_PREFIX}${file.source}`;
  const stored = await loadPosition(deps.db, input, file.path);
  const ctx = { now: deps.now ?? Date.now(), localTime: localTimeIn(file.zone) };
  let reader: LeaseReader | undefined;
  const applied: ApplySummary = { events: 0, closed: 0, open: 0, rejected: 0 };
  let lines = 0;
  let bytes = 0;
  let last: FilePosition | undefined;
  const apply = async (records: LeaseRecord[], position: FilePosition | undefined) => {
    const result = await applyLeaseRecords(deps.db, file.source, records, {
      format: file.format,
      staleIntervals: file.staleIntervals,
      ...(position && { within: (trx) => savePosition(trx, { input, ...position }) }),
    });
    applied.events += result.events;
    applied.closed += result.closed;
    applied.open += result.open;
    applied.rejected += result.rejected;
  };

  const summary = await tailFile({
    path: file.path,
    start: stored && { ...stored },
    follow: file.follow,
    ...(deps.signal && { signal: deps.signal }),
    onEvent: (event) => {
      if (event.type === 'opened') deps.onOpened?.(event.line);
      const lossy = ('linesMayBeLost' in event && event.linesMayBeLost) || event.type === 'error';
      deps.log[lossy ? 'warn' : 'info']({ source: file.source, ...event }, `attribute: ${event.type} (${event.path})`);
    },
    onBatch: async (batch) => {
      if (!reader) reader = await startReader(file, format, ctx, batch);
      const { records, resumeAt } = readBatch(reader, batch, file.path);
      await apply(records, resumeAt);
      last = batch.to;
      lines += batch.lines;
      bytes += batch.to.offset - batch.from.offset;
      deps.onProgress?.({ bytes, lines, applied });
    },
  });
  if ((file.finish ?? !file.follow) && reader && last) {
    // The end of a one-shot read: a record still waiting for its terminator is finished or rejected now,
    // and the position moves to the end so that importing the same file again adds nothing.
    await apply(prefixEvidence(reader.end(), file.path), last);
  }
  return { ...summary, applied };
}

/** A reader for the file; resuming past line 1 of a format with a header line, it reads the header first. */
async function startReader(
  file: LeaseFile,
  format: (typeof LEASE_FORMATS)[LeaseFormatName],
  ctx: Parameters<(typeof LEASE_FORMATS)[LeaseFormatName]['reader']>[0],
  first: LineBatch,
): Promise<LeaseReader> {
  const reader = format.reader(ctx);
  if (format.headerLine && first.firstLine > 1) {
    const handle = await open(file.path, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(64 * 1024), 0, 64 * 1024, 0);
      const text = buffer.subarray(0, bytesRead).toString('utf8');
      reader.line(text.slice(0, text.indexOf('\n') < 0 ? text.length : text.indexOf('\n')).replace(/\r$/, ''), 1);
    } finally {
      await handle.close();
    }
  }
  return reader;
}

/**
 * The records of a batch's lines, and the position a restart should resume at: the batch's end, or
 * the start of the record still unfinished when it began in this batch, or none (keep the stored one)
 * when it began before.
 */
function readBatch(
  reader: LeaseReader,
  batch: LineBatch,
  path: string,
): { records: LeaseRecord[]; resumeAt: FilePosition | undefined } {
  const records: LeaseRecord[] = [];
  const starts: number[] = [];
  let at = 0;
  let lineNo = batch.firstLine;
  const data = batch.data;
  while (at < data.length) {
    let end = data.indexOf(10, at);
    if (end < 0) end = data.length;
    starts.push(at);
    let text = data.toString('utf8', at, end);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    for (const r of reader.line(text, lineNo)) records.push(r);
    at = end + 1;
    lineNo++;
  }
  const pending = reader.pendingFrom();
  let resumeAt: FilePosition | undefined = batch.to;
  if (pending !== undefined) {
    const index = pending - batch.firstLine;
    resumeAt =
      index < 0 || batch.overLong
        ? undefined
        : { ...batch.to, offset: batch.from.offset + (starts[index] ?? 0), line: pending - 1 };
  }
  return { records: prefixEvidence(records, path), resumeAt };
}

/** `line 42` → `/var/log/freeradius/detail line 42`: evidence names the file. */
function prefixEvidence(records: LeaseRecord[], path: string): LeaseRecord[] {
  for (const r of records) r.evidence = `${path} ${r.evidence}`;
  return records;
}
