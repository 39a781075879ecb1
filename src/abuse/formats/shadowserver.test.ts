import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { AbuseEvent, RsitType } from '../../domain/abuse-event.js';
import { isRejected, type Rejected } from '../../domain/format.js';
import { splitFields } from './csv-fields.js';
import { reportTypeFromFileName, shadowserverFormat, type ShadowserverOptions } from './shadowserver.js';
import { loadShadowserverSchema } from './shadowserver-schema.js';

const DIR = new URL('./fixtures/shadowserver/', import.meta.url);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, DIR)));
const fileName = (type: string) => `2026-11-20-${type}-asn64500-jp.csv`;
const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const ctx = (input: string) => ({ source: 'shadowserver', input, now: new Date('2026-11-21T00:00:00Z') });

async function* chunks(bytes: Uint8Array, size = bytes.length || 1): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function parse(bytes: Uint8Array, input: string, options: ShadowserverOptions = {}, size?: number) {
  const out: (AbuseEvent | Rejected)[] = [];
  for await (const r of shadowserverFormat(options).parse(chunks(bytes, size), ctx(input))) out.push(r);
  return out;
}
const events = (out: (AbuseEvent | Rejected)[]) => out.filter((r): r is AbuseEvent => !isRejected(r));
const rejects = (out: (AbuseEvent | Rejected)[]) => out.filter(isRejected);

/** A fixture's header and rows, to build variants of a real report. */
function lines(type: string): string[] {
  return text(fixture(fileName(type)))
    .split('\n')
    .slice(0, -1);
}

test('event4_sinkhole: a row is an infected-system event; infection names it, the sinkhole is the destination', async () => {
  const out = await parse(fixture(fileName('event4_sinkhole')), fileName('event4_sinkhole'));
  assert.equal(rejects(out).length, 0);
  assert.equal(out.length, 3);
  assert.deepEqual(out[0], {
    type: 'infected-system',
    identifier: 'andromeda',
    time: '2026-11-20T00:00:07.000Z',
    source: { address: '198.51.100.23', port: 49733, hostname: 'p23-ipoe.example.jp', asn: 64500 },
    destination: { address: '192.0.2.80', port: 80, asn: 64510 },
    protocol: 'tcp',
    reporter: 'shadowserver',
    reportType: 'event4_sinkhole',
    evidence: '2026-11-20-event4_sinkhole-asn64500-jp.csv:2',
    // Geolocation and sector (the schema's enrichment columns) stay in the evidence file.
    detail: {
      severity: 'critical',
      family: 'andromeda',
      tag: 'andromeda',
      application: 'http',
    },
  });
  const third = out[2] as AbuseEvent;
  assert.equal(third.identifier, 'zeroaccess');
  assert.equal(third.protocol, 'udp');
  assert.equal(third.evidence, '2026-11-20-event4_sinkhole-asn64500-jp.csv:4');
  assert.equal(third.detail!.tag, 'b68-zeroaccess-2-32bit');
  assert.equal(third.detail!.family, undefined, 'empty cells are not kept');
});

