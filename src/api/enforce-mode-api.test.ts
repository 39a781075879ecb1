import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bearer, testAppWithDataDir, type TestApp } from '../../test/support/app.js';
import { storeKinds } from '../../test/support/stores.js';
import type { ClaimRecord } from '../intel/claim-record.js';
import { ingest } from '../intel/ingest.js';
import { DEFAULT_SOURCE_DEFAULTS } from '../intel/source.js';

// The shadow/block switch per point: POST /api/enforce/:point/mode stores the console's mode, audits
// it with the reason and publishes; the zone, the status, the effective policy and "where is this
// indicator enforced" all follow it.

const source = {
  name: 'c2',
  format: 'test',
  snapshot: 'full' as const,
  mode: 'block' as const,
  defaults: { ...DEFAULT_SOURCE_DEFAULTS, category: 'c2' as const },
  maxRetireShare: 1,
};
async function* names(n: number) {
  for (let i = 1; i <= n; i++)
    yield { value: `c2-${i}.example`, position: `f:${i}`, raw: Buffer.from('x') } as ClaimRecord;
}

type Point = {
  point: string;
  monitor: boolean;
  mode: { mode: string; origin: string; override: null | Record<string, string> };
};

for (const kind of await storeKinds()) {
  describe(`enforcement mode switch on ${kind.name}`, { skip: kind.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await testAppWithDataDir(await kind.open(), 'mizugiwa-enforce-mode-');
      await ingest(t.store.db, source, names(3));
    });
    after(async () => t?.close());

    const call = (method: 'GET' | 'POST', url: string, role: 'viewer' | 'analyst' = 'analyst', payload?: object) =>
      t.app.inject({ method, url, headers: bearer(t.tokens[role]), ...(payload && { payload }) });
    const zone = () => readFileSync(join(t.config.data_dir, 'rpz', 'rpz.mizugiwa.zone'), 'utf8');
    const rpzStatus = async () =>
      ((await call('GET', '/api/enforce/status', 'viewer')).json().items as Point[]).find((p) => p.point === 'rpz')!;
    const rpzPolicy = async () =>
      (await call('GET', '/api/policy', 'viewer')).json().points.find((p: Point) => p.point === 'rpz');
    const rpzForIndicator = async () =>
      (await call('GET', '/api/intel/indicators/c2-1.example', 'viewer'))
        .json()
        .enforcement.find((p: Point) => p.point === 'rpz');

    test('switching to shadow publishes the point monitor-only; back to block restores it', async () => {
      assert.equal((await call('POST', '/api/enforce/rpz/publish')).json().status, 'live');
      assert.match(zone(), /^c2-1\.example 300 IN A 127\.0\.0\.1$/m);
      assert.equal((await rpzStatus()).mode.origin, 'config');

      const shadow = await call('POST', '/api/enforce/rpz/mode', 'analyst', {
        mode: 'monitor',
        reason: 'watch the new feed for a week',
      });
      assert.equal(shadow.statusCode, 200, shadow.body);
      assert.equal(shadow.json().outcome.status, 'live');
      assert.equal(shadow.json().outcome.version, 2);
      assert.equal(shadow.json().mode.mode, 'monitor');
      assert.match(zone(), /^c2-1\.example 300 IN CNAME rpz-passthru\.$/m);
      assert.doesNotMatch(zone(), / IN A 127\.0\.0\.1$/m);

      const status = await rpzStatus();
      assert.equal(status.monitor, true);
      assert.equal(status.mode.origin, 'console');
      assert.match(status.mode.override?.changedBy ?? '', /^token:\d+:test-analyst$/);
      assert.equal(status.mode.override?.reason, 'watch the new feed for a week');
      assert.equal((await rpzPolicy()).monitor, true);
      assert.equal((await rpzForIndicator()).monitorReason, 'point-monitor');

      const audit = await t.store.db
        .selectFrom('auditEntries')
        .selectAll()
        .where('action', '=', 'enforce.mode')
        .execute();
      assert.equal(audit.length, 1);
      assert.match(JSON.stringify(audit[0]), /watch the new feed for a week/);

      const block = await call('POST', '/api/enforce/rpz/mode', 'analyst', { mode: 'block', reason: 'feed checked' });
      assert.equal(block.statusCode, 200, block.body);
      assert.equal(block.json().outcome.version, 3);
      assert.match(zone(), /^c2-1\.example 300 IN A 127\.0\.0\.1$/m);
      assert.doesNotMatch(zone(), /rpz-passthru\.$/m);
      assert.equal((await rpzStatus()).monitor, false);
      assert.equal((await rpzPolicy()).monitor, false);
      assert.equal((await rpzForIndicator()).action, 'block');
    });

    test('a viewer may not switch; a bad mode or no reason is refused with a message that says why', async () => {
      const viewer = await call('POST', '/api/enforce/rpz/mode', 'viewer', { mode: 'monitor', reason: 'x' });
      assert.equal(viewer.statusCode, 403);
      const bad = await call('POST', '/api/enforce/rpz/mode', 'analyst', { mode: 'shadow', reason: 'x' });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().message, /body\.mode: expected "block" or "monitor".*got "shadow"/);
      const noReason = await call('POST', '/api/enforce/rpz/mode', 'analyst', { mode: 'monitor', reason: '  ' });
      assert.equal(noReason.statusCode, 400);
      assert.match(noReason.json().message, /body\.reason: say why/);
      assert.equal(
        (await call('POST', '/api/enforce/squid/mode', 'analyst', { mode: 'monitor', reason: 'x' })).statusCode,
        409,
      );
      assert.equal((await rpzStatus()).monitor, false);
    });
  });
}
