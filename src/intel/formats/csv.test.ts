import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRejected, type Rejected } from '../../domain/format.js';
import type { ClaimRecord } from '../claim-record.js';
import { csvFormat, toIso, type CsvOptions } from './csv.js';
import { utf8 } from './lines.js';
import { fixture as read, parseAll } from './test-helpers.js';

const ctx = (input: string) => ({ source: 'test', input, now: new Date('2026-11-20T00:00:00Z') });
const text = (raw: Uint8Array) => new TextDecoder().decode(raw);

const collect = (options: CsvOptions, bytes: Uint8Array, input: string, size?: number) =>
  parseAll(csvFormat(options), bytes, ctx(input), size);

const feodo: CsvOptions = { columns: { value: 'dst_ip', first_seen: 'first_seen_utc', last_seen: 'last_online' } };
const partner: CsvOptions = {
  columns: {
    value: 'indicator',
    type: 'kind',
    category: 'category',
    confidence: 'confidence',
    tags: 'tags',
    first_seen: 'first_seen',
    last_seen: 'last_seen',
    valid_until: 'expires',
    reference: 'link',
  },
};

test('Feodo Tracker CSV by header names: comments and the header skipped, other columns kept as attributes', async () => {
  const out = await collect(feodo, read('csv/feodo-ipblocklist.csv'), 'ipblocklist.csv');
  assert.equal(out.length, 4);
  assert.deepEqual(out[0], {
    value: '192.0.2.44',
    firstSeen: '2026-10-02T07:31:05.000Z',
    lastSeen: '2026-11-20T00:00:00.000Z',
    attributes: { dst_port: '443', c2_status: 'online', malware: 'QakBot' },
    position: 'ipblocklist.csv:10',
    raw: utf8(
      '"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"\n"2026-10-02 07:31:05","192.0.2.44","443","online","2026-11-20","QakBot"',
    ),
  });
  assert.deepEqual(
    out.map((r) => (r as ClaimRecord).value),
    ['192.0.2.44', '198.51.100.7', '203.0.113.150', '2001:db8::15'],
  );
});

test('partner CSV: every mapped field, quoted fields with "" and a line break, times to UTC', async () => {
  const out = await collect(partner, read('csv/partner.csv'), 'partner.csv');
  assert.equal(out.length, 4);
  assert.deepEqual(out[0], {
    value: 'evil.example',
    type: 'domain',
    category: 'phishing',
    confidence: 80,
    tags: ['bank', 'credential-theft'],
    firstSeen: '2026-11-01T08:00:00.000Z',
    lastSeen: '2026-11-20T10:30:00.000Z',
    validUntil: '2026-12-20T00:00:00.000Z',
    reference: 'https://portal.example.org/ioc/1001',
    attributes: { reporter: 'cert-a' },
    position: 'partner.csv:3',
    raw: utf8(
      'indicator,kind,category,confidence,tags,first_seen,last_seen,expires,link,reporter,notes\nevil.example,domain,phishing,80,bank;credential-theft,2026-11-01T08:00:00Z,2026-11-20 10:30:00,2026-12-20,https://portal.example.org/ioc/1001,cert-a,',
    ),
  });
  const url = out[1] as ClaimRecord;
  assert.equal(url.value, 'http://malware.example.org/dl.php?id=7#x');
  assert.equal(url.type, 'url');
  assert.equal(url.lastSeen, '2026-11-19T14:59:59.000Z');
  assert.deepEqual(url.attributes, { reporter: 'cert-b', notes: 'seen in "invoice" mail, twice' });
  const multi = out[2] as ClaimRecord;
  assert.equal(multi.position, 'partner.csv:5');
  assert.equal(multi.firstSeen, '2025-11-20T00:00:00.000Z');
  assert.equal(multi.attributes!.notes, 'notes spanning\ntwo lines');
  assert.equal(
    text(multi.raw),
    'indicator,kind,category,confidence,tags,first_seen,last_seen,expires,link,reporter,notes\n192.0.2.77,ipv4,c2,60,,1763596800,,,https://portal.example.org/ioc/1003,cert-a,"notes spanning\ntwo lines"',
  );
  assert.deepEqual((out[3] as ClaimRecord).tags, ['mass-scan', 'ssh']);
  assert.equal(out[3]!.position, 'partner.csv:7');
});

