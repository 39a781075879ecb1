import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRejected, type Rejected } from '../../domain/format.js';
import type { ClaimRecord } from '../claim-record.js';
import { utf8 } from './lines.js';
import { threatfoxCsvFormat } from './threatfox-csv.js';
import { fixture, parseAll, records, rejected, tally } from './test-helpers.js';

const ctx = { source: 'threatfox', input: 'recent.csv', now: new Date('2026-11-20T15:00:00Z') };

const parse = (bytes: Uint8Array, size?: number) => parseAll(threatfoxCsvFormat, bytes, ctx, size);

test('a recent export parses into typed claims', async () => {
  const out = (await parse(fixture('threatfox-csv/recent.csv'))) as ClaimRecord[];
  assert.equal(out.length, 7);
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
      fk_malware: 'win.cobalt_strike',
      malware_alias: 'Agentemis,BEACON,CobaltStrike',
      malware_printable: 'Cobalt Strike',
      is_compromised: 'False',
      anonymous: '0',
      reporter: 'abuse_ch',
    },
    position: 'recent.csv:10',
    raw: out[0]!.raw,
  });
  assert.match(new TextDecoder().decode(out[0]!.raw), /^"2026-11-20 13:45:12", "1650001", "192\.0\.2\.44:8443"/);
  assert.deepEqual(out[1], {
    type: 'domain',
    value: 'update-check.example.org',
    category: 'malware',
    confidence: 100,
    tags: ['ClearFake', 'windows'],
    firstSeen: '2026-11-20T13:40:02.000Z',
    reference: 'https://threatfox.abuse.ch/ioc/1650000/',
    attributes: {
      ioc_id: '1650000',
      ioc_type: 'domain',
      threat_type: 'payload_delivery',
      fk_malware: 'js.clearfake',
      malware_printable: 'ClearFake',
      is_compromised: 'False',
      reference: 'https://blog.example.com/clearfake-nov-2026',
      anonymous: '1',
      reporter: 'anonymous',
    },
    position: 'recent.csv:11',
    raw: out[1]!.raw,
  });
  assert.deepEqual(
    out.map((r) => [r.type, r.category]),
    [
      ['ip-port', 'c2'],
      ['domain', 'malware'],
      ['url', 'c2'],
      ['md5', 'malware'],
      ['sha1', 'malware'],
      ['sha256', 'malware'],
      ['domain', 'c2'],
    ],
  );
  assert.equal(out[2]!.tags, undefined); // tags "None"
});

test('the commented column line decides the layout (an older export without is_compromised)', async () => {
  const input =
    '# "first_seen_utc","ioc_id","ioc_value","ioc_type","threat_type","fk_malware","malware_alias","malware_printable","last_seen_utc","confidence_level","reference","tags","anonymous","reporter"\n' +
    '"2026-11-20 13:45:12", "9", "c2.example.com", "domain", "botnet_cc", "win.x", "None", "X", "", "50", "None", "a,b", "0", "r"\n';
  const [record] = (await parse(utf8(input))) as ClaimRecord[];
  assert.equal(record!.value, 'c2.example.com');
  assert.equal(record!.confidence, 50);
  assert.deepEqual(record!.tags, ['a', 'b']);
  assert.equal(record!.attributes!.reporter, 'r');
});

test('bad rows are rejected with the reason and parsing goes on', async () => {
  const out = await parse(fixture('threatfox-csv/bad-rows.csv'));
  assert.deepEqual(
    rejected(out).map((r) => r.reason),
    [
      'line 3: expected 15 columns (first_seen_utc,ioc_id,ioc_value,ioc_type,threat_type,fk_malware,malware_alias,malware_printable,last_seen_utc,confidence_level,is_compromised,reference,tags,anonymous,reporter), found 14',
      'line 4: column ioc_type "email" is not one of ip:port, domain, url, md5_hash, sha1_hash, sha256_hash',
      'line 5: column first_seen_utc "not a date" is not a time like 2026-11-20 13:45:12',
      'line 6: column confidence_level "high" is not a whole number from 0 to 100',
      'line 7: column ioc_id "six" is not a number',
      'line 8: unexpected "d" after the closing quote of field 3',
    ],
  );
  const accepted = records(out);
  assert.deepEqual(
    accepted.map((r) => [r.value, r.category]),
    [
      ['192.0.2.44:8443', 'c2'],
      ['ok.example.com', 'other'], // an unknown threat_type is kept, as "other"
    ],
  );
  assert.equal((out[1] as Rejected).position, 'recent.csv:3');
  assert.match(new TextDecoder().decode((out[1] as Rejected).raw), /^"2026-11-20 13:45:12", "2"/);
});

test('sniff: true on the export, false on HTML, empty input and other feeds', () => {
  assert.equal(threatfoxCsvFormat.sniff!(fixture('threatfox-csv/recent.csv')), true);
  assert.equal(threatfoxCsvFormat.sniff!(utf8('<!DOCTYPE html>\n<html><title>Error</title></html>')), false);
  assert.equal(threatfoxCsvFormat.sniff!(new Uint8Array(0)), false);
  for (const other of ['urlhaus/csv_recent.csv', 'feodo-csv/ipblocklist.csv', 'threatfox-json/recent.json']) {
    assert.equal(threatfoxCsvFormat.sniff!(fixture(other)), false, other);
  }
});

test('7-byte chunks give the same result as one chunk', async () => {
  for (const name of ['threatfox-csv/recent.csv', 'threatfox-csv/bad-rows.csv']) {
    assert.deepEqual(await parse(fixture(name), 7), await parse(fixture(name)));
  }
});

test('200,000 generated rows stream through', async () => {
  async function* generate() {
    let batch = '';
    for (let i = 0; i < 200_000; i++) {
      batch += `"2026-11-20 13:45:12", "${i}", "192.0.2.${i % 250}:${1024 + (i % 60000)}", "ip:port", "botnet_cc", "win.x", "None", "X", "", "75", "False", "None", "c2", "0", "r"\n`;
      if (batch.length > 64 * 1024) {
        yield utf8(batch);
        batch = '';
      }
    }
    yield utf8(batch);
  }
  assert.deepEqual(await tally(threatfoxCsvFormat, generate(), ctx), { records: 200_000, rejected: 0 });
});
