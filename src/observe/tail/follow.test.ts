// Following a file as it grows and as it is rotated under the tailer (rename, copytruncate, delete).

import assert from 'node:assert/strict';
import {
  appendFileSync,
  closeSync,
  copyFileSync,
  openSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Collector, follow, numbered, numbersOf, range, tempDir, waitFor } from './test-helpers.js';

test('follow: a line written in two pieces is handed over once, whole', async (t) => {
  const path = join(tempDir(t), 'app.log');
  writeFileSync(path, numbered(1, 3));
  const seen = new Collector();
  const tail = follow(t, seen, { path });
  await waitFor('the first lines', () => seen.lines.length === 3);

  appendFileSync(path, 'line 000004 first half');
  await delay(100); // several polls see the partial line
  assert.equal(seen.lines.length, 3, 'a partial line is not handed over');
  appendFileSync(path, ' second half\nline 000005 next\n');
  await waitFor('the completed line', () => seen.lines.length === 5);
  const summary = await tail.stop();

  assert.deepEqual(seen.lines.slice(3), ['line 000004 first half second half', 'line 000005 next']);
  assert.deepEqual(numbersOf(seen.lines), range(1, 5));
  assert.equal(summary.lines, 5);
  assert.ok(!seen.events.some((e) => e.type === 'unterminated-line'));
});

test('follow from the end: lines already there are skipped, numbering stays that of the file', async (t) => {
  const path = join(tempDir(t), 'big.log');
  writeFileSync(path, `${numbered(1, 10)}line 000011 partial`);
  const seen = new Collector();
  const tail = follow(t, seen, { path, fromEnd: true });
  await waitFor('the tailer to open the file', () => seen.eventsOf('opened').length === 1);
  assert.equal(seen.eventsOf('opened')[0]!.line, 10, 'starts after the last whole line');
  appendFileSync(path, ` completed\n${numbered(12, 13)}`);
  await waitFor('new lines', () => seen.lines.length === 3);
  await tail.stop();
  assert.deepEqual(numbersOf(seen.lines), [11, 12, 13]);
  assert.equal(seen.batches[0]!.firstLine, 11);
});

test('follow: a file missing at start is waited for, reported once', async (t) => {
  const path = join(tempDir(t), 'later.log');
  const seen = new Collector();
  const tail = follow(t, seen, { path, fromEnd: true });
  await delay(150);
  writeFileSync(path, numbered(1, 4));
  await waitFor('the lines of the new file', () => seen.lines.length === 4);
  await tail.stop();
  assert.deepEqual(numbersOf(seen.lines), range(1, 4), 'a file that appears is read from 0, even with fromEnd');
  assert.equal(seen.eventsOf('missing').length, 1);
});

test('rotation by rename: the old file is read to its end (late writes too), then the new one, each line once', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'app.log');
  writeFileSync(path, '');
  const seen = new Collector();
  const tail = follow(t, seen, { path, rotateGraceMs: 400 });

  // A daemon holding its log open: it keeps writing to the renamed file until told to reopen.
  let fd = openSync(path, 'a');
  writeSync(fd, numbered(1, 50));
  await waitFor('lines before rotation', () => seen.lines.length === 50);
  renameSync(path, `${path}.1`);
  writeSync(fd, numbered(51, 60)); // after the rename, before anything exists at the path
  writeFileSync(path, ''); // logrotate's `create`
  await waitFor('the rotation to be noticed', () => seen.eventsOf('rotated').length === 1);
  writeSync(fd, numbered(61, 70)); // the writer has not reopened yet (postrotate is still running)
  await delay(100);
  writeSync(fd, 'line 000071 written in');
  writeSync(fd, ' two pieces\n');
  closeSync(fd);
  fd = openSync(path, 'a'); // reopened: new lines go to the new file
  writeSync(fd, numbered(72, 90));
  closeSync(fd);

  await waitFor('all lines', () => seen.lines.length >= 90);
  await delay(100);
  const summary = await tail.stop();
  assert.deepEqual(numbersOf(seen.lines), range(1, 90), 'every line exactly once, in order');
  assert.equal(summary.rotations, 1);
  const oldIno = seen.batches[0]!.from.ino;
  const inNewFile = seen.batches.filter((b) => b.from.ino !== oldIno);
  assert.equal(inNewFile[0]?.firstLine, 1, 'the new file is numbered from 1');
  assert.deepEqual(numbersOf(inNewFile.flatMap((b) => b.data.toString().slice(0, -1).split('\n'))), range(72, 90));
});

