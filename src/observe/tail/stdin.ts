// Lines from a stream rather than a file, for `observe replay -`: the same batches as the file tailer, with a
// synthetic path '-' and no identity, since a pipe cannot be resumed. Backpressure is the stream's own: the
// next chunk is not pulled until onBatch has finished with the lines before it, so the writer is held back.

import type { Readable } from 'node:stream';
import { batchOf, pieceEvents } from './line-batch.js';
import { LineSplitter, type LinePiece } from './line-splitter.js';
import { DEFAULT_MAX_BATCH_BYTES, DEFAULT_MAX_LINE_BYTES } from './tail-context.js';
import type { FilePosition, LineBatch, TailEvent, TailSummary } from './types.js';

export const STDIN_PATH = '-';

export type ReadLinesOptions = {
  maxBatchBytes?: number;
  maxLineBytes?: number;
  onEvent?: (event: TailEvent) => void;
  /** Stop: finishes the batch in flight, then resolves; the stream is left open (it belongs to the caller). */
  signal?: AbortSignal;
};

export async function readLines(
  stream: Readable,
  onBatch: (batch: LineBatch) => Promise<void>,
  options: ReadLinesOptions = {},
): Promise<TailSummary> {
  const splitter = new LineSplitter(
    options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES,
    options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
  );
  const summary: TailSummary = { lines: 0, bytes: 0, batches: 0, rotations: 0, truncations: 0 };
  let position: FilePosition = { path: STDIN_PATH, dev: 0, ino: 0, offset: 0, line: 0, head: '' };
  const stopped = () => options.signal?.aborted ?? false;

  const handOver = async (pieces: LinePiece[]): Promise<void> => {
    for (const piece of pieces) {
      if (stopped()) return;
      const batch = batchOf(position, piece, '');
      for (const event of pieceEvents(piece, batch, STDIN_PATH)) options.onEvent?.(event);
      await onBatch(batch);
      position = batch.to;
      summary.batches += 1;
      summary.lines += batch.lines;
      summary.bytes += piece.bytes;
    }
  };

  // Pulled with read() rather than async iteration, so that a stop does not have to wait for the next chunk
  // of a quiet pipe, and no chunk is taken from the stream and then dropped.
  let failure: unknown;
  const onError = (error: unknown) => (failure ??= error);
  stream.on('error', onError);
  try {
    while (!stopped()) {
      const chunk: unknown = stream.read();
      if (chunk !== null) {
        await handOver(splitter.push(asBuffer(chunk)));
        continue;
      }
      if (failure !== undefined || stream.errored) throw failure ?? stream.errored;
      if (stream.readableEnded || stream.destroyed) break;
      // Nothing buffered (a live pipe such as `tail -f | mizugiwa observe replay -`): hand over the lines held
      // instead of waiting for a full batch, then wait for more.
      await handOver(splitter.flush());
      await readableAgain(stream, options.signal);
    }
    if (!stopped()) await handOver(splitter.finish());
  } finally {
    stream.off('error', onError);
  }
  return summary;
}

/** Resolves when the stream has data, ends, fails or closes, or when stopped. */
function readableAgain(stream: Readable, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const events = ['readable', 'end', 'error', 'close'] as const;
    const done = () => {
      for (const event of events) stream.off(event, done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    for (const event of events) stream.on(event, done);
    signal?.addEventListener('abort', done);
    if (signal?.aborted) done();
  });
}

function asBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('readLines: the stream must yield bytes or strings (not an object-mode stream)');
}
