// What every part of one tailFile run shares: the checked options, the running summary, events, and stopping.

import { setTimeout as delay } from 'node:timers/promises';
import type { LineBatch, TailEvent, TailOptions, TailSummary } from './types.js';

export const DEFAULT_POLL_MS = 250;
export const DEFAULT_MAX_BATCH_BYTES = 256 * 1024;
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;
export const DEFAULT_ROTATE_GRACE_MS = 2000;

/** The caller's onBatch rejected: tailFile rejects with its error instead of treating it as a file problem. */
export class OnBatchFailed extends Error {
  constructor(readonly reason: unknown) {
    super('onBatch rejected', { cause: reason });
  }
}

export class TailContext {
  readonly path: string;
  readonly follow: boolean;
  readonly pollMs: number;
  readonly maxBatchBytes: number;
  readonly maxLineBytes: number;
  readonly rotateGraceMs: number;
  /** Bytes asked for per read: about one batch, so a read rarely straddles more than two batches. */
  readonly readSize: number;
  readonly summary: TailSummary = { lines: 0, bytes: 0, batches: 0, rotations: 0, truncations: 0 };
  private readonly onBatch: (batch: LineBatch) => Promise<void>;
  private readonly onEvent: ((event: TailEvent) => void) | undefined;
  private readonly signal: AbortSignal | undefined;

  constructor(options: TailOptions) {
    if (typeof options.path !== 'string' || options.path === '') throw new TypeError('tailFile: path is required');
    if (typeof options.onBatch !== 'function') throw new TypeError('tailFile: onBatch is required');
    if (options.start && options.start.path !== options.path) {
      throw new TypeError(`tailFile: start position is for ${options.start.path}, not ${options.path}`);
    }
    this.path = options.path;
    this.follow = options.follow;
    this.pollMs = positive('pollMs', options.pollMs ?? DEFAULT_POLL_MS);
    this.maxBatchBytes = byteCount('maxBatchBytes', options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES);
    this.maxLineBytes = byteCount('maxLineBytes', options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    this.rotateGraceMs = nonNegative('rotateGraceMs', options.rotateGraceMs ?? DEFAULT_ROTATE_GRACE_MS);
    this.readSize = Math.min(Math.max(this.maxBatchBytes, 16 * 1024), 1024 * 1024);
    this.onBatch = options.onBatch;
    this.onEvent = options.onEvent;
    this.signal = options.signal;
  }

  get stopped(): boolean {
    return this.signal?.aborted ?? false;
  }

  emit(event: TailEvent): void {
    // A throwing event listener is a logging problem; it must not stop reading.
    try {
      this.onEvent?.(event);
    } catch {
      /* ignored on purpose */
    }
  }

  async deliver(batch: LineBatch): Promise<void> {
    try {
      await this.onBatch(batch);
    } catch (error) {
      throw new OnBatchFailed(error);
    }
    this.summary.batches += 1;
    this.summary.lines += batch.lines;
    this.summary.bytes += batch.to.offset - batch.from.offset;
  }

  /** Waits `ms`, or less when stopped meanwhile. */
  async sleep(ms: number): Promise<void> {
    if (this.stopped || ms <= 0) return;
    await delay(ms, undefined, { signal: this.signal }).catch(() => undefined);
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`tailFile: ${name} must be a positive number`);
  return value;
}

function byteCount(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`tailFile: ${name} must be a positive integer`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`tailFile: ${name} must be >= 0`);
  return value;
}
