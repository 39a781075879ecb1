import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Observation } from '../../domain/observation.js';
import { bindQueryLog } from './bind-querylog.js';
import { assertLines, assertSurvivesDamage, ctx, fixtureLines, observations, seen } from './test-helpers.js';

// The 9.18 fixtures are what named 9.18.49 wrote for scripted dig queries (127.0.0.2, ::1, a TSIG-signed one from
// 127.0.0.3) against a local root and example.test zone with three response policy zones: rpz.mizugiwa (every
// policy), monitor.rpz.mizugiwa (policy passthru) and disabled.rpz.mizugiwa (policy disabled). One run wrote the
// same queries to five channels (print-time yes with category and severity; local; iso8601; iso8601-utc; none),
// another to syslog (caught as rsyslog would write it), a third with views. bind-hand-made.log holds 9.11-style
// lines (no @0x…), policies the run did not produce, and syslog and journal stamps.

const parse = (line: string) => bindQueryLog.parseLine(line, ctx);

test('BIND 9.18 with print-time, print-category and print-severity: every line', () => {
  assertLines(bindQueryLog, fixtureLines('bind-9.18-print-all.log'), [
    null, // 1
    null, // 2
    null, // 3
    null, // 4
    null, // 5
    null, // 6
    null, // 7
    null, // 8
    null, // 9
    null, // 10
    null, // 11
    null, // 12
    null, // 13
    null, // 14
    seen('2026-11-24T21:46:39.475Z', '127.0.0.2', 42806, 'www.example.test', 'A'), // 15
    seen('2026-11-24T21:46:39.495Z', '127.0.0.2', 50708, 'www.example.test', 'AAAA'), // 16
    seen('2026-11-24T21:46:39.511Z', '127.0.0.2', 56006, 'example.test', 'MX'), // 17
    seen('2026-11-24T21:46:39.531Z', '127.0.0.2', 36393, 'example.test', 'TXT'), // 18
    seen('2026-11-24T21:46:39.551Z', '127.0.0.2', 37727, 'WWW.Example.TEST', 'A'), // 19
    seen('2026-11-24T21:46:39.567Z', '127.0.0.2', 45874, 'we\\032ird.example.test', 'A'), // 20
    seen('2026-11-24T21:46:39.587Z', '127.0.0.2', 55702, 'dot\\.ted.example.test', 'A'), // 21
    seen('2026-11-24T21:46:39.607Z', '127.0.0.2', 39335, 'www.example.test', 'A'), // 22
    seen('2026-11-24T21:46:39.623Z', '127.0.0.2', 55184, 'www.example.test', 'A'), // 23
    seen('2026-11-24T21:46:39.643Z', '::1', 57269, 'www.example.test', 'AAAA'), // 24
    seen('2026-11-24T21:46:39.663Z', '127.0.0.3', 49667, 'www.example.test', 'A'), // 25
    seen('2026-11-24T21:46:39.683Z', '127.0.0.2', 53304, 'evil.example.test', 'A'), // 26
    seen('2026-11-24T21:46:39.683Z', '127.0.0.2', 53304, 'evil.example.test', 'rpz QNAME NXDOMAIN', true), // 27
    seen('2026-11-24T21:46:39.703Z', '127.0.0.2', 36661, 'nodata.example.test', 'A'), // 28
    seen('2026-11-24T21:46:39.703Z', '127.0.0.2', 36661, 'nodata.example.test', 'rpz QNAME NODATA', true), // 29
    seen('2026-11-24T21:46:39.723Z', '127.0.0.2', 35072, 'phish.example.test', 'A'), // 30
    seen('2026-11-24T21:46:39.723Z', '127.0.0.2', 35072, 'phish.example.test', 'rpz QNAME Local-Data', true), // 31
    seen('2026-11-24T21:46:39.731Z', '127.0.0.2', 45370, 'c2.example.test', 'A'), // 32
    seen('2026-11-24T21:46:39.731Z', '127.0.0.2', 45370, 'c2.example.test', 'rpz QNAME Local-Data', true), // 33
    seen('2026-11-24T21:46:39.747Z', '127.0.0.2', 38697, 'drop.example.test', 'A'), // 34
    seen('2026-11-24T21:46:39.747Z', '127.0.0.2', 38697, 'drop.example.test', 'rpz QNAME DROP', true), // 35
    seen('2026-11-24T21:46:41.771Z', '127.0.0.2', 42103, 'tcponly.example.test', 'A'), // 36
    seen('2026-11-24T21:46:41.771Z', '127.0.0.2', 42103, 'tcponly.example.test', 'rpz QNAME TCP-ONLY', false), // 37
    seen('2026-11-24T21:46:41.771Z', '127.0.0.2', 33399, 'tcponly.example.test', 'A'), // 38
    seen('2026-11-24T21:46:41.787Z', '127.0.0.2', 60234, 'x.wild.example.test', 'A'), // 39
    seen('2026-11-24T21:46:41.787Z', '127.0.0.2', 60234, 'x.wild.example.test', 'rpz QNAME CNAME', true), // 40
    seen('2026-11-24T21:46:41.807Z', '127.0.0.2', 34068, 'allowed.evil.example.test', 'A'), // 41
    seen('2026-11-24T21:46:41.807Z', '127.0.0.2', 34068, 'allowed.evil.example.test', 'rpz QNAME PASSTHRU', false), // 42
    seen('2026-11-24T21:46:41.819Z', '127.0.0.2', 41223, 'iphit.example.test', 'A'), // 43
    seen('2026-11-24T21:46:41.819Z', '127.0.0.2', 41223, 'iphit.example.test', 'rpz IP NXDOMAIN', true), // 44
    seen('2026-11-24T21:46:41.835Z', '127.0.0.2', 54079, 'watched.example.test', 'A'), // 45
    seen('2026-11-24T21:46:41.835Z', '127.0.0.2', 54079, 'watched.example.test', 'rpz QNAME PASSTHRU', false), // 46
    seen('2026-11-24T21:46:41.855Z', '127.0.0.2', 47819, 'mail.example.test', 'A'), // 47
    seen('2026-11-24T21:46:41.855Z', '127.0.0.2', 47819, 'mail.example.test', 'disabled rpz QNAME NXDOMAIN', false), // 48
    seen('2026-11-24T21:46:41.863Z', '127.0.0.2', 50673, 'nodata.example.test', 'AAAA'), // 49
    seen('2026-11-24T21:46:41.863Z', '127.0.0.2', 50673, 'nodata.example.test', 'rpz QNAME NODATA', true), // 50
    seen('2026-11-24T21:46:41.879Z', '127.0.0.2', 35347, 'nonexistent.example.test', 'A'), // 51
    seen('2026-11-24T21:46:41.899Z', '127.0.0.2', 51690, 'www.example.test', 'HTTPS'), // 52
    seen('2026-11-24T21:46:41.907Z', '127.0.0.2', 57011, 'www.example.test', 'TXT'), // 53
    null, // 54
    seen('2026-11-24T21:46:41.927Z', '127.0.0.5', 37146, 'www.lame.test', 'A'), // 55
    seen('2026-11-24T21:46:41.943Z', '127.0.0.2', 44476, 'www.lame.test', 'A'), // 56
    null, // 57
    null, // 58
    null, // 59
    seen('2026-11-24T21:46:41.963Z', '127.0.0.2', 35015, 'example.test', 'AXFR'), // 60
    null, // 61
    null, // 62
    null, // 63
    null, // 64
    null, // 65
    null, // 66
  ]);
});