// Every report type the schema must cover, read from a file with Shadowserver's real header for it: a column the
// schema names wrongly would fall back and mark the events for review, or lose the address.
const COVERED: [type: string, rsit: RsitType, identifier: string, address: string, destination?: string][] = [
  ['event4_sinkhole', 'infected-system', 'andromeda', '198.51.100.23', '192.0.2.80'],
  ['event6_sinkhole', 'infected-system', 'necurs', '2001:db8:4:1::1a', '2001:db8:ffff::80'],
  ['event4_sinkhole_http', 'infected-system', 'andromeda', '198.51.100.61', '192.0.2.80'],
  ['event4_honeypot_brute_force', 'brute-force', 'ssh-brute-force', '203.0.113.77', '192.0.2.22'],
  ['event4_honeypot_darknet', 'scanner', 'mirai', '198.51.100.201'],
  ['event4_ddos_participant', 'ddos', 'ddos-participant', '198.51.100.53', '192.0.2.200'],
  ['scan_ssh', 'potentially-unwanted-accessible', 'accessible-ssh', '198.51.100.10'],
  ['scan6_ssh', 'potentially-unwanted-accessible', 'accessible-ssh', '2001:db8:10::22'],
  ['scan_telnet', 'potentially-unwanted-accessible', 'accessible-telnet', '198.51.100.30'],
  ['scan_rdp', 'potentially-unwanted-accessible', 'accessible-rdp', '203.0.113.33'],
  ['scan_http', 'potentially-unwanted-accessible', 'accessible-http', '198.51.100.80'],
  ['scan_ntp', 'ddos-amplifier', 'ntp-version', '198.51.100.123'],
  ['scan_dns', 'ddos-amplifier', 'dns-open-resolver', '203.0.113.53'],
  ['scan_snmp', 'ddos-amplifier', 'open-snmp', '198.51.100.161'],
  ['scan_ssdp', 'ddos-amplifier', 'open-ssdp', '198.51.100.190'],
  ['scan_memcached', 'ddos-amplifier', 'open-memcached', '203.0.113.211'],
  ['scan_cwmp', 'potentially-unwanted-accessible', 'accessible-cwmp', '198.51.100.47'],
  ['scan_smb', 'potentially-unwanted-accessible', 'accessible-smb', '203.0.113.45'],
  ['scan_ipp', 'potentially-unwanted-accessible', 'open-ipp', '198.51.100.131'],
  ['compromised_website', 'system-compromise', 'phishing', '203.0.113.80'],
  ['blocklist', 'other', 'scanner', '198.51.100.77'],
  ['device_id', 'undetermined', 'device-id', '198.51.100.143'],
];

test('each covered report type reads its real header: class, identifier, addresses, nothing to review', async () => {
  for (const [type, rsit, identifier, address, destination] of COVERED) {
    const out = await parse(fixture(fileName(type)), fileName(type));
    assert.deepEqual(rejects(out), [], type);
    assert.ok(out.length >= 2, type);
    const first = out[0] as AbuseEvent;
    assert.equal(first.reportType, type);
    assert.equal(first.type, rsit, type);
    assert.equal(first.identifier, identifier, type);
    assert.equal(first.source.address, address, type);
    assert.equal(first.destination?.address, destination, type);
    assert.match(first.time, /^2026-11-20T\d\d:\d\d:\d\d\.000Z$/, type);
    assert.ok(first.detail?.severity, `${type}: severity in detail`);
    // Device identification is informational by design: every event waits for a person.
    assert.equal(first.needsReview, type === 'device_id' ? true : undefined, type);
  }
});

test('scan reports: the service port and protocol are the subscriber side; severity defaults from the schema', async () => {
  const [ssh, dropbear] = (await parse(fixture(fileName('scan_ssh')), fileName('scan_ssh'))) as AbuseEvent[];
  assert.deepEqual(ssh!.source, { address: '198.51.100.10', port: 22, hostname: 'p10-ipoe.example.jp', asn: 64500 });
  assert.equal(ssh!.protocol, 'tcp');
  assert.equal(ssh!.destination, undefined);
  assert.equal(ssh!.detail!.available_kex, 'curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256');
  assert.equal(ssh!.detail!.tag, 'ssh', 'a fixed identifier leaves the tag column in detail');
  assert.equal(dropbear!.source.port, 2222);
  assert.equal(dropbear!.detail!.device_type, 'router');

  const noSeverityColumn = lines('scan_ntp').map((l) => l.replace(/^("[^"]*"),("[^"]*"),/, '$1,'));
  const [ntp] = (await parse(utf8(noSeverityColumn.join('\n')), fileName('scan_ntp'))) as AbuseEvent[];
  assert.equal(ntp!.detail!.severity, 'medium', 'the schema default stands in for a missing severity column');
});

