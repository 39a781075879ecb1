// GET /api/policy: the enforce config in effect, per category and point, with the rule that decided each cell.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer, testApp, type TestApp } from '../../test/support/app.js';
import { sqliteStore } from '../../test/support/stores.js';
import { configSchema } from '../config/index.js';

type Cell = { category: string; effect: string; reason: string };
type Policy = {
  monitorAll: boolean;
  categories: { category: string; action: string }[];
  points: { point: string; enabled: boolean; monitor: boolean; cells: Cell[] }[];
  sources: { source: string; mode: string | null; override: string | null; effect: string }[];
};

describe('policy API', () => {
  let t: TestApp;
  const get = async (app: TestApp): Promise<Policy> => {
    const res = await app.app.inject({ method: 'GET', url: '/api/policy', headers: bearer(app.tokens.viewer) });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as Policy;
  };
  const cell = (policy: Policy, point: string, category: string) =>
    policy.points.find((p) => p.point === point)!.cells.find((c) => c.category === category)!;

  before(async () => {
    const config = configSchema.parse({
      enforce: {
        policy: { categories: { spam: 'monitor' }, sources: { 'partner-x': 'monitor' } },
        squid: { enabled: true, monitor: true },
        postfix: { enabled: true },
      },
      intel: {
        sources: [
          { name: 'urlhaus', format: 'urlhaus', file: '/dev/null', category: 'malware' },
          { name: 'watch', format: 'plain', file: '/dev/null', mode: 'monitor' },
        ],
      },
    });
    t = await testApp(await sqliteStore(), { enforce: config.enforce, intel: config.intel });
  });
  after(() => t.close());

  test('each cell says block, monitor or not carried, and which rule decided it', async () => {
    const policy = await get(t);
    assert.equal(policy.monitorAll, false);
    assert.deepEqual(
      policy.points.map((p) => [p.point, p.enabled, p.monitor]),
      [
        ['rpz', true, false],
        ['squid', true, true],
        ['nftables', false, false],
        ['postfix', true, false],
      ],
    );
    assert.deepEqual(cell(policy, 'rpz', 'phishing'), { category: 'phishing', effect: 'block', reason: 'block' });
    assert.equal(cell(policy, 'rpz', 'spam').reason, 'category-not-carried');
    assert.deepEqual(cell(policy, 'postfix', 'spam'), {
      category: 'spam',
      effect: 'monitor',
      reason: 'category-monitor',
    });
    assert.equal(cell(policy, 'squid', 'phishing').reason, 'point-monitor');
    assert.equal(cell(policy, 'nftables', 'c2').reason, 'point-disabled');
    assert.deepEqual(
      policy.categories.find((c) => c.category === 'other'),
      { category: 'other', action: 'monitor' },
      'the default for other is monitor',
    );
    assert.deepEqual(policy.sources, [
      { source: 'partner-x', mode: null, override: 'monitor', effect: 'monitor' },
      { source: 'urlhaus', mode: 'block', override: null, effect: 'block' },
      { source: 'watch', mode: 'monitor', override: null, effect: 'monitor' },
    ]);
  });

  test('enforce.monitor turns every carried cell into monitor', async () => {
    const config = configSchema.parse({ enforce: { monitor: true } });
    const all = await testApp(await sqliteStore(), { enforce: config.enforce });
    try {
      const policy = await get(all);
      assert.equal(policy.monitorAll, true);
      assert.deepEqual(cell(policy, 'rpz', 'c2'), { category: 'c2', effect: 'monitor', reason: 'monitor-all' });
      assert.equal(cell(policy, 'squid', 'c2').effect, 'not-carried');
    } finally {
      await all.close();
    }
  });
});
