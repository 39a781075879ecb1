import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localTimeIn, monthNumber, yearFor } from './local-time.js';

test('local wall time in Asia/Tokyo is nine hours ahead of UTC', () => {
  const tokyo = localTimeIn('Asia/Tokyo');
  assert.equal(new Date(tokyo(2026, 11, 24, 10, 0, 0, 123)).toISOString(), '2026-11-24T01:00:00.123Z');
});

test('local wall time follows daylight saving time in Europe/Berlin', () => {
  const berlin = localTimeIn('Europe/Berlin');
  assert.equal(new Date(berlin(2026, 1, 10, 12, 0, 0, 0)).toISOString(), '2026-01-10T11:00:00.000Z');
  assert.equal(new Date(berlin(2026, 7, 10, 12, 0, 0, 0)).toISOString(), '2026-07-10T10:00:00.000Z');
});

test('UTC is itself', () => {
  assert.equal(new Date(localTimeIn('UTC')(2026, 2, 28, 23, 59, 59, 999)).toISOString(), '2026-02-28T23:59:59.999Z');
});

test('month abbreviations', () => {
  assert.equal(monthNumber('Jan'), 1);
  assert.equal(monthNumber('Dec'), 12);
  assert.equal(monthNumber('Foo'), 0);
});

test('a December stamp read in early January is from last year', () => {
  const now = Date.UTC(2027, 0, 2);
  assert.equal(yearFor(12, 31, now), 2026);
  assert.equal(yearFor(1, 2, now), 2027);
  assert.equal(yearFor(1, 3, now), 2027);
});
