// `mizugiwa observe replay` as an operator runs it: a query log against the store's indicators, with
// exact counts, nothing of unlisted traffic kept, and — killed with SIGKILL half-way and run again —
// the same sightings as a run that was never interrupted.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { writeQueryLog } from '../../bench/gen/query-log.js';
import { childEnv, ENTRY, runCli } from '../support/serve.js';

const root = mkdtempSync(join(tmpdir(), 'mizugiwa-observe-replay-'));
after(() => rmSync(root, { recursive: true, force: true }));

const LINES = 600_000;
const logFile = join(root, 'query.log');
const indicators = join(root, 'indicators.txt');
const truth = writeQueryLog(indicators, logFile, { indicators: 20_000, lines: LINES });

/** A fresh data directory with the indicators imported and positions written often. */
function prepare(name: string): string {
  const cwd = join(root, name);
  rmSync(cwd, { recursive: true, force: true });
  writeFileSync(join(root, `${name}.yaml`), 'observe:\n  flush_ms: 100\n');
  const res = runCli(
    ['intel', 'import', indicators, '--format', 'plain', '--type', 'domain', '--source', 'feed', '--json'],
    {
      cwd: root,
      env: { MIZUGIWA_DATA_DIR: join(cwd, 'data') },
    },
  );
  assert.equal(res.code, 0, res.stderr);
  return cwd;
}

function readOptional(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    return Buffer.alloc(0);
  }
}

function replayArgs(name: string): string[] {
  return [
    'observe',
    'replay',
    logFile,
    '--format',
    'bind-querylog',
    '--timezone',
    'UTC',
    '--json',
    '--config',
    join(root, `${name}.yaml`),
  ];
}

function sightings(cwd: string): Map<string, number> {
  const db = new Database(join(cwd, 'data', 'mizugiwa.db'), { readonly: true });
  try {
    const rows = db.prepare('select indicator_value, client, window_start, count from sightings').all() as {
      indicator_value: string;
      client: string;
      window_start: string;
      count: number;
    }[];
    return new Map(rows.map((r) => [`${r.indicator_value} ${r.client} ${r.window_start}`, r.count]));
  } finally {
    db.close();
  }
}

function position(cwd: string): number {
  try {
    const db = new Database(join(cwd, 'data', 'mizugiwa.db'), { readonly: true, timeout: 1000 });
    try {
      const row = db.prepare('select offset from observe_positions').get() as { offset: number } | undefined;
      return row?.offset ?? 0;
    } finally {
      db.close();
    }
  } catch {
    return 0; // not created yet, or locked for a moment
  }
}

describe('observe replay', () => {
  let whole: Map<string, number>;

  test('counts every matching line exactly and keeps nothing of the rest', () => {
    const cwd = prepare('whole');
    const res = runCli(replayArgs('whole'), { cwd: root, env: { MIZUGIWA_DATA_DIR: join(cwd, 'data') } });
    assert.equal(res.code, 0, res.stderr);
    const result = JSON.parse(res.stdout.trim().split('\n').pop()!) as {
      lines: number;
      matches: number;
      observations: number;
    };
    assert.equal(result.lines, LINES);
    assert.equal(result.matches, truth.matchLines.length);
    whole = sightings(cwd);
    assert.equal(
      [...whole.values()].reduce((a, b) => a + b, 0),
      truth.matchLines.length,
    );
    // The secrecy of communications: a name that matched nothing leaves no trace in the store.
    const matching = new Set(truth.matchLines);
    const store = Buffer.concat([
      readFileSync(join(cwd, 'data', 'mizugiwa.db')),
      readOptional(join(cwd, 'data', 'mizugiwa.db-wal')),
    ]);
    const firstLines = readFileSync(logFile, 'utf8').split('\n', 200);
    // (A name that happens to be part of an indicator's text is in the store as part of that indicator.)
    const listedText = readFileSync(indicators, 'utf8');
    let checked = 0;
    firstLines.forEach((line, n) => {
      const name = / query: (\S+) /.exec(line)?.[1];
      if (!name || matching.has(n) || listedText.includes(name)) return;
      checked++;
      assert.equal(store.includes(name), false, `${name} (line ${n + 1}, matched nothing) is in the store`);
    });
    assert.ok(checked > 100);
  });

  test('killed with SIGKILL half-way and run again, it ends with the same sightings', async () => {
    const cwd = prepare('killed');
    const size = statSync(logFile).size;
    const child = spawn(process.execPath, [ENTRY, ...replayArgs('killed')], {
      cwd: root,
      env: childEnv({ MIZUGIWA_DATA_DIR: join(cwd, 'data') }),
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let at = 0;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      at = position(cwd);
      if (at > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await exited;
    assert.ok(
      at > 0 && at < size,
      `killed after ${at} of ${size} bytes were written: not half-way (make the log longer)`,
    );

    const res = runCli(replayArgs('killed'), { cwd: root, env: { MIZUGIWA_DATA_DIR: join(cwd, 'data') } });
    assert.equal(res.code, 0, res.stderr);
    const result = JSON.parse(res.stdout.trim().split('\n').pop()!) as { resumedFromLine: number; lines: number };
    assert.ok(result.resumedFromLine > 0, 'the second run went on from the stored position');
    assert.equal(result.resumedFromLine + result.lines, LINES);
    assert.deepEqual(sightings(cwd), whole);
  });
});
