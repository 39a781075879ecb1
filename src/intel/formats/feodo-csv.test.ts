import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRejected } from '../../domain/format.js';
import type { ClaimRecord } from '../claim-record.js';
import { feodoCsvFormat } from './feodo-csv.js';
import { utf8 } from './lines.js';
import { fixture, parseAll, records, rejected, tally } from './test-helpers.js';

const ctx = { source: 'feodo', input: 'ipblocklist.csv', now: new Date('2026-11-20T15:00:00Z') };

const parse = (bytes: Uint8Array, size?: number) => parseAll(feodoCsvFormat, bytes, ctx, size);

test('the CSV blocklist parses into address claims; banner and column line are not data', async () => {
  const out = (await parse(fixture('feodo-csv/ipblocklist.csv'))) as ClaimRecord[];
  assert.equal(out.length, 4);
  assert.ok(out.every((r) => !isRejected(r)));
  assert.deepEqual(out[0], {
    type: 'ipv4',
    value: '192.0.2.80',
    category: 'c2',
    firstSeen: '2026-03-04T14:28:39.000Z',
    lastSeen: '2026-11-20T00:00:00.000Z',
    reference: 'https://feodotracker.abuse.ch/browse/host/192.0.2.80/',
    attributes: { dst_port: '443', c2_status: 'online', last_online: '2026-11-20', malware: 'QakBot' },
    position: 'ipblocklist.csv:10',
    raw: utf8('"2026-03-04 14:28:39","192.0.2.80","443","online","2026-11-20","QakBot"'),
  });
  assert.deepEqual(out[3], {
    type: 'ipv4',
    value: '198.51.100.200',
    category: 'c2',
    firstSeen: '2026-11-19T22:10:00.000Z',
    reference: 'https://feodotracker.abuse.ch/browse/host/198.51.100.200/',
    attributes: { dst_port: '2222', c2_status: 'online', malware: 'Pikabot' },
    position: 'ipblocklist.csv:13',
    raw: out[3]!.raw,
  });
});

test('bad rows are rejected with the reason and parsing goes on', async () => {
  const out = await parse(fixture('feodo-csv/bad-rows.csv'));
  assert.deepEqual(
    rejected(out).map((r) => [r.position, r.reason]),
    [
      ['ipblocklist.csv:3', 'line 3: column dst_ip is empty'],
      [
        'ipblocklist.csv:4',
        'line 4: expected 6 columns (first_seen_utc,dst_ip,dst_port,c2_status,last_online,malware), found 7',
      ],
      ['ipblocklist.csv:5', 'line 5: column first_seen_utc "04.03.2026" is not a time like 2026-11-20 13:45:12'],
      ['ipblocklist.csv:6', 'line 6: column last_online "2026-13-01" is not a day like 2026-11-21'],
      ['ipblocklist.csv:7', 'line 7: unexpected "B" after the closing quote of field 6'],
    ],
  );
  assert.deepEqual(
    records(out).map((r) => r.value),
    ['192.0.2.80', '192.0.2.85'],
  );
});

test('sniff: true on the blocklist, false on HTML, empty input and other feeds', () => {
  assert.equal(feodoCsvFormat.sniff!(fixture('feodo-csv/ipblocklist.csv')), true);
  assert.equal(feodoCsvFormat.sniff!(fixture('feodo-csv/bad-rows.csv')), true); // no banner, column line first
  assert.equal(feodoCsvFormat.sniff!(utf8('<!DOCTYPE html>\n<html lang="en"></html>')), false);
  assert.equal(feodoCsvFormat.sniff!(new Uint8Array(0)), false);
  for (const other of ['urlhaus/csv_recent.csv', 'threatfox-csv/recent.csv', 'feodo-json/ipblocklist.json']) {
    assert.equal(feodoCsvFormat.sniff!(fixture(other)), false, other);
  }
});

test('7-byte chunks give the same result as one chunk', async () => {
  for (const name of ['feodo-csv/ipblocklist.csv', 'feodo-csv/bad-rows.csv']) {
    assert.deepEqual(await parse(fixture(name), 7), await parse(fixture(name)));
  }
});

test('200,000 generated rows stream through', async () => {
  async function* generate() {
    let batch = '"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"\n';
    for (let i = 0; i < 200_000; i++) {
      batch += `"2026-03-04 14:28:39","192.0.2.${i % 250}","${i % 65536}","online","2026-11-20","QakBot"\n`;
      if (batch.length > 64 * 1024) {
        yield utf8(batch);
        batch = '';
      }
    }
    yield utf8(batch);
  }
  assert.deepEqual(await tally(feodoCsvFormat, generate(), ctx), { records: 200_000, rejected: 0 });
});
