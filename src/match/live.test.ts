import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sqliteStore, type TestStore } from '../../test/support/stores.js';
import { ingest } from '../intel/ingest.js';
import { DEFAULT_SOURCE_DEFAULTS } from '../intel/source.js';
import { feed, spec } from './claims.test-support.js';
import { createLiveMatcher } from './live.js';

let store: TestStore;
before(async () => {
  store = await sqliteStore();
});
after(async () => store?.dispose());

test('the live matcher sums claims per indicator, swaps on rebuild, and drops what expires between rebuilds', async () => {
  const soon = new Date(Date.now() + 400).toISOString();
  await ingest(store.db, spec('a'), feed(['c2.example'], ['brief.example', { validUntil: soon }], ['10.9.9.9']));
  await ingest(
    store.db,
    spec('b', { mode: 'monitor', defaults: { ...DEFAULT_SOURCE_DEFAULTS, category: 'malware' } }),
    feed(['c2.example']),
  );
  const live = await createLiveMatcher(store.db);
  const hit = live.current.domain('www.c2.example');
  assert.deepEqual(hit?.ref.sources.sort(), ['a', 'b']);
  assert.equal(hit?.ref.mode, 'block');
  assert.equal(live.current.domain('brief.example')?.kind, 'exact');
  assert.equal(
    live.current.ip('10.9.9.9')?.kind,
    'exact',
    'the matcher itself does not apply allowlists; ingest did (none here)',
  );

  const before = live.current;
  await ingest(store.db, spec('c'), feed(['new.example']));
  assert.equal(live.current.domain('new.example'), undefined, 'not there until the rebuild');
  const counts = await live.rebuild();
  assert.equal(counts.domains, 3);
  assert.notEqual(live.current, before, 'a new matcher was swapped in');
  assert.equal(live.current.domain('new.example')?.ref.categories[0], 'c2');

  await new Promise((r) => setTimeout(r, 450));
  assert.equal(live.current.domain('brief.example'), undefined, 'expired after the build: no longer a match');
});
