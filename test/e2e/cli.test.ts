// The `mizugiwa` command as an operator uses it, against a real SQLite file; the audit tamper check
// edits that file with Debian's sqlite3 shell, as an intruder with file access would.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { buildProgram } from '../../src/cli/main.js';
import { missingProgram } from '../support/components.js';
import { runCli } from '../support/serve.js';

const SQLITE3 = '/usr/bin/sqlite3';
const cwd = mkdtempSync(join(tmpdir(), 'mizugiwa-cli-'));
const cli = (args: string[], input?: string, env?: Record<string, string>) => runCli(args, { cwd, input, env });

describe('mizugiwa CLI', () => {
  test('--help lists every subcommand with a one-line description', () => {
    const { code, stdout } = cli(['--help']);
    assert.equal(code, 0);
    const names = buildProgram().commands.map((c) => c.name());
    assert.ok(names.length >= 9);
    for (const name of names) {
      // A command with an alias is listed as `name|alias`.
      const line = stdout
        .split('\n')
        .find((l) => l.trimStart().startsWith(`${name} `) || l.trimStart().startsWith(`${name}|`));
      assert.ok(line, `--help does not list ${name}`);
      assert.ok(line.replace(name, '').trim().length > 10, `${name} has no description in --help`);
    }
    for (const group of ['user', 'token', 'audit', 'deadletter', 'jobs', 'subscriber', 'config', 'db', 'intel']) {
      const sub = cli([group, '--help']);
      assert.equal(sub.code, 0);
      for (const c of buildProgram().commands.find((x) => x.name() === group)!.commands) {
        assert.match(sub.stdout, new RegExp(`\\b${c.name()}\\b`), `${group} --help lacks ${c.name()}`);
      }
      for (const c of buildProgram().commands.find((x) => x.name() === group)!.commands) {
        assert.ok(
          c.options.some((o) => o.long === '--config'),
          `${group} ${c.name()} does not take --config`,
        );
      }
    }
  });

  test('config check explains what is wrong and exits non-zero', () => {
    const bad = join(cwd, 'bad.yaml');
    writeFileSync(bad, 'http:\n  listen: nowhere\n');
    const res = cli(['config', 'check', bad]);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /http\.listen: expected host:port such as 127\.0\.0\.1:8080/);
    const good = cli(['config', 'check', new URL('../../mizugiwa.example.yaml', import.meta.url).pathname]);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /configuration is valid/);
  });

  test('db migrate creates the schema once', () => {
    assert.match(cli(['db', 'migrate']).stdout, /applied 0001-foundation/);
    assert.match(cli(['db', 'migrate']).stdout, /is up to date/);
  });

  test('users: add, list, change password, disable; errors in the operator language', () => {
    const add = cli(['user', 'add', 'hanako', '--role', 'abuse_desk', '--password-stdin'], 'a long enough password\n');
    assert.equal(add.code, 0, add.stderr);
    const generated = cli(['user', 'add', 'jiro', '--role', 'viewer']);
    assert.match(generated.stdout, /one-time password: \S{20}/);
    const users = cli(['user', 'list', '--json'])
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      users.map((u) => [u.username, u.role, u.state]),
      [
        ['hanako', 'abuse_desk', 'active'],
        ['jiro', 'viewer', 'must-change-password'],
      ],
    );
    assert.equal(cli(['user', 'passwd', 'hanako', '--password-stdin'], 'another long password\n').code, 0);
    assert.equal(cli(['user', 'disable', 'hanako']).code, 0);
    assert.match(cli(['user', 'list']).stdout, /hanako\s+abuse_desk\s+disabled/);

    const dup = cli(['user', 'add', 'jiro', '--role', 'viewer'], undefined, { LANG: 'ja_JP.UTF-8' });
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /ユーザー「jiro」は既に存在します/);
    const badRole = cli(['user', 'add', 'x1', '--role', 'boss']);
    assert.notEqual(badRole.code, 0);
    assert.match(badRole.stderr, /--role: expected one of viewer, analyst, abuse_desk, legal, admin/);
  });

  test('tokens: the secret is printed once, listed never, revoked at once', () => {
    const created = cli(['token', 'create', 'siem-export', '--role', 'viewer', '--expires', '90d']);
    assert.equal(created.code, 0, created.stderr);
    const secret = created.stdout.trim();
    assert.match(secret, /^mzg_[A-Za-z0-9_-]{43}$/);
    const list = cli(['token', 'list']);
    assert.ok(!list.stdout.includes(secret.slice(4)));
    assert.match(list.stdout, /siem-export\s+viewer\s+active/);
    assert.equal(cli(['token', 'revoke', '1']).code, 0);
    assert.match(cli(['token', 'list']).stdout, /siem-export\s+viewer\s+revoked/);
    assert.match(
      cli(['token', 'create', 'x', '--role', 'viewer', '--expires', 'yesterday']).stderr,
      /expiry must be a future time/,
    );
  });

  test('subscriber reads need a purpose, and the audit trail records it', () => {
    assert.equal(cli(['subscriber', 'set', 'C-77', '--name', '佐藤 花子', '--email', 'hanako@example.jp']).code, 0);
    const noPurpose = cli(['subscriber', 'show', 'C-77']);
    assert.notEqual(noPurpose.code, 0);
    assert.match(noPurpose.stderr, /purpose/);
    const shown = cli([
      'subscriber',
      'show',
      'C-77',
      '--purpose',
      'abuse-notice',
      '--reference',
      'case 2026-118',
      '--json',
    ]);
    assert.equal(JSON.parse(shown.stdout).name, '佐藤 花子');
    const [entry] = cli(['audit', 'list', '--action', 'subscriber.read', '--json'])
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(entry.purpose, 'abuse-notice: case 2026-118');
    assert.equal(entry.target, 'subscriber:C-77');
    assert.match(entry.actor, /^cli:/);
  });

  test('dead letters: an empty store lists nothing and replay says what it needs', () => {
    const list = cli(['deadletter', 'list']);
    assert.equal(list.code, 0);
    assert.match(list.stderr, /0 of 0/);
    assert.match(cli(['deadletter', 'replay']).stderr, /name dead-letter ids, or use --all/);
  });

  test(
    'audit verify passes, then fails naming the entry after one row is edited with sqlite3',
    { skip: missingProgram(SQLITE3, 'sqlite3') },
    () => {
      const ok = cli(['audit', 'verify']);
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /audit chain intact: \d+ entries verified/);

      const edit = spawnSync(
        SQLITE3,
        [join(cwd, 'data', 'mizugiwa.db'), "update audit_entries set purpose = 'routine check' where id = 4"],
        { encoding: 'utf8' },
      );
      assert.equal(edit.status, 0, edit.stderr);
      const broken = cli(['audit', 'verify']);
      assert.equal(broken.code, 1);
      assert.match(broken.stdout, /audit chain BROKEN at entry 4: entry 4 was edited/);

      const ja = cli(['audit', 'verify'], undefined, { LANG: 'ja_JP.UTF-8' });
      assert.match(ja.stdout, /監査ログの連鎖が壊れています（エントリ 4）/);
    },
  );
});
