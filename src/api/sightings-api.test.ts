import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { bearer, testApp, type TestApp } from '../../test/support/app.js';
import { sqliteStore, storeKinds, type TestStore } from '../../test/support/stores.js';
import { createToken } from '../auth/tokens.js';
import { configSchema } from '../config/index.js';
import type { Role } from '../domain/roles.js';
import { createInputStats } from '../observe/pipeline/input-stats.js';
import { writeObservationFlush, type ObservationFlush, type SightingDelta } from '../store/sightings.js';
import { buildApp } from './server.js';

const T0 = Date.parse('2025-04-01T00:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

/** A sighting that starts `minutes` after T0 and lasts three minutes of its five-minute window. */
const sighting = (minutes: number, over: Partial<SightingDelta>): SightingDelta => ({
  indicatorType: 'domain',
  indicatorValue: 'c2.example',
  point: 'dns',
  client: '192.0.2.10',
  windowStart: at(minutes),
  firstSeen: at(minutes + 1),
  lastSeen: at(minutes + 3),
  count: 1,
  blockedCount: 0,
  categories: ['c2'],
  sources: ['feed-a'],
  input: 'resolver1',
  detail: null,
  subscriber: null,
  ...over,
});

const nothing: ObservationFlush = { sightings: [], counts: [], deadLetters: [], raw: [], positions: [] };

// One of each point, two clients seen twice, one subscriber attributed twice, spread over five hours.
const NAMED = {
  dnsBlocked: sighting(0, { count: 12, blockedCount: 12, detail: 'A NXDOMAIN', subscriber: 'sub-1' }),
  proxy: sighting(60, {
    indicatorValue: 'phish.example',
    point: 'proxy',
    client: '2001:db8::7',
    count: 3,
    categories: ['phishing'],
    input: 'squid1',
  }),
  firewall: sighting(120, {
    indicatorType: 'ipv4',
    indicatorValue: '198.51.100.9',
    point: 'firewall',
    count: 5,
    blockedCount: 2,
    categories: ['botnet', 'c2'],
    input: 'fw1',
    subscriber: 'sub-1',
  }),
  mail: sighting(180, {
    indicatorType: 'email',
    indicatorValue: 'spammer@bad.example',
    point: 'mail',
    client: '203.0.113.5',
    categories: ['spam'],
    input: 'mail1',
  }),
  sinkhole: sighting(240, { point: 'sinkhole', client: '192.0.2.11', input: 'sinkhole' }),
};
type Name = keyof typeof NAMED;

/** Enough sightings of one input for three pages of ten: 10, 10 and 5. */
const BULK = Array.from({ length: 25 }, (_, i) =>
  sighting(24 * 60 + i * 5, {
    indicatorValue: 'bulk.example',
    client: `10.0.0.${i + 1}`,
    categories: ['malware'],
    input: 'bulk',
  }),
);

for (const kind of await storeKinds()) {
  describe(`sightings API on ${kind.name}`, { skip: kind.skip }, () => {
    let t: TestApp;
    let files: string;
    /** The id the store gave each named sighting. */
    const ids = {} as Record<Name, number>;

    before(async () => {
      files = mkdtempSync(join(tmpdir(), 'mizugiwa-sightings-api-'));
      const observe = configSchema.parse({
        observe: {
          inputs: [
            { name: 'resolver1', type: 'file', format: 'bind-querylog', path: join(files, 'query.log') },
            { name: 'dnstap1', type: 'dnstap', unix: join(files, 'dnstap.sock') },
          ],
        },
      }).observe;
      t = await testApp(await kind.open(), { observe });
      // Written one at a time, in time order, so ids follow time as they would in a running server.
      for (const s of Object.values(NAMED)) await writeObservationFlush(t.store.db, { ...nothing, sightings: [s] });
      await writeObservationFlush(t.store.db, { ...nothing, sightings: BULK });
      const rows = await t.store.db.selectFrom('sightings').select(['id', 'input']).execute();
      for (const [name, s] of Object.entries(NAMED) as [Name, SightingDelta][]) {
        ids[name] = Number(rows.find((r) => r.input === s.input)!.id);
      }
    });
    after(async () => {
      await t?.close();
      rmSync(files, { recursive: true, force: true });
    });

    const get = (url: string, role: Role = 'analyst') =>
      t.app.inject({ method: 'GET', url, headers: bearer(t.tokens[role]) });
    /** The named sightings a query returns, in the order returned (bulk ones by their client). */
    const found = async (query: string): Promise<string[]> => {
      const res = await get(`/api/sightings?${query}`);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as { sightings: { id: number; client: string }[] };
      return body.sightings.map(
        (s) => (Object.keys(ids) as Name[]).find((name) => ids[name] === s.id) ?? `bulk ${s.client}`,
      );
    };

    test('a sighting comes back whole, newest first', async () => {
      const res = await get('/api/sightings?input=resolver1');
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), {
        sightings: [
          {
            id: ids.dnsBlocked,
            indicatorType: 'domain',
            indicatorValue: 'c2.example',
            point: 'dns',
            client: '192.0.2.10',
            windowStart: '2025-04-01T00:00:00.000Z',
            firstSeen: '2025-04-01T00:01:00.000Z',
            lastSeen: '2025-04-01T00:03:00.000Z',
            count: 12,
            blockedCount: 12,
            categories: ['c2'],
            sources: ['feed-a'],
            input: 'resolver1',
            detail: 'A NXDOMAIN',
            subscriber: 'sub-1',
            attributedAt: res.json().sightings[0].attributedAt,
          },
        ],
        next: null,
      });
      assert.ok(res.json().sightings[0].attributedAt, 'an attributed sighting says when');
      const all = await found('limit=1000');
      assert.equal(all.length, 30);
      assert.deepEqual(all.slice(25), ['sinkhole', 'mail', 'firewall', 'proxy', 'dnsBlocked']);
    });

    test('each filter selects its sightings; values are compared in normal form', async () => {
      assert.deepEqual(await found('indicator=C2.Example'), ['sinkhole', 'dnsBlocked']);
      assert.deepEqual(await found('indicator=198.51.100.9'), ['firewall']);
      assert.deepEqual(await found('client=192.0.2.10'), ['firewall', 'dnsBlocked']);
      assert.deepEqual(await found('client=2001:DB8:0:0::7'), ['proxy']);
      assert.deepEqual(await found('subscriber=sub-1'), ['firewall', 'dnsBlocked']);
      assert.deepEqual(await found('point=mail'), ['mail']);
      assert.deepEqual(await found('point=sinkhole'), ['sinkhole']);
      assert.deepEqual(await found('category=c2'), ['sinkhole', 'firewall', 'dnsBlocked']);
      assert.deepEqual(await found('category=phishing'), ['proxy']);
      assert.deepEqual(await found('input=squid1'), ['proxy']);
      assert.deepEqual(await found('client=192.0.2.10&point=dns'), ['dnsBlocked']);
      assert.deepEqual(await found('client=192.0.2.99'), []);
    });

    test('a time range keeps what overlaps it, whatever zone the bounds are written in', async () => {
      // 00:30 to 02:30 UTC: the proxy sighting (01:01–01:03) and the firewall one (02:01–02:03).
      assert.deepEqual(await found('from=2025-04-01T00:30:00Z&to=2025-04-01T02:30:00Z'), ['firewall', 'proxy']);
      assert.deepEqual(
        await found(`from=${encodeURIComponent('2025-04-01T09:30:00+09:00')}&to=2025-04-01T02:30:00.000Z`),
        ['firewall', 'proxy'],
      );
      // A bound inside a sighting keeps it: the DNS one was last seen at 00:03.
      assert.deepEqual(await found('from=2025-04-01T00:02:59Z&to=2025-04-01T00:30:00Z'), ['dnsBlocked']);
      assert.deepEqual(await found('to=2025-04-01T00:01:00Z'), [], 'to is exclusive');
      assert.deepEqual((await found('from=2025-04-01T04:00:00Z')).slice(-1), ['sinkhole']);
    });

    test('three pages with before: every sighting once, in order, and next is null at the end', async () => {
      const seen: number[] = [];
      const sizes: number[] = [];
      let cursor: number | null = null;
      do {
        const res = await get(`/api/sightings?input=bulk&limit=10${cursor === null ? '' : `&before=${cursor}`}`);
        assert.equal(res.statusCode, 200, res.body);
        const page = res.json() as { sightings: { id: number }[]; next: number | null };
        sizes.push(page.sightings.length);
        seen.push(...page.sightings.map((s) => s.id));
        cursor = page.next;
        if (cursor !== null) assert.equal(cursor, seen[seen.length - 1], 'next is the last id of the page');
      } while (cursor !== null && sizes.length < 5);
      assert.deepEqual(sizes, [10, 10, 5]);
      assert.equal(new Set(seen).size, 25, 'no sighting twice');
      assert.deepEqual(
        seen,
        [...seen].sort((a, b) => b - a),
        'newest first across pages',
      );
      const stored = await t.store.db.selectFrom('sightings').select('id').where('input', '=', 'bulk').execute();
      assert.deepEqual(
        [...seen].sort((a, b) => a - b),
        stored.map((r) => Number(r.id)).sort((a, b) => a - b),
        'no gaps',
      );
    });

    test('a bad filter is a 400 that names the parameter and says what is expected', async () => {
      const cases: [string, RegExp][] = [
        ['from=yesterday', /querystring\.from: expected an ISO 8601 time with a zone.*got "yesterday"/],
        ['to=2025-04-01T09:00:00', /querystring\.to: expected an ISO 8601 time with a zone/],
        ['from=2025-04-02T00:00:00Z&to=2025-04-01T00:00:00Z', /querystring\.to: must be later than from/],
        ['client=not-an-address', /querystring\.client: expected an IPv4 or IPv6 address/],
        ['point=flow', /querystring\.point/],
        ['category=nonsense', /querystring\.category/],
        ['limit=1001', /querystring\.limit/],
        ['before=abc', /querystring\.before/],
      ];
      for (const [query, message] of cases) {
        const res = await get(`/api/sightings?${query}`);
        assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
        assert.equal(res.json().code, 'request.invalid');
        assert.match(res.json().message, message, query);
      }
    });

    test('a viewer may not read sightings, but may see how the inputs are doing', async () => {
      const refused = await get('/api/sightings', 'viewer');
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json().code, 'auth.forbidden');
      assert.equal((await get('/api/observe/status', 'viewer')).statusCode, 200);
      for (const role of ['abuse_desk', 'legal', 'admin'] as const) {
        assert.equal((await get('/api/sightings?limit=1', role)).statusCode, 200, role);
      }
    });

    test('observe status lists the configured inputs with their stored positions and last hour', async () => {
      const log = join(files, 'query.log');
      writeFileSync(log, 'x'.repeat(1000));
      const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
      await writeObservationFlush(t.store.db, {
        ...nothing,
        counts: [{ input: 'resolver1', point: 'dns', minute, observed: 600, matched: 7, rejected: 2, dropped: 1 }],
        positions: [{ input: 'resolver1', path: log, dev: 1, ino: statSync(log).ino, offset: 400, line: 9, head: 'x' }],
      });
      const res = await get('/api/observe/status');
      assert.equal(res.statusCode, 200, res.body);
      const { inputs, live } = res.json() as { inputs: Record<string, unknown>[]; live: unknown };
      assert.equal(live, null, 'no live counters outside serve');
      assert.deepEqual(
        inputs.map((i) => i.input),
        ['resolver1', 'dnstap1'],
      );
      const resolver = inputs.find((i) => i.input === 'resolver1')!;
      assert.deepEqual(
        { ...resolver, position: { ...(resolver.position as object), updatedAt: 'set' } },
        {
          input: 'resolver1',
          type: 'file',
          format: 'bind-querylog',
          position: { path: log, offset: 400, line: 9, updatedAt: 'set' },
          behindBytes: 600,
          ratePerSecond: 2,
          lastHour: { observed: 600, matched: 7, rejected: 2, dropped: 1 },
        },
      );
      assert.deepEqual(
        inputs.find((i) => i.input === 'dnstap1'),
        {
          input: 'dnstap1',
          type: 'dnstap',
          format: 'dnstap',
          position: null,
          behindBytes: null,
          ratePerSecond: 0,
          lastHour: { observed: 0, matched: 0, rejected: 0, dropped: 0 },
        },
      );
    });
  });
}