/** The observations of the print-all file: the reference the other channel formats of the same run are held to. */
const printAll = () => observations(bindQueryLog, fixtureLines('bind-9.18-print-all.log'));

test('the other print-time forms of the same run give the same observations', () => {
  for (const file of [
    'bind-9.18-print-time-local.log',
    'bind-9.18-print-time-iso8601.log',
    'bind-9.18-print-time-iso8601-utc.log',
  ]) {
    assert.deepEqual(observations(bindQueryLog, fixtureLines(file)), printAll(), file);
  }
});

test('a channel without print-time gives the same observations at the time the caller says it is', () => {
  const atNow = printAll().map((o) => ({ ...o, time: ctx.now }));
  assert.deepEqual(observations(bindQueryLog, fixtureLines('bind-9.18-no-print-time.log')), atNow);
});

test('named via syslog, RFC 3164 and RFC 3339 stamps: the same queries, the time and port of each line', () => {
  // The syslog run sent the same queries, so all but the time and source port match the print-all run.
  const withoutTimeAndPort = (o: Observation) => ({ ...o, time: 0, clientPort: 0 });
  for (const file of ['bind-9.18-syslog-bsd.log', 'bind-9.18-syslog-iso.log']) {
    const lines = fixtureLines(file);
    const parsed = lines.map(parse);
    assert.deepEqual(
      parsed.filter((r): r is Observation => r !== null && typeof r !== 'string').map(withoutTimeAndPort),
      printAll().map(withoutTimeAndPort),
      file,
    );
    parsed.forEach((result, i) => {
      const line = lines[i]!;
      if (!line.includes('client @')) return assert.equal(result, null, line);
      const observation = result as Observation;
      assert.equal(observation.clientPort, Number(/#(\d+)[ /]/.exec(line)![1]), line);
      assert.equal(observation.time, syslogStampTime(line), line);
    });
  }
});

/** The instant a fixture syslog line's stamp names, read the slow way: its own zone, or Tokyo for RFC 3164. */
function syslogStampTime(line: string): number {
  const bsd = /^Nov 25 (\d\d):(\d\d):(\d\d) /.exec(line);
  if (bsd) return Date.UTC(2026, 10, 25, Number(bsd[1]) - 9, Number(bsd[2]), Number(bsd[3]));
  return Date.parse(line.slice(0, line.indexOf(' ')));
}

test('views: ": view NAME" between the client and the message', () => {
  assertLines(bindQueryLog, fixtureLines('bind-9.18-views.log'), [
    seen('2026-11-24T21:46:20.075Z', '127.0.0.4', 40894, 'www.example.test', 'A'), // 1
    seen('2026-11-24T21:46:20.091Z', '127.0.0.4', 36128, 'evil.example.test', 'A'), // 2
    seen('2026-11-24T21:46:20.091Z', '127.0.0.4', 36128, 'evil.example.test', 'rpz QNAME NXDOMAIN', true), // 3
    seen('2026-11-24T21:46:20.111Z', '127.0.0.2', 57495, 'evil.example.test', 'A'), // 4
    seen('2026-11-24T21:46:20.127Z', '::1', 36516, 'www.example.test', 'MX'), // 5
  ]);
});

test('9.11 lines, policies and stamps the 9.18 run did not produce', () => {
  assertLines(bindQueryLog, fixtureLines('bind-hand-made.log'), [
    seen('2026-11-24T01:00:00.123Z', '192.0.2.10', 53412, 'www.example.com', 'A'), // 1
    seen('2026-11-24T01:00:00.124Z', '192.0.2.11', 1024, 'mail.example.com', 'MX'), // 2
    seen('2026-11-25T12:00:00.000Z', '192.0.2.12', 5353, 'www.example.net', 'AAAA'), // 3
    seen('2026-11-24T01:00:01.000Z', '2001:db8::1', 5353, 'www.example.org', 'A'), // 4
    seen('2026-11-24T01:00:02.500Z', '192.0.2.10', 53412, 'evil.example', 'rpz QNAME NXDOMAIN', true), // 5
    seen('2026-11-24T01:00:02.501Z', '192.0.2.10', 53413, 'cdn.evil.example', 'rpz QNAME TCP-Only', false), // 6
    seen('2026-11-24T01:00:03.000Z', '192.0.2.10', 53412, 'www.example.com', 'A'), // 7
    seen('2026-11-24T01:00:03.001Z', '192.0.2.10', 53412, 'evil.example', 'rpz QNAME NXDOMAIN', true), // 8
    seen('2026-11-24T01:00:03.002Z', '192.0.2.13', 40000, 'www.example.com', 'rpz CLIENT-IP Local-Data', true), // 9
    seen('2026-11-24T01:00:03.003Z', '192.0.2.14', 40001, 'www.bad-ns.example', 'rpz NSDNAME NXDOMAIN', true), // 10
    seen('2026-11-24T01:00:03.004Z', '2001:db8::1', 5353, 'evil.example', 'rpz QNAME NODATA', true), // 11
    seen('2026-11-24T01:00:03.005Z', '192.0.2.15', 40002, 'x.example', 'rpz QNAME DNS64'), // 12
    seen('2026-11-24T01:00:04.000Z', '192.0.2.16', 5353, 'www.example.com', 'A'), // 13
    seen('2026-11-24T01:00:04.001Z', 'fe80::1', 5353, 'www.example.com', 'A'), // 14
    seen('2026-11-24T01:00:05.000Z', '192.0.2.10', 53412, 'www.example.com', 'A'), // 15
    seen('2026-11-04T01:00:05.000Z', '192.0.2.10', 53412, 'www.example.com', 'A'), // 16
    seen('2026-11-24T01:00:05.678Z', '192.0.2.10', 53412, 'www.example.com', 'A'), // 17
    seen('2026-11-24T01:00:06.000Z', '192.0.2.10', 53412, 'www.example.com', 'A'), // 18
    seen('2026-11-24T01:00:06.250Z', '192.0.2.10', 53412, 'www.example.com', 'A'), // 19
    seen('2026-11-24T01:00:07.000Z', '192.0.2.10', 53412, 'evil.example', 'rpz QNAME NXDOMAIN', true), // 20
    seen('2026-11-25T12:00:00.000Z', '192.0.2.17', 5353, 'www.example.com', 'A'), // 21
    null, // 22
    null, // 23
    null, // 24
    null, // 25
  ]);
});

test('a line with the query log shape but an unreadable client, port, stamp or query is a dead letter', () => {
  const query = (client: string) =>
    `24-Nov-2026 10:00:00.123 queries: info: client @0x7f8b2c0a1b68 ${client} (a.example): query: a.example IN A +E(0)K (192.0.2.1)`;
  const cases: [string, string][] = [
    [query('999.0.2.10#53412'), 'the client address "999.0.2.10" is not an IP address'],
    [query('192.0.2.010#53412'), 'the client address "192.0.2.010" is not an IP address'],
    [query('2001:db8::g#53412'), 'the client address "2001:db8::g" is not an IP address'],
    [query('192.0.2.10#'), 'the client port "" is not a port number'],
    [query('192.0.2.10#65536'), 'the client port "65536" is not a port number'],
    [query('192.0.2.10#53x'), 'the client port "53x" is not a port number'],
    [query('(no-peer)'), 'the client "(no-peer)" is not ADDRESS#PORT'],
    [query('192.0.2.10'), 'the client "192.0.2.10" is not ADDRESS#PORT'],
    [
      'client @0x7f8b2c0a1b68 192.0.2.10#53412 (a.example): query: a.example IN',
      'the query line ends before the query type',
    ],
    [
      'client @0x7f8b2c0a1b68 192.0.2.10#53412 (a.example): query:  IN A + (192.0.2.1)',
      'the query line ends before the query type',
    ],
    [
      'client @0x7f8b2c0a1b68 192.0.2.10#53412 (a.example): query: a.example IN  + (192.0.2.1)',
      'the query line has no query type',
    ],
    [
      '99-Foo-2026 10:00:00.123 client 192.0.2.10#53412 (a.example): query: a.example IN A +',
      'the time stamp before "client" cannot be read',
    ],
    [
      '24-Nov-2026 25:00:00.123 client 192.0.2.10#53412 (a.example): query: a.example IN A +',
      'the time stamp before "client" cannot be read',
    ],
    [
      '<30>Nov 24 10:00:00 named[1]: client 192.0.2.10#53412 (a.example): query: a.example IN A +',
      'the time stamp before "client" cannot be read',
    ],
    [
      'client 192.0.2.10#53412 (evil.example): rpz QNAME NXDOMAIN rewrite evil.example/A/IN',
      'the rewritten name is not followed by "via"',
    ],
    [
      'client 192.0.2.10#53412 (evil.example): rpz QNAME NXDOMAIN rewrite  via x.rpz',
      'the rpz rewrite line names no domain',
    ],
    [
      'client 192.0.2.300#53412 (evil.example): rpz QNAME NXDOMAIN rewrite evil.example via x.rpz',
      'the client address "192.0.2.300" is not an IP address',
    ],
  ];
  for (const [line, reason] of cases) assert.equal(parse(line), reason, line);
});

test('lines that are not about a client query are not observations', () => {
  for (const line of [
    '',
    'query: ',
    'client ',
    '24-Nov-2026 10:00:00.123 general: notice: running',
    'Nov 24 10:00:00 ns1 dnsmasq[1]: query[A] www.example.com from 192.0.2.10',
    'Nov 24 10:00:00 ns1 other[1]: the query: it was not from a client',
    'subclient 192.0.2.10#53412 (a.example): query: a.example IN A +',
    'client @0x7f8b2c0a1b68 192.0.2.10#53412 (a.example): query failed (SERVFAIL) for a.example/IN/A at query.c:7177',
    'client @0x7f8b2c0a1b68 192.0.2.10#53412 (a.example): rpz QNAME rewrite a.example via a.example.rpz failed: timed out',
  ]) {
    assert.equal(parse(line), null, line);
  }
});

test('the query name is taken as named logged it, escapes and case included', () => {
  const observation = parse('client 192.0.2.10#1 (x): query: Ex\\032Ample\\.COM IN A +') as Observation;
  assert.equal(observation.domain, 'Ex\\032Ample\\.COM');
});

test('damaged fixture lines never throw and never give a malformed observation', () => {
  const files = ['bind-9.18-print-all.log', 'bind-9.18-views.log', 'bind-9.18-syslog-iso.log', 'bind-hand-made.log'];
  for (const file of files) assertSurvivesDamage(bindQueryLog, fixtureLines(file));
});
