import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Observation } from '../../domain/observation.js';
import { assertLines, assertSurvivesDamage, ctx, fixtureLines, observations, seen } from './test-helpers.js';
import { unboundLog } from './unbound-log.js';

// The 1.17 fixtures are what unbound 1.17.1 wrote, with log-queries, log-replies and log-local-actions, for
// scripted dig queries (from 127.0.0.2, 127.0.0.3 and ::1) resolved from local auth-zones, with response policy
// zones logging under the names mizugiwa (every action and trigger), monitor (rpz-action-override: passthru),
// disabled (override disabled), cname (override cname) and one without a log name. The same queries were written
// to a logfile (epoch stamps), a logfile with log-time-ascii and log-tag-queryreply, and syslog (caught as rsyslog
// would write it, RFC 3164 and RFC 3339). unbound-hand-made.log holds the forms this version does not write
// (log-time-iso, client@port on replies, older rpz spellings, NSDNAME and NSIP triggers, the journal).

const parse = (line: string) => unboundLog.parseLine(line, ctx);

test('Unbound 1.17 logfile: every line', () => {
  assertLines(unboundLog, fixtureLines('unbound-1.17-logfile.log'), [
    null, // 1
    null, // 2
    null, // 3
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'www.example.test.', 'A'), // 4
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'www.example.test.', 'A NOERROR'), // 5
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'www.example.test.', 'A'), // 6
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'www.example.test.', 'A NOERROR'), // 7
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'www.example.test.', 'AAAA'), // 8
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'www.example.test.', 'AAAA NOERROR'), // 9
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'example.test.', 'MX'), // 10
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'example.test.', 'MX NOERROR'), // 11
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'example.test.', 'TXT'), // 12
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'example.test.', 'TXT NOERROR'), // 13
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'WWW.Example.TEST.', 'A'), // 14
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'WWW.Example.TEST.', 'A NOERROR'), // 15
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'we?ird.example.test.', 'A'), // 16
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'we?ird.example.test.', 'A NOERROR'), // 17
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'dot?ted.example.test.', 'A'), // 18
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'dot?ted.example.test.', 'A NOERROR'), // 19
    seen('2026-11-24T21:48:57.000Z', '::1', undefined, 'www.example.test.', 'AAAA'), // 20
    seen('2026-11-24T21:48:57.000Z', '::1', undefined, 'www.example.test.', 'AAAA NOERROR'), // 21
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'evil.example.test.', 'A'), // 22
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', 38432, 'evil.example.test.', 'A rpz-nxdomain', true), // 23
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'evil.example.test.', 'A NXDOMAIN'), // 24
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'nodata.example.test.', 'A'), // 25
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', 44574, 'nodata.example.test.', 'A rpz-nodata', true), // 26
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'nodata.example.test.', 'A NOERROR'), // 27
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'phish.example.test.', 'A'), // 28
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', 46372, 'phish.example.test.', 'A rpz-local-data', true), // 29
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'phish.example.test.', 'A NOERROR'), // 30
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'c2.example.test.', 'A'), // 31
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', 50522, 'c2.example.test.', 'A rpz-local-data', true), // 32
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'sinkhole.mizugiwa.test.', 'A NXDOMAIN'), // 33
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', undefined, 'drop.example.test.', 'A'), // 34
    seen('2026-11-24T21:48:57.000Z', '127.0.0.2', 46207, 'drop.example.test.', 'A rpz-drop', true), // 35
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'tcponly.example.test.', 'A'), // 36
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', 59192, 'tcponly.example.test.', 'A rpz-tcp-only', false), // 37
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'tcponly.example.test.', 'A NOERROR'), // 38
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'tcponly.example.test.', 'A'), // 39
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', 44867, 'tcponly.example.test.', 'A rpz-tcp-only', false), // 40
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'tcponly.example.test.', 'A NOERROR'), // 41
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'x.wild.example.test.', 'A'), // 42
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', 33498, 'x.wild.example.test.', 'A rpz-nxdomain', true), // 43
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'x.wild.example.test.', 'A NXDOMAIN'), // 44
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'allowed.evil.example.test.', 'A'), // 45
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', 49881, 'allowed.evil.example.test.', 'A rpz-passthru', false), // 46
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'allowed.evil.example.test.', 'A NXDOMAIN'), // 47
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'iphit.example.test.', 'A'), // 48
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', 37303, 'iphit.example.test.', 'A rpz-nxdomain ip', true), // 49
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'iphit.example.test.', 'A NXDOMAIN'), // 50
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'watched.example.test.', 'A'), // 51
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', 48568, 'watched.example.test.', 'A rpz-passthru', false), // 52
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'watched.example.test.', 'A NOERROR'), // 53
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'mail.example.test.', 'A'), // 54
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', 33165, 'mail.example.test.', 'A rpz-nxdomain', true), // 55
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'mail.example.test.', 'A NXDOMAIN'), // 56
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'tcponly.example.test.', 'A'), // 57
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', 33469, 'tcponly.example.test.', 'A rpz-tcp-only', false), // 58
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'tcponly.example.test.', 'A NOERROR'), // 59
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'nonexistent.example.test.', 'A'), // 60
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'nonexistent.example.test.', 'A NXDOMAIN'), // 61
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'www.example.test.', 'HTTPS'), // 62
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'www.example.test.', 'HTTPS NOERROR'), // 63
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'www.example.test.', 'TXT'), // 64
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'www.example.test.', 'TXT REFUSED'), // 65
    seen('2026-11-24T21:48:59.000Z', '127.0.0.3', undefined, 'www.example.test.', 'A'), // 66
    seen('2026-11-24T21:48:59.000Z', '127.0.0.3', 33251, 'www.example.test.', 'A rpz-nxdomain clientip', true), // 67
    seen('2026-11-24T21:48:59.000Z', '127.0.0.3', undefined, 'www.example.test.', 'A NXDOMAIN'), // 68
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'host.local.test.', 'A'), // 69
    null, // 70
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'host.local.test.', 'A NOERROR'), // 71
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'x.blocked.test.', 'A'), // 72
    null, // 73
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'x.blocked.test.', 'A NXDOMAIN'), // 74
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'disabledhit.example.test.', 'A'), // 75
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', 36358, 'disabledhit.example.test.', 'A rpz-disabled', false), // 76
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'disabledhit.example.test.', 'A NOERROR'), // 77
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'cnamehit.example.test.', 'A'), // 78
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', 59776, 'cnamehit.example.test.', 'A rpz-cname-override', true), // 79
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'cnamehit.example.test.', 'A NXDOMAIN'), // 80
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'www.other.test.', 'A'), // 81
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'www.other.test.', 'A NOERROR'), // 82
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'www.third.test.', 'A'), // 83
    seen('2026-11-24T21:48:59.000Z', '127.0.0.2', undefined, 'www.third.test.', 'A NOERROR'), // 84
    seen('2026-11-24T21:48:59.000Z', '::1', undefined, 'evil.example.test.', 'AAAA'), // 85
    seen('2026-11-24T21:48:59.000Z', '::1', 58505, 'evil.example.test.', 'AAAA rpz-nxdomain', true), // 86
    seen('2026-11-24T21:48:59.000Z', '::1', undefined, 'evil.example.test.', 'AAAA NXDOMAIN'), // 87
    null, // 88
    null, // 89
    null, // 90
    null, // 91
    null, // 92
    null, // 93
    null, // 94
    null, // 95
  ]);
});

