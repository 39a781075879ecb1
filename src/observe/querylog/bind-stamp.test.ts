import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localTimeIn } from '../local-time.js';
import { bindStampTime } from './bind-stamp.js';
import { ctx } from './test-helpers.js';

const iso = (ms: number) => (Number.isNaN(ms) ? 'NaN' : new Date(ms).toISOString());

test('print-time yes / local: DD-Mon-YYYY HH:MM:SS.mmm in the local zone (Asia/Tokyo here)', () => {
  assert.equal(iso(bindStampTime('25-Nov-2026 06:46:37.491 queries: info:', 0, ctx)), '2026-11-24T21:46:37.491Z');
  assert.equal(iso(bindStampTime('01-Jan-2027 00:00:00.000 x', 0, ctx)), '2026-12-31T15:00:00.000Z');
  assert.equal(
    iso(bindStampTime('xx 24-Nov-2026 10:00:00.123', 3, ctx)),
    '2026-11-24T01:00:00.123Z',
    'read at an offset',
  );
  assert.equal(
    iso(bindStampTime('24-Nov-2026 10:00:00 x', 0, ctx)),
    '2026-11-24T01:00:00.000Z',
    'without milliseconds',
  );
});

test('print-time iso8601 (local, no zone) and iso8601-utc (Z)', () => {
  assert.equal(iso(bindStampTime('2026-11-25T06:46:37.491 queries:', 0, ctx)), '2026-11-24T21:46:37.491Z');
  assert.equal(iso(bindStampTime('2026-11-24T21:46:37.491Z info:', 0, ctx)), '2026-11-24T21:46:37.491Z');
});

test('what is not one of those stamps is NaN', () => {
  for (const bad of [
    '',
    'client @0x1',
    '25-Foo-2026 06:46:37.491',
    '25-Nov-2026 24:00:00.000',
    '32-Nov-2026 06:46:37.491',
    '2x-Nov-2026 06:46:37.491',
    '25-Nov-2026 06:46:37.4x1',
    '2026-13-25T06:46:37.491',
    '2026-11-25 06:46:37.491',
    '2026-11-25T06:4',
  ]) {
    assert.ok(Number.isNaN(bindStampTime(bad, 0, ctx)), bad);
  }
});

test('lines of the same second are read alike however they follow each other, and per context', () => {
  const utc: typeof ctx = { now: ctx.now, localTime: localTimeIn('UTC') };
  assert.equal(iso(bindStampTime('25-Nov-2026 06:46:37.491 a', 0, ctx)), '2026-11-24T21:46:37.491Z');
  assert.equal(iso(bindStampTime('25-Nov-2026 06:46:37.007 b', 0, ctx)), '2026-11-24T21:46:37.007Z');
  assert.equal(iso(bindStampTime('25-Nov-2026 06:46:37 c', 0, ctx)), '2026-11-24T21:46:37.000Z');
  assert.equal(iso(bindStampTime('25-Nov-2026 06:46:37.491 d', 0, utc)), '2026-11-25T06:46:37.491Z');
  assert.equal(iso(bindStampTime('25-Nov-2026 06:46:38.001 e', 0, ctx)), '2026-11-24T21:46:38.001Z');
  assert.ok(Number.isNaN(bindStampTime('25-Nov-2026 06:46:38.0x1 f', 0, ctx)));
  assert.equal(iso(bindStampTime('2026-11-25T06:46:37.491 g', 0, ctx)), '2026-11-24T21:46:37.491Z');
  assert.equal(iso(bindStampTime('2026-11-25T06:46:37.492Z h', 0, ctx)), '2026-11-25T06:46:37.492Z');
  assert.equal(iso(bindStampTime('2026-11-25T06:46:37.493 i', 0, ctx)), '2026-11-24T21:46:37.493Z');
});