test('cells: doubled quotes and commas inside quotes, IPv6 in RFC 5952 form, the sinkholed name as destination', async () => {
  const [cwmp] = (await parse(fixture(fileName('scan_cwmp')), fileName('scan_cwmp'))) as AbuseEvent[];
  assert.equal(cwmp!.detail!.www_authenticate, 'Digest realm="IGD", nonce="5f2a1c9e", qop="auth"');
  assert.equal(cwmp!.detail!.sector, undefined, 'an enrichment column is not copied into detail');

  const [http] = (await parse(
    fixture(fileName('event4_sinkhole_http')),
    fileName('event4_sinkhole_http'),
  )) as AbuseEvent[];
  assert.deepEqual(http!.destination, { address: '192.0.2.80', port: 80, hostname: 'update.example.net', asn: 64510 });
  assert.equal(http!.detail!.http_url, '/in.php');
  assert.equal(
    http!.detail!.http_agent,
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)',
  );

  const v6 = (await parse(fixture(fileName('event6_sinkhole')), fileName('event6_sinkhole'))) as AbuseEvent[];
  assert.deepEqual(
    v6.map((e) => [e.source.address, e.destination?.address]),
    [
      ['2001:db8:4:1::1a', '2001:db8:ffff::80'],
      ['2001:db8:4:2::7', '2001:db8:ffff::81'],
    ],
  );

  const [site] = (await parse(
    fixture(fileName('compromised_website')),
    fileName('compromised_website'),
  )) as AbuseEvent[];
  assert.equal(site!.source.hostname, 'shop.example.jp', 'the site, not the reverse name');
  assert.equal(site!.detail!.hostname, 'web80.example.jp');
  assert.equal(site!.detail!.url, '/wp-content/plugins/ex/login.php');
});

test('blocklist: a network is no address: kept in detail and marked for review; a /32 is the address', async () => {
  const out = (await parse(fixture(fileName('blocklist')), fileName('blocklist'))) as AbuseEvent[];
  assert.equal(out.length, 3);
  assert.equal(out[0]!.needsReview, undefined);
  assert.equal(out[1]!.source.address, undefined);
  assert.equal(out[1]!.detail!.ip, '203.0.113.0/28');
  assert.equal(out[1]!.needsReview, true);
  assert.equal(out[1]!.identifier, 'blocklist', 'no tag: the schema default');
  assert.equal(out[2]!.source.address, '198.51.100.9');
  assert.equal(out[2]!.detail!.ip, undefined);
});

test('the report type: from the file name, or from the caller (wins), aliases resolve to the real name', async () => {
  assert.equal(reportTypeFromFileName('2026-11-20-scan_ssh-asn64500-jp.csv'), 'scan_ssh');
  assert.equal(reportTypeFromFileName('/var/spool/2020-04-03-scan_ics-sample-asn-delayed.csv'), 'scan_ics');
  assert.equal(
    reportTypeFromFileName('C:\\reports\\2024-07-04-dns_openresolver-123-sample-asn.CSV'),
    'dns_openresolver',
  );
  assert.equal(reportTypeFromFileName('2026-11-20-event4_sinkhole.csv'), 'event4_sinkhole');
  assert.equal(reportTypeFromFileName('scan_ssh.csv'), undefined);
  assert.equal(reportTypeFromFileName('2026-11-20-scan_ssh-asn64500-jp.csv.gz'), undefined);

  const bytes = fixture(fileName('event4_ddos_participant'));
  const named = (await parse(bytes, 'attachment-1.csv', { reportType: 'event4_ddos_participant' })) as AbuseEvent[];
  assert.equal(named[0]!.type, 'ddos');
  assert.equal(named[0]!.evidence, 'attachment-1.csv:2');
  const alias = (await parse(bytes, 'attachment-1.csv', { reportType: 'ddos_participant' })) as AbuseEvent[];
  assert.deepEqual(alias, named, 'ddos_participant is the same report');
  // The caller's type wins over what the name says (a subject parser knows better than a renamed attachment).
  const overridden = (await parse(bytes, fileName('scan_ssh'), {
    reportType: 'event4_ddos_participant',
  })) as AbuseEvent[];
  assert.equal(overridden[0]!.reportType, 'event4_ddos_participant');
});

test('an unknown report type is read generically, undetermined and marked for review, never dropped', async () => {
  const out = await parse(fixture(fileName('scan_rtsp')), fileName('scan_rtsp'));
  assert.deepEqual(out, [
    {
      type: 'undetermined',
      identifier: 'rtsp',
      time: '2026-11-20T20:00:00.000Z',
      source: { address: '198.51.100.254', port: 554, asn: 64500 },
      protocol: 'tcp',
      reporter: 'shadowserver',
      reportType: 'scan_rtsp',
      evidence: '2026-11-20-scan_rtsp-asn64500-jp.csv:2',
      detail: {
        severity: 'high',
        rtsp_code: '200',
        rtsp_reason: 'OK',
        server: 'Example Camera RTSP/1.0',
        public: 'OPTIONS, DESCRIBE, SETUP, PLAY',
      },
      needsReview: true,
    },
  ]);
  // Event-style columns (src_ip, dst_ip) are found too, and a file without any type in its name still parses.
  const [sinkhole] = (await parse(fixture(fileName('event4_sinkhole')), 'upload.csv')) as AbuseEvent[];
  assert.equal(sinkhole!.reportType, 'unknown');
  assert.equal(sinkhole!.type, 'undetermined');
  assert.equal(sinkhole!.identifier, 'andromeda');
  assert.equal(sinkhole!.source.address, '198.51.100.23');
  assert.equal(sinkhole!.destination?.address, '192.0.2.80');
  assert.equal(sinkhole!.needsReview, true);
});

