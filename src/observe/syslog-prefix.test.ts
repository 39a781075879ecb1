import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LineContext } from './line-format.js';
import { localTimeIn } from './local-time.js';
import { syslogPrefix } from './syslog-prefix.js';

const ctx: LineContext = { now: Date.UTC(2026, 10, 24, 12), localTime: localTimeIn('Asia/Tokyo') };
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

test('RFC 3164 stamp in the input zone, pid dropped from the tag', () => {
  const line =
    'Nov 24 10:00:00 ns1 named[812]: client @0x7f 127.0.0.2#5353 (a.example): query: a.example IN A +E(0)K (127.0.0.1)';
  const p = syslogPrefix(line, ctx)!;
  assert.equal(iso(p.time), '2026-11-24T01:00:00.000Z');
  assert.equal(p.host, 'ns1');
  assert.equal(p.tag, 'named');
  assert.ok(line.slice(p.rest).startsWith('client @0x7f'));
});

test('single-digit days are padded with a space', () => {
  const p = syslogPrefix('Nov  4 10:00:00 gw kernel: [ 12.3] IN=eth0', ctx)!;
  assert.equal(iso(p.time), '2026-11-04T01:00:00.000Z');
  assert.equal(p.tag, 'kernel');
});

test('RFC 3339 stamps with an offset, Z, or journalctl short-iso', () => {
  assert.equal(
    iso(syslogPrefix('2026-11-24T10:00:00.123456+09:00 h postfix/smtpd[1]: x', ctx)!.time),
    '2026-11-24T01:00:00.123Z',
  );
  assert.equal(iso(syslogPrefix('2026-11-24T01:00:00Z h kernel: x', ctx)!.time), '2026-11-24T01:00:00.000Z');
  const journal = syslogPrefix('2026-11-24T10:00:00+0900 h kernel: x', ctx)!;
  assert.equal(iso(journal.time), '2026-11-24T01:00:00.000Z');
  assert.equal(journal.tag, 'kernel');
});

test('journalctl short-precise keeps the microseconds it can', () => {
  assert.equal(iso(syslogPrefix('Nov 24 10:00:00.250000 h kernel: x', ctx)!.time), '2026-11-24T01:00:00.250Z');
});

test('a line without a stamp is the bare message', () => {
  assert.equal(syslogPrefix('24-Nov-2026 10:00:00.000 client @0x1 127.0.0.1#1 (a): query: a IN A', ctx), undefined);
  assert.equal(syslogPrefix('Foo 24 10:00:00 h x: y', ctx), undefined);
  assert.equal(syslogPrefix('', ctx), undefined);
});
