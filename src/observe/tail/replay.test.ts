// Replay (follow: false): one pass to the end of the file, then done.

import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { tailFile } from './tail-file.js';
import { Collector, numbered, numbersOf, range, tempDir } from './test-helpers.js';

test('replay: CRLF kept, an over-long line cut in its own batch, an unterminated last line handed over', async (t) => {
  const path = join(tempDir(t), 'mixed.log');
  const long = 'Q'.repeat(500);
  const content = `${numbered(1, 20).replaceAll('\n', '\r\n')}${long}\n${numbered(22, 40)}line 000041 no newline`;
  writeFileSync(path, content);
  const seen = new Collector();
  const summary = await tailFile({
    path,
    start: undefined,
    follow: false,
    maxBatchBytes: 200,
    maxLineBytes: 100,
    onBatch: seen.onBatch,
    onEvent: seen.onEvent,
  });

  assert.equal(seen.lines.length, 41);
  assert.deepEqual(numbersOf(seen.lines.slice(0, 20)), range(1, 20));
  assert.ok(
    seen.lines.slice(0, 20).every((line) => line.endsWith('\r')),
    'the \\r is left for the parser',
  );
  assert.equal(seen.lines[20], 'Q'.repeat(100));
  assert.deepEqual(numbersOf(seen.lines.slice(21)), range(22, 41));

  const overLong = seen.batches.filter((b) => b.overLong);
  assert.equal(overLong.length, 1);
  assert.equal(overLong[0]!.firstLine, 21, 'the cut line keeps its number');
  assert.equal(overLong[0]!.lines, 1);
  assert.equal(overLong[0]!.to.offset - overLong[0]!.from.offset, 501, 'the whole line is behind the position');
  assert.ok(
    seen.batches.every((b) => b.overLong || b.data.length <= 200),
    'batches within maxBatchBytes',
  );

  const last = seen.batches[seen.batches.length - 1]!;
  assert.equal(last.data.toString(), 'line 000041 no newline\n');
  assert.equal(last.to.offset, Buffer.byteLength(content));
  assert.equal(last.to.line, 41);
  assert.deepEqual(
    seen.eventsOf('line-too-long').map((e) => [e.line, e.bytes]),
    [[21, 501]],
  );
  assert.deepEqual(
    seen.eventsOf('unterminated-line').map((e) => e.line),
    [41],
  );
  assert.deepEqual(
    { lines: summary.lines, bytes: summary.bytes, batches: summary.batches },
    { lines: 41, bytes: Buffer.byteLength(content), batches: seen.batches.length },
  );
});

test('replay from a stored position reads only what came after it', async (t) => {
  const path = join(tempDir(t), 'grow.log');
  writeFileSync(path, numbered(1, 100));
  const first = new Collector();
  await tailFile({ path, start: undefined, follow: false, maxBatchBytes: 512, onBatch: first.onBatch });
  appendFileSync(path, numbered(101, 150));
  const second = new Collector();
  await tailFile({ path, start: first.stored, follow: false, onBatch: second.onBatch, onEvent: second.onEvent });
  assert.deepEqual(numbersOf(second.lines), range(101, 150));
  assert.equal(second.batches[0]!.firstLine, 101);
  assert.deepEqual(second.eventsOf('opened')[0], {
    type: 'opened',
    path,
    dev: first.stored!.dev,
    ino: first.stored!.ino,
    offset: first.stored!.offset,
    line: 100,
  });
});

test('replay of a missing file reports it and finishes with nothing', async (t) => {
  const seen = new Collector();
  const path = join(tempDir(t), 'absent.log');
  const summary = await tailFile({
    path,
    start: undefined,
    follow: false,
    onBatch: seen.onBatch,
    onEvent: seen.onEvent,
  });
  assert.equal(summary.lines, 0);
  assert.deepEqual(seen.events, [{ type: 'missing', path }]);
});

test('a slow onBatch holds the reader back: one batch outstanding, memory bounded', async (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const path = join(tempDir(t), 'big.log');
  const chunk = numbered(1, 20_000); // about 0.8 MB
  writeFileSync(path, '');
  for (let i = 0; i < 40; i++) appendFileSync(path, chunk); // about 32 MB
  gc();
  const baseline = process.memoryUsage();
  let peak = 0;
  let calls = 0;
  const seen = new Collector(async () => {
    await yieldToLoop(); // a consumer that gives the reader every chance to run ahead
    if (++calls % 25 === 0) {
      gc();
      const now = process.memoryUsage();
      peak = Math.max(peak, now.arrayBuffers - baseline.arrayBuffers + (now.heapUsed - baseline.heapUsed));
    }
  });
  // Keep only counts, so that what stays alive is the tailer's own holding.
  const onBatch = async (batch: Parameters<typeof seen.onBatch>[0]) => {
    await seen.onBatch(batch);
    seen.lines.length = 0;
    seen.batches.length = 0;
  };
  const summary = await tailFile({ path, start: undefined, follow: false, maxBatchBytes: 64 * 1024, onBatch });
  assert.equal(summary.lines, 800_000);
  assert.equal(seen.maxOutstanding, 1, 'never a second onBatch before the first has finished');
  assert.ok(peak < 8 * 1024 * 1024, `memory held while reading 32 MB stays small (peak ${peak} bytes)`);
});

test('an onBatch rejection rejects tailFile with that error; bad options reject', async (t) => {
  const path = join(tempDir(t), 'x.log');
  writeFileSync(path, numbered(1, 3));
  const failure = new Error('database is gone');
  await assert.rejects(
    tailFile({ path, start: undefined, follow: false, onBatch: () => Promise.reject(failure) }),
    (error) => error === failure,
  );
  const noop = async () => {};
  await assert.rejects(tailFile({ path, start: undefined, follow: false, onBatch: noop, maxLineBytes: 0 }), RangeError);
  const elsewhere = { path: '/elsewhere.log', dev: 1, ino: 1, offset: 0, line: 0, head: '' };
  await assert.rejects(tailFile({ path, start: elsewhere, follow: false, onBatch: noop }), TypeError);
});
