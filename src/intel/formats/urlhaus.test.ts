import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRejected, type Rejected } from '../../domain/format.js';
import type { ClaimRecord } from '../claim-record.js';
import { utf8 } from './lines.js';
import { urlhausFormat } from './urlhaus.js';
import { fixture as readFixture, parseAll, records, rejected, tally } from './test-helpers.js';

const fixture = (name: string) => readFixture(`urlhaus/${name}`);
const ctx = { source: 'urlhaus', input: 'csv_recent.csv', now: new Date('2026-11-20T15:00:00Z') };

const parse = (bytes: Uint8Array, size?: number) => parseAll(urlhausFormat, bytes, ctx, size);
const text = (raw: Uint8Array) => new TextDecoder().decode(raw);

test('a csv_recent dump parses into url claims', async () => {
  const out = await parse(fixture('csv_recent.csv'));
  assert.equal(out.length, 5);
  assert.ok(out.every((r) => !isRejected(r)));
  const [first, second, , fourth] = out as ClaimRecord[];
  assert.deepEqual(first, {
    type: 'url',
    value: 'http://192.0.2.10:38211/bin.sh',
    category: 'malware',
    firstSeen: '2026-11-20T13:45:12.000Z',
    lastSeen: '2026-11-20T14:00:03.000Z',
    tags: ['32-bit', 'elf', 'mips', 'Mozi'],
    reference: 'https://urlhaus.abuse.ch/url/3311240/',
    attributes: {
      id: '3311240',
      url_status: 'online',
      last_online: '2026-11-20 14:00:03',
      threat: 'malware_download',
      reporter: 'geenensp',
    },
    position: 'csv_recent.csv:10',
    raw: first!.raw,
  });
  assert.match(text(first!.raw), /^"3311240","2026-11-20 13:45:12",.*"geenensp"$/);
  // tags "None" and an empty last_online are absent, not values
  assert.deepEqual(second, {
    type: 'url',
    value: 'https://files.example.com/invoice_2026-11.zip',
    category: 'malware',
    firstSeen: '2026-11-20T13:41:07.000Z',
    reference: 'https://urlhaus.abuse.ch/url/3311239/',
    attributes: { id: '3311239', url_status: 'offline', threat: 'malware_download', reporter: 'anonymous' },
    position: 'csv_recent.csv:11',
    raw: second!.raw,
  });
  // doubled quotes inside a quoted field
  assert.equal(fourth!.value, 'https://cdn.example.net/wp-content/uploads/2026/11/upd.exe?id="7"');
});

test('comment banner and column line are skipped; records start after them', async () => {
  const out = (await parse(fixture('csv_recent.csv'))) as ClaimRecord[];
  assert.deepEqual(
    out.map((r) => r.position),
    ['csv_recent.csv:10', 'csv_recent.csv:11', 'csv_recent.csv:12', 'csv_recent.csv:13', 'csv_recent.csv:14'],
  );
});

test('bad rows are rejected with the reason and their bytes, and parsing goes on', async () => {
  const out = await parse(fixture('bad-rows.csv'));
  const bad = rejected(out);
  const accepted = records(out);
  assert.deepEqual(
    accepted.map((r) => r.value),
    ['http://192.0.2.10/a', 'http://192.0.2.16/g'],
  );
  assert.deepEqual(
    bad.map((r) => [r.position, r.reason]),
    [
      [
        'csv_recent.csv:3',
        'line 3: expected 9 columns (id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter), found 8',
      ],
      ['csv_recent.csv:4', 'line 4: column dateadded "20/11/2026 13:45" is not a time like 2026-11-20 13:45:12'],
      ['csv_recent.csv:5', 'line 5: unexpected "o" after the closing quote of field 3'],
      ['csv_recent.csv:6', 'line 6: column url is empty'],
      ['csv_recent.csv:7', 'line 7: column dateadded "2026-02-30 10:00:00" is not a time like 2026-11-20 13:45:12'],
      ['csv_recent.csv:8', 'line 8: column last_online "yesterday" is not a time like 2026-11-20 13:45:12'],
    ],
  );
  assert.match(text(bad[0]!.raw), /^"2","2026-11-20 13:45:12","http:\/\/192\.0\.2\.11\/b"/);
});

test('a quote left open is rejected and the next line still parses', async () => {
  const input = '"1","2026-11-20 13:45:12","http://192.0.2.1/x,"online"\n' + fixtureRow(2);
  const out = await parse(utf8(input));
  assert.equal(out.length, 2);
  assert.ok(isRejected(out[0]));
  assert.match((out[0] as Rejected).reason, /^line 1: .*never closed|^line 1: unexpected/);
  assert.equal((out[1] as ClaimRecord).value, 'http://192.0.2.2/x');
});

test('sniff: true on the dump, false on HTML, empty input and other feeds', () => {
  assert.equal(urlhausFormat.sniff!(fixture('csv_recent.csv')), true);
  assert.equal(urlhausFormat.sniff!(utf8('<!DOCTYPE html><html><body>502 Bad Gateway</body></html>')), false);
  assert.equal(urlhausFormat.sniff!(new Uint8Array(0)), false);
  for (const other of ['threatfox-csv/recent.csv', 'feodo-csv/ipblocklist.csv', 'spamhaus-drop/drop.txt']) {
    assert.equal(urlhausFormat.sniff!(readFixture(other)), false, other);
  }
});

test('7-byte chunks give the same result as one chunk', async () => {
  for (const name of ['csv_recent.csv', 'bad-rows.csv']) {
    assert.deepEqual(await parse(fixture(name), 7), await parse(fixture(name)));
  }
});

function fixtureRow(i: number): string {
  return `"${i}","2026-11-20 13:45:12","http://192.0.2.${i % 250}/x","online","","malware_download","elf","https://urlhaus.abuse.ch/url/${i}/","r"\n`;
}

test('200,000 generated rows stream through', async () => {
  async function* generate() {
    yield utf8('# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n');
    let batch = '';
    for (let i = 0; i < 200_000; i++) {
      batch += fixtureRow(i);
      if (batch.length > 64 * 1024) {
        yield utf8(batch);
        batch = '';
      }
    }
    yield utf8(batch);
  }
  assert.deepEqual(await tally(urlhausFormat, generate(), ctx), { records: 200_000, rejected: 0 });
});
