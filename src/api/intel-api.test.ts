import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sqliteStore } from '../../test/support/stores.js';
import { bearer, testApp, type TestApp } from '../../test/support/app.js';
import { listAudit } from '../audit/query.js';
import { configSchema } from '../config/index.js';

/** The console allowlist's file: these tests only read it (empty); intel-console-api.test.ts writes one. */
const consoleDir = mkdtempSync(join(tmpdir(), 'mizugiwa-intel-api-'));
const intel = configSchema.parse({
  intel: {
    console_allowlist: { file: join(consoleDir, 'console.json') },
    own: { domains: ['isp.example'], prefixes: ['45.0.0.0/16'] },
    sources: [{ name: 'partner-feed', format: 'plain', url: 'https://feeds.example/list.txt', snapshot: 'delta' }],
    allowlists: [
      { name: 'partners', entries: [{ kind: 'hostname', value: 'bank.example' }] },
      {
        name: 'watch',
        mode: 'inform',
        entries: [
          { kind: 'hostname', value: 'cdn.example' },
          { kind: 'cidr', value: 'not-a-network' },
        ],
      },
    ],
  },
}).intel;

const FEED = [
  '# a partner list',
  'evil.example',
  'login.bank.example',
  'x.cdn.example',
  'mail.isp.example',
  '192.0.2.5',
  '45.0.1.1',
  'http://phish.example/login?next=/account#top',
  'two words',
  'not_a_domain!',
  '',
].join('\n');