test('log-time-ascii with log-tag-queryreply, and syslog: the same queries, the time and rpz port of each line', () => {
  // The same queries ran against each, so all but the time and the port (which rpz lines log) match the logfile.
  const withoutTimeAndPort = ({ time: _time, clientPort: _port, ...rest }: Observation) => rest;
  const reference = observations(unboundLog, fixtureLines('unbound-1.17-logfile.log')).map(withoutTimeAndPort);
  for (const file of [
    'unbound-1.17-log-time-ascii-tag.log',
    'unbound-1.17-syslog-bsd.log',
    'unbound-1.17-syslog-iso.log',
  ]) {
    const lines = fixtureLines(file);
    assert.deepEqual(observations(unboundLog, lines).map(withoutTimeAndPort), reference, file);
    for (const line of lines) {
      const result = parse(line);
      if (result === null || typeof result === 'string') continue;
      assert.equal(result.time, stampTime(line), line);
      const port = /@(\d+) /.exec(line);
      assert.equal(result.clientPort, port ? Number(port[1]) : undefined, line);
    }
  }
});

/** The instant a fixture line's stamp names, read the slow way: its own zone, or Tokyo for `Nov 25 hh:mm:ss`. */
function stampTime(line: string): number {
  const bsd = /^Nov 25 (\d\d):(\d\d):(\d\d) /.exec(line);
  if (bsd) return Date.UTC(2026, 10, 25, Number(bsd[1]) - 9, Number(bsd[2]), Number(bsd[3]));
  return Date.parse(line.slice(0, line.indexOf(' ')));
}

