import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { readLines } from './stdin.js';
import { Collector, numbered, numbersOf, range, waitFor } from './test-helpers.js';

test('stdin: lines cut anywhere by the stream come out whole, numbered, with positions on path -', async () => {
  const text = `${numbered(1, 200)}${'V'.repeat(300)}\n${numbered(202, 250)}line 000251 last`;
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 37) chunks.push(bytes.subarray(i, i + 37));
  const seen = new Collector();
  const summary = await readLines(Readable.from(chunks), seen.onBatch, {
    maxBatchBytes: 1024,
    maxLineBytes: 100,
    onEvent: seen.onEvent,
  });

  assert.equal(seen.lines.length, 251);
  assert.deepEqual(numbersOf(seen.lines.slice(0, 200)), range(1, 200));
  assert.equal(seen.lines[200], 'V'.repeat(100));
  assert.deepEqual(numbersOf(seen.lines.slice(201)), range(202, 251));
  assert.ok(seen.batches.every((b) => b.from.path === '-' && b.to.path === '-'));
  assert.equal(seen.batches.find((b) => b.overLong)?.firstLine, 201);
  assert.equal(seen.batches[seen.batches.length - 1]!.to.offset, bytes.length);
  assert.deepEqual(
    seen.events.map((e) => e.type),
    ['line-too-long', 'unterminated-line'],
  );
  assert.equal(summary.lines, 251);
  assert.equal(summary.bytes, bytes.length);
});

test('stdin: a live pipe gets its lines handed over as they come, not when a batch fills', async () => {
  const pipe = new PassThrough();
  const seen = new Collector();
  const done = readLines(pipe, seen.onBatch);
  pipe.write(numbered(1, 2));
  await waitFor('the first lines before the end of input', () => seen.lines.length === 2);
  pipe.write('line 000003 in ');
  pipe.write('two writes\n');
  await waitFor('the third line', () => seen.lines.length === 3);
  pipe.end();
  await done;
  assert.deepEqual(numbersOf(seen.lines), range(1, 3));
});

test('stdin: a slow onBatch is never called again before it has finished', async () => {
  const seen = new Collector(() => new Promise((resolve) => setImmediate(resolve)));
  const big = Buffer.from(numbered(1, 50_000));
  await readLines(Readable.from([big, big]), seen.onBatch, { maxBatchBytes: 4096 });
  assert.equal(seen.lines.length, 100_000);
  assert.equal(seen.maxOutstanding, 1);
});

test('stdin: stopping leaves the stream to its owner', async () => {
  const pipe = new PassThrough();
  const controller = new AbortController();
  const seen = new Collector(async () => controller.abort());
  const done = readLines(pipe, seen.onBatch, { signal: controller.signal });
  pipe.write(numbered(1, 1));
  await done;
  assert.equal(seen.lines.length, 1);
  assert.equal(pipe.destroyed, false);
  pipe.end();
});

test('stdin: a failing stream rejects readLines with its error', async () => {
  const pipe = new PassThrough();
  const seen = new Collector();
  const done = readLines(pipe, seen.onBatch);
  pipe.write(numbered(1, 1));
  await waitFor('the first line', () => seen.lines.length === 1);
  const failure = new Error('EPIPE upstream');
  pipe.destroy(failure);
  await assert.rejects(done, (error) => error === failure);
});
