import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { LineBatcher, type LineBatcherOptions, type LineSink } from './batch.js';

function batcher(sink: LineSink, options: Partial<LineBatcherOptions> = {}) {
  const counts = { lines: 0, dropped: 0 };
  const failures: string[][] = [];
  const b = new LineBatcher({
    sink,
    origin: { transport: 'udp' },
    counts,
    maxLines: 3,
    maxDelayMs: 20,
    maxQueuedLines: 100,
    onSinkFailure: (_error, lines) => failures.push(lines),
    ...options,
  });
  return { b, counts, failures };
}

test('a full batch goes at once, a partial one after maxDelayMs', async () => {
  const got: string[][] = [];
  const { b, counts } = batcher((lines) => {
    got.push([...lines]);
    return true;
  });
  for (const line of ['a', 'b', 'c', 'd']) b.add(line);
  assert.deepEqual(got, [['a', 'b', 'c']]);
  await sleep(60);
  assert.deepEqual(got, [['a', 'b', 'c'], ['d']]);
  assert.deepEqual(counts, { lines: 4, dropped: 0 });
});

test('false from the sink counts the batch as dropped', async () => {
  let calls = 0;
  const { b, counts } = batcher(() => ++calls % 2 === 0);
  for (let i = 0; i < 9; i++) b.add(`l${i}`);
  await b.drain();
  assert.equal(calls, 3);
  assert.deepEqual(counts, { lines: 3, dropped: 6 });
});

test('a Promise holds the next batch until it settles, and order is kept', async () => {
  const got: string[] = [];
  let release: () => void = () => {};
  let busy = 0;
  let idle = 0;
  const { b, counts } = batcher(
    (lines) => {
      got.push(...lines);
      return new Promise<void>((resolve) => (release = resolve));
    },
    { onBusy: () => busy++, onIdle: () => idle++ },
  );
  for (let i = 0; i < 7; i++) b.add(`l${i}`);
  assert.deepEqual(got, ['l0', 'l1', 'l2']);
  assert.equal(busy, 1);
  await sleep(40);
  assert.deepEqual(got, ['l0', 'l1', 'l2'], 'nothing more while the sink is busy');
  release();
  await sleep(0);
  assert.equal(idle, 1);
  assert.deepEqual(got, ['l0', 'l1', 'l2', 'l3', 'l4', 'l5']);
  release();
  const drained = b.drain();
  await sleep(0);
  release();
  await drained;
  assert.deepEqual(got, ['l0', 'l1', 'l2', 'l3', 'l4', 'l5', 'l6']);
  assert.deepEqual(counts, { lines: 7, dropped: 0 });
});

test('while the sink is busy the queue is bounded: lines past it are dropped and counted', async () => {
  let release: () => void = () => {};
  const { b, counts } = batcher(() => new Promise<void>((resolve) => (release = resolve)), { maxQueuedLines: 5 });
  const accepted = Array.from({ length: 12 }, (_, i) => b.add(`l${i}`));
  // 3 went to the sink, 5 are queued, 4 did not fit.
  assert.deepEqual(accepted, [true, true, true, true, true, true, true, true, false, false, false, false]);
  assert.equal(counts.dropped, 4);
  const drained = b.drain();
  for (let i = 0; i < 3; i++) {
    release();
    await sleep(0);
  }
  await drained;
  assert.deepEqual(counts, { lines: 8, dropped: 4 });
});

test('a sink that throws or rejects loses its batch, counted and reported; the next batch goes on', async () => {
  let call = 0;
  const { b, counts, failures } = batcher(() => {
    call++;
    if (call === 1) throw new Error('boom');
    if (call === 2) return Promise.reject(new Error('later boom'));
    return true;
  });
  for (let i = 0; i < 9; i++) b.add(`l${i}`);
  await b.drain();
  assert.deepEqual(failures, [
    ['l0', 'l1', 'l2'],
    ['l3', 'l4', 'l5'],
  ]);
  assert.deepEqual(counts, { lines: 3, dropped: 6 });
});
