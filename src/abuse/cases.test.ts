import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storeKinds, type TestStore } from '../../test/support/stores.js';
import { applyLeaseRecords } from '../attribute/apply-leases.js';
import type { AbuseEvent } from '../domain/abuse-event.js';
import type { AuditContext } from '../domain/actor.js';
import { UserFacingError } from '../domain/user-facing-error.js';
import { upsertSubscriber } from '../store/subscribers.js';
import { attributeNewEvents } from './attribute-events.js';
import { caseTimeline, listCases, moveCase } from './cases.js';
import { eventRow } from './event-row.js';
import { leaseSession } from '../../test/support/lease-session.js';

const DESK: AuditContext = { actor: { kind: 'cli', osUser: 'desk' } };
const T = Date.parse('2026-11-01T00:00:00Z');
const H = 3_600_000;
const D = 24 * H;

const event = (over: Partial<AbuseEvent> & { time: string }): AbuseEvent => ({
  type: 'infected-system',
  reporter: 'shadowserver',
  reportType: 'event4_sinkhole',
  evidence: 'test.csv:2',
  source: { address: '100.64.0.7' },
  ...over,
});

for (const kind of await storeKinds()) {
  describe(`abuse events into cases on ${kind.name}`, { skip: kind.skip }, () => {
    let store: TestStore;
    before(async () => {
      store = await kind.open();
      // 100.64.0.7 is alice's for the first ten days, then bob's; carol's key has no subscriber record.
      await applyLeaseRecords(
        store.db,
        'radius',
        [
          ...leaseSession('alice@isp', '100.64.0.7', T, T + 10 * D),
          ...leaseSession('bob@isp', '100.64.0.7', T + 10 * D + H, T + 60 * D),
          ...leaseSession('carol@isp', '100.64.0.9', T, T + 60 * D),
        ],
        { format: 'freeradius-detail' },
      );
      for (const [id, user] of [
        ['C-1', 'alice@isp'],
        ['C-2', 'bob@isp'],
      ] as const) {
        await upsertSubscriber(store.db, DESK, {
          id,
          name: id,
          email: `${id}@example.jp`,
          phone: null,
          address: null,
          contract: null,
          keys: [{ kind: 'user', value: user }],
        });
      }
    });
    after(async () => store?.dispose());

    async function addEvents(events: AbuseEvent[]): Promise<number[]> {
      const report = await store.db
        .insertInto('abuseReports')
        .values({
          sha256: `${Math.random()}`,
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
      const rows = events.map((e, i) => eventRow(e, Number(report.id), i, new Date().toISOString()));
      const ids = await store.db.insertInto('abuseEvents').values(rows).returning('id').execute();
      return ids.map((r) => Number(r.id));
    }

    const iso = (ms: number) => new Date(ms).toISOString();
    const stateOf = (id: number) =>
      store.db.selectFrom('abuseEvents').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    test('events go to the subscriber who held the address then, one case per subscriber and class', async () => {
      const [a1, a2, b1, a3, outside, nolease, carol, noaddr] = await addEvents([
        event({ time: iso(T + 1 * D) }),
        event({ time: iso(T + 2 * D) }),
        event({ time: iso(T + 20 * D) }), // the same address, now bob's
        event({ time: iso(T + 3 * D), type: 'vulnerable-system', reportType: 'scan_ssh' }),
        event({ time: iso(T + 1 * D), source: { address: '198.51.100.1' } }),
        event({ time: iso(T + 10 * D + 30 * 60_000) }), // between alice's stop and bob's start
        event({ time: iso(T + 5 * D), source: { address: '100.64.0.9' } }),
        event({ time: iso(T + 5 * D), source: { hostname: 'phish.example.com' } }),
      ]);
      const summary = await attributeNewEvents(store.db, {
        skewMs: 2000,
        ownPrefixes: ['100.64.0.0/10'],
        windowDays: () => 30,
        audit: { actor: { kind: 'system', component: 'abuse' } },
        batchSize: 3,
      });
      assert.deepEqual(summary, { attributed: 4, unassigned: 4, casesOpened: 3 });
      const [e1, e2, e3, e4] = (await Promise.all([a1!, a2!, b1!, a3!].map(stateOf))) as [
        Awaited<ReturnType<typeof stateOf>>,
        Awaited<ReturnType<typeof stateOf>>,
        Awaited<ReturnType<typeof stateOf>>,
        Awaited<ReturnType<typeof stateOf>>,
      ];
      assert.equal(e1.subscriberId, 'C-1');
      assert.equal(e1.caseId, e2.caseId, 'two events of one class within the window: one case');
      assert.equal(e3.subscriberId, 'C-2');
      assert.notEqual(e4.caseId, e1.caseId, 'another class: another case');
      for (const [id, reason] of [
        [outside, 'outside-prefixes'],
        [nolease, 'no-lease'],
        [carol, 'no-subscriber-record'],
        [noaddr, 'no-address'],
      ] as const) {
        const row = await stateOf(id!);
        assert.equal(row.state, 'unassigned');
        assert.equal(row.unassignedReason, reason);
      }
      const cases = await listCases(store.db, { subscriberId: 'C-1' }, { limit: 10, offset: 0 });
      assert.equal(cases.length, 2);
      const infected = cases.find((c) => c.type === 'infected-system')!;
      assert.equal(infected.eventCount, 2);
      assert.equal(infected.firstEventAt, iso(T + 1 * D));
      assert.equal(infected.lastEventAt, iso(T + 2 * D));
      const audit = await store.db
        .selectFrom('auditEntries')
        .selectAll()
        .where('action', '=', 'attribution.lookup')
        .execute();
      assert.ok(audit.length >= 3, 'one audit entry per batch of look-ups');
      assert.ok(audit.every((a) => a.purpose?.startsWith('abuse-notice')));
    });

    test('an event after the window opens a new case; a resolved case takes no more events', async () => {
      const [late] = await addEvents([event({ time: iso(T + 9 * D), source: { address: '100.64.0.7' } })]);
      const [much] = await addEvents([event({ time: iso(T + 60 * D - H), source: { address: '100.64.0.7' } })]);
      await attributeNewEvents(store.db, {
        skewMs: 2000,
        ownPrefixes: [],
        windowDays: (type) => (type === 'infected-system' ? 5 : 30),
        audit: DESK,
      });
      const first = await stateOf(late!);
      const cases = await listCases(
        store.db,
        { subscriberId: 'C-1', type: 'infected-system' },
        { limit: 10, offset: 0 },
      );
      assert.equal(cases.length, 2, '9 days after the last event, with a 5-day window: a new case');
      assert.ok(cases.some((c) => c.id === first.caseId && c.eventCount === 1));
      assert.equal((await stateOf(much!)).subscriberId, 'C-2');
    });

    test('case states move only where they make sense, each move recorded with its reason', async () => {
      const [c] = await listCases(store.db, { subscriberId: 'C-2' }, { limit: 1, offset: 0 });
      await moveCase(store.db, DESK, c!.id, 'notified', 'notice sent by hand');
      await assert.rejects(
        () => moveCase(store.db, DESK, c!.id, 'new', 'back again'),
        (err: unknown) =>
          err instanceof UserFacingError && err.statusCode === 409 && /reminded, restricted/.test(err.message),
      );
      await assert.rejects(() => moveCase(store.db, DESK, c!.id, 'resolved', ''), /Say why/);
      await moveCase(store.db, DESK, c!.id, 'resolved', 'subscriber replaced the router');
      const { case: row, timeline } = await caseTimeline(store.db, c!.id);
      assert.equal(row.state, 'resolved');
      const moves = timeline.filter((t) => t.kind === 'state').map((t) => (t.kind === 'state' ? t.to : ''));
      assert.deepEqual(moves, ['new', 'notified', 'resolved']);
      assert.ok(timeline.some((t) => t.kind === 'event'));
      const audited = await store.db
        .selectFrom('auditEntries')
        .selectAll()
        .where('action', '=', 'abuse.case.move')
        .where('target', '=', `case:${c!.id}`)
        .execute();
      assert.equal(audited.length, 2);
    });
  });
}
