import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer, testApp, type TestApp } from '../../test/support/app.js';
import { storeKinds } from '../../test/support/stores.js';
import { configSchema } from '../config/index.js';
import type { Role } from '../domain/roles.js';
import { putDeadLetter } from '../store/dead-letters.js';
import { writeObservationFlush, type SightingDelta } from '../store/sightings.js';
import type { DashboardView } from './routes/dashboard.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.now();
/** The start of the hour `hoursAgo` before this one, plus five minutes. */
const hourAgo = (hoursAgo: number) => Math.floor(NOW / HOUR) * HOUR - hoursAgo * HOUR + 5 * 60_000;

const sighting = (atMs: number, over: Partial<SightingDelta>): SightingDelta => ({
  indicatorType: 'domain',
  indicatorValue: 'c2.example',
  point: 'dns',
  client: '192.0.2.10',
  windowStart: new Date(atMs).toISOString(),
  firstSeen: new Date(atMs + 10_000).toISOString(),
  lastSeen: new Date(atMs + 60_000).toISOString(),
  count: 1,
  blockedCount: 0,
  categories: ['c2'],
  sources: ['feed-c2'],
  input: 'resolver1',
  detail: null,
  subscriber: null,
  ...over,
});

// c2.example: 3 clients this hour and 1 two hours ago (4 sightings); phish.example: 2 sightings, one of them 3 days
// ago (outside 24 h, inside 30 d); botnet+c2 on one sighting counts in both series.
const SIGHTINGS = [
  sighting(hourAgo(0), { client: '192.0.2.10', count: 5, subscriber: 'S-1' }),
  sighting(hourAgo(0), { client: '192.0.2.11', count: 2, subscriber: 'S-1' }),
  sighting(hourAgo(0), { client: '192.0.2.12', count: 1, subscriber: 'S-2' }),
  sighting(hourAgo(2), { client: '192.0.2.10', count: 4, subscriber: 'S-1' }),
  sighting(hourAgo(1), { indicatorValue: 'phish.example', categories: ['phishing'], subscriber: 'S-2' }),
  sighting(hourAgo(72), { indicatorValue: 'phish.example', categories: ['phishing'], subscriber: 'S-3' }),
  sighting(hourAgo(5), { indicatorValue: 'bot.example', categories: ['botnet', 'c2'], client: '192.0.2.20' }),
];

const iso = (ms: number) => new Date(ms).toISOString();

