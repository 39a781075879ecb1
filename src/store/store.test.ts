import assert from 'node:assert/strict';
import { MIGRATIONS } from './migrations/index.js';
import { after, before, describe, test } from 'node:test';
import { storeKinds, type TestStore } from '../../test/support/stores.js';
import { migrate } from './migrate.js';
import { createUser, ensureFirstAdmin, setPassword } from '../auth/users.js';
import { login, purgeExpiredSessions, resumeSession } from '../auth/sessions.js';
import { authenticateToken, createToken, revokeToken } from '../auth/tokens.js';
import {
  countDeadLetters,
  deleteDeadLetters,
  listDeadLetters,
  MAX_RAW_BYTES,
  putDeadLetter,
  getDeadLetter,
} from './dead-letters.js';
import { failStaleJobs, getJob, listJobs } from './jobs.js';
import { startJob } from '../jobs/run.js';
import { writeObservationFlush } from './sightings.js';
import { housekeeping } from '../jobs/housekeeping.js';
import { readSubscribers, upsertSubscriber } from './subscribers.js';
import { UserFacingError } from '../domain/user-facing-error.js';
import { configSchema } from '../config/schema.js';

const system = { actor: { kind: 'system', component: 'test' } } as const;

for (const kind of await storeKinds()) {
  describe(`store on ${kind.name}`, { skip: kind.skip }, () => {
    let store: TestStore;
    before(async () => {
      store = await kind.open();
    });
    after(async () => store?.dispose());

    test('migrations are idempotent', async () => {
      const again = await migrate(store);
      assert.deepEqual(again.applied, []);
      assert.equal(again.current, MIGRATIONS[MIGRATIONS.length - 1]?.name);
    });

    test('the first admin is created once, with a one-time password', async () => {
      const password = await ensureFirstAdmin(store.db);
      assert.ok(password && password.length >= 20);
      assert.equal(await ensureFirstAdmin(store.db), undefined);
      const session = await login(store.db, { username: 'admin', password: password! }, 1);
      assert.equal(session.user.role, 'admin');
      assert.equal(session.user.mustChangePassword, true);
    });

    test('users: duplicate names and weak passwords are refused with a reason', async () => {
      await createUser(store.db, system, { username: 'dana', role: 'legal', password: 'twelve chars ok' });
      await assert.rejects(
        createUser(store.db, system, { username: 'dana', role: 'viewer', password: 'twelve chars ok' }),
        (e: unknown) => e instanceof UserFacingError && e.key === 'user.exists',
      );
      await assert.rejects(
        createUser(store.db, system, { username: 'erin', role: 'viewer', password: 'short' }),
        (e: unknown) => e instanceof UserFacingError && e.key === 'auth.password_weak',
      );
      await assert.rejects(
        createUser(store.db, system, { username: 'bad name!', role: 'viewer', password: 'twelve chars ok' }),
        (e: unknown) => e instanceof UserFacingError && e.key === 'user.bad_name',
      );
    });

    test('sessions resume until they expire, and end when the password changes', async () => {
      const s = await login(store.db, { username: 'dana', password: 'twelve chars ok' }, 1);
      assert.equal((await resumeSession(store.db, s.sessionId, 1))?.user.username, 'dana');
      assert.equal(await resumeSession(store.db, 'not-a-session', 1), undefined);
      await setPassword(store.db, system, 'dana', 'another good password', false);
      assert.equal(await resumeSession(store.db, s.sessionId, 1), undefined);
      const s2 = await login(store.db, { username: 'dana', password: 'another good password' }, 1);
      await store.db.updateTable('sessions').set({ expiresAt: '2000-01-01T00:00:00.000Z' }).execute();
      assert.equal(await resumeSession(store.db, s2.sessionId, 1), undefined);
      assert.ok((await purgeExpiredSessions(store.db)) >= 1);
      const left = await store.db
        .selectFrom('sessions')
        .select('idHash')
        .where('expiresAt', '<=', new Date().toISOString())
        .execute();
      assert.equal(left.length, 0);
    });

    test('tokens are stored hashed and stop at revocation', async () => {
      const { token, secret } = await createToken(store.db, system, { name: 'siem', role: 'viewer' });
      const stored = await store.db
        .selectFrom('apiTokens')
        .selectAll()
        .where('id', '=', token.id)
        .executeTakeFirstOrThrow();
      assert.notEqual(stored.tokenHash, secret);
      assert.ok(!JSON.stringify(stored).includes(secret.slice(4)));
      assert.equal((await authenticateToken(store.db, secret))?.id, token.id);
      await revokeToken(store.db, system, token.id);
      assert.equal(await authenticateToken(store.db, secret), undefined);
    });

    test('dead letters keep raw bytes exactly, cap huge ones, count and purge', async () => {
      const raw = Buffer.from([0, 255, 10, 13, 0xe6, 0xb0, 0xb4]);
      const id = await putDeadLetter(store.db, { source: 's', format: 'f', reason: 'bad', position: 'x:1', raw });
      assert.deepEqual(Buffer.from((await getDeadLetter(store.db, id))!.raw), raw);
      const bigId = await putDeadLetter(store.db, {
        source: 's',
        format: 'f',
        reason: 'huge',
        position: 'x:2',
        raw: Buffer.alloc(MAX_RAW_BYTES + 10, 1),
      });
      const big = (await getDeadLetter(store.db, bigId))!;
      assert.equal(big.raw.byteLength, MAX_RAW_BYTES);
      assert.equal(big.size, MAX_RAW_BYTES + 10);
      assert.match(big.reason, /cut to/);
      const page = await listDeadLetters(store.db, { source: 's', limit: 1, offset: 0 });
      assert.equal(page.total, 2);
      assert.equal(page.items.length, 1);
      assert.deepEqual(await countDeadLetters(store.db), [{ source: 's', format: 'f', pending: 2, replayed: 0 }]);
      assert.equal(await deleteDeadLetters(store.db, { ids: [id] }), 1);
    });

    test('jobs record progress, success and failure; stale running jobs are failed', async () => {
      const ok = await startJob(store.db, { kind: 'test.count', actor: system.actor }, async (p) => {
        p.setTotal(3);
        for (let i = 0; i < 3; i++) p.advance();
        return 'done';
      });
      assert.equal(await ok.result, 'done');
      const okView = await getJob(store.db, ok.id);
      assert.equal(okView?.state, 'succeeded');
      assert.equal(okView?.done, 3);
      assert.equal(okView?.total, 3);

      const bad = await startJob(store.db, { kind: 'test.fail', actor: system.actor }, async () => {
        throw new Error('input file vanished');
      });
      await assert.rejects(bad.result, /vanished/);
      const badView = await getJob(store.db, bad.id);
      assert.equal(badView?.state, 'failed');
      assert.equal(badView?.error, 'input file vanished');

      await store.db
        .updateTable('jobs')
        .set({ state: 'running', updatedAt: '2000-01-01T00:00:00.000Z' })
        .where('id', '=', bad.id)
        .execute();
      assert.equal(await failStaleJobs(store.db, 60_000), 1);
      assert.match((await getJob(store.db, bad.id))!.error!, /interrupted/);
      assert.equal((await listJobs(store.db, { limit: 10, kind: 'test.count' })).length, 1);
    });

    test('housekeeping removes old dead letters and finished jobs, never audit entries', async () => {
      const before = await store.db
        .selectFrom('auditEntries')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const future = new Date(Date.now() + 400 * 86_400_000);
      await store.db
        .insertInto('sinkholeHits')
        .values({
          at: new Date().toISOString(),
          clientIp: '10.0.0.1',
          clientPort: 5,
          host: 'a.example',
          path: '/',
          userAgent: null,
          reference: 'MZ-TEST',
        })
        .execute();
      const at = new Date().toISOString();
      await writeObservationFlush(store.db, {
        sightings: [
          {
            indicatorType: 'domain',
            indicatorValue: 'evil.example',
            point: 'dns',
            client: '10.0.0.1',
            windowStart: at,
            firstSeen: at,
            lastSeen: at,
            count: 2,
            blockedCount: 0,
            categories: ['c2'],
            sources: ['test'],
            input: 'resolver1',
            detail: 'A',
            subscriber: null,
          },
        ],
        counts: [{ input: 'resolver1', point: 'dns', minute: at, observed: 9, matched: 2, rejected: 0, dropped: 0 }],
        deadLetters: [],
        raw: [],
        positions: [],
      });
      const result = await housekeeping(
        store.db,
        {
          deadletter: { retention_days: 90 },
          jobs: { history_days: 30, housekeeping_cron: '0 0 * * *' },
          intel: configSchema.parse({}).intel,
          enforce: configSchema.parse({}).enforce,
          observe: configSchema.parse({}).observe,
          attribute: configSchema.parse({}).attribute,
        },
        future,
      );
      assert.equal(result.deadLetters, 1);
      assert.ok(result.jobs >= 2);
      assert.equal(result.sinkholeHits, 1);
      assert.equal(result.sightings, 1);
      assert.equal(result.observeCounts, 1);
      const afterwards = await store.db
        .selectFrom('auditEntries')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(afterwards.n), Number(before.n));
    });

    test('subscriber reads without a purpose are refused; search escapes LIKE wildcards', async () => {
      await upsertSubscriber(store.db, system, {
        id: 'C-1',
        name: 'Sato 100%',
        email: null,
        phone: null,
        address: null,
        contract: null,
      });
      await upsertSubscriber(store.db, system, {
        id: 'C-2',
        name: 'Suzuki',
        email: null,
        phone: null,
        address: null,
        contract: null,
      });
      await assert.rejects(
        readSubscribers(store.db, { ...system, purpose: undefined }, { id: 'C-1' }),
        (e: unknown) => e instanceof UserFacingError && e.key === 'purpose.required',
      );
      const found = await readSubscribers(
        store.db,
        { ...system, purpose: { kind: 'customer-request', text: 'test of search' } },
        { search: '100%', limit: 10 },
      );
      assert.deepEqual(
        found.map((s) => s.id),
        ['C-1'],
      );
      const all = await readSubscribers(
        store.db,
        { ...system, purpose: { kind: 'customer-request', text: 'test of search' } },
        { search: '%', limit: 10 },
      );
      assert.deepEqual(
        all.map((s) => s.id),
        ['C-1'],
      );
    });
  });
}