describe('intel API', () => {
  let t: TestApp;
  let operator: Record<string, string>;
  let viewer: Record<string, string>;

  async function importFeed(payload: Record<string, unknown>) {
    const res = await t.app.inject({ method: 'POST', url: '/api/intel/import', headers: operator, payload });
    assert.equal(res.statusCode, 202, res.body);
    return waitForJob(res.json().jobId as number);
  }

  async function waitForJob(id: number) {
    for (let i = 0; i < 200; i++) {
      const res = await t.app.inject({ method: 'GET', url: `/api/jobs/${id}`, headers: viewer });
      const job = res.json();
      if (job.state !== 'running' && job.state !== 'queued') return job;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`job ${id} did not finish`);
  }

  async function get(url: string) {
    const res = await t.app.inject({ method: 'GET', url, headers: viewer });
    return res;
  }

  before(async () => {
    t = await testApp(await sqliteStore(), { intel });
    operator = bearer(t.tokens.analyst);
    viewer = bearer(t.tokens.viewer);
  });
  after(async () => {
    await t?.close();
    rmSync(consoleDir, { recursive: true, force: true });
  });

  describe('importing a feed and reading it back', () => {
    before(async () => {
      const job = await importFeed({ source: 'uploads', format: 'plain', content: FEED });
      assert.equal(job.state, 'succeeded', job.error);
      assert.equal(job.done, Buffer.byteLength(FEED));
      assert.equal(job.total, Buffer.byteLength(FEED));
      assert.match(job.message, /^7 accepted \(4 suppressed by allowlists, 1 flagged\), 2 rejected/);
    });

    test('the import is audited with its job', async () => {
      const [entry] = await listAudit(t.store.db, { limit: 1, action: 'intel.import' });
      assert.equal(entry?.target, 'source:uploads');
      assert.match(entry?.actor ?? '', /^token:\d+:test-analyst$/);
      assert.equal((entry?.detail as { format: string }).format, 'plain');
    });

    test('sources: configured and imported, merged, with the last result', async () => {
      const res = await get('/api/intel/sources');
      assert.equal(res.statusCode, 200, res.body);
      const items = res.json().items as { name: string }[];
      assert.deepEqual(
        items.map((s) => s.name),
        ['partner-feed', 'uploads'],
      );
      const [configured, uploads] = res.json().items;
      assert.equal(configured.configured, true);
      assert.equal(configured.schedule, '0 * * * *');
      assert.equal(configured.snapshot, 'delta');
      assert.equal(configured.location, 'https://feeds.example/list.txt');
      assert.equal(configured.lastRunAt, null);
      assert.equal(configured.lastResult, null);
      assert.equal(uploads.configured, false);
      assert.equal(uploads.schedule, null);
      assert.equal(uploads.format, 'plain');
      assert.equal(uploads.snapshot, 'full');
      assert.ok(uploads.lastRunAt);
      assert.deepEqual(uploads.lastResult, {
        generation: 1,
        accepted: 7,
        rejected: 2,
        suppressed: 4,
        flagged: 1,
        total: 7,
        retired: 0,
        held: null,
      });
    });

    test('one source with its counts per type; an unknown source is a 404 in the error shape', async () => {
      const res = await get('/api/intel/sources/uploads');
      assert.equal(res.statusCode, 200, res.body);
      const stats = res.json().stats as { type: string; total: number; effective: number; suppressed: number }[];
      assert.deepEqual(
        stats.map((s) => [s.type, s.total, s.effective, s.suppressed]),
        [
          ['domain', 4, 2, 2],
          ['ipv4', 2, 0, 2],
          ['url', 1, 1, 0],
        ],
      );
      const missing = await get('/api/intel/sources/nothing-here');
      assert.equal(missing.statusCode, 404);
      assert.deepEqual(Object.keys(missing.json()).sort(), ['code', 'message', 'statusCode']);
      assert.match(missing.json().message, /no intel source named "nothing-here"/);
    });

    test('stats at now', async () => {
      const res = await get('/api/intel/stats');
      assert.equal(res.statusCode, 200, res.body);
      assert.ok(Date.parse(res.json().at));
      const domain = (res.json().items as { source: string; type: string; review: number }[]).find(
        (s) => s.source === 'uploads' && s.type === 'domain',
      );
      assert.equal(domain?.review, 1);
    });

    test('claims: filtered by whether they count, paged with a total', async () => {
      const suppressed = await get('/api/intel/claims?source=uploads&effective=false');
      assert.equal(suppressed.statusCode, 200, suppressed.body);
      assert.equal(suppressed.json().total, 4);
      assert.deepEqual(
        (suppressed.json().items as { value: string; suppressedBy: string }[])
          .map((c) => `${c.value} ← ${c.suppressedBy}`)
          .sort(),
        [
          '192.0.2.5 ← builtin:special-addresses / cidr:192.0.2.0/24',
          '45.0.1.1 ← builtin:own-network / cidr:45.0.0.0/16',
          'login.bank.example ← partners / hostname:bank.example',
          'mail.isp.example ← builtin:own-network / hostname:isp.example',
        ],
      );
      const page = await get('/api/intel/claims?effective=true&limit=2&offset=2');
      assert.equal(page.json().total, 3);
      assert.equal(page.json().items.length, 1);
      assert.equal(page.json().items[0].effective, true);
      const bad = await get('/api/intel/claims?effective=maybe');
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().message, /querystring\.effective/);
    });

    test('an indicator: every claim, whether it counts, and the allowlist verdict now', async () => {
      const bank = await get('/api/intel/indicators/LOGIN.Bank.Example.');
      assert.equal(bank.statusCode, 200, bank.body);
      assert.deepEqual(bank.json().indicator, { type: 'domain', value: 'login.bank.example' });
      assert.equal(bank.json().effective, false);
      assert.deepEqual(bank.json().allowlisted, { list: 'partners', entry: 'hostname:bank.example', mode: 'block' });
      assert.equal(bank.json().claims.length, 1);
      assert.equal(bank.json().claims[0].source, 'uploads');
      assert.equal(bank.json().claims[0].suppressedBy, 'partners / hostname:bank.example');

      const url = 'http://phish.example/login?next=/account#top';
      const phish = await get(`/api/intel/indicators/${encodeURIComponent(url)}`);
      assert.equal(phish.statusCode, 200, phish.body);
      assert.equal(phish.json().indicator.type, 'url');
      assert.equal(phish.json().effective, true);
      assert.equal(phish.json().allowlisted, null);
      assert.equal(phish.json().claims[0].effective, true);

      const cdn = await get('/api/intel/indicators/x.cdn.example');
      assert.equal(cdn.json().effective, true, 'an inform list flags, it does not suppress');
      assert.equal(cdn.json().claims[0].reviewBy, 'watch / hostname:cdn.example');

      const nobody = await get('/api/intel/indicators/quiet.example');
      assert.equal(nobody.statusCode, 200);
      assert.deepEqual(nobody.json().claims, []);
      assert.equal(nobody.json().effective, false);
    });

    test('an invalid value is a 400 with the reason', async () => {
      const res = await get('/api/intel/indicators/999.1.1.1?type=ipv4');
      assert.equal(res.statusCode, 400);
      assert.deepEqual(Object.keys(res.json()).sort(), ['code', 'message', 'statusCode']);
      assert.equal(res.json().code, 'request.invalid');
      assert.match(res.json().message, /999\.1\.1\.1/);
      const badType = await get('/api/intel/indicators/evil.example?type=banana');
      assert.equal(badType.statusCode, 400);
      assert.match(badType.json().message, /querystring\.type/);
    });

    test('check: the verdict before an operator adds something', async () => {
      const check = async (payload: Record<string, unknown>) => {
        const res = await t.app.inject({ method: 'POST', url: '/api/intel/check', headers: viewer, payload });
        assert.equal(res.statusCode, 200, res.body);
        return res.json();
      };
      const own = await check({ value: 'www.isp.example' });
      assert.deepEqual(own.allowlisted, { list: 'builtin:own-network', entry: 'hostname:isp.example', mode: 'block' });
      assert.equal(own.blockable, false);
      const suffix = await check({ value: 'co.jp' });
      assert.equal(suffix.allowlisted.list, 'builtin:public-suffix');
      const flagged = await check({ value: 'img.cdn.example' });
      assert.equal(flagged.allowlisted.mode, 'inform');
      assert.equal(flagged.blockable, true);
      const plain = await check({ value: '45.1.0.1', type: 'ipv4' });
      assert.deepEqual(plain, { indicator: { type: 'ipv4', value: '45.1.0.1' }, allowlisted: null, blockable: true });
      const net = await check({ value: '45.0.0.0/8' });
      assert.equal(net.allowlisted.list, 'builtin:own-network', 'a network containing our own would block it');

      const bad = await t.app.inject({
        method: 'POST',
        url: '/api/intel/check',
        headers: viewer,
        payload: { value: 'http://' },
      });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().code, 'request.invalid');
    });

    test('allowlists in force, with the entries that could not be used', async () => {
      const res = await get('/api/intel/allowlists');
      assert.equal(res.statusCode, 200, res.body);
      const lists = res.json().lists as {
        name: string;
        origin: string;
        mode: string;
        entryCount: number;
        entries: { kind: string; value: string }[] | null;
      }[];
      assert.deepEqual(
        lists.map((l) => [l.name, l.origin, l.mode, l.entryCount]),
        [
          ['builtin:special-addresses', 'builtin', 'block', 20],
          ['builtin:special-names', 'builtin', 'block', 4],
          ['builtin:own-network', 'own', 'block', 2],
          ['partners', 'configured', 'block', 1],
          ['watch', 'configured', 'inform', 2],
          // The console's own list, empty until an operator adds to it (intel-console-api.test.ts).
          ['console', 'console', 'block', 0],
        ],
      );
      assert.equal(lists[0]?.entries, null);
      assert.deepEqual(lists[2]?.entries, [
        { kind: 'hostname', value: 'isp.example' },
        { kind: 'cidr', value: '45.0.0.0/16' },
      ]);
      assert.equal(res.json().problems.length, 1);
      assert.match(res.json().problems[0], /allowlist watch: cidr "not-a-network"/);
    });
  });

  describe('validation of an import', () => {
    const refused = async (payload: Record<string, unknown>, pattern: RegExp) => {
      const res = await t.app.inject({ method: 'POST', url: '/api/intel/import', headers: operator, payload });
      assert.equal(res.statusCode, 400, res.body);
      // Schema errors also carry `details` (one line per issue); the three keys are always there.
      assert.equal(res.json().statusCode, 400);
      assert.equal(res.json().code, 'request.invalid');
      assert.match(res.json().message, pattern);
    };

    test('an unknown format names the field', () =>
      refused({ source: 'x', format: 'excel', content: 'a.example' }, /body\.format/));
    test('a bad source name says what a name may be', () =>
      refused({ source: 'Bad Name', format: 'plain', content: 'a.example' }, /body\.source: expected a short/));
    test('wrong format options name the option', () =>
      refused(
        { source: 'opts', format: 'plain', content: 'a.example', options: { type: 'banana' } },
        /format plain: options\.type/,
      ));
    test('a configured source keeps its configured format', () =>
      refused(
        { source: 'partner-feed', format: 'hosts', content: '0.0.0.0 a.example' },
        /configured with format plain/,
      ));
    test('an imported source keeps its format', () =>
      refused({ source: 'uploads', format: 'hosts', content: '0.0.0.0 a.example' }, /holds plain imports/));
    test('a viewer may not import', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/intel/import',
        headers: viewer,
        payload: { source: 'x', format: 'plain', content: 'a.example' },
      });
      assert.equal(res.statusCode, 403);
    });
  });

  describe('a held snapshot', () => {
    const values = Array.from({ length: 10 }, (_, i) => `h${i}.held.example`);

    test('a snapshot that drops most of the feed is held, then approved', async () => {
      await importFeed({ source: 'held', format: 'plain', content: values.join('\n') });
      const second = await importFeed({ source: 'held', format: 'plain', content: values.slice(0, 2).join('\n') });
      assert.equal(second.state, 'succeeded', second.error);
      assert.match(second.message, /HELD: this snapshot would retire 8 of 10/);

      const source = (await get('/api/intel/sources/held')).json();
      assert.deepEqual(source.lastResult.held, { wouldRetire: 8, of: 10, share: 0.8 });
      assert.equal(source.lastResult.total, 10);
      assert.equal(source.stats[0].total, 10);

      const viewerTry = await t.app.inject({ method: 'POST', url: '/api/intel/sources/held/approve', headers: viewer });
      assert.equal(viewerTry.statusCode, 403);

      const approved = await t.app.inject({
        method: 'POST',
        url: '/api/intel/sources/held/approve',
        headers: operator,
      });
      assert.equal(approved.statusCode, 200, approved.body);
      assert.deepEqual(approved.json(), { source: 'held', retired: 8, total: 2 });
      const [entry] = await listAudit(t.store.db, { limit: 1, action: 'intel.approve' });
      assert.equal(entry?.target, 'source:held');
      assert.equal((entry?.detail as { retired: number }).retired, 8);

      const after = (await get('/api/intel/sources/held')).json();
      assert.equal(after.lastResult.held, null);
      assert.equal(after.lastResult.retired, 8);
      assert.equal(after.lastResult.total, 2);
      const claims = (await get('/api/intel/claims?source=held')).json();
      assert.deepEqual((claims.items as { value: string }[]).map((c) => c.value).sort(), values.slice(0, 2));

      const again = await t.app.inject({ method: 'POST', url: '/api/intel/sources/held/approve', headers: operator });
      assert.equal(again.statusCode, 409);
      assert.match(again.json().message, /Source "held" has no held snapshot to approve/);
    });

    test('approving an unknown source is a 404; a configured source that never ran has nothing held', async () => {
      const unknown = await t.app.inject({
        method: 'POST',
        url: '/api/intel/sources/nothing-here/approve',
        headers: operator,
      });
      assert.equal(unknown.statusCode, 404);
      const never = await t.app.inject({
        method: 'POST',
        url: '/api/intel/sources/partner-feed/approve',
        headers: operator,
      });
      assert.equal(never.statusCode, 409);
    });
  });
});
