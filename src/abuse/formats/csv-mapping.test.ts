import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { AbuseEvent } from '../../domain/abuse-event.js';
import { isRejected, type Rejected } from '../../domain/format.js';
import { compileTimeFormat, parseCsvMapping, type CsvMapping, type CsvMappingInput } from './csv-mapping-schema.js';
import { csvMappingFormat } from './csv-mapping.js';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`./fixtures/csv-mapping/${name}`, import.meta.url)));
const utf8 = (s: string) => new TextEncoder().encode(s);
const ctx = (input: string) => ({ source: 'lists', input, now: new Date('2026-11-21T00:00:00Z') });

function mapping(value: unknown): CsvMapping {
  const result = parseCsvMapping(value);
  assert.ok(result.ok, result.ok ? '' : result.problems.join('\n'));
  return result.mapping;
}
const saved = (name: string) => mapping(JSON.parse(new TextDecoder().decode(fixture(`${name}.mapping.json`))));

async function* chunks(bytes: Uint8Array, size = bytes.length || 1): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function parse(m: CsvMapping, bytes: Uint8Array, input: string, size?: number) {
  const out: (AbuseEvent | Rejected)[] = [];
  for await (const r of csvMappingFormat(m).parse(chunks(bytes, size), ctx(input))) out.push(r);
  return out;
}
const events = (out: (AbuseEvent | Rejected)[]) => out.filter((r): r is AbuseEvent => !isRejected(r));

/** A small mapping for inline lists: UTF-8, English header, times in Tokyo unless a test says otherwise. */
const base: CsvMappingInput = {
  name: 'inline',
  columns: { time: 'time', address: 'ip', port: 'port' },
  type: 'scanner',
  reporter: 'test',
  report_type: 'test-list',
};
const inline = (extra: Partial<CsvMappingInput> = {}) => mapping({ ...base, ...extra });

test('NOTICE list in Shift_JIS under a title line: JST to UTC, type from 検知内容, a multi-line 備考 cell', async () => {
  const out = await parse(saved('nict-notice'), fixture('nict-notice.csv'), 'nict-notice.csv');
  assert.equal(out.length, 4);
  assert.deepEqual(out[0], {
    type: 'vulnerable-system',
    identifier: 'ID・パスワード設定不備',
    time: '2026-11-19T01:15:03.000Z',
    source: { address: '192.0.2.10', port: 23 },
    protocol: 'telnet',
    reporter: 'nict',
    reportType: 'notice',
    evidence: 'nict-notice.csv:3',
    detail: { 機器の種類: 'ネットワークカメラ' },
  });
  const multiLine = out[1] as AbuseEvent;
  assert.equal(multiLine.evidence, 'nict-notice.csv:4');
  assert.equal(multiLine.detail!['備考'], '初期設定のままの\n可能性があります');
  const infected = out[2] as AbuseEvent;
  assert.equal(infected.evidence, 'nict-notice.csv:6', 'the line after the two-line row');
  assert.equal(infected.type, 'infected-system');
  assert.equal(infected.source.port, 8080);
  assert.equal((out[3] as AbuseEvent).time, '2026-11-19T15:30:00.000Z', 'JST midnight is the day before in UTC');
});

test('P2P list in UTF-8 with a BOM: Excel-style unpadded times, a fixed type, the software as identifier', async () => {
  const out = await parse(saved('p2p-awareness'), fixture('p2p-awareness.csv'), 'p2p.csv');
  assert.equal(out.length, 3);
  assert.deepEqual(out[0], {
    type: 'copyright',
    identifier: 'BitTorrent',
    time: '2026-11-18T00:05:00.000Z',
    source: { address: '203.0.113.77', port: 6881 },
    reporter: 'example-rights-council',
    reportType: 'p2p-awareness',
    evidence: 'p2p.csv:2',
    detail: {
      作品名: '水際の灯台',
      ファイル名: 'Mizugiwa.no.Toudai.2026.1080p.WEB-DL.mkv',
      ハッシュ値: '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567',
    },
  });
  assert.equal((out[1] as AbuseEvent).source.address, '2001:db8:10::25');
  assert.equal((out[2] as AbuseEvent).identifier, 'Share');
  assert.equal((out[2] as AbuseEvent).time, '2026-11-18T15:12:00.000Z');
  assert.equal((out[2] as AbuseEvent).detail!['ハッシュ値'], undefined, 'an empty cell is not kept');
});

