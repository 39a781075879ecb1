// The observation pipeline with real worker threads over a real (temporary) SQLite store: lines in,
// sightings, counts, dead letters and positions out, in one flush.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { sqliteStore, type TestStore } from '../../../test/support/stores.js';
import type { ClaimRecord } from '../../intel/claim-record.js';
import { ingest } from '../../intel/ingest.js';
import { DEFAULT_SOURCE_DEFAULTS } from '../../intel/source.js';
import { compileIndicators } from '../../match/compiled-indicators.js';
import { loadIndicators, type LiveMatcher } from '../../match/live.js';
import { listDeadLetters } from '../../store/dead-letters.js';
import { countsSince, listSightings, loadPosition } from '../../store/sightings.js';
import { createObservePipeline, type ObservePipeline } from './pipeline.js';

const log = pino({ level: process.env.TEST_LOG ?? 'silent' });
const encode = (lines: string[]) => new TextEncoder().encode(`${lines.join('\n')}\n`);
const query = (time: string, client: string, name: string) =>
  `${time} client @0x7f0000000001 ${client}#5353 (${name}): query: ${name} IN A +E(0)K (127.0.0.1)`;

async function* records(values: [string, ClaimRecord['mode']][]): AsyncIterable<ClaimRecord> {
  for (const [value, mode] of values) {
    yield { value, category: 'c2', position: 'test', raw: new TextEncoder().encode(value), ...(mode && { mode }) };
  }
}

