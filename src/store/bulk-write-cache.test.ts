import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sqliteStore } from '../../test/support/stores.js';
import { withBulkWriteCache } from './bulk-write-cache.js';
import { sqliteHandle } from './open.js';

test('a bulk write runs with a small page cache; the usual one is back when the last of two overlapping ends', async () => {
  const store = await sqliteStore();
  try {
    const native = sqliteHandle(store.db)!;
    const cache = () => native.pragma('cache_size', { simple: true });
    const usual = cache();
    assert.equal(usual, -131072);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = withBulkWriteCache(store.db, async () => {
      assert.equal(cache(), -32768);
      await held;
    });
    await withBulkWriteCache(store.db, async () => assert.equal(cache(), -32768));
    assert.equal(cache(), -32768, 'still small while the first runs');
    release();
    await first;
    assert.equal(cache(), usual);
    await assert.rejects(
      withBulkWriteCache(store.db, async () => {
        throw new Error('refused');
      }),
      /refused/,
    );
    assert.equal(cache(), usual, 'given back after a failure too');
  } finally {
    await store.dispose();
  }
});
