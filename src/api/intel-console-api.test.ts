// The intel API the console's Indicators and Sources screens use: search by value, one indicator with its claims,
// suppression and enforcement, the console allowlist (add, list, remove, audited), fetch now as a job, and the diff
// of a held snapshot.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sqliteStore } from '../../test/support/stores.js';
import { bearer, testApp, type TestApp } from '../../test/support/app.js';
import { listAudit } from '../audit/query.js';
import { configSchema } from '../config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-intel-console-'));
const feedA = join(dir, 'a.txt');
const feedB = join(dir, 'b.txt');
const consoleFile = join(dir, 'allow', 'console.json');

const config = configSchema.parse({
  intel: {
    sources: [
      { name: 'feed-a', format: 'plain', file: feedA, category: 'c2' },
      { name: 'feed-b', format: 'plain', file: feedB, category: 'phishing', snapshot: 'delta' },
      { name: 'missing', format: 'plain', file: join(dir, 'nowhere.txt') },
    ],
    allowlists: [{ name: 'partners', entries: [{ kind: 'hostname', value: 'bank.example' }] }],
    console_allowlist: { name: 'console', file: consoleFile },
  },
  enforce: { policy: { categories: { phishing: 'monitor' } }, nftables: { enabled: true } },
});

const A_VALUES = Array.from({ length: 10 }, (_, i) => `a${i}.feed.example`);

type Indicator = {
  effective: boolean;
  allowlisted: { list: string; entry: string } | null;
  claims: { source: string; category: string; effective: boolean; suppressedBy: string | null }[];
  enforcement: { point: string; action: string | null; notCarried: string | null; monitorReason: string | null }[];
  consoleEntries: { verdict: string; reason: string; addedBy: string }[];
};