for (const kind of await storeKinds()) {
  describe(`dashboard API on ${kind.name}`, { skip: kind.skip }, () => {
    let t: TestApp;

    before(async () => {
      const config = configSchema.parse({
        intel: {
          sources: [
            { name: 'feed-c2', format: 'plain', file: '/nonexistent/c2.txt', category: 'c2' },
            { name: 'feed-never', format: 'plain', file: '/nonexistent/never.txt' },
          ],
        },
        enforce: { rpz: { enabled: true }, squid: { enabled: true, monitor: true } },
      });
      t = await testApp(await kind.open(), { intel: config.intel, enforce: config.enforce });
      const db = t.store.db;
      await writeObservationFlush(db, {
        sightings: SIGHTINGS,
        counts: [
          {
            input: 'resolver1',
            point: 'dns',
            minute: iso(NOW - 120_000),
            observed: 900,
            matched: 7,
            rejected: 2,
            dropped: 40,
          },
        ],
        deadLetters: [],
        raw: [],
        positions: [],
      });
      // Cases: two new (one opened today, one 10 days ago), one notified 40 days ago, one closed (not open).
      const kase = (state: string, openedMsAgo: number, subscriberId: string) => ({
        subscriberId,
        type: 'infected-system',
        state,
        openedAt: iso(NOW - openedMsAgo),
        updatedAt: iso(NOW - openedMsAgo),
        firstEventAt: iso(NOW - openedMsAgo),
        lastEventAt: iso(NOW - openedMsAgo),
        eventCount: 1,
      });
      await db
        .insertInto('abuseCases')
        .values([
          kase('new', HOUR, 'S-1'),
          kase('new', 10 * DAY, 'S-2'),
          kase('notified', 40 * DAY, 'S-3'),
          kase('closed', 2 * DAY, 'S-4'),
        ])
        .execute();
      const at = iso(NOW - HOUR);
      await db
        .insertInto('intelSources')
        .values({
          name: 'feed-c2',
          format: 'plain',
          location: '/nonexistent/c2.txt',
          snapshot: 'full',
          mode: 'block',
          generation: 2,
          createdAt: at,
          updatedAt: at,
          lastRunAt: at,
          lastResult: JSON.stringify({
            generation: 2,
            accepted: 90,
            rejected: 3,
            suppressed: 0,
            flagged: 0,
            total: 120,
            retired: 0,
            held: { wouldRetire: 80, of: 120, share: 0.67 },
          }),
        })
        .execute();
      await db
        .insertInto('intelSources')
        .values({
          name: 'feed-gone',
          format: 'csv',
          location: 'https://feeds.example/gone.csv',
          snapshot: 'full',
          mode: 'monitor',
          generation: 0,
          createdAt: at,
          updatedAt: at,
          lastRunAt: at,
          lastResult: JSON.stringify({ error: 'HTTP 404 from https://feeds.example/gone.csv' }),
        })
        .execute();
      const version = (v: number, status: 'live' | 'held' | 'superseded') => ({
        point: 'rpz',
        version: v,
        status,
        entries: 100 + v,
        added: 0,
        removed: 0,
        serial: v,
        guards: JSON.stringify({ checks: [] }),
        error: null,
        createdAt: at,
        publishedAt: status === 'held' ? null : at,
        approvedBy: null,
        approvedAt: null,
      });
      await db
        .insertInto('enforceVersions')
        .values([version(1, 'superseded'), version(2, 'live'), version(3, 'held')])
        .execute();
      for (const source of ['feed-c2', 'feed-c2', 'replay:bind-querylog']) {
        await putDeadLetter(db, { source, format: 'x', reason: 'bad', position: 'line 1', raw: Buffer.from('x') });
      }
      const replayed = await putDeadLetter(db, {
        source: 'feed-c2',
        format: 'x',
        reason: 'bad',
        position: 'line 2',
        raw: Buffer.from('y'),
      });
      await db.updateTable('deadLetters').set({ replayedAt: at }).where('id', '=', replayed).execute();
    });
    after(async () => {
      await t?.close();
    });

    const get = async (url: string, role: Role = 'analyst') => {
      const res = await t.app.inject({ method: 'GET', url, headers: bearer(t.tokens[role]) });
      return res;
    };
    const dashboard = async (url: string, role: Role = 'analyst'): Promise<DashboardView> => {
      const res = await get(url, role);
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as DashboardView;
    };

    test('the last 24 hours: sightings per hour and category, the newest hour last', async () => {
      const d = await dashboard('/api/dashboard');
      assert.equal(d.range, '24h');
      assert.equal(d.sightings.bucket, 'hour');
      assert.equal(d.sightings.starts.length, 24);
      assert.equal(d.sightings.starts[23], iso(Math.floor(NOW / HOUR) * HOUR));
      const series = Object.fromEntries(d.sightings.series.map((s) => [s.category, s.counts]));
      assert.deepEqual(Object.keys(series), ['c2', 'phishing', 'botnet'], 'in the fixed category order');
      assert.equal(series.c2![23], 3);
      assert.equal(series.c2![21], 1);
      assert.equal(series.c2![18], 1, 'the botnet+c2 sighting counts under c2 too');
      assert.equal(series.phishing![22], 1);
      assert.equal(d.sightings.series.find((s) => s.category === 'phishing')!.total, 1, '3 days ago is outside');
      assert.equal(series.botnet![18], 1);
    });

    test('top indicators and subscribers, most sightings first, with observations and clients', async () => {
      const d = await dashboard('/api/dashboard');
      assert.deepEqual(d.topIndicators, [
        { type: 'domain', value: 'c2.example', categories: ['c2'], sightings: 4, hits: 12, clients: 3 },
        { type: 'domain', value: 'bot.example', categories: ['botnet', 'c2'], sightings: 1, hits: 1, clients: 1 },
        { type: 'domain', value: 'phish.example', categories: ['phishing'], sightings: 1, hits: 1, clients: 1 },
      ]);
      assert.deepEqual(d.topSubscribers, [
        { subscriber: 'S-1', sightings: 3, hits: 11, indicators: 1 },
        { subscriber: 'S-2', sightings: 2, hits: 2, indicators: 2 },
      ]);
    });

    test('30 days by the calendar day of the zone asked for', async () => {
      const d = await dashboard('/api/dashboard?range=30d&tz=Asia/Tokyo');
      assert.equal(d.sightings.bucket, 'day');
      assert.equal(d.timeZone, 'Asia/Tokyo');
      assert.equal(d.sightings.starts.length, 30);
      const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo', dateStyle: 'short' });
      // Each bucket starts at local midnight (15:00 UTC the day before), and the last one is today there.
      for (const start of d.sightings.starts) assert.match(start, /T15:00:00\.000Z$/);
      assert.equal(day.format(Date.parse(d.sightings.starts[29]!)), day.format(NOW));
      const phishing = d.sightings.series.find((s) => s.category === 'phishing')!;
      assert.equal(phishing.total, 2, 'the sighting 3 days ago is inside 30 days');
      const threeDaysAgo = d.sightings.starts.findIndex((s) => day.format(Date.parse(s)) === day.format(hourAgo(72)));
      assert.equal(phishing.counts[threeDaysAgo], 1);
      assert.equal(d.topSubscribers?.length, 3);
    });

    test('open cases by state and age; closed ones are left out', async () => {
      const { cases } = await dashboard('/api/dashboard');
      assert.equal(cases.open, 3);
      assert.deepEqual(
        cases.byState.map((s) => [s.state, s.total]),
        [
          ['new', 2],
          ['notified', 1],
          ['reminded', 0],
          ['restricted', 0],
        ],
      );
      assert.deepEqual(cases.byState[0]!.byAge, { day: 1, week: 0, month: 1, older: 0 });
      assert.deepEqual(cases.byAge, { day: 1, week: 0, month: 1, older: 1 });
    });

    test('feed health, enforcement per point, dead letters and observation drops', async () => {
      const d = await dashboard('/api/dashboard');
      const feeds = Object.fromEntries(d.feeds.map((f) => [f.name, f]));
      assert.deepEqual(Object.keys(feeds), ['feed-c2', 'feed-gone', 'feed-never']);
      assert.equal(feeds['feed-c2']!.status, 'held');
      assert.deepEqual(feeds['feed-c2']!.held, { wouldRetire: 80, of: 120 });
      assert.equal(feeds['feed-c2']!.total, 120);
      assert.equal(feeds['feed-c2']!.rejected, 3);
      assert.equal(feeds['feed-c2']!.deadLetters, 2, 'the replayed one is not counted');
      assert.equal(feeds['feed-gone']!.status, 'error');
      assert.equal(feeds['feed-gone']!.error, 'HTTP 404 from https://feeds.example/gone.csv');
      assert.equal(feeds['feed-gone']!.configured, false);
      assert.equal(feeds['feed-never']!.status, 'never');

      const rpz = d.enforcement.find((p) => p.point === 'rpz')!;
      assert.equal(rpz.enabled, true);
      assert.equal(rpz.monitor, false);
      assert.deepEqual(
        [rpz.live?.version, rpz.live?.entries, rpz.pending?.version, rpz.pending?.status],
        [2, 102, 3, 'held'],
      );
      const squid = d.enforcement.find((p) => p.point === 'squid')!;
      assert.deepEqual([squid.enabled, squid.monitor, squid.live, squid.pending], [true, true, null, null]);
      assert.equal(d.enforcement.find((p) => p.point === 'postfix')!.enabled, false);

      assert.equal(d.deadLetters, 3);
      assert.deepEqual(
        d.observation.find((o) => o.input === 'resolver1'),
        { input: 'resolver1', observed: 900, rejected: 2, dropped: 40 },
      );
    });

    test('a viewer gets the counts but not who reached what', async () => {
      const d = await dashboard('/api/dashboard', 'viewer');
      assert.equal(d.topIndicators, null);
      assert.equal(d.topSubscribers, null);
      assert.equal(d.cases.open, 3);
      assert.equal(d.sightings.series.length, 3);
      assert.equal(d.feeds.length, 3);
    });

    test('a bad range or zone is a 400 that says what is expected', async () => {
      const zone = await get('/api/dashboard?tz=Mars/Olympus');
      assert.equal(zone.statusCode, 400, zone.body);
      assert.match(
        zone.json().message,
        /tz: expected an IANA time zone such as Asia\/Tokyo or UTC; got "Mars\/Olympus"/,
      );
      const range = await get('/api/dashboard?range=7d');
      assert.equal(range.statusCode, 400, range.body);
      assert.match(range.json().message, /range/);
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/dashboard' })).statusCode, 401);
    });
  });
}
