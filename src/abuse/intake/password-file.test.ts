import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readPasswordFile } from './password-file.js';

const dir = mkdtempSync(join(tmpdir(), 'mzg-password-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

test('reads the first line without its line ending', async () => {
  assert.equal(await readPasswordFile(file('lf', 'hunter2 with spaces \n')), 'hunter2 with spaces ');
  assert.equal(await readPasswordFile(file('crlf', 'p@ss;word\r\nsecond line\r\n')), 'p@ss;word');
  assert.equal(await readPasswordFile(file('bare', 'no-newline')), 'no-newline');
});

test('refuses a missing or empty file with a message that says what to do', async () => {
  await assert.rejects(readPasswordFile(join(dir, 'absent')), /password file .*absent does not exist/);
  await assert.rejects(readPasswordFile(file('empty', '\n')), /is empty: the password goes on its first line/);
});

test('warns about a file other users may read, and still reads it', async () => {
  const warnings: string[] = [];
  assert.equal(await readPasswordFile(file('loose', 'secret\n', 0o644), (m) => warnings.push(m)), 'secret');
  assert.equal(await readPasswordFile(file('tight', 'secret\n', 0o600), (m) => warnings.push(m)), 'secret');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /readable by other users \(mode 644\): chmod 600 it/);
});
