import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer, testApp, type TestApp } from '../../test/support/app.js';
import { sqliteStore } from '../../test/support/stores.js';
import { applyLeaseRecords } from '../attribute/apply-leases.js';
import { listAudit } from '../audit/query.js';
import { upsertSubscriber } from '../store/subscribers.js';

const T = Date.parse('2026-11-24T01:00:00Z');
const system = { actor: { kind: 'system', component: 'test' } } as const;

describe('attribution API', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp(await sqliteStore());
    await applyLeaseRecords(
      t.store.db,
      'radius',
      [
        {
          session: 's1',
          action: 'start',
          at: T,
          address: '100.64.0.5',
          subscriberKey: 'taro@isp',
          keyKind: 'user',
          evidence: 'line 1',
        },
        { session: 's1', action: 'stop', at: T + 3_600_000, address: '100.64.0.5', evidence: 'line 9' },
      ],
      { format: 'freeradius-detail' },
    );
    await upsertSubscriber(t.store.db, system, {
      id: 'C-1',
      name: '山田 太郎',
      email: 'taro@example.jp',
      phone: '03-0000-0000',
      address: null,
      contract: null,
      keys: [{ kind: 'user', value: 'taro@isp' }],
    });
  });
  after(() => t.close());

  const who = (role: keyof TestApp['tokens'], query: string) =>
    t.app.inject({ method: 'GET', url: `/api/attribution/who?${query}`, headers: bearer(t.tokens[role]) });
  const at = encodeURIComponent(new Date(T + 600_000).toISOString());

  test('the abuse desk gets the subscriber with contact details and the lease evidence', async () => {
    const res = await who('abuse_desk', `address=100.64.0.5:51234&at=${at}&purpose=abuse-notice&reference=CASE-9`);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.port, 51234);
    assert.equal(body.candidates.length, 1);
    assert.equal(body.candidates[0].subscriberId, 'C-1');
    assert.equal(body.candidates[0].subscriber.email, 'taro@example.jp');
    assert.equal(body.candidates[0].links[0].evidence, 'line 1 … line 9');
    const [entry] = await listAudit(t.store.db, { limit: 1, action: 'attribution.lookup' });
    assert.equal(entry?.purpose, 'abuse-notice: CASE-9');
  });

  test('an analyst sees the subscriber key, not the contact details', async () => {
    const res = await who('analyst', `address=100.64.0.5&at=${at}&purpose=security-incident`);
    assert.equal(res.statusCode, 200, res.body);
    const c = res.json().candidates[0];
    assert.equal(c.subscriberKey, 'taro@isp');
    assert.equal(c.subscriber, undefined);
  });

  test('no purpose, an unlisted purpose or a viewer: refused, and nothing is looked up', async () => {
    const before = (await listAudit(t.store.db, { limit: 100, action: 'attribution.lookup' })).length;
    assert.equal((await who('abuse_desk', `address=100.64.0.5&at=${at}`)).statusCode, 400);
    assert.equal((await who('abuse_desk', `address=100.64.0.5&at=${at}&purpose=curiosity`)).statusCode, 400);
    assert.equal(
      (await who('abuse_desk', `address=100.64.0.5&at=${at}&purpose=other`)).json().code,
      'purpose.other_needs_text',
    );
    assert.equal((await who('viewer', `address=100.64.0.5&at=${at}&purpose=abuse-notice`)).statusCode, 403);
    assert.equal(
      (await who('abuse_desk', `address=not-an-ip&at=${at}&purpose=abuse-notice`)).json().code,
      'attribute.bad_address',
    );
    assert.equal((await listAudit(t.store.db, { limit: 100, action: 'attribution.lookup' })).length, before);
  });

  test('the purposes a look-up may give come from the server, and only "other" needs words', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/attribution/purposes',
      headers: bearer(t.tokens.viewer),
    });
    assert.equal(res.statusCode, 200, res.body);
    const items = res.json().items as { kind: string; referenceRequired: boolean }[];
    assert.deepEqual(
      items.map((p) => p.kind),
      ['abuse-notice', 'security-incident', 'legal-disclosure', 'police-request', 'customer-request', 'other'],
    );
    assert.deepEqual(
      items.filter((p) => p.referenceRequired).map((p) => p.kind),
      ['other'],
    );
    // Every kind offered is one the look-up takes.
    for (const p of items.filter((i) => !i.referenceRequired)) {
      assert.equal((await who('analyst', `address=100.64.0.5&at=${at}&purpose=${p.kind}`)).statusCode, 200);
    }
  });

  test('a lease file uploaded through the API is imported as a job, and status shows the source', async () => {
    const content = 'prefix,subscriber_id\n198.51.100.0/29,C-1\n';
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/attribution/imports',
      headers: bearer(t.tokens.admin),
      payload: { source: 'static', format: 'static-csv', content },
    });
    assert.equal(res.statusCode, 202, res.body);
    const { jobId } = res.json();
    for (let i = 0; i < 100; i++) {
      const job = (
        await t.app.inject({ method: 'GET', url: `/api/jobs/${jobId}`, headers: bearer(t.tokens.admin) })
      ).json();
      if (job.state !== 'running') {
        assert.equal(job.state, 'succeeded', JSON.stringify(job));
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const found = (await who('abuse_desk', `address=198.51.100.6&at=${at}&purpose=abuse-notice`)).json();
    assert.equal(found.candidates[0]?.subscriberId, 'C-1');
    const status = (
      await t.app.inject({ method: 'GET', url: '/api/attribution/status', headers: bearer(t.tokens.viewer) })
    ).json();
    assert.deepEqual(
      status.sources.map((s: { source: string }) => s.source),
      ['radius', 'static'],
    );
  });
});
