// `mizugiwa serve` as a process: first start, one instance per SQLite file, clean stop on SIGTERM
// with in-flight writes finished, restart, and the same server on the real PostgreSQL.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { runCli, startServe, stopServe, ENTRY, childEnv } from '../support/serve.js';
import { dropSchema, postgresReachable, TEST_PG_URL } from '../support/stores.js';
import { requireOrSkip } from '../support/components.js';

async function signInAdmin(baseUrl: string, password: string) {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return res.json() as Promise<{ user: { mustChangePassword: boolean } }>;
}

describe('mizugiwa serve', () => {
  test('first start prints the admin password once; a second server on the same file refuses; SIGTERM stops cleanly', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mizugiwa-serve-'));
    const first = await startServe(cwd);
    try {
      assert.ok(first.password, 'a one-time password is printed on first start');
      assert.ok(
        first.output.some((l) => l.includes('一時パスワード')),
        'the notice is also in Japanese',
      );
      const me = await signInAdmin(first.baseUrl, first.password);
      assert.equal(me.user.mustChangePassword, true);
      const page = await fetch(first.baseUrl);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<div id="root">/);

      const second = spawnSync(process.execPath, [ENTRY, 'serve'], {
        cwd,
        env: childEnv({ MIZUGIWA_DATA_DIR: join(cwd, 'data'), MIZUGIWA_HTTP_LISTEN: '127.0.0.1:0' }),
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(second.status, 1);
      assert.match(
        second.stderr,
        new RegExp(
          `another Mizugiwa server \\(pid ${first.child.pid}, running since .+\\) is already using .*mizugiwa\\.db`,
        ),
      );
    } finally {
      assert.equal(await stopServe(first), 0);
    }
    assert.ok(
      first.output.some((l) => l.includes('"msg":"stopped"')),
      'the server logs that it stopped',
    );
    assert.equal(existsSync(join(cwd, 'data', 'mizugiwa.db.lock')), false, 'the lock is released');

    const again = await startServe(cwd);
    try {
      assert.equal(again.password, undefined, 'no new password on a later start');
    } finally {
      await stopServe(again);
    }
  });

  test('a lock left by a crashed server is taken over', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mizugiwa-serve-'));
    runCli(['db', 'migrate'], { cwd });
    const { hostname } = await import('node:os');
    writeFileSync(
      join(cwd, 'data', 'mizugiwa.db.lock'),
      JSON.stringify({ pid: 2 ** 22 + 17, host: hostname(), since: '2026-01-01T00:00:00Z' }),
    );
    const served = await startServe(cwd);
    await stopServe(served);
  });

  test('writes in flight when SIGTERM arrives are finished and recorded', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mizugiwa-serve-'));
    const served = await startServe(cwd);
    const secret = runCli(['token', 'create', 'load', '--role', 'admin'], { cwd }).stdout.trim();
    const put = (i: number) =>
      fetch(`${served.baseUrl}/api/subscribers/S-${i}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `Subscriber ${i}` }),
      }).then(
        (r) => r.status,
        () => 'refused' as const,
      );
    const inFlight = Array.from({ length: 60 }, (_, i) => put(i));
    await new Promise((r) => setTimeout(r, 15));
    const code = await stopServe(served);
    const statuses = await Promise.all(inFlight);
    assert.equal(code, 0);
    const accepted = statuses.filter((s) => s === 204).length;
    assert.ok(
      statuses.every((s) => s === 204 || s === 'refused' || s === 503),
      `unexpected answers: ${statuses.join(',')}`,
    );

    const verify = runCli(['audit', 'verify'], { cwd });
    assert.equal(verify.code, 0, verify.stdout);
    const writes = runCli(['audit', 'list', '--action', 'subscriber.write', '-n', '1000', '--json'], {
      cwd,
    }).stdout.trim();
    assert.equal(
      writes ? writes.split('\n').length : 0,
      accepted,
      'every accepted write is in the store and the audit trail, and no other',
    );
  });

  test('runs on PostgreSQL with database.url', async (t) => {
    if (!(await postgresReachable())) {
      t.skip(requireOrSkip(`PostgreSQL not reachable at ${TEST_PG_URL}`));
      return;
    }
    const cwd = mkdtempSync(join(tmpdir(), 'mizugiwa-serve-pg-'));
    const schema = `mz_e2e_${randomBytes(5).toString('hex')}`;
    const env = { MIZUGIWA_DATABASE_URL: TEST_PG_URL, MIZUGIWA_DATABASE_SCHEMA: schema };
    const served = await startServe(cwd, env);
    try {
      assert.ok(served.password);
      await signInAdmin(served.baseUrl, served.password);
      const health = await (await fetch(`${served.baseUrl}/healthz`)).json();
      assert.deepEqual(health, { status: 'ok', database: 'ok' });
      assert.equal(existsSync(join(cwd, 'data', 'mizugiwa.db')), false, 'no SQLite file when PostgreSQL is configured');
      const verify = runCli(['audit', 'verify'], { cwd, env });
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      assert.match(verify.stdout, /intact: [2-9] entries/);
    } finally {
      await stopServe(served);
      await dropSchema(schema);
    }
  });

  test('an invalid config stops the start with the reason', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mizugiwa-serve-'));
    const res = runCli(['serve'], { cwd, env: { MIZUGIWA_HTTP_LISTEN: 'everywhere' } });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /http\.listen \(from MIZUGIWA_HTTP_LISTEN\): expected host:port/);
  });
});
