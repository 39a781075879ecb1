import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sqliteStore, type TestStore } from '../../test/support/stores.js';
import { replayDeadLetters } from '../deadletter/replay.js';
import type { IndicatorRef } from '../match/live.js';
import { buildMatcher } from '../match/matcher.js';
import { putDeadLetter } from '../store/dead-letters.js';
import { listSightings } from '../store/sightings.js';
import { registerObserveReplayers } from './replay-dead-letters.js';

let store: TestStore;
before(async () => {
  store = await sqliteStore();
  const ref: IndicatorRef = {
    sources: ['feed'],
    categories: ['c2'],
    mode: 'block',
    confidence: 80,
    validUntilMs: Date.now() + 86_400_000,
  };
  const matcher = buildMatcher([{ indicator: { type: 'domain', value: 'evil.example' }, ref }]);
  registerObserveReplayers(store.db, { matcher: () => matcher, windowMs: 300_000, zone: 'UTC' });
});
after(() => store?.dispose());

const letter = (line: string) => ({
  source: 'resolver1',
  format: 'bind-querylog',
  reason: 'was unreadable before the fix',
  position: '/var/log/query.log:12',
  raw: new TextEncoder().encode(`${line}\n`),
});

test('a dead-lettered log line that now reads becomes a sighting; one that still does not keeps its reason', async () => {
  const good = await putDeadLetter(
    store.db,
    letter(
      '24-Nov-2026 10:00:01.000 client @0x7f01 10.0.0.7#5353 (evil.example): query: evil.example IN A +E(0)K (127.0.0.1)',
    ),
  );
  const bad = await putDeadLetter(
    store.db,
    letter('24-Nov-2026 10:00:01.000 client @0x7f01 10.0.0.999#5353 (x): query: x IN A + (127.0.0.1)'),
  );
  const summary = await replayDeadLetters(store.db, [good, bad]);
  assert.deepEqual(summary, { replayed: 1, stillRejected: 1, skipped: 0 });
  const { sightings } = await listSightings(store.db, {}, { limit: 10 });
  assert.equal(sightings.length, 1);
  assert.equal(sightings[0]!.client, '10.0.0.7');
  assert.equal(sightings[0]!.input, 'resolver1');
  assert.equal(sightings[0]!.windowStart, '2026-11-24T10:00:00.000Z');
});
