import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRejected, type Rejected } from '../../domain/format.js';
import type { ClaimRecord } from '../claim-record.js';
import { utf8 } from './lines.js';
import { plainFormat } from './plain.js';
import { fixture as readFixture, parseAll, tally } from './test-helpers.js';

const fixture = (name: string) => readFixture(`plain/${name}`);
const ctx = (input: string) => ({ source: 'test', input, now: new Date('2026-11-20T00:00:00Z') });

const collect = (bytes: Uint8Array, input: string, size?: number, format = plainFormat()) =>
  parseAll(format, bytes, ctx(input), size);
const text = (raw: Uint8Array) => new TextDecoder().decode(raw);

test('Feodo Tracker ipblocklist.txt: one IP per line, # comments skipped, type from the option', async () => {
  const out = await collect(
    fixture('feodo-ipblocklist.txt'),
    'ipblocklist.txt',
    undefined,
    plainFormat({ type: 'ipv4' }),
  );
  assert.equal(out.length, 5);
  assert.deepEqual(out[0], {
    type: 'ipv4',
    value: '192.0.2.44',
    position: 'ipblocklist.txt:10',
    raw: utf8('192.0.2.44'),
  });
  assert.deepEqual(
    out.map((r) => (r as ClaimRecord).value),
    ['192.0.2.44', '198.51.100.7', '203.0.113.150', '192.0.2.201', '198.51.100.93'],
  );
});

test('Spamhaus DROP: ; comments, whole-line and trailing', async () => {
  const out = await collect(fixture('spamhaus-drop.txt'), 'drop.txt');
  assert.deepEqual(out[0], { value: '192.0.2.0/24', position: 'drop.txt:5', raw: utf8('192.0.2.0/24 ; SBL000101') });
  assert.deepEqual(
    out.map((r) => (r as ClaimRecord).value),
    ['192.0.2.0/24', '198.51.100.0/25', '203.0.113.128/26'],
  );
  assert.ok(out.every((r) => !isRejected(r) && r.type === undefined));
});

test('mixed list: values as written, # and ; inside a value kept, a value with whitespace rejected', async () => {
  const out = await collect(fixture('partner-mixed.txt'), 'partner.txt');
  assert.equal(out.length, 5);
  assert.deepEqual(out[0], {
    value: 'evil.example',
    position: 'partner.txt:4',
    raw: utf8('evil.example # seen 2026-11-01'),
  });
  assert.equal((out[1] as ClaimRecord).value, 'Login.Phish.example.net');
  assert.equal((out[2] as ClaimRecord).value, 'http://malware.example.org/payload.exe#frag');
  assert.equal((out[3] as ClaimRecord).value, 'https://shop.example.com/track;jsessionid=1');
  const bad = out[4] as Rejected;
  assert.ok(isRejected(bad));
  assert.equal(bad.position, 'partner.txt:8');
  assert.match(bad.reason, /line 8: .*whitespace.*"free money\.example"/);
  assert.equal(text(bad.raw), 'free money.example');
});

test('bad rows do not stop the parse', async () => {
  const out = await collect(utf8('a.example\nb c\n\n  ; note\nd.example\tx\ne.example\n'), 'x');
  assert.deepEqual(
    out.map((r) => (isRejected(r) ? `rejected ${r.position}` : r.value)),
    ['a.example', 'rejected x:2', 'rejected x:5', 'e.example'],
  );
});

test('sniff: true on lists, false on HTML, empty, hosts files, zone files, CSV and JSON', () => {
  const { sniff } = plainFormat();
  assert.equal(sniff!(fixture('feodo-ipblocklist.txt')), true);
  assert.equal(sniff!(fixture('spamhaus-drop.txt')), true);
  assert.equal(sniff!(utf8('<!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>\n')), false);
  assert.equal(sniff!(utf8('<html>\n')), false);
  assert.equal(sniff!(new Uint8Array(0)), false);
  assert.equal(sniff!(utf8('# only comments\n')), false);
  assert.equal(sniff!(readFixture('hosts/stevenblack.hosts')), false);
  assert.equal(sniff!(readFixture('rpz/urlhaus.rpz')), false);
  assert.equal(sniff!(readFixture('csv/feodo-ipblocklist.csv')), false);
  assert.equal(sniff!(utf8('a,b,c\n1,2,3\n')), false);
  assert.equal(sniff!(utf8('{"data": []}\n')), false);
});

test('7-byte chunks give the same records as one chunk', async () => {
  for (const name of ['feodo-ipblocklist.txt', 'spamhaus-drop.txt', 'partner-mixed.txt']) {
    assert.deepEqual(await collect(fixture(name), name, 7), await collect(fixture(name), name));
  }
});

test('200,000 rows stream through', async () => {
  const rows = 200_000;
  async function* generated() {
    for (let i = 0; i < rows; i += 1000) {
      let s = '';
      for (let j = i; j < i + 1000; j++) s += `host${j}.example.com\n`;
      yield utf8(s);
    }
  }
  const { records: count } = await tally(plainFormat(), generated(), ctx('gen'));
  assert.equal(count, rows);
});
