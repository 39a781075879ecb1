import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sqliteStore, type TestStore } from '../../../test/support/stores.js';
import { applyLeaseRecords } from '../../attribute/apply-leases.js';
import { abuseEscalationSchema } from '../../config/abuse-escalation-schema.js';
import type { AuditContext } from '../../domain/actor.js';
import type { LogSink } from '../../log.js';
import { upsertSubscriber } from '../../store/subscribers.js';
import { moveCase } from '../cases.js';
import { restrictedClientIndex, type ActiveAddress } from './active-clients.js';
import { createWalledGarden } from './garden.js';
import { approveRestriction, requestRestriction } from './restrictions.js';

const row = (address: string, restrictionId: number, caseId = restrictionId * 10): ActiveAddress => ({
  address,
  restrictionId,
  caseId,
  type: 'infected-system',
  since: '2026-11-24T01:00:00.000Z',
});

describe('restricted-client index (the sinkhole look-up)', () => {
  const lookup = restrictedClientIndex([
    row('192.0.2.7', 2),
    row('192.0.2.7', 1),
    row('198.51.100.0/28', 3),
    row('198.51.100.0/24', 4),
    row('2001:db8:1200::/56', 5),
    row('not an address', 6),
  ]);

  test('an exact address; two restrictions on one address give the older', () => {
    assert.equal(lookup('192.0.2.7')?.restrictionId, 1);
    assert.equal(lookup('192.0.2.8'), undefined);
  });
  test('inside a prefix the most specific wins; IPv4-mapped IPv6 is the IPv4 client', () => {
    assert.equal(lookup('198.51.100.9')?.restrictionId, 3);
    assert.equal(lookup('198.51.100.200')?.restrictionId, 4);
    assert.equal(lookup('::ffff:198.51.100.9')?.caseId, 30);
    assert.equal(lookup('2001:db8:1200:ff::1')?.restrictionId, 5);
    assert.equal(lookup('2001:db8:1300::1'), undefined);
  });
  test('garbage in, nothing out', () => {
    assert.equal(lookup(''), undefined);
    assert.equal(lookup('evil.example'), undefined);
  });
});

describe('the walled garden in serve', () => {
  const DESK: AuditContext = { actor: { kind: 'user', userId: 1, username: 'desk1', role: 'abuse_desk' } };
  const LEAD: AuditContext = { actor: { kind: 'user', userId: 2, username: 'lead', role: 'admin' } };
  const silent: LogSink = { info: () => {}, warn: () => {}, error: () => {} } as unknown as LogSink;
  let store: TestStore;
  before(async () => {
    store = await sqliteStore();
    await upsertSubscriber(store.db, DESK, {
      id: 'C-7',
      name: 'C-7',
      email: null,
      phone: null,
      address: null,
      contract: null,
      keys: [{ kind: 'user', value: 'kato@isp' }],
    });
    await applyLeaseRecords(
      store.db,
      'radius',
      [
        {
          session: 'k1',
          action: 'start',
          at: Date.now() - 60_000,
          address: '127.0.0.23',
          subscriberKey: 'kato@isp',
          keyKind: 'user',
          evidence: 'line 1',
        },
      ],
      { format: 'freeradius-detail' },
    );
  });
  after(async () => store?.dispose());

  test('knows the restricted clients, and pokes enforcement when they change (not on the first look)', async () => {
    let pokes = 0;
    const garden = createWalledGarden({
      db: store.db,
      escalation: abuseEscalationSchema.parse({}),
      log: silent,
      poke: () => pokes++,
    });
    await garden.refresh();
    assert.equal(pokes, 0);
    assert.equal(garden.lookup('127.0.0.23'), undefined);

    const iso = new Date().toISOString();
    const kase = await store.db
      .insertInto('abuseCases')
      .values({
        subscriberId: 'C-7',
        type: 'spam',
        state: 'new',
        openedAt: iso,
        updatedAt: iso,
        firstEventAt: iso,
        lastEventAt: iso,
        eventCount: 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const caseId = Number(kase.id);
    await moveCase(store.db, DESK, caseId, 'notified', 'notice sent');
    const r = await requestRestriction(store.db, DESK, caseId, 'spam run continues');
    await garden.refresh();
    assert.equal(pokes, 0, 'a pending restriction changes nothing enforced');

    await approveRestriction(store.db, LEAD, r.id, { allowSelfApproval: false });
    await garden.refresh();
    assert.equal(pokes, 1);
    assert.deepEqual(garden.lookup('127.0.0.23'), {
      restrictionId: r.id,
      caseId,
      type: 'spam',
      since: (
        await store.db
          .selectFrom('abuseRestrictions')
          .select('approvedAt')
          .where('id', '=', r.id)
          .executeTakeFirstOrThrow()
      ).approvedAt,
    });
    await garden.refresh();
    assert.equal(pokes, 1, 'nothing changed: no publish');

    // Resolved by hand: the round marks it released, the index forgets the client, and enforcement is poked.
    await moveCase(store.db, LEAD, caseId, 'resolved', 'customer cleaned the PC');
    await garden.round();
    assert.equal(garden.lookup('127.0.0.23'), undefined);
    assert.equal(pokes, 2);
    const state = await store.db
      .selectFrom('abuseRestrictions')
      .select(['state', 'releaseKind'])
      .where('id', '=', r.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(state, { state: 'released', releaseKind: 'case-resolved' });
    await garden.stop();
  });
});
