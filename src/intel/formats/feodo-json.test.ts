import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRejected, type Rejected } from '../../domain/format.js';
import type { ClaimRecord } from '../claim-record.js';
import { feodoJsonFormat } from './feodo-json.js';
import { utf8 } from './lines.js';
import { fixture, parseAll, records, rejected, tally } from './test-helpers.js';

const ctx = { source: 'feodo', input: 'ipblocklist.json', now: new Date('2026-11-20T15:00:00Z') };
const decode = (raw: Uint8Array) => new TextDecoder().decode(raw);

const parse = (bytes: Uint8Array, size?: number) => parseAll(feodoJsonFormat, bytes, ctx, size);

test('the JSON blocklist parses into address claims with the port kept aside', async () => {
  const out = (await parse(fixture('feodo-json/ipblocklist.json'))) as ClaimRecord[];
  assert.equal(out.length, 4);
  assert.ok(out.every((r) => !isRejected(r)));
  assert.deepEqual(out[0], {
    type: 'ipv4',
    value: '192.0.2.80',
    category: 'c2',
    firstSeen: '2026-03-04T14:28:39.000Z',
    lastSeen: '2026-11-20T00:00:00.000Z',
    reference: 'https://feodotracker.abuse.ch/browse/host/192.0.2.80/',
    attributes: {
      port: 443,
      status: 'online',
      hostname: 'c2.example.com',
      as_number: 64500,
      as_name: 'EXAMPLE-AS Example Hosting',
      country: 'JP',
      last_online: '2026-11-20',
      malware: 'QakBot',
    },
    position: 'ipblocklist.json:0',
    raw: out[0]!.raw,
  });
  assert.equal(JSON.parse(decode(out[0]!.raw)).ip_address, '192.0.2.80');
  // no first_seen: left out, not guessed; braces inside a string are data
  assert.deepEqual(out[2], {
    type: 'ipv4',
    value: '203.0.113.9',
    category: 'c2',
    lastSeen: '2026-11-20T00:00:00.000Z',
    reference: 'https://feodotracker.abuse.ch/browse/host/203.0.113.9/',
    attributes: {
      port: 4643,
      status: 'online',
      as_number: 64502,
      as_name: 'EXAMPLE-TRANSIT {backbone}',
      country: 'US',
      last_online: '2026-11-20',
      malware: 'Dridex',
    },
    position: 'ipblocklist.json:2',
    raw: out[2]!.raw,
  });
  assert.equal(out[3]!.lastSeen, undefined); // last_online null
});

test('bad elements are rejected with the reason and parsing goes on', async () => {
  const out = await parse(fixture('feodo-json/bad-rows.json'));
  assert.deepEqual(
    rejected(out).map((r) => [r.position, r.reason]),
    [
      ['ipblocklist.json:1', 'element 1: field ip_address is a number, expected a string'],
      ['ipblocklist.json:2', 'element 2: field first_seen "yesterday" is not a time like 2026-11-20 13:45:12'],
      ['ipblocklist.json:3', 'element 3: a string, expected an object'],
      ['ipblocklist.json:4', 'element 4: field last_online "2026-11-31" is not a day like 2026-11-21'],
    ],
  );
  assert.equal(decode((out[3] as Rejected).raw), '"192.0.2.83"');
  assert.deepEqual(
    records(out).map((r) => r.value),
    ['192.0.2.80', '192.0.2.85'],
  );
});

test('a truncated download ends with a rejection saying so', async () => {
  const whole = decode(fixture('feodo-json/ipblocklist.json'));
  const out = await parse(utf8(whole.slice(0, whole.lastIndexOf('{'))));
  assert.equal(out.filter((r) => !isRejected(r)).length, 3);
  assert.match((out.at(-1) as Rejected).reason, /truncated/);
  assert.deepEqual(
    (await parse(utf8('{"ip_address": "192.0.2.1"}'))).map((r) => (r as Rejected).reason),
    ['the document is an object, expected an array'],
  );
});

test('sniff: true on the blocklist, false on HTML, empty input and other feeds', () => {
  assert.equal(feodoJsonFormat.sniff!(fixture('feodo-json/ipblocklist.json')), true);
  assert.equal(feodoJsonFormat.sniff!(utf8('<!DOCTYPE html><html></html>')), false);
  assert.equal(feodoJsonFormat.sniff!(new Uint8Array(0)), false);
  for (const other of ['threatfox-json/recent.json', 'feodo-csv/ipblocklist.csv', 'spamhaus-drop/drop_v4.json']) {
    assert.equal(feodoJsonFormat.sniff!(fixture(other)), false, other);
  }
});

test('7-byte chunks give the same result as one chunk', async () => {
  for (const name of ['feodo-json/ipblocklist.json', 'feodo-json/bad-rows.json']) {
    assert.deepEqual(await parse(fixture(name), 7), await parse(fixture(name)));
  }
});

test('200,000 generated entries stream through', async () => {
  async function* generate() {
    let batch = '[';
    for (let i = 0; i < 200_000; i++) {
      batch += `${i ? ',' : ''}\n{"ip_address": "198.51.100.${i % 250}", "port": ${i % 65536}, "status": "online", "hostname": null, "first_seen": "2026-01-17 07:44:46", "last_online": "2026-11-15", "malware": "QakBot"}`;
      if (batch.length > 64 * 1024) {
        yield utf8(batch);
        batch = '';
      }
    }
    yield utf8(batch + ']\n');
  }
  assert.deepEqual(await tally(feodoJsonFormat, generate(), ctx), { records: 200_000, rejected: 0 });
});