describe('intel API for the console', () => {
  let t: TestApp;
  let operator: Record<string, string>;
  let viewer: Record<string, string>;

  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: viewer });
  const post = (url: string, payload: Record<string, unknown> = {}, headers = operator) =>
    t.app.inject({ method: 'POST', url, headers, payload });

  async function waitForJob(id: number) {
    for (let i = 0; i < 400; i++) {
      const job = (await get(`/api/jobs/${id}`)).json();
      if (job.state !== 'running' && job.state !== 'queued') return job;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`job ${id} did not finish`);
  }

  async function fetchNow(name: string) {
    const res = await post(`/api/intel/sources/${name}/fetch`);
    assert.equal(res.statusCode, 202, res.body);
    return waitForJob(res.json().jobId as number);
  }

  const indicator = async (value: string) => {
    const res = await get(`/api/intel/indicators/${encodeURIComponent(value)}`);
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as Indicator;
  };
  const point = (i: Indicator, name: string) => i.enforcement.find((p) => p.point === name)!;

  before(async () => {
    writeFileSync(feedA, `${[...A_VALUES, 'evil.example', '45.1.0.9', 'login.bank.example'].join('\n')}\n`);
    writeFileSync(feedB, 'evil.example\nphish.example\n');
    t = await testApp(await sqliteStore(), config);
    operator = bearer(t.tokens.analyst);
    viewer = bearer(t.tokens.viewer);
    for (const name of ['feed-a', 'feed-b']) {
      const job = await fetchNow(name);
      assert.equal(job.state, 'succeeded', job.error);
    }
  });
  after(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('fetch now', () => {
    test('runs the source as a job with its progress, audited; the sources list shows the counts', async () => {
      const [entry] = await listAudit(t.store.db, { limit: 1, action: 'intel.fetch' });
      assert.equal(entry?.target, 'source:feed-b');
      const jobs = (await get('/api/jobs?kind=intel.fetch')).json().items as {
        params: { source: string; before: number };
        done: number;
        total: number;
        message: string;
      }[];
      const a = jobs.find((j) => j.params.source === 'feed-a')!;
      assert.deepEqual(a.params, { source: 'feed-a', before: 0 });
      assert.equal(a.done, 13);
      assert.equal(a.total, 13, 'the total is the records read once the run ends');
      assert.match(a.message, /^13 accepted \(1 suppressed by allowlists, 0 flagged\)/);

      const sources = (await get('/api/intel/sources')).json().items as {
        name: string;
        counts: { total: number; effective: number; suppressed: number };
        nextRunAt: string | null;
        lastError: string | null;
        runningJob: number | null;
      }[];
      const feedAView = sources.find((s) => s.name === 'feed-a')!;
      assert.deepEqual(feedAView.counts, { total: 13, effective: 12, expired: 0, suppressed: 1, review: 0 });
      assert.ok(feedAView.nextRunAt && Date.parse(feedAView.nextRunAt) > Date.now(), 'the next run of the cron');
      assert.equal(feedAView.lastError, null);
      assert.equal(feedAView.runningJob, null);
    });

    test('a failed fetch shows its error on the source; only operators fetch; only configured sources', async () => {
      const job = await fetchNow('missing');
      assert.equal(job.state, 'failed');
      const missing = (await get('/api/intel/sources/missing')).json();
      assert.match(missing.lastError, /ENOENT.*nowhere\.txt/);
      assert.equal(missing.lastResult, null);
      assert.equal(missing.recentFailures.length, 1);
      assert.match(missing.recentFailures[0].error, /nowhere\.txt/);

      assert.equal((await post('/api/intel/sources/feed-a/fetch', {}, viewer)).statusCode, 403);
      const unknown = await post('/api/intel/sources/nothing/fetch');
      assert.equal(unknown.statusCode, 404);
      const imported = await post('/api/intel/import', { source: 'uploaded', format: 'plain', content: 'x.example\n' });
      await waitForJob(imported.json().jobId as number);
      const notConfigured = await post('/api/intel/sources/uploaded/fetch');
      assert.equal(notConfigured.statusCode, 409);
      assert.match(notConfigured.json().message, /not in the config file/);
    });
  });

  describe('search and one indicator', () => {
    test('prefix search pages through the key, across types, with per-indicator summaries', async () => {
      const first = await get('/api/intel/indicators?q=a&limit=4');
      assert.equal(first.statusCode, 200, first.body);
      const page1 = first.json();
      assert.deepEqual(
        page1.items.map((i: { value: string }) => i.value),
        ['a0.feed.example', 'a1.feed.example', 'a2.feed.example', 'a3.feed.example'],
      );
      assert.equal(page1.next, 'domain:a3.feed.example');
      const rest = (await get(`/api/intel/indicators?q=a&limit=50&after=${encodeURIComponent(page1.next)}`)).json();
      assert.equal(rest.items.length, 6);
      assert.equal(rest.next, null);

      const evil = (await get('/api/intel/indicators?q=EVIL')).json().items;
      assert.deepEqual(evil, [
        {
          type: 'domain',
          value: 'evil.example',
          sources: 2,
          categories: ['c2', 'phishing'],
          effective: true,
          suppressed: false,
          validUntil: evil[0].validUntil,
        },
      ]);
      const ip = (await get('/api/intel/indicators?q=45.1.')).json().items;
      assert.deepEqual(
        ip.map((i: { type: string; value: string }) => [i.type, i.value]),
        [['ipv4', '45.1.0.9']],
      );
    });

    test('exact search normalises the value; a value that is no indicator says why', async () => {
      const exact = (await get('/api/intel/indicators?match=exact&q=Evil.Example.')).json();
      assert.deepEqual(exact.normalised, { type: 'domain', value: 'evil.example' });
      assert.equal(exact.items.length, 1);
      const none = (await get('/api/intel/indicators?match=exact&q=unknown.example')).json();
      assert.deepEqual(none.items, []);
      const bad = await get('/api/intel/indicators?match=exact&q=two%20words');
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().code, 'request.invalid');
      const badCursor = await get('/api/intel/indicators?q=a&after=nonsense');
      assert.equal(badCursor.statusCode, 400);
    });

    test('claims from both sources and where each point enforces it', async () => {
      const evil = await indicator('evil.example');
      assert.deepEqual(evil.claims.map((c) => [c.source, c.category, c.effective]).sort(), [
        ['feed-a', 'c2', true],
        ['feed-b', 'phishing', true],
      ]);
      assert.deepEqual(point(evil, 'rpz'), {
        point: 'rpz',
        enabled: true,
        categories: ['c2', 'phishing'],
        action: 'block',
        notCarried: null,
        monitorReason: null,
        stoppedBy: null,
      });
      assert.equal(point(evil, 'squid').notCarried, 'point-disabled');
      assert.equal(point(evil, 'nftables').notCarried, 'type-not-carried');

      // phishing is set to monitor: an indicator only feed-b lists is logged, not blocked.
      const phish = await indicator('phish.example');
      assert.deepEqual([point(phish, 'rpz').action, point(phish, 'rpz').monitorReason], ['monitor', 'claim-monitor']);
      const address = await indicator('45.1.0.9');
      assert.equal(point(address, 'nftables').action, 'block');

      const partner = await indicator('login.bank.example');
      assert.equal(partner.claims[0]?.suppressedBy, 'partners / hostname:bank.example');
      assert.equal(point(partner, 'rpz').notCarried, 'no-effective-claim');
    });
  });

  describe('the console allowlist', () => {
    let id: string;

    test('a viewer may not add; bad entries are refused with the reason', async () => {
      const payload = { value: 'evil.example', reason: 'false positive' };
      assert.equal((await post('/api/intel/allowlist-entries', payload, viewer)).statusCode, 403);
      const short = await post('/api/intel/allowlist-entries', { value: 'evil.example', reason: 'x' });
      assert.equal(short.statusCode, 400);
      assert.match(short.json().message, /at least 3 characters/);
      const broad = await post('/api/intel/allowlist-entries', { value: '8.0.0.0/6', reason: 'all of it' });
      assert.equal(broad.statusCode, 400);
      assert.match(broad.json().message, /too large.*\/8 for IPv4/);
      const wrongKind = await post('/api/intel/allowlist-entries', {
        value: '45.1.0.9',
        kind: 'hostname',
        reason: 'test',
      });
      assert.equal(wrongKind.statusCode, 400);
      const past = await post('/api/intel/allowlist-entries', {
        value: 'evil.example',
        reason: 'expired already',
        expiresAt: '2020-01-01T00:00:00Z',
      });
      assert.equal(past.statusCode, 400);
      assert.equal(existsSync(consoleFile), false, 'nothing was written');
    });

    test('adding an entry suppresses the claims it covers at once, audited, and names the entry', async () => {
      const expiresAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
      const res = await post('/api/intel/allowlist-entries', {
        value: 'Evil.Example',
        reason: 'customer portal, false positive',
        expiresAt,
      });
      assert.equal(res.statusCode, 201, res.body);
      const { entry, suppressed } = res.json();
      id = entry.id;
      assert.equal(suppressed, 2, 'both sources’ claims');
      assert.deepEqual([entry.kind, entry.value, entry.expiresAt], ['hostname', 'evil.example', expiresAt]);
      assert.match(entry.addedBy, /^token:\d+:test-analyst$/);
      const stored = JSON.parse(readFileSync(consoleFile, 'utf8'));
      assert.equal(stored.entries[0].value, 'evil.example');

      const evil = await indicator('evil.example');
      assert.equal(evil.effective, false);
      assert.deepEqual(evil.allowlisted, { list: 'console', entry: 'hostname:evil.example', mode: 'block' });
      assert.deepEqual(
        evil.claims.map((c) => c.suppressedBy),
        ['console / hostname:evil.example', 'console / hostname:evil.example'],
      );
      assert.deepEqual(
        evil.consoleEntries.map((e) => [e.verdict, e.reason]),
        [['console / hostname:evil.example', 'customer portal, false positive']],
      );
      assert.equal(point(evil, 'rpz').notCarried, 'no-effective-claim');
      assert.equal(point(evil, 'rpz').action, null);

      const [audit] = await listAudit(t.store.db, { limit: 1, action: 'intel.allowlist.add' });
      assert.equal(audit?.target, 'allowlist:console');
      assert.equal((audit?.detail as { suppressed: number }).suppressed, 2);

      const again = await post('/api/intel/allowlist-entries', { value: 'evil.example', reason: 'once more' });
      assert.equal(again.statusCode, 409);

      const list = (await get('/api/intel/allowlist-entries')).json();
      assert.equal(list.total, 1);
      assert.equal(list.items[0].reason, 'customer portal, false positive');
      const inForce = (await get('/api/intel/allowlists')).json().lists as { name: string; entryCount: number }[];
      assert.equal(inForce.find((l) => l.name === 'console')?.entryCount, 1);
    });

    test('the next fetch keeps it suppressed (ingest reads the console list too)', async () => {
      const job = await fetchNow('feed-b');
      assert.equal(job.state, 'succeeded', job.error);
      const evil = await indicator('evil.example');
      assert.ok(evil.claims.every((c) => c.suppressedBy === 'console / hostname:evil.example'));
    });

    test('removing it makes the claims count again, audited; a viewer may not remove', async () => {
      assert.equal(
        (await t.app.inject({ method: 'DELETE', url: `/api/intel/allowlist-entries/${id}`, headers: viewer }))
          .statusCode,
        403,
      );
      const res = await t.app.inject({
        method: 'DELETE',
        url: `/api/intel/allowlist-entries/${id}`,
        headers: operator,
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().released, 2);
      const evil = await indicator('evil.example');
      assert.equal(evil.effective, true);
      assert.equal(evil.allowlisted, null);
      assert.equal(point(evil, 'rpz').action, 'block');
      const [audit] = await listAudit(t.store.db, { limit: 1, action: 'intel.allowlist.remove' });
      assert.equal((audit?.detail as { released: number }).released, 2);
      const gone = await t.app.inject({
        method: 'DELETE',
        url: `/api/intel/allowlist-entries/${id}`,
        headers: operator,
      });
      assert.equal(gone.statusCode, 404);
    });
  });

  describe('a held snapshot', () => {
    test('the diff says what the run added and, page by page, what approving would retire', async () => {
      writeFileSync(feedA, 'a0.feed.example\na1.feed.example\nnew.feed.example\n');
      const job = await fetchNow('feed-a');
      assert.equal(job.state, 'succeeded', job.error);
      assert.match(job.message, /HELD: this snapshot would retire 11 of 14/);

      const diff = (await get('/api/intel/sources/feed-a/held?limit=5')).json().diff;
      assert.deepEqual(
        [diff.listed, diff.added, diff.removed, diff.held],
        [3, 1, 11, { wouldRetire: 11, of: 14, share: 0.786 }],
      );
      assert.deepEqual(
        diff.removedItems.map((i: { value: string }) => i.value),
        ['a2.feed.example', 'a3.feed.example', 'a4.feed.example', 'a5.feed.example', 'a6.feed.example'],
      );
      const last = (await get('/api/intel/sources/feed-a/held?limit=5&offset=10')).json().diff;
      assert.deepEqual(
        last.removedItems.map((i: { type: string; value: string }) => `${i.type}:${i.value}`),
        ['ipv4:45.1.0.9'],
      );

      const approved = await post('/api/intel/sources/feed-a/approve');
      assert.equal(approved.statusCode, 200, approved.body);
      assert.deepEqual(approved.json(), { source: 'feed-a', retired: 11, total: 3 });
      assert.equal((await get('/api/intel/sources/feed-a/held')).json().diff, null);
      const source = (await get('/api/intel/sources/feed-a')).json();
      assert.equal(source.counts.total, 3);
    });
  });
});
