import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRejected, type Rejected } from '../../domain/format.js';
import type { ClaimRecord } from '../claim-record.js';
import { utf8 } from './lines.js';
import { spamhausDropFormat } from './spamhaus-drop.js';
import { fixture, parseAll, records, rejected, tally } from './test-helpers.js';

const ctx = { source: 'spamhaus-drop', input: 'drop_v4.json', now: new Date('2026-11-20T15:00:00Z') };

const parse = (bytes: Uint8Array, size?: number) => parseAll(spamhausDropFormat, bytes, ctx, size);

test('the JSON-lines list parses into netblocks; the metadata line is not one', async () => {
  const out = (await parse(fixture('spamhaus-drop/drop_v4.json'))) as ClaimRecord[];
  assert.equal(out.length, 4);
  assert.ok(out.every((r) => !isRejected(r)));
  assert.deepEqual(out[0], {
    type: 'cidr',
    value: '192.0.2.0/24',
    category: 'blocklist',
    reference: 'https://check.spamhaus.org/sbl/query/SBL600001',
    attributes: { sblid: 'SBL600001', rir: 'ripencc' },
    position: 'drop_v4.json:1',
    raw: utf8('{"cidr":"192.0.2.0/24","sblid":"SBL600001","rir":"ripencc"}'),
  });
  assert.equal(out[3]!.value, '2001:db8:1000::/36');
});

test('the legacy text list parses into the same claims, without rir', async () => {
  const out = (await parse(fixture('spamhaus-drop/drop.txt'))) as ClaimRecord[];
  assert.equal(out.length, 3);
  assert.deepEqual(out[1], {
    type: 'cidr',
    value: '198.51.100.0/22',
    category: 'blocklist',
    reference: 'https://check.spamhaus.org/sbl/query/SBL600002',
    attributes: { sblid: 'SBL600002' },
    position: 'drop_v4.json:6',
    raw: utf8('198.51.100.0/22 ; SBL600002'),
  });
});

test('fewer records than the metadata counts is rejected at the metadata line', async () => {
  const out = await parse(fixture('spamhaus-drop/truncated.json'));
  assert.equal(out.filter((r) => !isRejected(r)).length, 2);
  const last = out.at(-1) as Rejected;
  assert.equal(last.position, 'drop_v4.json:3');
  assert.equal(
    last.reason,
    'line 3: the metadata says 4 records, the file has 2: the download is truncated or damaged',
  );
  assert.match(new TextDecoder().decode(last.raw), /^\{"type":"metadata"/);
});

test('a JSON-lines list without its metadata line is flagged as truncated', async () => {
  const out = await parse(utf8('{"cidr":"192.0.2.0/24","sblid":"SBL600001","rir":"ripencc"}\n'));
  assert.equal(out.length, 2);
  assert.deepEqual(
    { position: (out[1] as Rejected).position, reason: (out[1] as Rejected).reason },
    { position: 'drop_v4.json:2', reason: 'no metadata line at the end: the download is truncated' },
  );
});

test('bad lines are rejected with the reason and parsing goes on; the count still matches', async () => {
  const out = await parse(fixture('spamhaus-drop/bad-rows.json'));
  assert.deepEqual(
    rejected(out).map((r) => [r.position, r.reason.replace(/: Expected.*$|: Unexpected.*$/, ': …')]),
    [
      ['drop_v4.json:2', 'line 2: field cidr "<html>" is not a netblock like 192.0.2.0/24'],
      ['drop_v4.json:3', 'line 3: not a JSON object: …'],
      ['drop_v4.json:4', 'line 4: the line is an array, expected a JSON object'],
      ['drop_v4.json:5', 'line 5: field cidr is missing'],
    ],
  );
  assert.deepEqual(
    records(out).map((r) => r.value),
    ['192.0.2.0/24', '203.0.113.0/24'],
  );
  const textOut = await parse(utf8('; Spamhaus DROP List\n192.0.2.0/24 ; SBL1\nnot a netblock ; SBL2\n'));
  assert.deepEqual(
    textOut.map((r) => (isRejected(r) ? r.reason : r.value)),
    ['192.0.2.0/24', 'line 3: "not a netblock" is not a netblock like 192.0.2.0/24'],
  );
});

test('sniff: true on both forms, false on HTML, empty input and other feeds', () => {
  assert.equal(spamhausDropFormat.sniff!(fixture('spamhaus-drop/drop_v4.json')), true);
  assert.equal(spamhausDropFormat.sniff!(fixture('spamhaus-drop/drop.txt')), true);
  assert.equal(spamhausDropFormat.sniff!(utf8('<!DOCTYPE html><html><body>403</body></html>')), false);
  assert.equal(spamhausDropFormat.sniff!(new Uint8Array(0)), false);
  for (const other of ['threatfox-json/recent.json', 'feodo-json/ipblocklist.json', 'urlhaus/csv_recent.csv']) {
    assert.equal(spamhausDropFormat.sniff!(fixture(other)), false, other);
  }
});

test('7-byte chunks give the same result as one chunk', async () => {
  for (const name of ['drop_v4.json', 'drop.txt', 'truncated.json', 'bad-rows.json']) {
    const bytes = fixture(`spamhaus-drop/${name}`);
    assert.deepEqual(await parse(bytes, 7), await parse(bytes));
  }
});

test('200,000 generated netblocks stream through and match the metadata count', async () => {
  async function* generate() {
    let batch = '';
    for (let i = 0; i < 200_000; i++) {
      batch += `{"cidr":"10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32","sblid":"SBL${i}","rir":"ripencc"}\n`;
      if (batch.length > 64 * 1024) {
        yield utf8(batch);
        batch = '';
      }
    }
    yield utf8(batch + '{"type":"metadata","timestamp":1795183200,"size":1,"records":200000,"copyright":"x"}\n');
  }
  assert.deepEqual(await tally(spamhausDropFormat, generate(), ctx), { records: 200_000, rejected: 0 });
});
