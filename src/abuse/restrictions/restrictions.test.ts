import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storeKinds, type TestStore } from '../../../test/support/stores.js';
import { applyLeaseRecords } from '../../attribute/apply-leases.js';
import { abuseEscalationSchema } from '../../config/abuse-escalation-schema.js';
import type { AuditContext } from '../../domain/actor.js';
import type { LeaseEvent } from '../../domain/lease.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import { caseTimeline, moveCase } from '../cases.js';
import { restrictedClientAddresses } from './active-clients.js';
import { addressesHeldNow } from './held-addresses.js';
import { followRestrictedSubscribers, settleRestrictions } from './follow.js';
import {
  approveRestriction,
  listRestrictions,
  releaseRestriction,
  requestRestriction,
  restrictionDetail,
} from './restrictions.js';
import { addUserSubscribers } from '../../../test/support/subscribers.js';

const DESK: AuditContext = { actor: { kind: 'user', userId: 1, username: 'desk1', role: 'abuse_desk' } };
const LEAD: AuditContext = { actor: { kind: 'user', userId: 2, username: 'lead', role: 'abuse_desk' } };
const NO_SELF = { allowSelfApproval: false };
const H = 3_600_000;
const D = 24 * H;

/** Fails unless `fn` rejects with a UserFacingError of this status whose message matches. */
const refused = (fn: () => Promise<unknown>, status: number, text: RegExp) =>
  assert.rejects(
    fn,
    (err: unknown) => err instanceof UserFacingError && err.statusCode === status && text.test(err.message),
  );

