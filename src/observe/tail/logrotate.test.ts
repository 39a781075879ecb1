// The tailer against the real logrotate (Debian package `logrotate`), rotating a log that a separate writer
// process appends to the whole time: with `create` (rename; the writer reopens on SIGHUP from postrotate) and
// with `copytruncate` (the writer never reopens).

import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { missingProgram } from '../../../test/support/components.js';
import { Collector, follow, numbersOf, range, tempDir, waitFor } from './test-helpers.js';

const LOGROTATE = '/usr/sbin/logrotate';
const skip = missingProgram(LOGROTATE, 'logrotate');
const TOTAL = 6000;
const ROTATIONS = 4;

// A daemon-like writer: holds its log open with O_APPEND, writes numbered lines in bursts, reopens on SIGHUP.
const WRITER = `
const fs = require('node:fs');
const [path, total] = [process.argv[1], Number(process.argv[2])];
let fd = fs.openSync(path, 'a');
let reopen = false;
let n = 0;
process.on('SIGHUP', () => { reopen = true; });
process.send('ready');
const timer = setInterval(() => {
  if (reopen) { fs.closeSync(fd); fd = fs.openSync(path, 'a'); reopen = false; }
  for (let i = 0; i < 10 && n < total; i++) {
    n += 1;
    fs.writeSync(fd, 'line ' + String(n).padStart(6, '0') + ' ' + 'w'.repeat(40) + '\\n');
  }
  if (n >= total) { clearInterval(timer); fs.closeSync(fd); process.disconnect(); }
}, 2);
`;

async function startWriter(t: TestContext, path: string): Promise<{ child: ChildProcess; finished: Promise<void> }> {
  const child = spawn(process.execPath, ['-e', WRITER, path, String(TOTAL)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  t.after(() => child.exitCode === null && child.kill());
  const finished = new Promise<void>((resolve, reject) => {
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited with ${code}`))));
  });
  await new Promise<void>((resolve) => child.once('message', () => resolve()));
  return { child, finished };
}

/** Runs logrotate `ROTATIONS` times, forced, spaced out while the writer writes. */
async function rotateWhileWriting(dir: string, config: string, writer: { finished: Promise<void> }): Promise<void> {
  const conf = join(dir, 'logrotate.conf');
  writeFileSync(conf, config, { mode: 0o644 });
  const run = promisify(execFile);
  for (let i = 0; i < ROTATIONS; i++) {
    await delay(250);
    await run(LOGROTATE, ['--force', '--state', join(dir, 'logrotate.state'), conf]);
  }
  await writer.finished;
}

/** The numbered lines in every file of the directory whose name starts with app.log. */
function linesOnDisk(dir: string): Set<number> {
  const found = new Set<number>();
  for (const name of readdirSync(dir).filter((n) => n.startsWith('app.log'))) {
    const text = readFileSync(join(dir, name), 'utf8');
    for (const match of text.matchAll(/^line (\d{6}) w+$/gm)) found.add(Number(match[1]));
  }
  return found;
}

test('logrotate create + postrotate HUP: every line exactly once, in order', { skip }, async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'app.log');
  writeFileSync(path, '');
  const seen = new Collector();
  const tail = follow(t, seen, { path, rotateGraceMs: 300 });
  const writer = await startWriter(t, path);
  await rotateWhileWriting(
    dir,
    `${path} {\n  rotate 10\n  create 0644\n  nocompress\n  missingok\n  postrotate\n    kill -HUP ${writer.child.pid}\n  endscript\n}\n`,
    writer,
  );
  await waitFor('every line', () => seen.lines.length >= TOTAL, 20_000);
  await delay(100);
  const summary = await tail.stop();

  assert.deepEqual(numbersOf(seen.lines), range(1, TOTAL));
  assert.equal(summary.rotations, ROTATIONS);
  assert.equal(summary.truncations, 0);
});

// copytruncate copies the file, then truncates it: a line the writer appends between the two is in neither the
// copy nor the truncated file, so no reader can have it unless it happened to read the original in that instant.
// What is guaranteed, and asserted: no line twice, none out of order, nothing invented, and every line that is
// in some file on disk handed over (lines not yet read at the truncate are taken from the copy).
test('logrotate copytruncate: no duplicates, in order, every line on disk handed over', { skip }, async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'app.log');
  writeFileSync(path, '');
  const seen = new Collector();
  const tail = follow(t, seen, { path, rotateGraceMs: 300 });
  const writer = await startWriter(t, path);
  await rotateWhileWriting(dir, `${path} {\n  rotate 10\n  copytruncate\n  nocompress\n  missingok\n}\n`, writer);
  const onDisk = linesOnDisk(dir);
  await waitFor('the last line', () => numbersOf(seen.lines.slice(-1))[0] === TOTAL, 20_000);
  await delay(100);
  const summary = await tail.stop();

  const handed = numbersOf(seen.lines);
  for (let i = 1; i < handed.length; i++)
    assert.ok(handed[i]! > handed[i - 1]!, `line ${handed[i]} after ${handed[i - 1]}`);
  assert.ok(handed.every((n) => n >= 1 && n <= TOTAL));
  const handedSet = new Set(handed);
  const missedOnDisk = [...onDisk].filter((n) => !handedSet.has(n));
  assert.deepEqual(missedOnDisk, [], 'every line that is in a file was handed over');
  const lost = range(1, TOTAL).filter((n) => !handedSet.has(n));
  t.diagnostic(`copytruncate: ${lost.length} of ${TOTAL} lines written between copy and truncate were lost`);
  assert.equal(summary.truncations, ROTATIONS);
  assert.equal(seen.eventsOf('truncated').length, ROTATIONS);
});
