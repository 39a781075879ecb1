// Restarting from a stored position after the file changed while the tailer was stopped.

import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, renameSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { tailFile } from './tail-file.js';
import { Collector, follow, numbered, numbersOf, range, tempDir, waitFor } from './test-helpers.js';
import type { FilePosition } from './types.js';

/** A follow run that stops itself after `batches` applied batches (the last one is finished, then it stops). */
async function runUntil(
  t: TestContext,
  path: string,
  start: FilePosition | undefined,
  batches: number,
): Promise<Collector> {
  let stop: () => unknown = () => {};
  const seen = new Collector(async () => {
    if (seen.batches.length + 1 === batches) void stop();
  });
  const tail = follow(t, seen, { path, start, maxBatchBytes: 2048 });
  stop = tail.stop;
  await tail.done;
  return seen;
}

async function replay(path: string, start: FilePosition | undefined): Promise<Collector> {
  const seen = new Collector();
  await tailFile({ path, start, follow: false, onBatch: seen.onBatch, onEvent: seen.onEvent });
  return seen;
}

test('restart after a rename rotation: the rest of the rotated file, then the new one, each line once', async (t) => {
  const path = join(tempDir(t), 'app.log');
  writeFileSync(path, numbered(1, 1000));
  const first = await runUntil(t, path, undefined, 3);
  assert.equal(first.batches.length, 3, 'stopped after the batch in flight');

  appendFileSync(path, numbered(1001, 1100)); // written before the rotation, while stopped
  renameSync(path, `${path}.1`);
  writeFileSync(path, numbered(1101, 1200));

  // Stopped again while still in the rotated file: its position names the rotated file's inode.
  const second = await runUntil(t, path, first.stored, 2);
  assert.equal(second.stored!.ino, first.stored!.ino);
  assert.deepEqual(
    second.eventsOf('resumed-in-rotated').map((e) => [e.rotatedPath, e.offset]),
    [[`${path}.1`, first.stored!.offset]],
  );

  const third = new Collector();
  const tail = follow(t, third, { path, start: second.stored });
  await waitFor('the rest', () => first.lines.length + second.lines.length + third.lines.length >= 1200);
  await tail.stop();

  const all = numbersOf([...first.lines, ...second.lines, ...third.lines]);
  assert.deepEqual(all, range(1, 1200), 'every line exactly once, in order, across three runs');
  assert.equal(new Set(all).size, all.length);
});

test('restart across two rotations: the stored file, then the one rotated after it, then the current file', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'app.log');
  const now = Date.now() / 1000;
  writeFileSync(join(dir, 'app.log.3'), numbered(900_001, 900_005)); // older than the stored file: not read
  utimesSync(join(dir, 'app.log.3'), now - 40, now - 40);
  writeFileSync(path, numbered(1, 100));
  const first = await runUntil(t, path, undefined, 1);

  appendFileSync(path, numbered(101, 110));
  renameSync(path, join(dir, 'app.log.2'));
  utimesSync(join(dir, 'app.log.2'), now - 20, now - 20);
  writeFileSync(join(dir, 'app.log.1'), numbered(111, 130));
  utimesSync(join(dir, 'app.log.1'), now - 10, now - 10);
  writeFileSync(join(dir, 'app.log.4.gz'), 'compressed'); // newer than the stored file and unreadable: reported
  utimesSync(join(dir, 'app.log.4.gz'), now - 15, now - 15);
  writeFileSync(join(dir, 'app.log.lock'), 'not a log'); // no rotation suffix: never read
  writeFileSync(path, numbered(131, 140));

  const second = await replay(path, first.stored);
  assert.deepEqual(numbersOf([...first.lines, ...second.lines]), range(1, 140));
  assert.deepEqual(
    second.eventsOf('resumed-in-rotated').map((e) => e.rotatedPath),
    [join(dir, 'app.log.2'), join(dir, 'app.log.1')],
  );
  assert.deepEqual(
    second.eventsOf('rotated-file-skipped').map((e) => e.rotatedPath),
    [join(dir, 'app.log.4.gz')],
  );
});

test('restart with the stored offset beyond a now truncated file: from 0, with an event', async (t) => {
  const path = join(tempDir(t), 'app.log');
  writeFileSync(path, numbered(1, 100));
  const first = await replay(path, undefined);
  writeFileSync(path, numbered(101, 103));
  const second = await replay(path, first.stored);
  assert.deepEqual(numbersOf(second.lines), range(101, 103));
  assert.equal(second.batches[0]!.firstLine, 1);
  assert.deepEqual(
    second.eventsOf('truncated').map((e) => [e.offset, e.copy]),
    [[first.stored!.offset, undefined]],
  );
});

test('restart after copytruncate written past the old offset: the rest from the copy, then the file from 0', async (t) => {
  const path = join(tempDir(t), 'app.log');
  writeFileSync(path, numbered(1, 50));
  const first = await replay(path, undefined);
  appendFileSync(path, numbered(51, 60));
  copyFileSync(path, `${path}.1`);
  truncateSync(path, 0);
  appendFileSync(path, numbered(61, 200)); // longer than the stored offset: only the first bytes tell
  const second = await replay(path, first.stored);
  assert.deepEqual(numbersOf(second.lines), range(51, 200));
  assert.deepEqual(
    second.eventsOf('truncated').map((e) => e.copy),
    [`${path}.1`],
  );
  assert.equal(second.batches[0]!.firstLine, 51, 'the copy keeps the numbering of the file it copies');
});

test('restart when the rotated file is gone (compressed): reported as possible loss, new file from 0', async (t) => {
  const path = join(tempDir(t), 'app.log');
  writeFileSync(path, numbered(1, 50));
  const first = await replay(path, undefined);
  appendFileSync(path, numbered(51, 60));
  renameSync(path, `${path}.1`);
  rmSync(`${path}.1`);
  writeFileSync(`${path}.1.gz`, 'compressed');
  writeFileSync(path, numbered(61, 70));
  const second = await replay(path, first.stored);
  assert.deepEqual(numbersOf(second.lines), range(61, 70));
  assert.equal(second.eventsOf('position-lost').length, 1);
  assert.equal(second.eventsOf('position-lost')[0]!.linesMayBeLost, true);
});

test('restart with the file unchanged or grown resumes at the offset, even with a short head', async (t) => {
  const path = join(tempDir(t), 'tiny.log');
  writeFileSync(path, 'a\n'); // the head fingerprint covers 2 bytes
  const first = await replay(path, undefined);
  appendFileSync(path, 'b\nc\n');
  const second = await replay(path, first.stored);
  assert.deepEqual(second.lines, ['b', 'c']);
  assert.equal(second.events.filter((e) => e.type !== 'opened').length, 0);
});
