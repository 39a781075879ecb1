import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { storeKinds, type TestStore } from '../../test/support/stores.js';
import { appendAudit, audited } from './append.js';
import { verifyAuditChain } from './verify.js';
import { listAudit } from './query.js';
import type { AuditContext } from '../domain/actor.js';

const ctx: AuditContext = { actor: { kind: 'system', component: 'test' }, requestId: 'req-1' };

for (const kind of await storeKinds()) {
  describe(`audit chain on ${kind.name}`, { skip: kind.skip }, () => {
    let store: TestStore;
    before(async () => {
      store = await kind.open();
    });
    after(async () => store?.dispose());

    async function write(n: number) {
      for (let i = 0; i < n; i++) {
        await store.db
          .transaction()
          .execute((trx) => appendAudit(trx, ctx, { action: 'test.write', target: `thing:${i}`, detail: { i } }));
      }
    }

    test('a fresh chain holds one entry, the migration that created it, and verifies', async () => {
      assert.deepEqual(await verifyAuditChain(store.db), { ok: true, checked: 1, firstBroken: null });
      const [first] = await listAudit(store.db, { limit: 1 });
      assert.equal(first?.action, 'db.migrate');
      assert.equal(first?.actor, 'system:migrate');
    });

    test('entries get gapless ids, link to their predecessor and verify', async () => {
      await write(5);
      const entries = await listAudit(store.db, { limit: 10 });
      assert.deepEqual(
        entries.map((e) => e.id),
        [6, 5, 4, 3, 2, 1],
      );
      assert.equal(entries[0]?.actor, 'system:test');
      assert.equal(entries[0]?.requestId, 'req-1');
      assert.deepEqual(entries[0]?.detail, { i: 4 });
      const result = await verifyAuditChain(store.db);
      assert.deepEqual(result, { ok: true, checked: 6, firstBroken: null });
    });

    test('concurrent writers (as the server and a CLI would be) never fork the chain', async () => {
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          audited(store.db, ctx, { action: 'test.concurrent', detail: { i } }, async () => i),
        ),
      );
      const result = await verifyAuditChain(store.db);
      assert.equal(result.ok, true, JSON.stringify(result.firstBroken));
      assert.equal(result.checked, 46);
    });

    test('a change and its audit entry are one transaction: a failed change leaves no entry', async () => {
      const before = await verifyAuditChain(store.db);
      await assert.rejects(
        audited(store.db, ctx, { action: 'test.fails' }, async () => {
          throw new Error('change failed');
        }),
        /change failed/,
      );
      const afterwards = await verifyAuditChain(store.db);
      assert.equal(afterwards.checked, before.checked);
      assert.equal((await listAudit(store.db, { limit: 1, action: 'test.fails' })).length, 0);
    });

    test('editing a row is found and named', async () => {
      await sql`update audit_entries set action = 'test.innocent' where id = 3`.execute(store.db.withoutPlugins());
      const result = await verifyAuditChain(store.db);
      assert.equal(result.ok, false);
      assert.equal(result.firstBroken?.id, 3);
      assert.match(result.firstBroken!.problem, /edited/);
      assert.equal(result.checked, 2);
    });

    test('re-hashing an edited row does not hide it: the next link breaks', async () => {
      const { entryHash } = await import('./hash.js');
      const row = await store.db.selectFrom('auditEntries').selectAll().where('id', '=', 3).executeTakeFirstOrThrow();
      const rehashed = entryHash({ ...row, id: Number(row.id) });
      await store.db.updateTable('auditEntries').set({ hash: rehashed }).where('id', '=', 3).execute();
      const result = await verifyAuditChain(store.db);
      assert.equal(result.firstBroken?.id, 4);
      assert.match(result.firstBroken!.problem, /does not link to entry 3/);
    });

    test('a removed row in the middle is found', async () => {
      const other = await kind.open();
      try {
        for (let i = 0; i < 4; i++) {
          await other.db.transaction().execute((trx) => appendAudit(trx, ctx, { action: 'x' }));
        }
        await other.db.deleteFrom('auditEntries').where('id', '=', 2).execute();
        const result = await verifyAuditChain(other.db);
        assert.equal(result.firstBroken?.id, 2);
        assert.match(result.firstBroken!.problem, /missing/);
      } finally {
        await other.dispose();
      }
    });

    test('a removed row at the end is found through the chain head', async () => {
      const other = await kind.open();
      try {
        for (let i = 0; i < 3; i++) {
          await other.db.transaction().execute((trx) => appendAudit(trx, ctx, { action: 'x' }));
        }
        await other.db.deleteFrom('auditEntries').where('id', '=', 4).execute();
        const result = await verifyAuditChain(other.db);
        assert.equal(result.ok, false);
        assert.equal(result.firstBroken?.id, 4);
        assert.match(result.firstBroken!.problem, /missing/);
      } finally {
        await other.dispose();
      }
    });
  });
}