test('a new report type is a data change: a schema file adding it classifies its rows', async () => {
  const schema = await loadShadowserverSchema(fileURLToPath(new URL('custom-schema.json', DIR)));
  const out = (await parse(fixture(fileName('scan_rtsp')), fileName('scan_rtsp'), { schema })) as AbuseEvent[];
  assert.equal(out[0]!.type, 'potentially-unwanted-accessible');
  assert.equal(out[0]!.identifier, 'accessible-rtsp');
  assert.equal(out[0]!.needsReview, undefined);
  assert.equal(out[0]!.detail!.tag, 'rtsp');
  // The bundled types are still there.
  const [ssh] = (await parse(fixture(fileName('scan_ssh')), fileName('scan_ssh'), { schema })) as AbuseEvent[];
  assert.equal(ssh!.identifier, 'accessible-ssh');
});

test('bad rows are rejected with line and reason, as a one-row report that replays; the rest goes on', async () => {
  const name = '2026-11-20-event4_sinkhole-asn64500-broken.csv';
  const out = await parse(fixture(name), name);
  assert.deepEqual(
    out.map((r) => (isRejected(r) ? r.reason : `ok ${r.evidence} ${r.time}`)),
    [
      `ok ${name}:2 2026-11-20T00:00:07.000Z`,
      'line 3: the row has 30 fields, the header has 33',
      'line 4: column "timestamp" (time) "2026-02-30 10:00:00" is not a time (expected "YYYY-MM-DD HH:MM:SS" in UTC, or ISO 8601)',
      'line 5: column "src_ip" (source address) "198.51.100.300" is not an IP address',
      'line 6: column "src_port" (source port) "70000" is not a port number',
      'line 7: column "src_ip" (source address) is empty',
      `ok ${name}:8 2026-11-20T00:03:41.000Z`,
      'line 9: column "timestamp" (time) "yesterday" is not a time (expected "YYYY-MM-DD HH:MM:SS" in UTC, or ISO 8601)',
      `ok ${name}:11 2026-11-20T00:03:41.000Z`,
    ],
  );
  const source = text(fixture(name)).split('\n');
  const bad = rejects(out)[2]!;
  assert.equal(bad.position, `${name}:5`);
  assert.equal(text(bad.raw), `${source[0]}\n${source[4]}`);
  // The dead letter, fixed, replays through the same parser.
  const fixed = text(bad.raw).replace('198.51.100.300', '198.51.100.30');
  const replayed = await parse(utf8(fixed), name);
  assert.equal((replayed[0] as AbuseEvent).source.address, '198.51.100.30');
});

test('a truncated file yields every complete row and rejects the broken tail', async () => {
  const whole = text(fixture(fileName('event4_sinkhole')));
  const name = fileName('event4_sinkhole');
  // Cut inside a quoted cell of the last row.
  const inQuote = await parse(utf8(whole.slice(0, whole.lastIndexOf('"zeroaccess"') + 5)), name);
  assert.equal(events(inQuote).length, 2);
  assert.deepEqual(
    rejects(inQuote).map((r) => [r.position, r.reason]),
    [
      [
        `${name}:4`,
        'line 4: a quoted field opened on this line is not closed before the end of the input (was the file cut short?); the quotes are unbalanced',
      ],
    ],
  );
  // Cut between cells.
  const betweenCells = await parse(utf8(whole.slice(0, whole.lastIndexOf(',"zeroaccess"'))), name);
  assert.equal(events(betweenCells).length, 2);
  assert.deepEqual(
    rejects(betweenCells).map((r) => r.reason),
    ["line 4: truncated: the last line has 25 of the header's 33 fields and no line end (was the file cut short?)"],
  );
  // A complete last row without a final newline is a row.
  assert.equal(events(await parse(utf8(whole.slice(0, -1)), name)).length, 3);
});

