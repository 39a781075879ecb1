import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bearer, testApp, type TestApp } from '../../test/support/app.js';
import { storeKinds } from '../../test/support/stores.js';
import { eventRow } from '../abuse/event-row.js';
import { applyLeaseRecords } from '../attribute/apply-leases.js';
import type { AbuseEvent } from '../domain/abuse-event.js';
import { leaseSession } from '../../test/support/lease-session.js';
import { addUserSubscribers } from '../../test/support/subscribers.js';

// The desk's daily work through the API: events and their filters, the unassigned queue and its
// retry once a late lease log is in, cases with their timeline, moves and notes — and who may.

const system = { actor: { kind: 'system', component: 'test' } } as const;
const T = Date.parse('2026-11-01T00:00:00Z');
const D = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

const event = (over: Partial<AbuseEvent> & { time: string }): AbuseEvent => ({
  type: 'infected-system',
  reporter: 'shadowserver',
  reportType: 'event4_sinkhole',
  evidence: 'test.csv:2',
  source: { address: '100.64.0.7' },
  ...over,
});

for (const kind of await storeKinds()) {
  describe(`abuse cases API on ${kind.name}`, { skip: kind.skip }, () => {
    let t: TestApp;
    let dataDir: string;
    let reportId = 0;
    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'mizugiwa-abuse-cases-api-'));
      t = await testApp(await kind.open(), { data_dir: dataDir });
      await applyLeaseRecords(t.store.db, 'radius', leaseSession('alice@isp', '100.64.0.7', T, T + 30 * D), {
        format: 'freeradius-detail',
      });
      await addUserSubscribers(t.store.db, system, [
        ['C-1', 'alice@isp'],
        ['C-2', 'bob@isp'],
      ]);
      const report = await t.store.db
        .insertInto('abuseReports')
        .values({
          sha256: 'f'.repeat(64),
          sizeBytes: 1,
          transport: 'cli',
          origin: 'test',
          receivedAt: new Date().toISOString(),
          format: 'shadowserver',
          reportType: null,
          mappingName: null,
          subject: null,
          sender: null,
          messageId: null,
          state: 'parsed',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      reportId = Number(report.id);
      const events = [
        event({ time: iso(T + 1 * D) }),
        event({ time: iso(T + 2 * D), source: { address: '100.64.0.7', port: 51413 } }),
        // bob's lease log has not arrived yet
        event({
          time: iso(T + 3 * D),
          source: { address: '100.64.0.9' },
          type: 'vulnerable-system',
          reportType: 'scan_ssh',
        }),
        event({ time: iso(T + 4 * D), source: { hostname: 'phish.example.com' }, type: 'phishing' }),
        event({ time: iso(T + 5 * D), source: { address: '2001:db8::1' }, needsReview: true }),
      ];
      await t.store.db
        .insertInto('abuseEvents')
        .values(events.map((e, i) => eventRow(e, reportId, i, new Date().toISOString())))
        .execute();
    });
    after(async () => {
      try {
        await t?.close();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    type Role = keyof TestApp['tokens'];
    const get = (role: Role, url: string, headers: Record<string, string> = {}) =>
      t.app.inject({ method: 'GET', url, headers: { ...bearer(t.tokens[role]), ...headers } });
    const post = (role: Role, url: string, payload?: object, headers: Record<string, string> = {}) =>
      t.app.inject({
        method: 'POST',
        url,
        headers: { ...bearer(t.tokens[role]), ...headers },
        ...(payload && { payload }),
      });
    const ids = (body: { items: { id: number }[] }) => body.items.map((i) => i.id);

    test('new events wait; a retry call attributes them into cases and queues the rest with their reasons', async () => {
      const waiting = (await get('analyst', '/api/abuse/events?state=new')).json();
      assert.equal(waiting.items.length, 5);
      const res = await post('abuse_desk', '/api/abuse/unassigned/retry');
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { retried: 0, attributed: 2, unassigned: 3, casesOpened: 1 });
      const queue = (await get('analyst', '/api/abuse/unassigned')).json();
      assert.deepEqual(
        queue.reasons.map((r: { reason: string; count: number }) => [r.reason, r.count]),
        [
          ['no-address', 1],
          ['no-lease', 2],
        ],
      );
      assert.equal(queue.items.length, 3);
      const noLease = (await get('analyst', '/api/abuse/unassigned?reason=no-lease')).json();
      assert.deepEqual(
        noLease.items.map((e: { source: { address: string } }) => e.source.address),
        ['2001:db8::1', '100.64.0.9'],
      );
    });

    test('events filter by state, subscriber, address (in any notation), type, reason, report, time; pages by id', async () => {
      const q = async (query: string) => (await get('analyst', `/api/abuse/events?${query}`)).json();
      assert.equal((await q('state=attributed')).items.length, 2);
      const alice = await q('subscriber=C-1');
      assert.equal(alice.items.length, 2);
      assert.ok(
        alice.items.every(
          (e: { subscriberKey: string; caseId: number }) => e.subscriberKey === 'alice@isp' && e.caseId > 0,
        ),
      );
      assert.equal((await q('address=100.64.0.7')).items.length, 2);
      assert.equal((await q('address=2001:DB8:0:0::1')).items[0]?.source.address, '2001:db8::1');
      assert.equal((await q('type=phishing')).items[0]?.source.hostname, 'phish.example.com');
      assert.equal((await q('reason=no-address')).items.length, 1);
      assert.equal((await q(`report=${reportId}`)).items.length, 5);
      assert.equal((await q('report=999999')).items.length, 0);
      assert.equal((await q('review=true')).items.length, 1);
      assert.equal((await q('review=false')).items.length, 4);
      const ported = await q('address=100.64.0.7&from=2026-11-02T12:00:00Z&to=2026-11-04T00:00:00Z');
      assert.deepEqual(
        ported.items.map((e: { source: { port: number } }) => e.source.port),
        [51413],
      );
      const all = await q('limit=500');
      const first = await q('limit=2');
      assert.deepEqual(ids(first), ids(all).slice(0, 2));
      assert.deepEqual(ids(await q(`limit=2&before=${first.next}`)), ids(all).slice(2, 4));
      assert.equal((await q('limit=500')).next, null);

      for (const bad of [
        'address=not-an-ip',
        'state=lost',
        'from=yesterday',
        'from=2026-11-05T00:00:00Z&to=2026-11-01T00:00:00Z',
        'type=spam-ish',
      ]) {
        const res = await get('analyst', `/api/abuse/events?${bad}`);
        assert.equal(res.statusCode, 400, bad);
        assert.equal(res.json().code, 'request.invalid', bad);
      }
    });

    test('when the late lease log is in, retrying the no-lease events gives them their subscriber', async () => {
      await applyLeaseRecords(t.store.db, 'radius', leaseSession('bob@isp', '100.64.0.9', T, T + 30 * D), {
        format: 'freeradius-detail',
      });
      const res = await post('abuse_desk', '/api/abuse/unassigned/retry', { reasons: ['no-lease'] });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { retried: 2, attributed: 1, unassigned: 1, casesOpened: 1 });
      const bob = (await get('analyst', '/api/abuse/events?subscriber=C-2')).json();
      assert.equal(bob.items[0]?.type, 'vulnerable-system');
      const audit = await t.store.db
        .selectFrom('auditEntries')
        .selectAll()
        .where('action', '=', 'abuse.unassigned.retry')
        .orderBy('id')
        .execute();
      assert.equal(audit.length, 2);
      assert.match(audit[1]!.detail!, /"retried":2/);
      assert.match(audit[1]!.actor, /test-abuse_desk/);

      const [phish] = (await get('analyst', '/api/abuse/events?reason=no-address')).json().items;
      const one = await post('admin', '/api/abuse/unassigned/retry', { ids: [phish.id] });
      assert.deepEqual(one.json(), { retried: 1, attributed: 0, unassigned: 1, casesOpened: 0 });
      const strict = await post('admin', '/api/abuse/unassigned/retry', { reasons: ['bad-luck'] });
      assert.equal(strict.statusCode, 400);
      const extra = await post('admin', '/api/abuse/unassigned/retry', { everything: true });
      assert.equal(extra.statusCode, 400);
    });

    test('cases list with filters; one case shows its timeline', async () => {
      const all = (await get('legal', '/api/abuse/cases')).json();
      assert.equal(all.items.length, 2);
      const alices = (await get('analyst', '/api/abuse/cases?subscriber=C-1')).json().items;
      assert.equal(alices.length, 1);
      assert.equal(alices[0].type, 'infected-system');
      assert.equal(alices[0].eventCount, 2);
      assert.equal(alices[0].firstEventAt, iso(T + 1 * D));
      assert.equal(
        (await get('analyst', '/api/abuse/cases?type=vulnerable-system')).json().items[0].subscriberId,
        'C-2',
      );
      assert.deepEqual((await get('analyst', '/api/abuse/cases?state=closed')).json().items, []);
      assert.equal((await get('analyst', '/api/abuse/cases?state=open')).statusCode, 400);
      assert.equal((await get('analyst', '/api/abuse/cases?limit=1&offset=1')).json().items.length, 1);

      const shown = (await get('analyst', `/api/abuse/cases/${alices[0].id}`)).json();
      assert.equal(shown.case.id, alices[0].id);
      assert.deepEqual(
        shown.timeline.map((e: { kind: string }) => e.kind),
        ['event', 'event', 'state'],
        'events at when they happened, then the case opening now',
      );
      assert.equal(shown.timeline[1].port, 51413);
      const missing = await get('analyst', '/api/abuse/cases/999999');
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, 'abuse.case_not_found');
    });

    test('a case moves where it may, for a reason; notes join its timeline; refusals say why, in ja too', async () => {
      const [c] = (await get('analyst', '/api/abuse/cases?subscriber=C-1')).json().items;
      const moved = await post('abuse_desk', `/api/abuse/cases/${c.id}/move`, {
        state: 'notified',
        reason: 'called the subscriber',
      });
      assert.equal(moved.statusCode, 200, moved.body);
      assert.equal(moved.json().state, 'notified');

      const back = await post(
        'abuse_desk',
        `/api/abuse/cases/${c.id}/move`,
        { state: 'new', reason: 'undo' },
        { 'accept-language': 'ja' },
      );
      assert.equal(back.statusCode, 409);
      assert.equal(back.json().code, 'abuse.case_bad_move');
      assert.match(back.json().message, /ケース \d+ は notified です/);
      const noReason = await post('abuse_desk', `/api/abuse/cases/${c.id}/move`, { state: 'resolved', reason: ' ' });
      assert.equal(noReason.json().code, 'abuse.case_reason_required');
      assert.equal(
        (await post('abuse_desk', `/api/abuse/cases/${c.id}/move`, { state: 'done', reason: 'x y z' })).statusCode,
        400,
      );
      assert.equal(
        (await post('abuse_desk', '/api/abuse/cases/999999/move', { state: 'notified', reason: 'abc' })).statusCode,
        404,
      );

      const note = await post('abuse_desk', `/api/abuse/cases/${c.id}/notes`, { text: '加入者から折り返し電話あり' });
      assert.equal(note.statusCode, 201, note.body);
      assert.equal((await post('abuse_desk', `/api/abuse/cases/${c.id}/notes`, { text: '   ' })).statusCode, 400);
      assert.equal((await post('abuse_desk', '/api/abuse/cases/999999/notes', { text: 'lost' })).statusCode, 404);

      const { timeline } = (await get('analyst', `/api/abuse/cases/${c.id}`)).json();
      const moves = timeline.filter((e: { kind: string }) => e.kind === 'state');
      assert.deepEqual(
        moves.map((m: { to: string; reason: string }) => [m.to, m.reason]),
        [
          ['new', 'first event'],
          ['notified', 'called the subscriber'],
        ],
      );
      assert.match(moves[1].actor, /^token:\d+:test-abuse_desk$/);
      assert.ok(
        timeline.some(
          (e: { kind: string; text?: string }) => e.kind === 'note' && e.text === '加入者から折り返し電話あり',
        ),
      );
    });

    test('who may: reading takes abuse.read, moves, notes and retries abuse.write', async () => {
      const [c] = (await get('analyst', '/api/abuse/cases')).json().items;
      const refusals: [Role, 'GET' | 'POST', string, object?][] = [
        ['viewer', 'GET', '/api/abuse/events'],
        ['viewer', 'GET', '/api/abuse/cases'],
        ['viewer', 'GET', `/api/abuse/cases/${c.id}`],
        ['viewer', 'GET', '/api/abuse/unassigned'],
        ['analyst', 'POST', `/api/abuse/cases/${c.id}/move`, { state: 'closed', reason: 'not mine to close' }],
        ['legal', 'POST', `/api/abuse/cases/${c.id}/notes`, { text: 'x' }],
        ['analyst', 'POST', '/api/abuse/unassigned/retry', {}],
      ];
      for (const [role, method, url, payload] of refusals) {
        const res = method === 'GET' ? await get(role, url) : await post(role, url, payload);
        assert.equal(res.statusCode, 403, `${role} ${method} ${url}`);
        assert.equal(res.json().code, 'auth.forbidden');
      }
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/abuse/cases' })).statusCode, 401);
      const after = (await get('analyst', `/api/abuse/cases/${c.id}`)).json();
      assert.notEqual(after.case.state, 'closed', 'a refused move changed nothing');
      for (const role of ['analyst', 'legal', 'abuse_desk', 'admin'] as const)
        assert.equal((await get(role, '/api/abuse/unassigned')).statusCode, 200, role);
    });
  });
}