describe('observe pipeline', () => {
  let store: TestStore;
  let pipeline: ObservePipeline;
  let live: Pick<LiveMatcher, 'compiled' | 'generation'> = { compiled: compileIndicators([]), generation: 0 };
  const open = (enforced: boolean, extra: Partial<Parameters<typeof createObservePipeline>[0]> = {}) =>
    createObservePipeline({
      db: store.db,
      live,
      log,
      windowMs: 300_000,
      workers: 2,
      queuePerWorker: 2,
      flushMs: 60_000,
      storeRaw: false,
      blockingPoints: enforced ? ['dns'] : [],
      ...extra,
    });

  before(async () => {
    store = await sqliteStore();
    const source = {
      name: 'feed',
      format: 'plain',
      location: 'test',
      snapshot: 'full' as const,
      mode: 'block' as const,
      defaults: DEFAULT_SOURCE_DEFAULTS,
      maxRetireShare: 1,
    };
    await ingest(
      store.db,
      source,
      records([
        ['evil.example', undefined],
        ['watched.example', 'monitor'],
      ]),
    );
    live = { compiled: compileIndicators((await loadIndicators(store.db)).items), generation: 1 };
    pipeline = open(true);
  });
  after(async () => {
    await pipeline?.close();
    await store?.dispose();
  });

  test('matching lines become sightings per window; the rest is counted, not stored', async () => {
    const lines = [
      query('24-Nov-2026 10:00:01.000', '10.0.0.1', 'evil.example'),
      query('24-Nov-2026 10:00:02.000', '10.0.0.1', 'WWW.Evil.Example.'),
      query('24-Nov-2026 10:00:03.000', '10.0.0.1', 'notevil.example'),
      query('24-Nov-2026 10:06:00.000', '10.0.0.1', 'evil.example'), // the next 5-minute window
      query('24-Nov-2026 10:00:04.000', '10.0.0.2', 'evil.example'),
      'not a query line at all: 24-Nov-2026 named started',
      query('24-Nov-2026 10:00:05.000', '999.0.0.1', 'evil.example'), // a broken client address
    ];
    await pipeline.lines({
      input: 'resolver1',
      format: 'bind-querylog',
      zone: 'UTC',
      origin: '/var/log/query.log',
      stream: 'resolver1',
      firstLine: 1,
      data: encode(lines),
      enforced: true,
      position: { input: 'resolver1', path: '/var/log/query.log', dev: 1, ino: 2, offset: 999, line: 7, head: 'ab' },
    });
    await pipeline.drain();

    const { sightings } = await listSightings(store.db, {}, { limit: 10 });
    const view = sightings
      .map((s) => `${s.indicatorValue} ${s.client} ${s.windowStart} ${s.count} ${s.blockedCount}`)
      .sort();
    assert.deepEqual(view, [
      'evil.example 10.0.0.1 2026-11-24T10:00:00.000Z 2 2',
      'evil.example 10.0.0.1 2026-11-24T10:05:00.000Z 1 1',
      'evil.example 10.0.0.2 2026-11-24T10:00:00.000Z 1 1',
    ]);
    assert.deepEqual(sightings.find((s) => s.count === 2)?.categories, ['c2']);
    const counts = await countsSince(store.db, '2026-11-24T00:00:00.000Z');
    assert.deepEqual(counts, [{ input: 'resolver1', point: 'dns', observed: 5, matched: 4, rejected: 1, dropped: 0 }]);
    const letters = await listDeadLetters(store.db, { source: 'resolver1', limit: 10, offset: 0 });
    assert.equal(letters.items.length, 1);
    assert.equal(letters.items[0]!.position, '/var/log/query.log:7');
    assert.deepEqual(await loadPosition(store.db, 'resolver1', '/var/log/query.log'), {
      input: 'resolver1',
      path: '/var/log/query.log',
      dev: 1,
      ino: 2,
      offset: 999,
      line: 7,
      head: 'ab',
    });
  });

  test('blocked: only what the log says, unless the device enforces; a monitor-mode indicator never', async () => {
    // (A sighting is per indicator, client, point and window, whichever input saw it: two clients here.)
    const lines = (client: string) => [
      query('24-Nov-2026 11:00:01.000', client, 'evil.example'),
      query('24-Nov-2026 11:00:01.000', client, 'watched.example'),
    ];
    for (const enforced of [false, true]) {
      await pipeline.lines({
        input: enforced ? 'enforcing' : 'plain',
        format: 'bind-querylog',
        zone: 'UTC',
        origin: 'x',
        stream: 'x',
        firstLine: 1,
        data: encode(lines(enforced ? '10.0.0.3' : '10.0.0.4')),
        enforced,
      });
    }
    await pipeline.drain();
    const { sightings } = await listSightings(store.db, { from: '2026-11-24T11:00:00.000Z' }, { limit: 10 });
    const view = sightings.map((s) => `${s.input} ${s.indicatorValue} ${s.blockedCount}/${s.count}`).sort();
    assert.deepEqual(view, [
      'enforcing evil.example 1/1',
      'enforcing watched.example 0/1',
      'plain evil.example 0/1',
      'plain watched.example 0/1',
    ]);
  });

  test('the attribution hook names the subscriber; raw observations are kept only when switched on', async () => {
    const asked: string[] = [];
    const other = open(false, {
      storeRaw: true,
      attribute: async (sightings) => {
        asked.push(...sightings.map((s) => `${s.client} ${s.firstSeen}`));
        return sightings.map((s) => (s.client === '10.0.0.5' ? 'SUB-0005' : null));
      },
    });
    try {
      await other.lines({
        input: 'attributed',
        format: 'bind-querylog',
        zone: 'UTC',
        origin: 'x',
        stream: 'x',
        firstLine: 1,
        data: encode([
          query('24-Nov-2026 13:00:01.000', '10.0.0.5', 'evil.example'),
          query('24-Nov-2026 13:00:02.000', '10.0.0.6', 'evil.example'),
          query('24-Nov-2026 13:00:03.000', '10.0.0.6', 'unlisted.example'),
        ]),
      });
      await other.drain();
    } finally {
      await other.close();
    }
    assert.deepEqual(asked.sort(), ['10.0.0.5 2026-11-24T13:00:01.000Z', '10.0.0.6 2026-11-24T13:00:02.000Z']);
    const { sightings } = await listSightings(store.db, { input: 'attributed' }, { limit: 10 });
    assert.deepEqual(sightings.map((s) => `${s.client} ${s.subscriber}`).sort(), [
      '10.0.0.5 SUB-0005',
      '10.0.0.6 null',
    ]);
    const raw = await store.db
      .selectFrom('rawObservations')
      .select(['client', 'domain'])
      .where('input', '=', 'attributed')
      .execute();
    assert.equal(raw.length, 3, 'with store_raw on, every observation is kept, matched or not');
    const before = await store.db
      .selectFrom('rawObservations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('input', '!=', 'attributed')
      .executeTakeFirstOrThrow();
    assert.equal(Number(before.n), 0, 'the pipeline without store_raw kept none');
  });

  test('an over-long line is dead-lettered whole, with its line number', async () => {
    await pipeline.lines({
      input: 'long',
      format: 'squid',
      zone: 'UTC',
      origin: '/var/log/squid/access.log',
      stream: 'long',
      firstLine: 41,
      data: encode(['x'.repeat(1000)]),
      overLong: true,
    });
    await pipeline.drain();
    const letters = await listDeadLetters(store.db, { source: 'long', limit: 10, offset: 0 });
    assert.equal(letters.items[0]?.position, '/var/log/squid/access.log:41');
    assert.match(letters.items[0]!.reason, /longer than/);
  });

  test('a datagram source is refused (not queued) while the workers are full, and the drop is counted', async () => {
    const batch = {
      input: 'udp',
      format: 'bind-querylog' as const,
      zone: 'UTC',
      origin: 'syslog udp',
      stream: 'udp',
      firstLine: 1,
      data: encode(Array.from({ length: 20_000 }, () => query('24-Nov-2026 12:00:00.000', '10.0.0.9', 'a.example'))),
    };
    let refused = 0;
    for (let i = 0; i < 20; i++) if (!pipeline.offerLines(batch)) refused++;
    assert.ok(refused > 0, 'with 2 workers × 2 queued batches, 20 offers at once cannot all be taken');
    pipeline.dropped('udp', 'dns', refused * 20_000);
    await pipeline.drain();
    const counts = (await countsSince(store.db, '2026-11-24T00:00:00.000Z')).filter((c) => c.input === 'udp');
    const observed = counts.reduce((n, c) => n + c.observed, 0);
    const dropped = counts.reduce((n, c) => n + c.dropped, 0);
    assert.equal(observed + dropped, 20 * 20_000, 'every line is either observed or counted as dropped');
  });
});