test('forms 1.17 does not write: log-time-iso, client@port, older rpz spellings, NSDNAME/NSIP, the journal', () => {
  assertLines(unboundLog, fixtureLines('unbound-hand-made.log'), [
    seen('2026-11-24T21:50:00.123Z', '192.0.2.10', undefined, 'www.example.com.', 'A'), // 1
    seen('2026-11-24T21:50:00.124Z', '192.0.2.10', undefined, 'www.example.com.', 'A NOERROR'), // 2
    seen('2026-11-24T21:50:00.000Z', '192.0.2.10', 53412, 'www.example.com.', 'A NOERROR'), // 3
    seen('2026-11-24T21:50:00.000Z', '192.0.2.10', undefined, 'www.example.com.', 'A NOERROR'), // 4
    seen('2026-11-24T21:50:01.000Z', '2001:db8::10', undefined, 'www.example.com.', 'AAAA'), // 5
    seen('2026-11-24T21:50:01.000Z', '192.0.2.20', undefined, 'www.example.com.', 'A'), // 6
    seen('2026-11-24T21:50:01.000Z', '192.0.2.10', undefined, 'ex?mple.com.', 'TYPE65534'), // 7
    seen('2026-11-24T21:50:01.000Z', '192.0.2.10', undefined, '.', 'NS'), // 8
    seen('2026-11-24T21:50:02.000Z', '192.0.2.10', 33211, 'evil.example.com.', 'A rpz-nxdomain', true), // 9
    seen('2026-11-24T21:50:02.000Z', '127.0.0.2', 33211, 'evil.example.com.', 'A rpz-nxdomain', true), // 10
    seen('2026-11-24T21:50:02.000Z', '192.0.2.10', 33212, 'slow.example.com.', 'A rpz-tcp-only', false), // 11
    seen('2026-11-24T21:50:02.000Z', '192.0.2.10', 33213, 'phish.example.com.', 'A rpz-local-data', true), // 12
    seen('2026-11-24T21:50:02.000Z', '192.0.2.10', 33214, 'c2.example.com.', 'AAAA rpz-cname-override', true), // 13
    seen('2026-11-24T21:50:02.000Z', '192.0.2.10', 33215, 'watched.example.com.', 'A rpz-passthru', false), // 14
    seen('2026-11-24T21:50:03.000Z', '192.0.2.10', 33216, 'evil.example.com.', 'A rpz-nxdomain', true), // 15
    seen('2026-11-24T21:50:03.000Z', '127.0.0.2', 40001, 'www.other.test.', 'A rpz-nxdomain nsdname', true), // 16
    seen('2026-11-24T21:50:03.000Z', '127.0.0.2', 40002, 'www.third.test.', 'A rpz-nodata nsip', true), // 17
    seen('2026-11-24T21:50:03.000Z', '2001:db8::10', 5353, 'evil.example.com.', 'A rpz-drop', true), // 18
    seen('2026-11-24T21:50:04.000Z', '192.0.2.10', undefined, 'www.example.com.', 'A'), // 19
    seen('2026-11-24T21:50:05.000Z', '192.0.2.10', undefined, 'www.example.com.', 'A'), // 20
    null, // 21
    null, // 22
    null, // 23
    null, // 24
    null, // 25
    null, // 26
  ]);
});

