// What the tailer tests share: temp directories, numbered lines, and a collector that checks every batch as it
// arrives (whole lines, numbering, positions chained without gap or overlap) so each test only has to say which
// lines it expects. For tests only; not named *.test.ts, so the test runner does not run it on its own.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { TestContext } from 'node:test';
import { tailFile } from './tail-file.js';
import type { FilePosition, LineBatch, TailEvent, TailOptions, TailSummary } from './types.js';

export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-tail-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Lines `from`..`to` (inclusive) as text: `line 000042 <filler>\n`, each telling its own number. */
export function numbered(from: number, to: number, filler = 'x'.repeat(20)): string {
  let text = '';
  for (let n = from; n <= to; n++) text += `line ${String(n).padStart(6, '0')} ${filler}\n`;
  return text;
}

/** The numbers of numbered lines, in the order given. */
export function numbersOf(lines: string[]): number[] {
  return lines.map((line) => {
    const match = /^line (\d{6}) /.exec(line);
    assert.ok(match, `not a numbered line: ${JSON.stringify(line.slice(0, 60))}`);
    return Number(match[1]);
  });
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Collects batches, checking each one's shape and that it continues exactly where the last one in its file ended. */
export class Collector {
  readonly batches: LineBatch[] = [];
  readonly lines: string[] = [];
  readonly events: TailEvent[] = [];
  /** The `to` of the last batch applied: what a caller would have stored. */
  stored: FilePosition | undefined;
  private outstanding = 0;
  maxOutstanding = 0;
  private readonly lastInFile = new Map<string, FilePosition>();

  constructor(private readonly slow: () => Promise<void> = async () => {}) {}

  readonly onEvent = (event: TailEvent): void => {
    this.events.push(event);
  };

  readonly onBatch = async (batch: LineBatch): Promise<void> => {
    this.outstanding += 1;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
    try {
      this.check(batch);
      await this.slow();
      this.batches.push(batch);
      this.lines.push(...splitLines(batch.data));
      this.stored = batch.to;
    } finally {
      this.outstanding -= 1;
    }
  };

  eventsOf<T extends TailEvent['type']>(type: T): Extract<TailEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<TailEvent, { type: T }> => e.type === type);
  }

  private check(batch: LineBatch): void {
    const { data, from, to } = batch;
    assert.equal(data[data.length - 1], 0x0a, 'a batch ends with a whole line');
    assert.equal(countNewlines(data), batch.lines, 'lines says how many lines data holds');
    assert.equal(batch.firstLine, from.line + 1);
    assert.equal(to.line, from.line + batch.lines);
    assert.equal(to.dev, from.dev);
    assert.equal(to.ino, from.ino);
    if (!batch.overLong) assert.ok(to.offset - from.offset >= data.length - 1, 'data comes from the bytes between');
    const key = `${from.dev}:${from.ino}`;
    const last = this.lastInFile.get(key);
    // A file continues where it left off, or starts again at 0 (truncated, or a new file).
    if (last && from.offset !== 0) {
      assert.equal(from.offset, last.offset, 'no bytes skipped or read twice');
      assert.equal(from.line, last.line, 'numbering continues');
    }
    if (!last && from.offset === 0) assert.equal(from.line, 0);
    this.lastInFile.set(key, to);
  }
}

function splitLines(data: Buffer): string[] {
  const text = data.toString('utf8');
  return text.slice(0, -1).split('\n');
}

function countNewlines(data: Buffer): number {
  let n = 0;
  for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, i + 1)) n += 1;
  return n;
}

/** A following tailer run with its own stop switch; stopped when the test ends, failed or not. */
export function follow(
  t: TestContext,
  collector: Collector,
  options: Omit<TailOptions, 'onBatch' | 'onEvent' | 'follow' | 'signal' | 'start'> & { start?: FilePosition },
): { done: Promise<TailSummary>; stop: () => Promise<TailSummary> } {
  const controller = new AbortController();
  t.after(() => controller.abort());
  const done = tailFile({
    pollMs: 20,
    rotateGraceMs: 200,
    start: undefined,
    ...options,
    follow: true,
    onBatch: collector.onBatch,
    onEvent: collector.onEvent,
    signal: controller.signal,
  });
  return {
    done,
    stop: async () => {
      controller.abort();
      return done;
    },
  };
}

/** Waits until `predicate` holds, failing the test with `what` after `timeoutMs`. */
export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await delay(10);
  }
}