for (const kind of await storeKinds()) {
  describe(`walled-garden restrictions on ${kind.name}`, { skip: kind.skip }, () => {
    let store: TestStore;
    const now = Date.now();
    const lease = (over: Partial<LeaseEvent> & Pick<LeaseEvent, 'session' | 'address'>): LeaseEvent => ({
      action: 'start',
      at: now - 2 * H,
      subscriberKey: 'sato@isp',
      keyKind: 'user',
      evidence: 'detail:1',
      ...over,
    });

    before(async () => {
      store = await kind.open();
      await addUserSubscribers(store.db, DESK, [
        ['C-23', 'sato@isp'],
        ['C-24', 'suzuki@isp'],
        ['C-25', 'tanaka@isp'],
      ]);
      await applyLeaseRecords(
        store.db,
        'radius',
        [
          // Sato: a PPPoE session with an IPv4 address and a delegated IPv6 prefix, still open …
          lease({ session: 's1/v4', address: '100.64.1.10' }),
          lease({ session: 's1/v6', address: '2001:db8:1200::/56' }),
          // … one that ended an hour ago, a CGNAT port block (shared) and a data error (a /16).
          lease({ session: 's0', address: '100.64.1.9', at: now - 5 * H }),
          lease({ session: 's0', address: '100.64.1.9', action: 'stop', at: now - H }),
          lease({ session: 'nat', address: '203.0.113.5', ports: [1024, 2047] }),
          lease({ session: 'wide', address: '10.20.0.0/16' }),
          // Suzuki's lease is someone else's address.
          lease({ session: 'z1', address: '100.64.1.50', subscriberKey: 'suzuki@isp' }),
        ],
        { format: 'freeradius-detail' },
      );
      // Sato also has a static business line, keyed by the subscriber id itself.
      await applyLeaseRecords(
        store.db,
        'static',
        [
          lease({
            session: 'static/198.51.100.16/28',
            address: '198.51.100.16/28',
            subscriberKey: 'C-23',
            keyKind: 'subscriber',
            at: now - 100 * D,
          }),
        ],
        { format: 'static-csv' },
      );
    });
    after(async () => store?.dispose());

    async function notifiedCase(subscriberId: string, type = 'infected-system', lastEventAt = now - 3 * D) {
      const iso = new Date(lastEventAt).toISOString();
      const row = await store.db
        .insertInto('abuseCases')
        .values({
          subscriberId,
          type,
          state: 'new',
          openedAt: iso,
          updatedAt: iso,
          firstEventAt: iso,
          lastEventAt: iso,
          eventCount: 1,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const id = Number(row.id);
      await moveCase(store.db, DESK, id, 'notified', 'notice sent');
      return id;
    }

    const caseState = async (id: number) =>
      (await store.db.selectFrom('abuseCases').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;
    const audited = async (action: string, target: string) =>
      store.db
        .selectFrom('auditEntries')
        .selectAll()
        .where('action', '=', action)
        .where('target', '=', target)
        .execute();

    test('what a subscriber holds now: open leases and current intervals, not shared or absurd ones', async () => {
      const held = await addressesHeldNow(store.db, 'C-23', new Date(now));
      assert.deepEqual(held.addresses, ['100.64.1.10', '198.51.100.16/28', '2001:db8:1200::/56']);
      assert.deepEqual(held.skipped, [
        { address: '10.20.0.0/16', reason: 'too-wide' },
        { address: '203.0.113.5', reason: 'shared-port-block' },
      ]);
      assert.deepEqual((await addressesHeldNow(store.db, 'C-25', new Date(now))).addresses, []);
    });

    test('request, approval by someone else, the case restricted; release by an operator resolves it', async () => {
      const caseId = await notifiedCase('C-23');
      const r = await requestRestriction(store.db, DESK, caseId, 'infected for two weeks, no answer to notices');
      assert.equal(r.state, 'pending');
      assert.equal(r.requestedBy, 'user:desk1');
      assert.deepEqual(await restrictedClientAddresses(store.db), [], 'pending: nothing enforced yet');
      await refused(() => requestRestriction(store.db, LEAD, caseId, 'again'), 409, /already has restriction/);

      await refused(() => approveRestriction(store.db, DESK, r.id, NO_SELF), 403, /asked for restriction .* yourself/);
      const approved = await approveRestriction(store.db, LEAD, r.id, NO_SELF);
      assert.equal(approved.state, 'active');
      assert.equal(approved.approvedBy, 'user:lead');
      assert.deepEqual(approved.addresses, ['100.64.1.10', '198.51.100.16/28', '2001:db8:1200::/56']);
      assert.equal(approved.skipped.length, 2);
      assert.equal(await caseState(caseId), 'restricted');
      assert.deepEqual(await restrictedClientAddresses(store.db), approved.addresses);
      await refused(() => approveRestriction(store.db, LEAD, r.id, NO_SELF), 409, /only a pending restriction/);

      const listed = await listRestrictions(store.db, { caseId }, { limit: 10, offset: 0 });
      assert.deepEqual(
        listed.map((l) => [l.id, l.state, l.addresses.length]),
        [[r.id, 'active', 3]],
      );

      await refused(() => releaseRestriction(store.db, LEAD, r.id, ''), 400, /Say why/);
      const released = await releaseRestriction(store.db, LEAD, r.id, 'router replaced, checked by phone');
      assert.equal(released.state, 'released');
      assert.equal(released.releaseKind, 'operator');
      assert.deepEqual(await restrictedClientAddresses(store.db), []);
      assert.equal(await caseState(caseId), 'resolved');
      const { history } = await restrictionDetail(store.db, r.id);
      assert.equal(history.length, 3);
      assert.ok(history.every((h) => h.until === released.releasedAt));

      const { timeline } = await caseTimeline(store.db, caseId);
      const story = timeline.flatMap((t) =>
        t.kind === 'state' ? [`${t.to} by ${t.actor}`] : t.kind === 'note' ? [t.text] : [],
      );
      for (const line of [
        'notified by user:desk1',
        `Restriction ${r.id} requested: infected for two weeks, no answer to notices`,
        'restricted by user:lead',
        'resolved by user:lead',
      ])
        assert.ok(story.includes(line), `the case timeline tells: ${line}`);
      for (const action of ['request', 'approve', 'release']) {
        assert.equal((await audited(`abuse.restriction.${action}`, `restriction:${r.id}`)).length, 1, action);
      }
      const approval = (await audited('abuse.restriction.approve', `restriction:${r.id}`))[0]!;
      assert.match(approval.purpose ?? '', /^abuse-notice: restriction of case/);
    });

    test('a case must have been notified; a pending request can be declined; a desk of one may self-approve', async () => {
      const fresh = Number(
        (
          await store.db
            .insertInto('abuseCases')
            .values({
              subscriberId: 'C-24',
              type: 'scanner',
              state: 'new',
              openedAt: new Date(now).toISOString(),
              updatedAt: new Date(now).toISOString(),
              firstEventAt: new Date(now).toISOString(),
              lastEventAt: new Date(now).toISOString(),
              eventCount: 1,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id,
      );
      await refused(() => requestRestriction(store.db, DESK, fresh, 'too early'), 409, /only after being notified/);
      await refused(() => requestRestriction(store.db, DESK, 999_999, 'no such case'), 404, /no case/);

      const caseId = await notifiedCase('C-24', 'scanner');
      const r = await requestRestriction(store.db, DESK, caseId, 'scanning the whole prefix');
      const declined = await releaseRestriction(store.db, LEAD, r.id, 'called them; they unplugged the camera');
      assert.equal(declined.state, 'declined');
      assert.equal(await caseState(caseId), 'notified', 'declining leaves the case as it was');
      await refused(() => releaseRestriction(store.db, LEAD, r.id, 'again'), 409, /only a pending or active/);

      const again = await requestRestriction(store.db, DESK, caseId, 'still scanning a week later');
      const self = await approveRestriction(store.db, DESK, again.id, { allowSelfApproval: true });
      assert.deepEqual(self.addresses, ['100.64.1.50']);
      await moveCase(store.db, LEAD, caseId, 'resolved', 'camera replaced');
      assert.ok(
        !(await restrictedClientAddresses(store.db)).includes('100.64.1.50'),
        'a case resolved by hand leaves the walled garden at the next publish',
      );
      const settled = await settleRestrictions(store.db, abuseEscalationSchema.parse({}), new Date(now));
      assert.deepEqual(settled.released, [{ id: again.id, kind: 'case-resolved' }]);
      assert.equal(await caseState(caseId), 'resolved');
    });

    test('the restriction follows the subscriber to a new address', async () => {
      const caseId = await notifiedCase('C-25', 'vulnerable-system');
      const r = await requestRestriction(store.db, DESK, caseId, 'open telnet on the router');
      const approved = await approveRestriction(store.db, LEAD, r.id, NO_SELF);
      assert.deepEqual(approved.addresses, [], 'offline for now');
      assert.deepEqual((await followRestrictedSubscribers(store.db, new Date(now))).moved, []);

      await applyLeaseRecords(
        store.db,
        'dhcp',
        [lease({ session: 't1', address: '100.64.2.7', subscriberKey: 'tanaka@isp', at: now - 10 * 60_000 })],
        { format: 'kea-csv' },
      );
      const first = await followRestrictedSubscribers(store.db, new Date(now));
      assert.deepEqual(first.moved, [{ id: r.id, added: ['100.64.2.7'], removed: [] }]);
      assert.ok((await restrictedClientAddresses(store.db)).includes('100.64.2.7'));

      // The lease ends and the next one is another address.
      await applyLeaseRecords(
        store.db,
        'dhcp',
        [
          lease({
            session: 't1',
            address: '100.64.2.7',
            subscriberKey: 'tanaka@isp',
            action: 'stop',
            at: now - 60_000,
          }),
          lease({ session: 't2', address: '100.64.2.99', subscriberKey: 'tanaka@isp', at: now - 30_000 }),
        ],
        { format: 'kea-csv' },
      );
      const second = await followRestrictedSubscribers(store.db, new Date(now));
      assert.deepEqual(second.moved, [{ id: r.id, added: ['100.64.2.99'], removed: ['100.64.2.7'] }]);
      const clients = await restrictedClientAddresses(store.db);
      assert.ok(clients.includes('100.64.2.99') && !clients.includes('100.64.2.7'));
      const { history } = await restrictionDetail(store.db, r.id);
      assert.deepEqual(
        history.map((h) => [h.address, h.until === null]),
        [
          ['100.64.2.7', false],
          ['100.64.2.99', true],
        ],
      );
      assert.equal((await audited('abuse.restriction.follow', `restriction:${r.id}`)).length, 2);
      await releaseRestriction(store.db, LEAD, r.id, 'firmware updated');
    });

    test('lifted on its own after the quiet period of its class, counted from the approval at the earliest', async () => {
      const caseId = await notifiedCase('C-23', 'copyright', now - 30 * D);
      const r = await requestRestriction(store.db, DESK, caseId, 'third notice ignored');
      await approveRestriction(store.db, LEAD, r.id, { ...NO_SELF, now: new Date(now) });
      const escalation = abuseEscalationSchema.parse({
        release_after_days: 14,
        classes: { copyright: { release_after_days: 3 } },
      });

      // The last event is 30 days old, but the quiet period counts from the approval.
      assert.deepEqual((await settleRestrictions(store.db, escalation, new Date(now + 2 * D))).released, []);
      const never = abuseEscalationSchema.parse({ classes: { copyright: { release_after_days: 0 } } });
      assert.deepEqual((await settleRestrictions(store.db, never, new Date(now + 300 * D))).released, []);
      const lifted = await settleRestrictions(store.db, escalation, new Date(now + 3 * D + 1));
      assert.deepEqual(lifted.released, [{ id: r.id, kind: 'auto' }]);
      assert.equal(await caseState(caseId), 'resolved');
      const [row] = await listRestrictions(store.db, { caseId }, { limit: 1, offset: 0 });
      assert.equal(row?.releasedBy, 'system:abuse-escalation');
      assert.equal(row?.releaseReason, 'no new events for 3 days');
    });
  });
}
