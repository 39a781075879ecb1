import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRejected, type Rejected } from '../../domain/format.js';
import type { ClaimRecord } from '../claim-record.js';
import { hostsFormat } from './hosts.js';
import { utf8 } from './lines.js';
import { fixture as read, parseAll, tally } from './test-helpers.js';

const fixture = read('hosts/stevenblack.hosts');
const ctx = (input: string) => ({ source: 'test', input, now: new Date('2026-11-20T00:00:00Z') });

const collect = (bytes: Uint8Array, input: string, size?: number) => parseAll(hostsFormat, bytes, ctx(input), size);

test('StevenBlack hosts: standard entries skipped, every name on a sink line is a domain', async () => {
  const out = await collect(fixture, 'hosts');
  assert.ok(out.every((r) => !isRejected(r)));
  assert.deepEqual(
    out.map((r) => [(r as ClaimRecord).value, r.position]),
    [
      ['ads.example.com', 'hosts:35'],
      ['tracker.example.net', 'hosts:36'],
      ['metrics.example.org', 'hosts:37'],
      ['malware.example.test', 'hosts:38'],
      ['cdn.malware.example.test', 'hosts:38'],
      ['ipv6-sink.example.com', 'hosts:39'],
      ['loopback-sink.example.net', 'hosts:40'],
    ],
  );
  assert.deepEqual(out[0], {
    type: 'domain',
    value: 'ads.example.com',
    position: 'hosts:35',
    raw: utf8('0.0.0.0 ads.example.com'),
  });
  assert.deepEqual(out[2], {
    type: 'domain',
    value: 'metrics.example.org',
    position: 'hosts:37',
    raw: utf8('0.0.0.0\tmetrics.example.org # analytics beacon'),
  });
  assert.deepEqual(out[4]!.raw, utf8('127.0.0.1 malware.example.test cdn.malware.example.test'));
});

test('a real address, an address alone and a bare name are rejected; the parse goes on', async () => {
  const input = [
    '0.0.0.0 a.example',
    '192.0.2.10 real.example',
    '0.0.0.0',
    'bare.example',
    '::1 localhost ip6-loopback',
    '255.255.255.255 broadcasthost',
    '0.0.0.0 localhost b.example',
    '',
  ].join('\n');
  const out = await collect(utf8(input), 'h');
  assert.deepEqual(
    out.map((r) => (isRejected(r) ? `rejected ${r.position}` : r.value)),
    ['a.example', 'rejected h:2', 'rejected h:3', 'rejected h:4', 'b.example'],
  );
  const [, real, alone, bare] = out as Rejected[];
  assert.match(real!.reason, /line 2: "192\.0\.2\.10" is not a blocking address/);
  assert.deepEqual(real!.raw, utf8('192.0.2.10 real.example'));
  assert.match(alone!.reason, /address "0\.0\.0\.0" has no host name/);
  assert.match(bare!.reason, /expected "<address> <host name>"/);
});

test('sniff: true on hosts files, false on HTML, empty, plain lists, zone files and CSV', () => {
  const sniff = hostsFormat.sniff!;
  assert.equal(sniff(fixture), true);
  assert.equal(sniff(utf8('0.0.0.0 a.example\n0.0.0.0 b.example')), true);
  assert.equal(sniff(utf8('<!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>\n')), false);
  assert.equal(sniff(new Uint8Array(0)), false);
  assert.equal(sniff(read('plain/feodo-ipblocklist.txt')), false);
  assert.equal(sniff(read('rpz/urlhaus.rpz')), false);
  assert.equal(sniff(read('csv/feodo-ipblocklist.csv')), false);
  assert.equal(sniff(read('plain/spamhaus-drop.txt')), false);
});

test('7-byte chunks give the same records as one chunk', async () => {
  assert.deepEqual(await collect(fixture, 'hosts', 7), await collect(fixture, 'hosts'));
});

test('200,000 rows stream through', async () => {
  const rows = 200_000;
  async function* generated() {
    yield utf8('127.0.0.1 localhost\n::1 localhost\n');
    for (let i = 0; i < rows; i += 1000) {
      let s = '';
      for (let j = i; j < i + 1000; j++) s += `0.0.0.0 host${j}.example.com\n`;
      yield utf8(s);
    }
  }
  const { records: count } = await tally(hostsFormat, generated(), ctx('gen'));
  assert.equal(count, rows);
});
