import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryDelayMs, retrySchedule } from './retry-delay.js';

const delays = { firstMs: 1000, maxMs: 60_000 };

test('waits double each time, up to the ceiling', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 8, 50].map((n) => retryDelayMs(n, delays)),
    [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000],
  );
});

test('a schedule holds a failed key back until its wait is over, and forgets it on success', () => {
  const schedule = retrySchedule<string>(delays);
  assert.equal(schedule.isDue('a', 0), true);
  assert.equal(schedule.failed('a', 0), 1000);
  assert.equal(schedule.isDue('a', 999), false);
  assert.equal(schedule.isDue('a', 1000), true);
  assert.equal(schedule.failed('a', 1000), 2000);
  assert.equal(schedule.failures('a'), 2);
  assert.equal(schedule.nextDueAt(), 3000);
  schedule.succeeded('a');
  assert.equal(schedule.isDue('a', 1001), true);
  assert.equal(schedule.nextDueAt(), undefined);
});

test('keepOnly forgets keys that are gone', () => {
  const schedule = retrySchedule<number>(delays);
  schedule.failed(1, 0);
  schedule.failed(2, 500);
  schedule.keepOnly(new Set([2]));
  assert.equal(schedule.size(), 1);
  assert.equal(schedule.failures(1), 0);
  assert.equal(schedule.nextDueAt(), 1500);
});
