import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sqliteStore } from '../../test/support/stores.js';
import { bearer, signIn, testApp, TEST_PASSWORD, type TestApp } from '../../test/support/app.js';
import { listAudit } from '../audit/query.js';
import { putDeadLetter } from '../store/dead-letters.js';
import { registerReplayer } from '../deadletter/replay.js';

describe('HTTP API', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp(await sqliteStore());
  });
  after(async () => t?.close());

  describe('sign-in and sessions', () => {
    test('a wrong password is refused in the caller language and audited', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: { 'accept-language': 'ja,en;q=0.5' },
        payload: { username: 'alice', password: 'wrong password here' },
      });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().code, 'auth.invalid_credentials');
      assert.equal(res.json().message, 'ユーザー名またはパスワードが違います。');
      const [entry] = await listAudit(t.store.db, { limit: 1, action: 'auth.login_failed' });
      assert.equal(entry?.target, 'user:alice');
    });

    test('an unknown user gets the same answer as a wrong password', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'mallory', password: 'x' },
      });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().code, 'auth.invalid_credentials');
    });

    test('the session cookie is httpOnly and SameSite=Strict; writes need the CSRF token', async () => {
      const s = await signIn(t.app, 'alice', TEST_PASSWORD);
      assert.equal(s.setCookie.httpOnly, true);
      assert.equal(s.setCookie.sameSite, 'Strict');
      const read = await t.app.inject({ method: 'GET', url: '/api/overview', headers: { cookie: s.cookie } });
      assert.equal(read.statusCode, 200);
      assert.equal(read.json().database, 'sqlite');

      const noCsrf = await t.app.inject({ method: 'POST', url: '/api/jobs/1/cancel', headers: { cookie: s.cookie } });
      assert.equal(noCsrf.statusCode, 403);
      assert.equal(noCsrf.json().code, 'auth.csrf');
      const wrongCsrf = await t.app.inject({
        method: 'POST',
        url: '/api/jobs/1/cancel',
        headers: { cookie: s.cookie, 'x-csrf-token': 'guess' },
      });
      assert.equal(wrongCsrf.statusCode, 403);
      const withCsrf = await t.app.inject({
        method: 'POST',
        url: '/api/jobs/999/cancel',
        headers: { cookie: s.cookie, 'x-csrf-token': s.csrfToken },
      });
      assert.equal(withCsrf.statusCode, 404, withCsrf.body);
    });

    test('logout ends the session', async () => {
      const s = await signIn(t.app, 'alice', TEST_PASSWORD);
      const out = await t.app.inject({
        method: 'POST',
        url: '/api/auth/logout',
        headers: { cookie: s.cookie, 'x-csrf-token': s.csrfToken },
      });
      assert.equal(out.statusCode, 204);
      const again = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: s.cookie } });
      assert.equal(again.statusCode, 401);
      assert.equal(again.json().code, 'auth.session_expired');
    });

    test('a one-time password allows only changing it; the change opens a fresh session', async () => {
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: bearer(t.tokens.admin),
        payload: { username: 'bob', role: 'abuse_desk', password: 'temporary-pass-123' },
      });
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.json().mustChangePassword, true);

      const s = await signIn(t.app, 'bob', 'temporary-pass-123');
      assert.equal(s.user.mustChangePassword, true);
      const blocked = await t.app.inject({ method: 'GET', url: '/api/overview', headers: { cookie: s.cookie } });
      assert.equal(blocked.statusCode, 403);
      assert.equal(blocked.json().code, 'auth.must_change_password');

      const weak = await t.app.inject({
        method: 'POST',
        url: '/api/auth/password',
        headers: { cookie: s.cookie, 'x-csrf-token': s.csrfToken },
        payload: { currentPassword: 'temporary-pass-123', newPassword: 'short' },
      });
      assert.equal(weak.statusCode, 400);
      assert.equal(weak.json().code, 'auth.password_weak');

      const changed = await t.app.inject({
        method: 'POST',
        url: '/api/auth/password',
        headers: { cookie: s.cookie, 'x-csrf-token': s.csrfToken },
        payload: { currentPassword: 'temporary-pass-123', newPassword: 'a much better password' },
      });
      assert.equal(changed.statusCode, 204, changed.body);
      const fresh = changed.cookies.find((c) => c.name === 'mizugiwa_session')!;
      const me = await t.app.inject({
        method: 'GET',
        url: '/api/auth/me',
        headers: { cookie: `mizugiwa_session=${fresh.value}` },
      });
      assert.equal(me.json().user.mustChangePassword, false);
      const old = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: s.cookie } });
      assert.equal(old.statusCode, 401, 'the session opened with the old password must end');
    });

    test('disabling a user ends their sessions; the last admin cannot be disabled', async () => {
      const s = await signIn(t.app, 'alice', TEST_PASSWORD);
      const res = await t.app.inject({
        method: 'PATCH',
        url: '/api/users/alice',
        headers: bearer(t.tokens.admin),
        payload: { disabled: true },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.ok(res.json().disabledAt);
      const me = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: s.cookie } });
      assert.equal(me.statusCode, 401);
      await t.app.inject({
        method: 'PATCH',
        url: '/api/users/alice',
        headers: bearer(t.tokens.admin),
        payload: { disabled: false },
      });

      await t.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: bearer(t.tokens.admin),
        payload: { username: 'root2', role: 'admin', password: 'temporary-pass-123' },
      });
      const one = await t.app.inject({
        method: 'PATCH',
        url: '/api/users/root2',
        headers: bearer(t.tokens.admin),
        payload: { disabled: true },
      });
      assert.equal(one.statusCode, 409);
      assert.equal(one.json().code, 'user.last_admin');
    });
  });

  test('sign-in attempts from one address are limited per minute, with the wait in the message', async () => {
    const limited = await testApp(await sqliteStore(), { http: { ...t.config.http, login_attempts_per_minute: 3 } });
    try {
      const attempt = () =>
        limited.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          headers: { 'accept-language': 'en' },
          payload: { username: 'alice', password: 'guess' },
        });
      for (let i = 0; i < 3; i++) assert.equal((await attempt()).statusCode, 401);
      const refused = await attempt();
      assert.equal(refused.statusCode, 429);
      assert.equal(refused.json().code, 'auth.too_many_attempts');
      assert.match(refused.json().message, /Wait \d+ seconds/);
    } finally {
      await limited.close();
    }
  });

  describe('errors and validation', () => {
    test('a bad body names the field and the problem', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: bearer(t.tokens.admin),
        payload: { username: 'carol', role: 'superuser', password: 'temporary-pass-123' },
      });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().code, 'request.invalid');
      assert.match(res.json().message, /body\.role/);
    });

    test('unknown API paths get the JSON error shape', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/nothing-here', headers: bearer(t.tokens.admin) });
      assert.equal(res.statusCode, 404);
      assert.deepEqual(Object.keys(res.json()).sort(), ['code', 'message', 'statusCode']);
    });
  });

  describe('API tokens', () => {
    test('a token is shown once, works, and stops working when revoked or expired', async () => {
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/tokens',
        headers: bearer(t.tokens.admin),
        payload: { name: 'export', role: 'viewer', expires: '30d' },
      });
      assert.equal(created.statusCode, 201);
      const { secret, token } = created.json() as { secret: string; token: { id: number; expiresAt: string } };
      assert.ok(Date.parse(token.expiresAt) > Date.now() + 29 * 86_400_000);
      const list = await t.app.inject({ method: 'GET', url: '/api/tokens', headers: bearer(t.tokens.admin) });
      assert.ok(!list.body.includes(secret), 'the list never contains a secret');
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/jobs', headers: bearer(secret) })).statusCode, 200);
      await t.app.inject({ method: 'DELETE', url: `/api/tokens/${token.id}`, headers: bearer(t.tokens.admin) });
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/jobs', headers: bearer(secret) })).statusCode, 401);

      await t.store.db
        .updateTable('apiTokens')
        .set({ expiresAt: '2000-01-01T00:00:00.000Z', revokedAt: null })
        .where('id', '=', token.id)
        .execute();
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/jobs', headers: bearer(secret) })).statusCode, 401);
    });
  });

  describe('subscriber data', () => {
    test('reads need a purpose and each read is audited with it', async () => {
      const put = await t.app.inject({
        method: 'PUT',
        url: '/api/subscribers/C-1001',
        headers: bearer(t.tokens.admin),
        payload: { name: '山田 太郎', email: 'taro@example.jp', contract: 'FTTH-1G' },
      });
      assert.equal(put.statusCode, 204, put.body);

      const noPurpose = await t.app.inject({
        method: 'GET',
        url: '/api/subscribers/C-1001',
        headers: bearer(t.tokens.abuse_desk),
      });
      assert.equal(noPurpose.statusCode, 400);
      const shortPurpose = await t.app.inject({
        method: 'GET',
        url: '/api/subscribers/C-1001?purpose=other&reference=x',
        headers: bearer(t.tokens.abuse_desk),
      });
      assert.equal(shortPurpose.json().code, 'purpose.other_needs_text');
      const unlisted = await t.app.inject({
        method: 'GET',
        url: '/api/subscribers/C-1001?purpose=curiosity',
        headers: bearer(t.tokens.abuse_desk),
      });
      assert.equal(unlisted.statusCode, 400);

      const ok = await t.app.inject({
        method: 'GET',
        url: `/api/subscribers/C-1001?purpose=abuse-notice&reference=${encodeURIComponent('case 2026-0042 botnet notice')}`,
        headers: bearer(t.tokens.abuse_desk),
      });
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.json().name, '山田 太郎');
      const [entry] = await listAudit(t.store.db, { limit: 1, action: 'subscriber.read' });
      assert.equal(entry?.purpose, 'abuse-notice: case 2026-0042 botnet notice');
      assert.equal(entry?.target, 'subscriber:C-1001');
      assert.match(entry!.actor, /^token:\d+:test-abuse_desk$/);

      const search = await t.app.inject({
        method: 'GET',
        url: '/api/subscribers?search=taro&purpose=legal-disclosure&reference=LR-7',
        headers: bearer(t.tokens.legal),
      });
      assert.deepEqual(
        search.json().items.map((s: { id: string }) => s.id),
        ['C-1001'],
      );
      const missing = await t.app.inject({
        method: 'GET',
        url: '/api/subscribers/C-9?purpose=abuse-notice&reference=case%201234',
        headers: bearer(t.tokens.legal),
      });
      assert.equal(missing.statusCode, 404);
    });
  });

  describe('dead letters', () => {
    test('are listed without raw bytes, shown with them (audited), replayed as a job, and counted in /metrics', async () => {
      registerReplayer('test-lines', async (raw) =>
        Buffer.from(raw).toString('utf8').startsWith('good')
          ? { ok: true }
          : { ok: false, reason: 'still not a good line' },
      );
      const good = await putDeadLetter(t.store.db, {
        source: 'feed-a',
        format: 'test-lines',
        reason: 'parser bug',
        position: 'a.txt:3',
        raw: Buffer.from('good line'),
      });
      const bad = await putDeadLetter(t.store.db, {
        source: 'feed-a',
        format: 'test-lines',
        reason: 'garbage',
        position: 'a.txt:4',
        raw: Buffer.from('\u0000bad'),
      });

      const list = await t.app.inject({
        method: 'GET',
        url: '/api/deadletters?source=feed-a',
        headers: bearer(t.tokens.viewer),
      });
      assert.equal(list.json().total, 2);
      assert.equal(list.json().items[0].raw, undefined);

      const shown = await t.app.inject({
        method: 'GET',
        url: `/api/deadletters/${good}`,
        headers: bearer(t.tokens.analyst),
      });
      assert.equal(shown.json().rawText, 'good line');
      const [read] = await listAudit(t.store.db, { limit: 1, action: 'deadletter.read' });
      assert.equal(read?.target, `deadletter:${good}`);

      const replay = await t.app.inject({
        method: 'POST',
        url: '/api/deadletters/replay',
        headers: bearer(t.tokens.analyst),
        payload: { ids: [good, bad] },
      });
      assert.equal(replay.statusCode, 202);
      const jobId = replay.json().jobId as number;
      let job: { state: string; done: number; total: number } | undefined;
      for (let i = 0; i < 50; i++) {
        job = (
          await t.app.inject({ method: 'GET', url: `/api/jobs/${jobId}`, headers: bearer(t.tokens.viewer) })
        ).json();
        if (job?.state !== 'running') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(job?.state, 'succeeded');
      assert.equal(job?.done, 2);
      assert.equal(job?.total, 2);

      const after = (
        await t.app.inject({ method: 'GET', url: '/api/deadletters?source=feed-a', headers: bearer(t.tokens.viewer) })
      ).json();
      const byId = new Map(after.items.map((i: { id: number }) => [i.id, i]));
      assert.ok((byId.get(good) as { replayedAt: string }).replayedAt);
      assert.equal((byId.get(bad) as { lastError: string }).lastError, 'still not a good line');

      const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, /mizugiwa_dead_letters\{source="feed-a",format="test-lines",state="pending"\} 1/);
      assert.match(metrics.body, /mizugiwa_dead_letters\{source="feed-a",format="test-lines",state="replayed"\} 1/);
      assert.match(
        metrics.body,
        /mizugiwa_http_requests_total\{method="GET",route="\/api\/deadletters",status="200"\}/,
      );

      const purge = await t.app.inject({
        method: 'POST',
        url: '/api/deadletters/purge',
        headers: bearer(t.tokens.analyst),
        payload: { replayed: true },
      });
      assert.equal(purge.json().deleted, 1);
    });

    test('replaying a format with no parser loaded says so', async () => {
      const id = await putDeadLetter(t.store.db, {
        source: 'x',
        format: 'nobody-parses-this',
        reason: 'r',
        position: 'p',
        raw: Buffer.from('x'),
      });
      const replay = await t.app.inject({
        method: 'POST',
        url: '/api/deadletters/replay',
        headers: bearer(t.tokens.analyst),
        payload: { ids: [id] },
      });
      const job = (
        await t.app.inject({ method: 'GET', url: `/api/jobs/${replay.json().jobId}`, headers: bearer(t.tokens.viewer) })
      ).json();
      await new Promise((r) => setTimeout(r, 100));
      const done = (
        await t.app.inject({ method: 'GET', url: `/api/jobs/${job.id}`, headers: bearer(t.tokens.viewer) })
      ).json();
      assert.equal(done.state, 'failed');
      assert.match(done.error, /No parser named "nobody-parses-this"/);
    });
  });

  describe('documentation and health', () => {
    test('the OpenAPI document lists the routes and the docs page is served', async () => {
      const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
      assert.equal(doc.openapi.startsWith('3.'), true);
      assert.ok(doc.paths['/api/subscribers/{id}'].get);
      assert.ok(doc.paths['/api/tokens'].post.requestBody);
      const docs = await t.app.inject({ method: 'GET', url: '/api/docs/' });
      assert.equal(docs.statusCode, 200);
      assert.match(docs.body, /swagger/i);
    });

    test('healthz checks the database', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/healthz' });
      assert.deepEqual(res.json(), { status: 'ok', database: 'ok' });
    });

    test('audit verify through the API reports an intact chain', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/api/audit/verify', headers: bearer(t.tokens.legal) });
      assert.equal(res.json().ok, true);
      assert.ok(res.json().checked > 10);
    });
  });
});