test('each kind of bad row is rejected with its reason and the parse goes on', async () => {
  const input = [
    'indicator,kind,category,confidence,tags,first_seen,last_seen,expires,link',
    'a.example,domain,phishing,50,,,,,',
    ',domain,phishing,50,,,,,',
    'b.example,hostname,phishing,50,,,,,',
    'c.example,domain,evil,50,,,,,',
    'd.example,domain,phishing,high,,,,,',
    'e.example,domain,phishing,101,,,,,',
    'f.example,domain,phishing,50,,yesterday,,,',
    'g.example,domain,phishing,50,,2026-02-30 10:00:00,,,',
    'h.example',
    'i.example,domain,phishing,50,,,,,',
    '',
  ].join('\r\n');
  const out = await collect(partner, utf8(input), 'bad.csv');
  assert.deepEqual(
    out.map((r) => (isRejected(r) ? r.reason : `ok ${r.value}`)),
    [
      'ok a.example',
      'line 3: column "indicator" (value) is empty',
      'line 4: column "kind" (type) "hostname" is not one of domain, ipv4, ipv6, cidr, url, email, ip-port, md5, sha1, sha256',
      'line 5: column "category" (category) "evil" is not one of c2, malware, phishing, botnet, spam, scanner, blocklist, other',
      'line 6: column "confidence" (confidence) "high" is not a number from 0 to 100',
      'line 7: column "confidence" (confidence) "101" is not a number from 0 to 100',
      'line 8: column "first_seen" (first_seen) "yesterday" is not a time (expected ISO 8601, "YYYY-MM-DD HH:MM:SS" in UTC, or Unix seconds)',
      'line 9: column "first_seen" (first_seen) "2026-02-30 10:00:00" is not a time (expected ISO 8601, "YYYY-MM-DD HH:MM:SS" in UTC, or Unix seconds)',
      'ok h.example',
      'ok i.example',
    ],
  );
  assert.deepEqual(
    out[2]!.raw,
    utf8(
      'indicator,kind,category,confidence,tags,first_seen,last_seen,expires,link\nb.example,hostname,phishing,50,,,,,',
    ),
    'the header travels with the row, so the dead letter replays on its own',
  );
  assert.equal(out[2]!.position, 'bad.csv:4');
});

test('a row shorter than the mapping, and a quote never closed, are rejected with their lines', async () => {
  const input = 'value\tnote\n\tx\n"a.example\tunclosed\nb.example\tnext\n';
  const out = await collect({ columns: { value: 'value' }, delimiter: '\t' }, utf8(input), 'q.tsv');
  assert.equal(out.length, 2);
  assert.equal((out[0] as Rejected).reason, 'line 2: column "value" (value) is empty');
  const unclosed = out[1] as Rejected;
  assert.ok(isRejected(unclosed));
  assert.equal(unclosed.position, 'q.tsv:3');
  assert.match(unclosed.reason, /Quote Not Closed/);
  assert.equal(text(unclosed.raw), 'value\tnote\n"a.example\tunclosed\nb.example\tnext');

  const short = await collect({ columns: { value: 2 }, header: false }, utf8('x,y,z.example\nonly,two\n'), 's.csv');
  assert.equal((short[0] as ClaimRecord).value, 'z.example');
  assert.deepEqual((short[0] as ClaimRecord).attributes, { 0: 'x', 1: 'y' });
  assert.equal((short[1] as Rejected).reason, 'line 2: column 2 (value) is missing: the row has 2 fields');
});

test('a mapped column missing from the header is one configuration error, not an error per row', async () => {
  const out = await collect(
    { columns: { value: 'ioc', category: 'threat' } },
    read('csv/feodo-ipblocklist.csv'),
    'ipblocklist.csv',
  );
  assert.equal(out.length, 1);
  const error = out[0] as Rejected;
  assert.ok(isRejected(error));
  assert.equal(error.position, 'ipblocklist.csv:9');
  assert.match(error.reason, /column "ioc" \(mapped to value\), column "threat" \(mapped to category\) not found/);
  assert.match(error.reason, /"first_seen_utc", "dst_ip", "dst_port", "c2_status", "last_online", "malware"/);

  const named = await collect({ columns: { value: 'ioc' }, header: false }, utf8('a.example\n'), 'n.csv');
  assert.equal(named.length, 1);
  assert.equal(named[0]!.position, 'n.csv:1');
  assert.match((named[0] as Rejected).reason, /header: false/);
});