describe('sightings API in a running server', () => {
  let store: TestStore;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let secret: string;
  const lines: string[] = [];
  const stats = createInputStats();

  before(async () => {
    store = await sqliteStore();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    app = await buildApp({
      store,
      config: configSchema.parse({}),
      configDir: process.cwd(),
      log: pino({ level: 'info' }, sink),
      observation: { status: () => stats.list() },
    });
    await app.ready();
    const system = { actor: { kind: 'system', component: 'test' } } as const;
    secret = (await createToken(store.db, system, { name: 'test-analyst', role: 'analyst' })).secret;
  });
  after(async () => {
    await app?.close();
    await store?.dispose();
  });

  test('the request log line names the filters but never their values', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/sightings?client=192.0.2.10&indicator=c2.example',
      headers: bearer(secret),
    });
    assert.equal(res.statusCode, 200, res.body);
    const requestLine = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'request');
    assert.ok(requestLine, lines.join(''));
    assert.equal(requestLine.url, '/api/sightings');
    assert.deepEqual(requestLine.query, ['client', 'indicator']);
    assert.doesNotMatch(lines.join(''), /192\.0\.2\.10|c2\.example/);
  });

  test("observe status carries the running inputs' live counters", async () => {
    const resolver = stats.of('resolver1', 'bind-querylog');
    Object.assign(resolver, { units: 40, bytes: 4000, observed: 40, matched: 3, rejected: 1, dropped: 2 });
    resolver.position = { path: '/var/log/named/query.log', offset: 4000, line: 40 };
    const res = await app.inject({ method: 'GET', url: '/api/observe/status', headers: bearer(secret) });
    assert.equal(res.statusCode, 200, res.body);
    const live = (res.json() as { live: Record<string, unknown>[] }).live;
    assert.equal(live.length, 1);
    assert.deepEqual(
      { ...live[0], rate: 0 },
      {
        input: 'resolver1',
        format: 'bind-querylog',
        units: 40,
        bytes: 4000,
        observed: 40,
        matched: 3,
        rejected: 1,
        dropped: 2,
        rate: 0,
        position: { path: '/var/log/named/query.log', offset: 4000, line: 40 },
        lastAt: null,
      },
    );
  });
});
