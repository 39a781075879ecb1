import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRejected, type Rejected } from '../../domain/format.js';
import type { ClaimRecord } from '../claim-record.js';
import { utf8 } from './lines.js';
import { threatfoxJsonFormat } from './threatfox-json.js';
import { fixture, parseAll, records, rejected, tally } from './test-helpers.js';

const ctx = { source: 'threatfox', input: 'recent.json', now: new Date('2026-11-20T15:00:00Z') };
const decode = (raw: Uint8Array) => new TextDecoder().decode(raw);

const parse = (bytes: Uint8Array, size?: number) => parseAll(threatfoxJsonFormat, bytes, ctx, size);

test('a JSON export parses into typed claims keyed by IOC id', async () => {
  const out = (await parse(fixture('threatfox-json/recent.json'))) as ClaimRecord[];
  assert.equal(out.length, 5);
  assert.ok(out.every((r) => !isRejected(r)));
  assert.deepEqual(out[0], {
    type: 'ip-port',
    value: '192.0.2.44:8443',
    category: 'c2',
    confidence: 75,
    tags: ['c2', 'CobaltStrike'],
    firstSeen: '2026-11-20T13:45:12.000Z',
    lastSeen: '2026-11-20T14:01:00.000Z',
    reference: 'https://threatfox.abuse.ch/ioc/1650001/',
    attributes: {
      ioc_id: '1650001',
      ioc_type: 'ip:port',
      threat_type: 'botnet_cc',
      malware: 'win.cobalt_strike',
      malware_alias: 'Agentemis,BEACON,CobaltStrike',
      malware_printable: 'Cobalt Strike',
      is_compromised: false,
      anonymous: '0',
      reporter: 'abuse_ch',
    },
    position: 'recent.json#1650001',
    raw: out[0]!.raw,
  });
  // raw is the IOC object (as compact JSON)
  assert.equal(JSON.parse(decode(out[0]!.raw)).ioc_value, '192.0.2.44:8443');
  assert.deepEqual(out[2], {
    type: 'url',
    value: 'https://login.example.net/gate.php?u={id}', // braces inside strings are data
    category: 'c2',
    confidence: 50,
    firstSeen: '2026-11-20T13:38:41.000Z',
    reference: 'https://threatfox.abuse.ch/ioc/1649999/',
    attributes: {
      ioc_id: '1649999',
      ioc_type: 'url',
      threat_type: 'botnet_cc',
      malware: 'win.lumma',
      malware_alias: 'LummaC2',
      malware_printable: 'Lumma Stealer',
      is_compromised: false,
      anonymous: '0',
      reporter: 'reporter_x',
    },
    position: 'recent.json#1649999',
    raw: out[2]!.raw,
  });
  assert.deepEqual(
    out.map((r) => [r.type, r.category, r.attributes!.is_compromised]),
    [
      ['ip-port', 'c2', false],
      ['domain', 'malware', false],
      ['url', 'c2', false],
      ['md5', 'malware', false],
      ['domain', 'c2', true],
    ],
  );
});

test('bad IOCs are rejected with the reason and parsing goes on', async () => {
  const out = await parse(fixture('threatfox-json/bad-rows.json'));
  assert.deepEqual(
    rejected(out).map((r) => [r.position, r.reason]),
    [
      ['recent.json#2', 'id 2: the value is an object, expected an array of IOC objects'],
      [
        'recent.json#3',
        'id 3: field ioc_type "email" is not one of ip:port, domain, url, md5_hash, sha1_hash, sha256_hash',
      ],
      ['recent.json#4', 'id 4: field first_seen_utc "2026-11-20T13:45:12Z" is not a time like 2026-11-20 13:45:12'],
      ['recent.json#5', 'id 5: field confidence_level 175 is not a whole number from 0 to 100'],
      ['recent.json#6', 'id 6: field tags is an array, expected a comma-separated string or null'],
      ['recent.json#7', 'id 7: the IOC is a string, expected an object'],
    ],
  );
  assert.equal(decode((out[1] as Rejected).raw), '{"ioc_value":"not-in-an-array.example.com"}');
  const accepted = records(out);
  assert.deepEqual(
    accepted.map((r) => [r.value, r.tags]),
    [
      ['192.0.2.44:8443', undefined],
      ['ok.example.com', ['a', 'b']],
    ],
  );
});

test('broken and truncated documents end with one rejection saying so', async () => {
  const whole = decode(fixture('threatfox-json/recent.json'));
  const truncated = await parse(utf8(whole.slice(0, whole.indexOf('"1649999"'))));
  assert.equal(truncated.filter((r) => !isRejected(r)).length, 2);
  const last = truncated.at(-1) as Rejected;
  assert.ok(isRejected(last));
  assert.match(last.reason, /truncated/);

  const broken = await parse(utf8('{"1": [{"ioc_value": "x" "ioc_type": "domain"}]}'));
  assert.equal(broken.length, 1);
  assert.match((broken[0] as Rejected).reason, /^not valid JSON/);

  const wrongTop = await parse(utf8('[{"ioc_value": "x"}]'));
  assert.deepEqual(
    wrongTop.map((r) => (r as Rejected).reason),
    ['the document is an array, expected an object'],
  );
  assert.deepEqual(
    (await parse(new Uint8Array(0))).map((r) => (r as Rejected).reason),
    ['the input holds no JSON document (empty or blank)'],
  );
});

test('sniff: true on the export, false on HTML, empty input and other feeds', () => {
  assert.equal(threatfoxJsonFormat.sniff!(fixture('threatfox-json/recent.json')), true);
  assert.equal(threatfoxJsonFormat.sniff!(utf8('<!DOCTYPE html><html><body>Too many requests</body></html>')), false);
  assert.equal(threatfoxJsonFormat.sniff!(new Uint8Array(0)), false);
  for (const other of ['feodo-json/ipblocklist.json', 'threatfox-csv/recent.csv', 'spamhaus-drop/drop_v4.json']) {
    assert.equal(threatfoxJsonFormat.sniff!(fixture(other)), false, other);
  }
});

test('7-byte chunks give the same result as one chunk', async () => {
  for (const name of ['threatfox-json/recent.json', 'threatfox-json/bad-rows.json']) {
    assert.deepEqual(await parse(fixture(name), 7), await parse(fixture(name)));
  }
});

test('200,000 generated IOCs stream through', async () => {
  async function* generate() {
    let batch = '{';
    for (let i = 0; i < 200_000; i++) {
      batch += `${i ? ',' : ''}\n    "${i}": [{"ioc_value": "192.0.2.${i % 250}:8443", "ioc_type": "ip:port", "threat_type": "botnet_cc", "first_seen_utc": "2026-11-20 13:45:12", "last_seen_utc": null, "confidence_level": 75, "tags": "c2"}]`;
      if (batch.length > 64 * 1024) {
        yield utf8(batch);
        batch = '';
      }
    }
    yield utf8(batch + '\n}\n');
  }
  assert.deepEqual(await tally(threatfoxJsonFormat, generate(), ctx), { records: 200_000, rejected: 0 });
});