test('a query, reply or rpz line with an unreadable client or fields is a dead letter', () => {
  const cases: [string, string][] = [
    [
      '[1795557000] unbound[1:0] info: 192.0.2.300 www.example.com. A IN',
      'the client address "192.0.2.300" is not an IP address',
    ],
    [
      '[1795557000] unbound[1:0] info: 2001:db8::zz www.example.com. A IN',
      'the client address "2001:db8::zz" is not an IP address',
    ],
    [
      '[1795557000] unbound[1:0] reply: 192.0.2.10@99999 www.example.com. A IN NOERROR 0.000000 0 61',
      'the client port "99999" is not a port number',
    ],
    [
      '[1795557000] unbound[1:0] reply: 192.0.2.10@ www.example.com. A IN NOERROR 0.000000 0 61',
      'the client port "" is not a port number',
    ],
    ['[1795557000] unbound[1:0] info: 192.0.2.10  A IN', 'the query has no name or no type'],
    [
      '[1795557000] unbound[1:0] info: 192.0.2.10 www.example.com. A IN NOERROR',
      'the reply line ends before its fields',
    ],
    [
      '[1795557000] unbound[1:0] info: rpz: applied [x] evil.example. rpz-nxdomain  evil.example. A IN',
      'the rpz line names no client',
    ],
    [
      '[1795557000] unbound[1:0] info: rpz: applied [x] evil.example. rpz-nxdomain 192.0.2.10:53 evil.example. A IN',
      'the client address "192.0.2.10:53" is not an IP address',
    ],
    [
      '[1795557000] unbound[1:0] info: rpz: applied [x] evil.example. rpz-nxdomain 192.0.2.10@70000 evil.example. A IN',
      'the client port "70000" is not a port number',
    ],
    [
      '[1795557000] unbound[1:0] info: rpz: applied evil.example. A IN',
      'the rpz line ends before the query it applied to',
    ],
  ];
  for (const [line, reason] of cases) assert.equal(parse(line), reason, line);
});

test('lines that are not a query, a reply or an applied policy are not observations', () => {
  for (const line of [
    '',
    '[',
    '[1795557000]',
    '[1795557000] unbound[1:0] info: start of service (unbound 1.17.1).',
    '[1795557000] unbound[1:0] info: service stopped (unbound 1.17.1).',
    '[1795557000] unbound[1:0] info: server stats for thread 0: 27 queries, 26 answers from cache, 1 recursions',
    '[1795557000] unbound[1:0] info: 192.0.2.10 - - - FORMERR - - -',
    '[1795557000] unbound[1:0] debug: 192.0.2.10 www.example.com. A IN',
    '[17955x7000] unbound[1:0] info: 192.0.2.10 www.example.com. A IN',
    'Nov 25 06:50:00 ns1 unbound: info: 192.0.2.10 www.example.com. A IN',
    'Nov 25 06:50:00 ns1 named[1]: client 192.0.2.10#1 (a.example): query: a.example IN A +',
    'unbound[1:0] info: 192.0.2.10 www.example.com. A IN',
  ]) {
    assert.equal(parse(line), null, line);
  }
});

test('damaged fixture lines never throw and never give a malformed observation', () => {
  const files = [
    'unbound-1.17-logfile.log',
    'unbound-1.17-log-time-ascii-tag.log',
    'unbound-1.17-syslog-bsd.log',
    'unbound-hand-made.log',
  ];
  for (const file of files) assertSurvivesDamage(unboundLog, fixtureLines(file));
});
