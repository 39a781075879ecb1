// `mizugiwa intel` as an operator uses it: import a feed file, see what an allowlist suppressed, search,
// stats, and the guard that holds a snapshot which would wipe most of a source.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../support/serve.js';

const cwd = mkdtempSync(join(tmpdir(), 'mizugiwa-intel-'));
const cli = (args: string[]) => runCli(args, { cwd });
const lines = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

writeFileSync(
  join(cwd, 'mizugiwa.yaml'),
  'intel:\n  own:\n    domains: [isp.example.jp]\n  allowlists:\n    - name: partners\n      entries:\n        - {kind: hostname, value: bank.example}\n',
);

describe('mizugiwa intel', () => {
  test('import normalises, suppresses allowlisted values, files bad lines as dead letters', () => {
    const feed = [
      '# my list',
      'Evil.Example.',
      'login.bank.example',
      'www.isp.example.jp',
      'co.jp',
      'bad..name',
      '8.8.4.4',
      ...Array.from({ length: 8 }, (_, i) => `c2-${i}.example`),
    ];
    writeFileSync(join(cwd, 'list.txt'), `${feed.join('\n')}\n`);
    const res = cli(['intel', 'import', 'list.txt', '--format', 'plain', '--source', 'mylist', '--json']);
    assert.equal(res.code, 0, res.stderr);
    const [result] = lines(res.stdout);
    assert.equal(result?.accepted, 13);
    assert.equal(result?.rejected, 1);
    assert.equal(result?.suppressed, 3);

    const search = lines(cli(['intel', 'search', 'LOGIN.bank.example.', '--json']).stdout);
    assert.equal(search[0]?.suppressedBy, 'partners / hostname:bank.example');
    assert.equal(search[0]?.effective, false);
    const evil = lines(cli(['intel', 'search', 'evil.example', '--json']).stdout);
    assert.equal(evil[0]?.effective, true);

    const dead = cli(['deadletter', 'list', '--json']);
    assert.match(dead.stdout, /list\.txt:6/);
    assert.match(dead.stdout, /empty label/);

    const stats = lines(cli(['intel', 'stats', '--json']).stdout);
    const domains = stats.find((s) => s.source === 'mylist' && s.type === 'domain');
    assert.deepEqual([domains?.total, domains?.effective, domains?.suppressed], [12, 9, 3]);
  });

  test('a snapshot that would retire most of a source is held (exit 3) until approved', () => {
    writeFileSync(join(cwd, 'short.txt'), 'c2-0.example\n');
    const held = cli(['intel', 'import', 'short.txt', '--format', 'plain', '--source', 'mylist']);
    assert.equal(held.code, 3);
    assert.match(held.stdout, /HELD: this snapshot would retire 12 of 13 indicators \(92%\); nothing was retired/);
    assert.match(cli(['intel', 'sources']).stdout, /mylist\s+plain\s+full\s+block\s+\S+\s+13\s+0\s+HELD/);

    const approved = cli(['intel', 'approve', 'mylist']);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /mylist: retired 12 indicators/);
    assert.equal(lines(cli(['intel', 'search', 'evil.example', '--json']).stdout).length, 0);
    assert.match(cli(['audit', 'list', '--action', 'intel.']).stdout, /intel\.approve\s+source:mylist/);
  });

  test('a wrong format name is refused with the list of formats', () => {
    const res = cli(['intel', 'import', 'list.txt', '--format', 'grep', '--source', 'x']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /--format: expected one of plain, hosts, csv, urlhaus/);
  });

  test('fetch runs a configured file source; after a config fix, replay turns its dead letters into claims', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-intel-fetch-'));
    const run = (args: string[]) => runCli(args, { cwd: dir });
    writeFileSync(
      join(dir, 'partner.csv'),
      'indicator,score,note\nc2-a.example,90,seen\nc2-b.example,high,seen twice\n',
    );
    const config = (columns: string) =>
      `intel:\n  sources:\n    - name: partner\n      format: csv\n      file: partner.csv\n      snapshot: delta\n      options:\n        columns: ${columns}\n`;
    writeFileSync(join(dir, 'mizugiwa.yaml'), config('{value: indicator, confidence: score}'));
    const first = run(['intel', 'fetch', 'partner', '--json']);
    assert.equal(first.code, 0, first.stderr);
    const [result] = lines(first.stdout);
    assert.deepEqual([result?.accepted, result?.rejected], [1, 1]);
    assert.match(run(['deadletter', 'list']).stdout, /partner\s+csv\s+.*partner\.csv:3/);

    writeFileSync(join(dir, 'mizugiwa.yaml'), config('{value: indicator}'));
    const replay = run(['deadletter', 'replay', '--all']);
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /replayed 1, still rejected 0/);
    const found = lines(run(['intel', 'search', 'c2-b.example', '--json']).stdout);
    assert.equal(found[0]?.source, 'partner');
    assert.equal(found[0]?.effective, true);

    const unknown = run(['intel', 'fetch', 'nope']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no source named "nope" in the config \(configured: partner\)/);
  });
});
