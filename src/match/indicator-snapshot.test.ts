import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sourcesMatching } from '../../test/support/source-files.js';
import { sqliteStore, type TestStore } from '../../test/support/stores.js';
import { suppressByEntry } from '../intel/allowlist/reapply.js';
import { ingest } from '../intel/ingest.js';
import { intelRevision } from '../intel/revision.js';
import { feed, spec } from './claims.test-support.js';
import { itemAt, matcherOf } from './compiled-indicators.js';
import { currentIndicators, readIndicatorSnapshot } from './indicator-snapshot.js';

let store: TestStore;
let dir: string;
let file: string;
before(async () => {
  store = await sqliteStore();
  dir = mkdtempSync(join(tmpdir(), 'mizugiwa-snapshot-'));
  file = join(dir, 'indicators.snapshot');
});
after(async () => {
  await store?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('the snapshot is read while the claims are unchanged, and compiled afresh after any change or expiry', async () => {
  const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
  await ingest(store.db, spec('a'), feed(['c2.example'], ['10.9.9.9'], ['brief.example', { validUntil: inAnHour }]));

  const first = await currentIndicators(store.db, file);
  assert.equal(first.from, 'store');
  assert.match(first.problem ?? '', /cannot open/);
  const second = await currentIndicators(store.db, file);
  assert.equal(second.from, 'snapshot', second.problem);
  assert.ok(second.compiled.domains.hashes.buffer instanceof SharedArrayBuffer, 'worker threads share it');
  for (let r = 0; r < first.compiled.count; r++)
    assert.deepEqual(itemAt(second.compiled, r), itemAt(first.compiled, r), `ref ${r} reads back the same`);
  const m = matcherOf(second.compiled);
  assert.equal(m.domain('www.c2.example')?.indicator.value, 'c2.example');
  assert.equal(m.ip('10.9.9.9')?.kind, 'exact');
  assert.equal(m.domain('new.example'), undefined);

  const revision = await intelRevision(store.db);
  await ingest(store.db, spec('b'), feed(['new.example']));
  assert.notEqual(await intelRevision(store.db), revision, 'an ingest moves the revision');
  const afterIngest = await currentIndicators(store.db, file);
  assert.equal(afterIngest.from, 'store');
  assert.match(afterIngest.problem ?? '', /another revision/);
  assert.ok(matcherOf(afterIngest.compiled).domain('new.example'));
  assert.equal((await currentIndicators(store.db, file)).from, 'snapshot', 'and the new one was written');

  const suppressed = await suppressByEntry(
    store.db,
    'local',
    { kind: 'exact', value: 'new.example' },
    'local / exact:new.example',
  );
  assert.equal(suppressed, 1);
  const afterAllowlist = await currentIndicators(store.db, file);
  assert.equal(afterAllowlist.from, 'store', 'an allowlist change moves the revision too');
  assert.equal(matcherOf(afterAllowlist.compiled).domain('new.example'), undefined);

  const later = new Date(Date.parse(inAnHour) + 1000);
  const afterExpiry = await currentIndicators(store.db, file, later);
  assert.equal(afterExpiry.from, 'store');
  assert.match(afterExpiry.problem ?? '', /expired/);
  assert.equal(matcherOf(afterExpiry.compiled).domain('brief.example'), undefined);
  assert.ok(matcherOf(afterExpiry.compiled).domain('c2.example'));
});

test("another database's snapshot is never taken for this one's, whatever its revision", async () => {
  await currentIndicators(store.db, file);
  assert.equal((await currentIndicators(store.db, file)).from, 'snapshot');
  const other = await sqliteStore();
  try {
    await ingest(other.db, spec('z'), feed(['elsewhere.example']));
    // The same revision number as the first store's: only the store's own name tells them apart.
    const [, n] = (await intelRevision(store.db)).split(':');
    await other.db
      .updateTable('intelRevision')
      .set({ revision: Number(n) })
      .execute();
    assert.equal((await intelRevision(other.db)).split(':')[1], n);
    const read = await currentIndicators(other.db, file);
    assert.equal(read.from, 'store');
    assert.ok(matcherOf(read.compiled).domain('elsewhere.example'));
    assert.equal(matcherOf(read.compiled).domain('c2.example'), undefined);
  } finally {
    await other.dispose();
  }
});

test('a damaged snapshot is reported and replaced, never used', async () => {
  await currentIndicators(store.db, file);
  assert.equal((await currentIndicators(store.db, file)).from, 'snapshot');

  truncateSync(file, Math.floor(statSync(file).size / 2));
  const cut = readIndicatorSnapshot(file);
  assert.ok('problem' in cut);
  assert.match(cut.problem, /cut short|missing/);
  const rebuilt = await currentIndicators(store.db, file);
  assert.equal(rebuilt.from, 'store');
  assert.ok(matcherOf(rebuilt.compiled).domain('c2.example'));

  // A writer killed half-way left its temp file: the next write removes it (and not a live writer's).
  const orphan = `${file}.999999999.tmp`;
  const live = `${file}.${process.ppid}.tmp`;
  writeFileSync(orphan, 'half');
  writeFileSync(live, 'half');

  writeFileSync(file, 'not a snapshot at all');
  const foreign = await currentIndicators(store.db, file);
  assert.equal(foreign.from, 'store');
  assert.match(foreign.problem ?? '', /not an indicator snapshot/);
  assert.equal(existsSync(orphan), false, 'the orphan is gone');
  assert.equal(existsSync(live), true, 'a live process keeps its own');
  rmSync(live);
  assert.equal((await currentIndicators(store.db, file)).from, 'snapshot');
});

test('only claims-store.ts and allowlist/reapply.ts write claims (each write there moves the revision)', () => {
  const allowed = new Set(['src/intel/claims-store.ts', 'src/intel/allowlist/reapply.ts']);
  const writes = [
    /(insertInto|updateTable|deleteFrom)\(\s*'claims'\s*\)/,
    /\b(insert\s+into|update|delete\s+from)\s+claims\b/i,
  ];
  const offenders = sourcesMatching(writes).filter((file) => !allowed.has(file) && !file.includes('/migrations/'));
  assert.deepEqual(offenders, [], 'a new writer of claims must move the revision (src/intel/revision.ts)');
});