test('JPCERT-style English list: offsets honoured, UTC for bare times, destination, url, a category not mapped', async () => {
  const out = await parse(saved('jpcert-list'), fixture('jpcert-list.csv'), 'jpcert.csv');
  assert.equal(out.length, 4);
  assert.deepEqual(out[0], {
    type: 'infected-system',
    identifier: 'c2',
    time: '2026-11-20T01:23:45.000Z',
    source: { address: '192.0.2.77', port: 49822, hostname: 'host77.example.jp' },
    destination: { address: '198.51.100.200', port: 443 },
    protocol: 'tcp',
    reporter: 'jpcert',
    reportType: 'jpcert-list',
    evidence: 'jpcert.csv:2',
    detail: { asn: '64500', comment: 'Beaconing to a known C2 server' },
  });
  const resolver = out[1] as AbuseEvent;
  assert.equal(resolver.time, '2026-11-20T01:05:00.000Z', '+09:00 in the cell wins over time_zone');
  assert.equal(resolver.type, 'ddos-amplifier');
  assert.equal(resolver.source.port, undefined);
  assert.equal(resolver.destination, undefined);
  const phishing = out[2] as AbuseEvent;
  assert.equal(phishing.time, '2026-11-20T03:00:00.000Z', 'no offset: the mapping says UTC');
  assert.equal(phishing.source.url, 'https://www.shop.example.jp/.well-known/login/');
  const unmapped = out[3] as Rejected;
  assert.ok(isRejected(unmapped));
  assert.equal(unmapped.position, 'jpcert.csv:5');
  assert.equal(
    unmapped.reason,
    'line 5: column "category" (type) "brute-force" is not one of "c2", "open-resolver", "phishing" and the mapping has no type.default; add it to type.values',
  );
});

test('time zones: a wall time in the mapping zone, across daylight saving; an offset in the cell wins', async () => {
  const list = utf8(
    'time,ip,port\n2026-01-15 12:00,192.0.2.1,\n2026-07-01 12:00:00,192.0.2.2,\n2026-07-01T12:00:00-04:00,192.0.2.3,\n',
  );
  const times = (m: CsvMapping) => parse(m, list, 'tz.csv').then((out) => events(out).map((e) => e.time));
  assert.deepEqual(await times(inline({ time_zone: 'America/New_York' })), [
    '2026-01-15T17:00:00.000Z',
    '2026-07-01T16:00:00.000Z',
    '2026-07-01T16:00:00.000Z',
  ]);
  assert.deepEqual(await times(inline()), [
    '2026-01-15T03:00:00.000Z',
    '2026-07-01T03:00:00.000Z',
    '2026-07-01T16:00:00.000Z',
  ]);
  const japanese = inline({ time_format: 'yyyy年M月d日 H時mm分' });
  const out = await parse(japanese, utf8('time,ip,port\n2026年11月20日 9時05分,192.0.2.4,\n'), 'ja.csv');
  assert.equal((out[0] as AbuseEvent).time, '2026-11-20T00:05:00.000Z');
});

test('a bad time, address or port is rejected with its line and column; the title and header travel with it', async () => {
  // ASCII is the same bytes in Shift_JIS, so bad rows can be appended to the real fixture as they are.
  const bad = utf8(
    [
      '2026/11/19 25:00:00,192.0.2.20,23,telnet,,,',
      '2026/11/19 10:00:00,192.0.2.256,23,telnet,,,',
      '2026/11/19 10:00:00,192.0.2.21,65536,telnet,,,',
      '2026/11/19 10:00:00,,23,telnet,,,',
      '2026-11-19 10:00:00,192.0.2.22,23,telnet,,,',
      '2026/11/19 10:00:00,192.0.2.23,23',
      '',
    ].join('\r\n'),
  );
  const good = fixture('nict-notice.csv');
  const bytes = new Uint8Array(good.length + bad.length);
  bytes.set(good);
  bytes.set(bad, good.length);
  const out = await parse(saved('nict-notice'), bytes, 'nict.csv');
  const rejected = out.filter(isRejected);
  assert.deepEqual(
    rejected.map((r) => r.reason),
    [
      'line 8: column "調査日時" (time) "2026/11/19 25:00:00" is not a time in the format "yyyy/MM/dd HH:mm:ss"',
      'line 9: column "IPアドレス" (address): "192.0.2.256" is not an IPv4 address in dotted-decimal form (four numbers 0–255, no leading zeros)',
      'line 10: column "ポート" (port) "65536" is not a port number from 1 to 65535',
      'line 11: column "IPアドレス" (address) is empty',
      'line 12: column "調査日時" (time) "2026-11-19 10:00:00" is not a time in the format "yyyy/MM/dd HH:mm:ss"',
    ],
  );
  assert.deepEqual(
    rejected.map((r) => r.position),
    ['nict.csv:8', 'nict.csv:9', 'nict.csv:10', 'nict.csv:11', 'nict.csv:12'],
  );
  assert.equal(events(out).length, 5, 'the four good rows, and the short row');
  const short = events(out)[4]!;
  assert.equal(short.type, 'undetermined', 'no 検知内容: type.default');
  assert.equal(short.identifier, undefined);
  assert.equal(short.evidence, 'nict.csv:13');

  // The dead letter is a small list of its own (title, header, row, in the original Shift_JIS bytes): it replays
  // through the same mapping and fails for the same reason only.
  const replay = await parse(saved('nict-notice'), rejected[1]!.raw, 'dead-letter.csv');
  assert.equal(replay.length, 1);
  assert.equal((replay[0] as Rejected).reason, rejected[1]!.reason.replace('line 9', 'line 3'));
});