test('where the input is cut into chunks, CRLF line ends and a byte order mark change nothing', async () => {
  for (const type of ['event4_sinkhole_http', 'scan_cwmp', 'event6_sinkhole']) {
    const bytes = fixture(fileName(type));
    const expected = await parse(bytes, fileName(type));
    assert.deepEqual(await parse(bytes, fileName(type), {}, 7), expected, `${type} in 7-byte chunks`);
    assert.deepEqual(await parse(bytes, fileName(type), {}, 1), expected, `${type} in 1-byte chunks`);
    const crlf = utf8('\ufeff' + text(bytes).replaceAll('\n', '\r\n'));
    assert.deepEqual(await parse(crlf, fileName(type), {}, 5), expected, `${type} with BOM and CRLF`);
  }
});

test('a quoted cell with a line break is one row; its evidence is its first line and later lines keep theirs', async () => {
  const [header, first, second] = lines('scan_telnet');
  const multi = first!.replace('"|MikroTik v6.49.10 (long-term)|Login:"', '"MikroTik v6.49.10\r\nLogin:"');
  const out = (await parse(utf8([header, multi, second, ''].join('\n')), fileName('scan_telnet'))) as AbuseEvent[];
  assert.equal(out.length, 2);
  assert.equal(out[0]!.detail!.banner, 'MikroTik v6.49.10\nLogin:');
  assert.equal(out[0]!.evidence, `${fileName('scan_telnet')}:2`);
  assert.equal(out[1]!.evidence, `${fileName('scan_telnet')}:4`);
});

test('a quote that never closes costs its own line only: the lines after it are read on their own', async () => {
  const [header, first, second] = lines('scan_telnet');
  const broken = first!.replace('Login:"', 'Login:');
  // Closed by the next row's first quote, the cell would swallow that row.
  const out = await parse(utf8([header, broken, second, second, ''].join('\n')), fileName('scan_telnet'));
  assert.deepEqual(
    out.map((r) => (isRejected(r) ? r.reason : r.evidence)),
    [
      "line 2: a quoted field opened on this line makes no row of the header's 15 fields with the lines after it; the quotes are unbalanced",
      `${fileName('scan_telnet')}:3`,
      `${fileName('scan_telnet')}:4`,
    ],
  );
  // Lines without quotes never close it: given up after 50 lines.
  const bare = second!.replace(', Service Provider, and Hosting Service', '').replaceAll('"', '');
  const long = await parse(
    utf8([header, broken, ...Array.from({ length: 60 }, () => bare), ''].join('\n')),
    fileName('scan_telnet'),
  );
  assert.deepEqual(
    rejects(long).map((r) => r.reason),
    ['line 2: a quoted field opened on this line is not closed within 50 lines; the quotes are unbalanced'],
  );
  assert.equal(events(long).length, 60);
  assert.equal((long.at(-1) as AbuseEvent).evidence, `${fileName('scan_telnet')}:62`);
});

test('a header without the column the schema names for the address: the usual name is used, and a person checks', async () => {
  const [header, ...rows] = lines('event4_sinkhole');
  const renamed = [header!.replace('"src_ip"', '"ip"'), ...rows, ''].join('\n');
  const out = (await parse(utf8(renamed), fileName('event4_sinkhole'))) as AbuseEvent[];
  assert.equal(out.length, 3);
  assert.equal(out[0]!.source.address, '198.51.100.23');
  assert.equal(out[0]!.type, 'infected-system');
  assert.ok(out.every((e) => e.needsReview === true));

  const noTime = [header!.replace('"timestamp"', '"first_seen"'), rows[0], ''].join('\n');
  assert.deepEqual(
    (await parse(utf8(noTime), fileName('event4_sinkhole'))).map((r) => (isRejected(r) ? r.reason : 'event')),
    ['line 2: no time column: the header has none of "timestamp"'],
  );
});

