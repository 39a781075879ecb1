import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storeKinds, type TestStore } from '../../test/support/stores.js';
import { listDeadLetters } from './dead-letters.js';
import { countsSince, listSightings, loadPosition, writeObservationFlush, type SightingDelta } from './sightings.js';

const delta = (over: Partial<SightingDelta> = {}): SightingDelta => ({
  indicatorType: 'domain',
  indicatorValue: 'evil.example',
  point: 'dns',
  client: '10.0.0.7',
  windowStart: '2026-11-24T01:00:00.000Z',
  firstSeen: '2026-11-24T01:01:00.000Z',
  lastSeen: '2026-11-24T01:02:00.000Z',
  count: 3,
  blockedCount: 1,
  categories: ['c2'],
  sources: ['feed-a'],
  input: 'resolver1',
  detail: 'A',
  subscriber: null,
  ...over,
});
const nothing = { sightings: [], counts: [], deadLetters: [], raw: [], positions: [] };

for (const kind of await storeKinds()) {
  describe(`sightings on ${kind.name}`, { skip: kind.skip }, () => {
    let store: TestStore;
    before(async () => {
      store = await kind.open();
    });
    after(async () => store?.dispose());

    test('a second flush of the same key adds counts and widens first/last seen', async () => {
      await writeObservationFlush(store.db, { ...nothing, sightings: [delta()] });
      await writeObservationFlush(store.db, {
        ...nothing,
        sightings: [
          delta({
            firstSeen: '2026-11-24T01:00:30.000Z',
            lastSeen: '2026-11-24T01:01:30.000Z',
            count: 2,
            blockedCount: 2,
            detail: null,
          }),
        ],
      });
      const { sightings } = await listSightings(store.db, { indicator: 'evil.example' }, { limit: 10 });
      assert.equal(sightings.length, 1);
      const s = sightings[0]!;
      assert.equal(s.count, 5);
      assert.equal(s.blockedCount, 3);
      assert.equal(s.firstSeen, '2026-11-24T01:00:30.000Z');
      assert.equal(s.lastSeen, '2026-11-24T01:02:00.000Z');
      assert.equal(s.detail, 'A', 'a flush without detail keeps the one there');
      assert.deepEqual(s.categories, ['c2']);
    });

    test('another window, client or point is another sighting; filters select them', async () => {
      await writeObservationFlush(store.db, {
        ...nothing,
        sightings: [
          delta({
            windowStart: '2026-11-24T01:05:00.000Z',
            firstSeen: '2026-11-24T01:06:00.000Z',
            lastSeen: '2026-11-24T01:06:00.000Z',
          }),
          delta({ client: '10.0.0.8' }),
          delta({ point: 'proxy', categories: ['phishing'] }),
        ],
      });
      assert.equal((await listSightings(store.db, { indicator: 'evil.example' }, { limit: 10 })).sightings.length, 4);
      assert.equal((await listSightings(store.db, { client: '10.0.0.8' }, { limit: 10 })).sightings.length, 1);
      assert.equal((await listSightings(store.db, { point: 'proxy' }, { limit: 10 })).sightings.length, 1);
      assert.equal((await listSightings(store.db, { category: 'phishing' }, { limit: 10 })).sightings.length, 1);
      assert.equal(
        (await listSightings(store.db, { from: '2026-11-24T01:05:00.000Z' }, { limit: 10 })).sightings.length,
        1,
      );
      const first = await listSightings(store.db, {}, { limit: 3 });
      const second = await listSightings(store.db, {}, { limit: 3, before: first.next! });
      assert.equal(first.sightings.length + second.sightings.length, 4);
      assert.equal(second.next, null);
    });

    test('positions, counts and dead letters are written with the sightings, and positions replace', async () => {
      const position = {
        input: 'resolver1',
        path: '/var/log/q.log',
        dev: 2049,
        ino: 2 ** 33,
        offset: 2 ** 32 + 5,
        line: 7,
        head: 'ab',
      };
      await writeObservationFlush(store.db, {
        ...nothing,
        counts: [
          {
            input: 'resolver1',
            point: 'dns',
            minute: '2026-11-24T01:00:00.000Z',
            observed: 10,
            matched: 1,
            rejected: 1,
            dropped: 0,
          },
        ],
        deadLetters: [
          {
            source: 'resolver1',
            format: 'bind-querylog',
            reason: 'bad',
            position: '/var/log/q.log:3',
            raw: Buffer.from('x'),
          },
        ],
        positions: [position],
      });
      await writeObservationFlush(store.db, {
        ...nothing,
        counts: [
          {
            input: 'resolver1',
            point: 'dns',
            minute: '2026-11-24T01:00:00.000Z',
            observed: 5,
            matched: 0,
            rejected: 0,
            dropped: 2,
          },
        ],
        positions: [{ ...position, offset: position.offset + 100, line: 9 }],
      });
      assert.deepEqual(await loadPosition(store.db, 'resolver1', '/var/log/q.log'), {
        ...position,
        offset: position.offset + 100,
        line: 9,
      });
      const counts = await countsSince(store.db, '2026-11-24T00:00:00.000Z');
      assert.deepEqual(counts, [
        { input: 'resolver1', point: 'dns', observed: 15, matched: 1, rejected: 1, dropped: 2 },
      ]);
      const letters = await listDeadLetters(store.db, { source: 'resolver1', limit: 10, offset: 0 });
      assert.equal(letters.items.length, 1);
    });

    test('a flush that fails writes nothing of itself, the position included', async () => {
      await assert.rejects(
        writeObservationFlush(store.db, {
          ...nothing,
          positions: [{ input: 'broken', path: '/x', dev: 1, ino: 1, offset: 10, line: 1, head: '' }],
          // A sighting without its not-null columns makes the transaction fail after the position is queued.
          sightings: [delta({ client: null as unknown as string })],
        }),
      );
      assert.equal(await loadPosition(store.db, 'broken', '/x'), undefined);
    });
  });
}