test('headerless list: columns by index, unmapped cells kept under their index, dashes are empty', async () => {
  const m = inline({ header: false, columns: { time: 0, address: 2, port: 3 }, time_zone: 'UTC' });
  const out = await parse(m, utf8('2026-11-20 01:02:03,note,198.51.100.9,-\n'), 'h.csv');
  assert.deepEqual(out, [
    {
      type: 'scanner',
      time: '2026-11-20T01:02:03.000Z',
      source: { address: '198.51.100.9' },
      reporter: 'test',
      reportType: 'test-list',
      evidence: 'h.csv:1',
      detail: { 1: 'note' },
    },
  ]);
});

test('a mapped column missing from the header is one configuration error, not one per row', async () => {
  const out = await parse(saved('nict-notice'), fixture('p2p-awareness.csv'), 'wrong.csv');
  assert.equal(out.length, 1);
  const error = out[0] as Rejected;
  assert.equal(error.position, 'wrong.csv:2', 'line 1 was skipped as the title');
  assert.match(error.reason, /^header row \(line 2\): column "調査日時" \(mapped to time\), .*not found/);
  assert.match(error.reason, /check skip_lines .*encoding/);

  const tooShort = await parse(inline({ skip_lines: 3 }), utf8('title\n\n'), 'short.csv');
  assert.equal(tooShort.length, 1);
  assert.match((tooShort[0] as Rejected).reason, /^no header row: the input ended after 2 line\(s\); check skip_lines/);
});

test('an invalid mapping is rejected with the path of each problem and how to fix it', () => {
  const problems = (value: unknown) => {
    const r = parseCsvMapping(value);
    assert.ok(!r.ok, 'expected the mapping to be refused');
    return r.problems;
  };
  assert.deepEqual(
    problems({
      ...base,
      encoding: 'sjis',
      skip_lines: -1,
      columns: { address: 'ip', port: -2, prot: 'proto' },
      type: { column: 'kind', values: { c2: 'botnet' }, defualt: 'other' },
      time_zone: 'Tokyo',
      time_format: 'yyyy/MM/dd hh:mm',
      reporter: '',
    }),
    [
      'encoding: expected "utf-8" or "shift_jis" (Excel in Japanese saves CSV as shift_jis)',
      'skip_lines: expected how many lines (a title, a blank) come above the header: 0 or more',
      'columns.time: required; add it',
      'columns.port: column indexes count from 0 (the first column)',
      'columns.prot: unknown key; check its spelling or remove it',
      'type.values.c2: "botnet" is not an RSIT type; use one such as vulnerable-system, infected-system, copyright, scanner, ddos-amplifier, phishing, c2-server (the full list is RSIT in domain/abuse-event.ts)',
      'type.defualt: unknown key; check its spelling or remove it',
      'time_zone: "Tokyo" is not an IANA time zone such as Asia/Tokyo or UTC',
      'time_format: "hh" in "yyyy/MM/dd hh:mm" is not a time field; use yyyy, MM or M, dd or d, HH or H (24-hour), mm, ss, SSS, or "iso"',
      'reporter: say who sends the list, such as nict, jpcert or a rights holder',
    ],
  );
  assert.deepEqual(problems({ ...base, type: 'botnet' }), [
    'type: "botnet" is not an RSIT type; use one such as vulnerable-system, infected-system, copyright, scanner, ddos-amplifier, phishing, c2-server (the full list is RSIT in domain/abuse-event.ts)',
  ]);
  assert.deepEqual(problems({ ...base, columns: { time: true, address: 'ip' } }), [
    'columns.time: expected a header name as written in the header row, or a 0-based column index (0 for the first column)',
  ]);
  assert.deepEqual(problems({ ...base, header: false, type: { column: 'kind', values: {} } }), [
    `columns.time: with header: false columns are 0-based indexes: write the column's position (0 for the first) instead of "time"`,
    `columns.address: with header: false columns are 0-based indexes: write the column's position (0 for the first) instead of "ip"`,
    `columns.port: with header: false columns are 0-based indexes: write the column's position (0 for the first) instead of "port"`,
    `type.column: with header: false columns are 0-based indexes: write the column's position (0 for the first) instead of "kind"`,
  ]);
  assert.deepEqual(problems('nict'), ['(top level): expected an object of keys and values, got string']);
});

