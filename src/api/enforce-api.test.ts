import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bearer, testApp, type TestApp } from '../../test/support/app.js';
import { sqliteStore } from '../../test/support/stores.js';
import { configSchema } from '../config/index.js';
import type { ClaimRecord } from '../intel/claim-record.js';
import { ingest } from '../intel/ingest.js';
import { DEFAULT_SOURCE_DEFAULTS } from '../intel/source.js';

const dataDir = mkdtempSync(join(tmpdir(), 'mizugiwa-enforce-api-'));
const config = configSchema.parse({ data_dir: dataDir, enforce: { limits: { min_entries_for_share: 10 } } });
const source = {
  name: 'c2',
  format: 'test',
  snapshot: 'full' as const,
  mode: 'block' as const,
  defaults: { ...DEFAULT_SOURCE_DEFAULTS, category: 'c2' as const },
  // The intel guard is off, so the enforcement guard is the one under test.
  maxRetireShare: 1,
};
async function* names(n: number) {
  for (let i = 1; i <= n; i++)
    yield { value: `c2-${i}.example`, position: `f:${i}`, raw: Buffer.from('x') } as ClaimRecord;
}

describe('enforcement API', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp(await sqliteStore(), { data_dir: config.data_dir, enforce: config.enforce });
    await ingest(t.store.db, source, names(50));
  });
  after(async () => t?.close());

  const call = (method: 'GET' | 'POST', url: string, role: 'viewer' | 'analyst' = 'analyst', lang = 'en') =>
    t.app.inject({ method, url, headers: { ...bearer(t.tokens[role]), 'accept-language': lang } });

  test('publish makes a live version; status, versions and metrics show it; the same again is unchanged', async () => {
    const res = await call('POST', '/api/enforce/rpz/publish');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().status, 'live');
    assert.equal(res.json().entries, 50);
    const status = (await call('GET', '/api/enforce/status', 'viewer')).json();
    const rpz = status.items.find((p: { point: string }) => p.point === 'rpz');
    assert.equal(rpz.live.version, 1);
    assert.equal(rpz.pending, null);
    assert.equal((await call('POST', '/api/enforce/rpz/publish')).json().status, 'unchanged');
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /mizugiwa_enforce_live_entries\{point="rpz"\} 50/);
    assert.equal((await call('GET', '/api/enforce/rpz/versions', 'viewer')).json().items.length, 1);
  });

  test("a large removal is held with an alert in the reader's language; approve publishes it", async () => {
    await ingest(t.store.db, source, names(5));
    const held = (await call('POST', '/api/enforce/rpz/publish')).json();
    assert.equal(held.status, 'held');
    const diff = (await call('GET', '/api/enforce/rpz/diff', 'viewer')).json();
    assert.equal(diff.removed, 45);
    const alerts = (await call('GET', '/api/alerts', 'viewer', 'ja')).json().items;
    assert.equal(alerts.length, 1);
    assert.match(alerts[0].text, /版 2 は公開されませんでした/);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /mizugiwa_alerts_open\{kind="enforce.held"\} 1/);
    assert.equal((await call('POST', '/api/enforce/rpz/approve', 'viewer')).statusCode, 403);
    const approved = await call('POST', '/api/enforce/rpz/approve');
    assert.equal(approved.json().status, 'live', approved.body);
    assert.equal(approved.json().version, 2);
    assert.equal((await call('GET', '/api/alerts', 'viewer')).json().items.length, 0);
    const again = await call('POST', '/api/enforce/rpz/approve');
    assert.equal(again.statusCode, 409);
    assert.match(again.json().message, /no held version/);
  });

  test('points that are not enabled or do not exist say so', async () => {
    assert.equal((await call('GET', '/api/enforce/squid/diff', 'viewer')).statusCode, 409);
    assert.equal((await call('GET', '/api/enforce/bgp/diff', 'viewer')).statusCode, 404);
  });
});