test('headerless, other delimiter, fixed type, no comments', async () => {
  const out = await collect(
    { columns: { value: 1, tags: 2 }, header: false, delimiter: ';', comment: '', type: 'domain', tags_separator: '|' },
    utf8('#1;bad.example;a|b\n#2;worse.example;\n'),
    'x.csv',
  );
  assert.deepEqual(out[0], {
    value: 'bad.example',
    type: 'domain',
    tags: ['a', 'b'],
    attributes: { 0: '#1' },
    position: 'x.csv:1',
    raw: utf8('#1;bad.example;a|b'),
  });
  assert.equal(out.length, 2);
});

test('times: zones, UTC without a zone, Unix seconds; nothing guessed', () => {
  assert.equal(toIso('2026-11-20 13:45:12'), '2026-11-20T13:45:12.000Z');
  assert.equal(toIso('2026-11-20T13:45:12+09:00'), '2026-11-20T04:45:12.000Z');
  assert.equal(toIso('2026-11-20T13:45:12.5Z'), '2026-11-20T13:45:12.500Z');
  assert.equal(toIso('2026-11-20'), '2026-11-20T00:00:00.000Z');
  assert.equal(toIso('1763646312'), '2025-11-20T13:45:12.000Z');
  assert.equal(toIso('20/11/2026'), undefined);
  assert.equal(toIso('2026-13-01'), undefined);
  assert.equal(toIso('2026-11-20 24:00:00'), undefined);
});

test('sniff: true when the header names the mapped columns; false on HTML, empty and other formats', () => {
  const sniffFeodo = csvFormat(feodo).sniff!;
  assert.equal(sniffFeodo(read('csv/feodo-ipblocklist.csv')), true);
  assert.equal(csvFormat(partner).sniff!(read('csv/partner.csv')), true);
  assert.equal(sniffFeodo(utf8('<!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>\n')), false);
  assert.equal(sniffFeodo(new Uint8Array(0)), false);
  assert.equal(sniffFeodo(read('csv/partner.csv')), false);
  assert.equal(sniffFeodo(read('plain/feodo-ipblocklist.txt')), false);
  assert.equal(sniffFeodo(read('hosts/stevenblack.hosts')), false);
  assert.equal(sniffFeodo(read('rpz/urlhaus.rpz')), false);
  const headerless = csvFormat({ columns: { value: 1 }, header: false }).sniff!;
  assert.equal(headerless(utf8('2026-11-20,192.0.2.1,c2\n')), true);
  assert.equal(headerless(read('plain/feodo-ipblocklist.txt')), false);
  assert.equal(headerless(utf8('{"query_status":"ok"}\n')), false);
});

test('7-byte chunks give the same records as one chunk', async () => {
  for (const [options, name] of [
    [feodo, 'csv/feodo-ipblocklist.csv'],
    [partner, 'csv/partner.csv'],
  ] as const) {
    assert.deepEqual(await collect(options, read(name), name, 7), await collect(options, read(name), name));
  }
});

test('200,000 rows stream through', async () => {
  const rows = 200_000;
  async function* generated() {
    yield utf8('# generated\n"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"\n');
    for (let i = 0; i < rows; i += 1000) {
      let s = '';
      for (let j = i; j < i + 1000; j++)
        s += `"2026-11-01 08:12:44","192.0.${(j >> 8) & 255}.${j & 255}","443","online","2026-11-20","QakBot"\n`;
      yield utf8(s);
    }
  }
  let count = 0;
  let last: ClaimRecord | undefined;
  for await (const r of csvFormat(feodo).parse(generated(), ctx('gen'))) {
    if (isRejected(r)) continue;
    count++;
    last = r;
  }
  assert.equal(count, rows);
  assert.equal(last!.position, `gen:${rows + 2}`);
});