test('defaults: utf-8, comma, no skipped lines, a header, Asia/Tokyo, iso', () => {
  const m = inline();
  assert.equal(m.encoding, 'utf-8');
  assert.equal(m.delimiter, ',');
  assert.equal(m.skip_lines, 0);
  assert.equal(m.header, true);
  assert.equal(m.time_zone, 'Asia/Tokyo');
  assert.equal(m.time_format, 'iso');
});

test('time formats: the fields a spreadsheet writes; impossible dates refused', async () => {
  assert.equal(typeof compileTimeFormat('yyyy/MM/dd HH:mm:ss.SSS'), 'object');
  assert.match(compileTimeFormat('MM/dd HH:mm') as string, /needs at least the year/);
  assert.match(compileTimeFormat('yyyy/MM/dd/MM') as string, /has the MM field twice/);
  const m = inline({
    columns: { time: 'time', address: 'ip' },
    time_format: 'yyyy/M/d H:mm:ss.SSS',
    time_zone: 'UTC',
  });
  const list = utf8(
    'time,ip\n2026/2/3 4:05:06.789,192.0.2.1\n2026/2/30 4:05:06.000,192.0.2.2\n2026/2/3 24:00:00.000,192.0.2.3\n',
  );
  const out = await parse(m, list, 't.csv');
  assert.equal((out[0] as AbuseEvent).time, '2026-02-03T04:05:06.789Z');
  assert.match((out[1] as Rejected).reason, /^line 3: column "time" \(time\) "2026\/2\/30 4:05:06.000" is not a time/);
  assert.match((out[2] as Rejected).reason, /^line 4: .*"2026\/2\/3 24:00:00.000" is not a time/);
});

test('7-byte chunks give the same results as one chunk (Shift_JIS characters cut across chunks)', async () => {
  for (const name of ['nict-notice', 'p2p-awareness', 'jpcert-list']) {
    const m = saved(name);
    const bytes = fixture(`${name}.csv`);
    assert.deepEqual(await parse(m, bytes, name, 7), await parse(m, bytes, name));
  }
});

test('sniff: the header below the skipped lines names the mapped columns', () => {
  const notice = csvMappingFormat(saved('nict-notice')).sniff!;
  const p2p = csvMappingFormat(saved('p2p-awareness')).sniff!;
  const jpcert = csvMappingFormat(saved('jpcert-list')).sniff!;
  assert.equal(notice(fixture('nict-notice.csv')), true);
  assert.equal(p2p(fixture('p2p-awareness.csv')), true);
  assert.equal(jpcert(fixture('jpcert-list.csv')), true);
  assert.equal(notice(fixture('p2p-awareness.csv')), false);
  assert.equal(p2p(fixture('nict-notice.csv')), false, 'Shift_JIS read as UTF-8 names nothing');
  assert.equal(jpcert(utf8('<html><body>502</body></html>\n')), false);
  assert.equal(jpcert(new Uint8Array(0)), false);
});

test('rows stream: the first event comes before the input ends, and 20,000 rows all arrive', async () => {
  const rows = 20_000;
  let sent = 0;
  async function* generated() {
    yield utf8('time,ip,port\n');
    for (; sent < rows; sent += 1000) {
      let s = '';
      for (let j = sent; j < sent + 1000; j++) s += `2026-11-20 10:00:00,192.0.${(j >> 8) & 255}.${j & 255},23\n`;
      yield utf8(s);
    }
  }
  let count = 0;
  let sentAtFirst = -1;
  let last: AbuseEvent | undefined;
  for await (const r of csvMappingFormat(inline()).parse(generated(), ctx('gen.csv'))) {
    assert.ok(!isRejected(r));
    if (count++ === 0) sentAtFirst = sent;
    last = r;
  }
  assert.equal(count, rows);
  assert.ok(sentAtFirst < rows, `the first event waited for the whole input (${sentAtFirst} rows sent)`);
  assert.equal(last!.evidence, `gen.csv:${rows + 1}`);
});