test('times with fractions or zones are UTC; port 0 is no port; an ASN that is not a number stays in detail', async () => {
  const [header, row] = lines('event4_sinkhole');
  const variants = [
    ['"2026-11-20 00:00:07"', '"2026-11-20T09:00:07.250+09:00"', '2026-11-20T00:00:07.250Z'],
    ['"2026-11-20 00:00:07"', '"2026-11-20T00:00:07Z"', '2026-11-20T00:00:07.000Z'],
    ['"2026-11-20 00:00:07"', '"2024-02-29 23:59:59"', '2024-02-29T23:59:59.000Z'],
  ];
  for (const [from, to, iso] of variants) {
    const [event] = (await parse(
      utf8(`${header}\n${row!.replace(from!, to!)}\n`),
      fileName('event4_sinkhole'),
    )) as AbuseEvent[];
    assert.equal(event!.time, iso);
  }
  const odd = row!.replace(',49733,64500,', ',0,AS64500,');
  const [event] = (await parse(utf8(`${header}\n${odd}\n`), fileName('event4_sinkhole'))) as AbuseEvent[];
  assert.deepEqual(event!.source, { address: '198.51.100.23', hostname: 'p23-ipoe.example.jp' });
  assert.equal(event!.detail!.src_asn, 'AS64500');
  assert.equal(event!.detail!.src_port, undefined);
  const leap = row!.replace('"2026-11-20 00:00:07"', '"2026-02-29 00:00:07"');
  assert.equal(rejects(await parse(utf8(`${header}\n${leap}\n`), fileName('event4_sinkhole'))).length, 1);
});

test('a long report streams: every row read, line numbers right, in 64 KiB chunks', async () => {
  const [header, row] = lines('event4_sinkhole');
  const count = 5000;
  const body = [header];
  for (let i = 0; i < count; i++) body.push(row!.replace('"198.51.100.23"', `"198.51.100.${i % 256}"`));
  const out = await parse(utf8(body.join('\n') + '\n'), fileName('event4_sinkhole'), {}, 65536);
  assert.equal(events(out).length, count);
  assert.equal((out.at(-1) as AbuseEvent).evidence, `${fileName('event4_sinkhole')}:${count + 1}`);
  assert.equal((out.at(-1) as AbuseEvent).source.address, `198.51.100.${(count - 1) % 256}`);
});

test('a line longer than any row is rejected without being read whole', async () => {
  const [header, row] = lines('scan_telnet');
  const huge = row!.replace('Login:', 'x'.repeat((1 << 20) + 10));
  const out = await parse(utf8([header, row, huge, row, ''].join('\n')), fileName('scan_telnet'), {}, 65536);
  assert.equal(events(out).length, 2);
  const [bad] = rejects(out);
  assert.match(bad!.reason, /^line 3: the line is \d+ bytes long, more than any report row; not read$/);
  assert.ok(bad!.raw.length < 8192);
});

test('sniff: a Shadowserver header, and not other CSV or mail', () => {
  const format = shadowserverFormat();
  for (const type of ['event4_sinkhole', 'scan_ssh', 'blocklist', 'compromised_website']) {
    assert.equal(format.sniff!(fixture(fileName(type)).subarray(0, 200)), true, type);
  }
  assert.equal(format.sniff!(utf8('\ufefftimestamp,src_ip,src_port,src_asn\r\n')), true);
  assert.equal(format.sniff!(utf8('"timestamp","ip","value","note"\n"2026-11-20","192.0.2.1","x",""\n')), false);
  assert.equal(format.sniff!(utf8('"first_seen_utc","dst_ip","dst_port","c2_status"\n')), false);
  assert.equal(format.sniff!(utf8('From: abuse@example.net\r\nSubject: report\r\n\r\n')), false);
  assert.equal(format.sniff!(utf8('{"timestamp": "2026-11-20"}')), false);
});

test('splitFields: RFC 4180 quoting as Shadowserver writes it', () => {
  const fields: string[] = [];
  const split = (line: string) => [splitFields(line, fields), [...fields]];
  assert.deepEqual(split('"a",1,,"b,c"'), [true, ['a', '1', '', 'b,c']]);
  assert.deepEqual(split('"say ""hi""",x'), [true, ['say "hi"', 'x']]);
  assert.deepEqual(split('a,'), [true, ['a', '']]);
  assert.deepEqual(split(''), [true, ['']]);
  assert.deepEqual(split('"",""'), [true, ['', '']]);
  assert.deepEqual(split('"ab"cd,e'), [true, ['abcd', 'e']]);
  assert.deepEqual(split('x,"open'), [false, ['x', 'open']]);
});
