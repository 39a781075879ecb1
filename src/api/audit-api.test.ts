// GET /api/audit as the Audit log screen uses it: filters by actor, action, target and purpose, applied by the
// database (on SQLite and PostgreSQL), and keyset paging with `next`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer, testApp, type TestApp } from '../../test/support/app.js';
import { storeKinds } from '../../test/support/stores.js';
import { recordAudit } from '../audit/append.js';

type Entry = { id: number; actor: string; action: string; target: string | null; purpose: string | null };
type Page = { items: Entry[]; next: number | null };

const desk = { actor: { kind: 'user', userId: 90, username: 'desk', role: 'abuse_desk' } } as const;
const lawyer = { actor: { kind: 'user', userId: 91, username: 'lawyer', role: 'legal' } } as const;

for (const kind of await storeKinds()) {
  describe(`audit API on ${kind.name}`, { skip: kind.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await testApp(await kind.open());
      const rows: [typeof desk | typeof lawyer, string, string, string | undefined][] = [
        [desk, 'attribution.lookup', 'address:192.0.2.5@2026-11-24T01:00:00.000Z', 'abuse-notice: CASE-9'],
        [desk, 'attribution.lookup', 'address:192.0.2.50@2026-11-24T02:00:00.000Z', 'abuse-notice'],
        [lawyer, 'attribution.lookup', 'address:192.0.2.5@2026-11-25T01:00:00.000Z', 'police-request: 令状 7'],
        [lawyer, 'subscriber.read', 'subscriber:C-1', 'legal-disclosure'],
        // Wildcards of LIKE in the values: a filter must match them as themselves.
        [desk, 'case_note.add', 'case:100%', 'other: 100% sure_ish'],
        [desk, 'casexnote.add', 'case:1000', 'other: 1000 sureXish'],
      ];
      for (const [ctx, action, target, purpose] of rows)
        await recordAudit(t.store.db, ctx, { action, target, purpose });
    });
    after(() => t?.close());

    const list = async (query: string): Promise<Page> => {
      const res = await t.app.inject({ method: 'GET', url: `/api/audit?${query}`, headers: bearer(t.tokens.legal) });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as Page;
    };
    const targets = (page: Page) => page.items.map((e) => e.target);

    test('purpose: a kind matches it with any reference; kind and reference match that reference', async () => {
      assert.deepEqual(targets(await list('purpose=abuse-notice')), [
        'address:192.0.2.50@2026-11-24T02:00:00.000Z',
        'address:192.0.2.5@2026-11-24T01:00:00.000Z',
      ]);
      assert.deepEqual(targets(await list(`purpose=${encodeURIComponent('abuse-notice: CASE-9')}`)), [
        'address:192.0.2.5@2026-11-24T01:00:00.000Z',
      ]);
      assert.deepEqual(
        (await list(`purpose=${encodeURIComponent('police-request: 令状')}`)).items.map((e) => e.purpose),
        ['police-request: 令状 7'],
      );
      assert.deepEqual(targets(await list('purpose=customer-request')), []);
    });

    test('actor exactly; action as a prefix; target exactly or, ending in *, as a prefix', async () => {
      const byLawyer = await list('actor=user:lawyer');
      assert.deepEqual(
        byLawyer.items.map((e) => e.action),
        ['subscriber.read', 'attribution.lookup'],
      );
      assert.deepEqual(targets(await list('actor=user:law')), [], 'the actor is matched exactly');
      assert.equal((await list('action=attribution.')).items.length, 3);
      assert.deepEqual(targets(await list('target=address:192.0.2.5')), [], 'without * the target is exact');
      assert.deepEqual(targets(await list(`target=${encodeURIComponent('address:192.0.2.5@*')}`)), [
        'address:192.0.2.5@2026-11-25T01:00:00.000Z',
        'address:192.0.2.5@2026-11-24T01:00:00.000Z',
      ]);
      assert.deepEqual(targets(await list('target=subscriber:C-1')), ['subscriber:C-1']);
    });

    test('% and _ in a filter match only themselves', async () => {
      assert.deepEqual(targets(await list('action=case_')), ['case:100%']);
      assert.deepEqual(targets(await list(`target=${encodeURIComponent('case:100%*')}`)), ['case:100%']);
      assert.deepEqual(targets(await list(`purpose=${encodeURIComponent('other: 100% sure_')}`)), ['case:100%']);
    });

    test('filters combine, and pages follow next until it is null', async () => {
      const combined = await list(`actor=user:desk&action=attribution.&purpose=abuse-notice`);
      assert.equal(combined.items.length, 2);
      const first = await list('action=attribution.&limit=2');
      assert.equal(first.items.length, 2);
      assert.equal(first.next, first.items[1]!.id);
      const second = await list(`action=attribution.&limit=2&beforeId=${first.next}`);
      assert.deepEqual(targets(second), ['address:192.0.2.5@2026-11-24T01:00:00.000Z']);
      assert.equal(second.next, null);
      const exact = await list('action=attribution.&limit=3');
      assert.equal(exact.items.length, 3);
      assert.equal(exact.next, null, 'a page that ends exactly at the last entry has no next');
    });
  });
}