test('delete and re-create: the deleted file is read to its end, then the new one', async (t) => {
  const path = join(tempDir(t), 'app.log');
  writeFileSync(path, numbered(1, 5));
  const seen = new Collector();
  const tail = follow(t, seen, { path });
  await waitFor('first lines', () => seen.lines.length === 5);
  const fd = openSync(path, 'a');
  rmSync(path);
  writeSync(fd, numbered(6, 8));
  closeSync(fd);
  await delay(80);
  writeFileSync(path, numbered(9, 12));
  await waitFor('all lines', () => seen.lines.length >= 12);
  await tail.stop();
  assert.deepEqual(numbersOf(seen.lines), range(1, 12));
  assert.ok(seen.eventsOf('missing').length >= 1, 'the gap is reported');
});

test('copytruncate: lines not yet read are taken from the copy, then the file from 0, with an event', async (t) => {
  const path = join(tempDir(t), 'app.log');
  writeFileSync(path, numbered(1, 20));
  const seen = new Collector();
  // A slow poll, so the lines written just before the copy are still unread when it is made.
  const tail = follow(t, seen, { path, pollMs: 400 });
  await waitFor('first lines', () => seen.lines.length === 20);
  appendFileSync(path, numbered(21, 30));
  copyFileSync(path, `${path}.1`);
  truncateSync(path, 0);
  appendFileSync(path, numbered(31, 35));
  await waitFor('all lines', () => seen.lines.length >= 35);
  await delay(100);
  const summary = await tail.stop();

  assert.deepEqual(numbersOf(seen.lines), range(1, 35), 'every line exactly once, in order');
  assert.equal(summary.truncations, 1);
  const [truncated] = seen.eventsOf('truncated');
  assert.equal(truncated?.copy, `${path}.1`, 'lines 21-30 were never read from the file: they come from the copy');
  assert.equal(truncated?.offset, Buffer.byteLength(numbered(1, 20)));
  const afterTruncate = seen.batches.find((b) => numbersOf([b.data.toString()])[0] === 31);
  assert.equal(afterTruncate?.firstLine, 1, 'the truncated file is numbered from 1 again');
  assert.equal(afterTruncate?.from.offset, 0);
});

test('truncated and written longer than before between two polls: told by the first bytes, read from 0', async (t) => {
  const path = join(tempDir(t), 'app.log');
  writeFileSync(path, numbered(1, 3));
  const seen = new Collector();
  const tail = follow(t, seen, { path, pollMs: 300 });
  await waitFor('first lines', () => seen.lines.length === 3);
  writeFileSync(path, numbered(4, 20)); // `> file` then writes: same inode, larger than what was read
  await waitFor('the rewritten lines', () => seen.lines.length >= 20);
  await delay(50);
  await tail.stop();
  assert.deepEqual(numbersOf(seen.lines), range(1, 20));
  assert.deepEqual(
    seen.eventsOf('truncated').map((e) => e.copy),
    [undefined],
  );
});

test('stop while waiting for a missing file resolves promptly', async (t) => {
  const seen = new Collector();
  const tail = follow(t, seen, { path: join(tempDir(t), 'never.log'), pollMs: 60_000 });
  await delay(50);
  const started = Date.now();
  const summary = await tail.stop();
  assert.ok(Date.now() - started < 1000);
  assert.equal(summary.lines, 0);
});
