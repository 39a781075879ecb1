import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LeaseEvent, LeaseRecord } from '../domain/lease.js';
import { storeKinds, type TestStore } from '../../test/support/stores.js';
import { listDeadLetters } from '../store/dead-letters.js';
import { applyLeaseRecords, closeDueLeases } from './apply-leases.js';
import { lookupAddress } from './lookup.js';
import { leaseTables } from './store/lease-store.js';

const T = Date.parse('2026-11-24T01:00:00Z');
const min = 60_000;

const radius = (over: Partial<LeaseEvent> & Pick<LeaseEvent, 'action' | 'at'>): LeaseEvent => ({
  session: 'nas1/S1/10.64.0.7',
  address: '10.64.0.7',
  subscriberKey: 'alice@isp',
  keyKind: 'user',
  nas: '192.0.2.1',
  evidence: 'line 1',
  ...over,
});

const keysAt = async (store: TestStore, address: string, at: number, port?: number, nowMs = at + 1000) =>
  (await lookupAddress(store.db, { address, port, atMs: at }, { nowMs })).map((a) => a.subscriberKey ?? '?');

for (const kind of await storeKinds()) {
  describe(`interval store and lookup on ${kind.name}`, { skip: kind.skip }, () => {
    let store: TestStore;
    before(async () => {
      store = await kind.open();
    });
    after(async () => store?.dispose());

    test('a RADIUS session answers during its life, within skew at its edges, and not after its stop', async () => {
      await applyLeaseRecords(
        store.db,
        'radius',
        [
          radius({ action: 'start', at: T }),
          radius({ action: 'update', at: T + 5 * min, interimSeconds: 300 }),
          radius({ action: 'stop', at: T + 10 * min }),
        ],
        { format: 'freeradius-detail' },
      );
      assert.deepEqual(await keysAt(store, '10.64.0.7', T - 10 * min), []);
      assert.deepEqual(await keysAt(store, '10.64.0.7', T + 7 * min), ['alice@isp']);
      const edge = await lookupAddress(store.db, { address: '10.64.0.7', atMs: T - 1500 });
      assert.deepEqual(edge[0]?.notes, ['within-skew']);
      assert.equal(edge[0]?.confidence, 70);
      assert.deepEqual(await keysAt(store, '10.64.0.7', T + 10 * min + 3000), []);
      assert.deepEqual(await keysAt(store, '10.64.0.8', T + 7 * min), []);
    });

    test('an address reused by another subscriber gives each their own interval; a moment between both shows both', async () => {
      const dhcp = (mac: string, at: number, action: 'start' | 'stop', expiresAt?: number): LeaseEvent => ({
        session: `dhcpd/192.0.2.50/${mac}`,
        action,
        at,
        address: '192.0.2.50',
        subscriberKey: mac,
        keyKind: 'mac',
        evidence: 'line 9',
        ...(expiresAt && { expiresAt }),
      });
      await applyLeaseRecords(
        store.db,
        'dhcp',
        [
          dhcp('aa:aa:aa:aa:aa:01', T, 'start', T + 60 * min),
          dhcp('aa:aa:aa:aa:aa:01', T + 30 * min, 'stop'),
          dhcp('aa:aa:aa:aa:aa:02', T + 30 * min + 1000, 'start', T + 90 * min),
        ],
        { format: 'isc-dhcpd' },
      );
      assert.deepEqual(await keysAt(store, '192.0.2.50', T + 10 * min), ['aa:aa:aa:aa:aa:01']);
      assert.deepEqual(await keysAt(store, '192.0.2.50', T + 40 * min), ['aa:aa:aa:aa:aa:02']);
      const handover = await lookupAddress(store.db, { address: '192.0.2.50', atMs: T + 30 * min + 500 });
      assert.deepEqual(handover.map((a) => a.subscriberKey).sort(), ['aa:aa:aa:aa:aa:01', 'aa:aa:aa:aa:aa:02']);
      assert.ok(handover.every((a) => a.notes.includes('ambiguous')));
      // The second lease expires unrenewed: after its expiry nobody held the address.
      assert.deepEqual(await keysAt(store, '192.0.2.50', T + 100 * min, undefined, T + 101 * min), []);
    });

    test('a delegated prefix answers for any address inside it', async () => {
      await applyLeaseRecords(
        store.db,
        'radius',
        [
          radius({
            action: 'start',
            at: T,
            session: 'nas1/S2/2001:db8:100::/56',
            address: '2001:db8:100::/56',
            subscriberKey: 'bob@isp',
          }),
        ],
        { format: 'freeradius-detail' },
      );
      assert.deepEqual(await keysAt(store, '2001:db8:100:ff::1234', T + min), ['bob@isp']);
      assert.deepEqual(await keysAt(store, '2001:db8:101::1', T + min), []);
    });

    test('CGNAT: public address and port → inside address → RADIUS user; a port outside the block → no one', async () => {
      const block: LeaseEvent = {
        session: 'juniper-pba/100.64.1.9/203.0.113.5/2048-2559',
        action: 'start',
        at: T,
        address: '203.0.113.5',
        ports: [2048, 2559],
        inside: '100.64.1.9',
        evidence: 'line 3',
      };
      const other: LeaseEvent = {
        ...block,
        session: 'juniper-pba/100.64.1.10/203.0.113.5/2560-3071',
        ports: [2560, 3071],
        inside: '100.64.1.10',
      };
      await applyLeaseRecords(store.db, 'cgnat', [block, other], { format: 'juniper-pba' });
      await applyLeaseRecords(
        store.db,
        'radius',
        [
          radius({
            action: 'start',
            at: T - min,
            session: 'nas1/S3/100.64.1.9',
            address: '100.64.1.9',
            subscriberKey: 'carol@isp',
          }),
        ],
        { format: 'freeradius-detail' },
      );
      const found = await lookupAddress(store.db, { address: '203.0.113.5', port: 2100, atMs: T + min });
      assert.equal(found.length, 1);
      assert.equal(found[0]?.subscriberKey, 'carol@isp');
      assert.deepEqual(
        found[0]?.links.map((l) => [l.kind, l.address, l.ports ?? null]),
        [
          ['cgnat', '203.0.113.5', [2048, 2559]],
          ['lease', '100.64.1.9', null],
        ],
      );
      assert.deepEqual(await keysAt(store, '203.0.113.5', T + min, 5000), []);
      // The other block's inside address has no session: the chain is shown as far as it goes.
      const broken = await lookupAddress(store.db, { address: '203.0.113.5', port: 2600, atMs: T + min });
      assert.deepEqual(broken[0]?.notes, ['no-inner-lease']);
      assert.equal(broken[0]?.subscriberKey, undefined);
      // Without a port every block is a candidate, and says so.
      const noPort = await lookupAddress(store.db, { address: '203.0.113.5', atMs: T + min });
      assert.equal(noPort.length, 2);
      assert.ok(noPort.every((a) => a.notes.includes('port-unknown') && a.notes.includes('ambiguous')));
    });

    test('Accounting-On closes every open session of that NAS, and only that NAS', async () => {
      await applyLeaseRecords(
        store.db,
        'radius-reset',
        [
          radius({ action: 'start', at: T, session: 'a', address: '10.9.0.1', nas: 'nas-a' }),
          radius({ action: 'start', at: T, session: 'b', address: '10.9.0.2', nas: 'nas-a' }),
          radius({ action: 'start', at: T, session: 'c', address: '10.9.0.3', nas: 'nas-b' }),
        ],
        { format: 'freeradius-detail' },
      );
      await applyLeaseRecords(
        store.db,
        'radius-reset',
        [{ action: 'reset', nas: 'nas-a', at: T + 20 * min, evidence: 'line 40' }],
        {
          format: 'freeradius-detail',
        },
      );
      assert.deepEqual(await keysAt(store, '10.9.0.1', T + 30 * min), []);
      assert.deepEqual(await keysAt(store, '10.9.0.2', T + 10 * min), ['alice@isp']);
      assert.deepEqual(await keysAt(store, '10.9.0.3', T + 30 * min), ['alice@isp']);
    });

    test('a session gone silent is closed by housekeeping with its end estimated', async () => {
      await applyLeaseRecords(
        store.db,
        'radius-stale',
        [
          radius({
            action: 'update',
            at: T,
            session: 'stale',
            address: '10.10.0.1',
            interimSeconds: 600,
            startedAt: T - 30 * min,
          }),
        ],
        { format: 'freeradius-detail' },
      );
      // Before housekeeping, a lookup long after already treats it as ended (by estimate).
      assert.deepEqual(await keysAt(store, '10.10.0.1', T + 120 * min, undefined, T + 180 * min), []);
      const moved = await closeDueLeases(store.db, T + 180 * min);
      assert.ok(moved >= 1);
      const during = await lookupAddress(store.db, { address: '10.10.0.1', atMs: T + 5 * min });
      assert.equal(during[0]?.subscriberKey, 'alice@isp');
      assert.deepEqual(during[0]?.notes, ['end-estimated']);
      assert.equal(during[0]?.links[0]?.end, new Date(T + 10 * min).toISOString());
      const counts = await leaseTables(store.db).counts(store.db);
      assert.deepEqual(
        counts.find((c) => c.source === 'radius-stale'),
        { source: 'radius-stale', open: 0, closed: 1, lastEndMs: T + 10 * min },
      );
    });

    test('rejected records go to dead letters with their evidence; the rest of the batch applies', async () => {
      const records: LeaseRecord[] = [
        {
          action: 'rejected',
          reason: 'no Acct-Session-Id',
          evidence: 'detail line 7',
          raw: 'Acct-Status-Type = Start',
        },
        radius({ action: 'start', at: T, session: 'ok', address: '10.11.0.1' }),
      ];
      const summary = await applyLeaseRecords(store.db, 'radius-bad', records, { format: 'freeradius-detail' });
      assert.deepEqual(summary, { events: 1, closed: 0, open: 1, rejected: 1 });
      const letters = await listDeadLetters(store.db, { source: 'radius-bad', limit: 10, offset: 0 });
      assert.equal(letters.items[0]?.position, 'detail line 7');
      assert.deepEqual(await keysAt(store, '10.11.0.1', T + min), ['alice@isp']);
    });

    test('retention deletes intervals ended before the cutoff unless a legal hold covers them', async () => {
      const old = (session: string, address: string, key: string): LeaseEvent[] => [
        radius({ action: 'start', at: T - 400 * 86_400_000, session, address, subscriberKey: key }),
        radius({ action: 'stop', at: T - 399 * 86_400_000, session, address, subscriberKey: key }),
      ];
      await applyLeaseRecords(
        store.db,
        'radius-old',
        [...old('o1', '10.12.0.1', 'held@isp'), ...old('o2', '10.12.0.2', 'gone@isp')],
        {
          format: 'freeradius-detail',
        },
      );
      const deleted = await leaseTables(store.db).deleteEnded(store.db, 'radius-old', T - 180 * 86_400_000, [
        { subject: 'held@isp', fromMs: T - 401 * 86_400_000, untilMs: T - 398 * 86_400_000 },
      ]);
      assert.equal(deleted, 1);
      assert.deepEqual(await keysAt(store, '10.12.0.1', T - 399.5 * 86_400_000), ['held@isp']);
      assert.deepEqual(await keysAt(store, '10.12.0.2', T - 399.5 * 86_400_000), []);
    });

    test('a long history of one address: intervals of every length are found, edges included, and only they', async () => {
      // Durations across span-class boundaries (2^s seconds exactly, and a millisecond either side), so
      // that the class written and the range a look-up probes must agree to the millisecond.
      const durations = [0, 1, 999, 1000, 1001];
      for (let s = 1; s <= 21; s += 4) durations.push(2 ** s * 1000 - 1, 2 ** s * 1000, 2 ** s * 1000 + 1);
      const gap = 10_000; // more than twice the skew: no look-up sees a neighbour
      const base = T + 400 * 86_400_000;
      const events: LeaseEvent[] = [];
      const intervals: { user: string; start: number; end: number }[] = [];
      let at = base;
      for (const [i, d] of durations.entries()) {
        const user = `u${i}`;
        intervals.push({ user, start: at, end: at + d });
        const common = { session: `hist/${i}`, address: '10.99.0.1', subscriberKey: user, evidence: `line ${i}` };
        events.push({ ...common, action: 'start', at }, { ...common, action: 'stop', at: at + d });
        at += d + gap;
      }
      await applyLeaseRecords(store.db, 'history', events, { format: 'freeradius-detail' });
      const now = at + 86_400_000;
      for (const { user, start, end } of intervals) {
        for (const t of [start, Math.floor((start + end) / 2), Math.max(start, end - 1)])
          assert.deepEqual(
            await keysAt(store, '10.99.0.1', t, undefined, now),
            [user],
            `${user} at ${t - start} ms in`,
          );
        assert.deepEqual(await keysAt(store, '10.99.0.1', end + gap / 2, undefined, now), [], `after ${user}`);
      }
    });
  });
}
