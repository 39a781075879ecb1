import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LeaseEvent } from '../../domain/lease.js';
import { ciscoCgn } from './cisco-cgn.js';
import { assertSurvivesDamage, brief, fixtureLines, perLine } from './lease-reader.test-support.js';

// No Debian package produces these logs (they come from the CGN service cards of Cisco CRS and ASR 9000
// routers), so the fixtures are written by hand, following the Cisco IOS XR Carrier Grade NAT Configuration
// Guide (CRS, release 5.2.x), "External Logging — Syslog Message Format": the header `<134>1 YYYY Mmm DD
// hh:mm:ss HOSTNAME - - NAT44|DSLITE -`, records in brackets, several to a message, with the field order
// [EventName L4 OriginalSourceIP InsideVRF OriginalSourceIPv6 TranslatedSourceIP OriginalPort FirstPort LastPort
// DestinationIP DestinationPort] and `-` for what does not apply. Line 1 is the guide's own example (UserbasedA,
// 10.0.0.1 in VRF Broadband, 100.1.1.1 ports 2048-3071) moved into documentation address space. Line 8 is the
// same message as a collector filed it behind its own stamp; line 9 an ordinary IOS XR message.

const lines = fixtureLines(new URL('.', import.meta.url), 'cisco-cgn.log');

test('every line of the fixture', () => {
  const records = perLine(ciscoCgn, lines);
  assert.deepEqual(
    records.map((r) => r.map(brief)),
    [
      [
        {
          session: 'cisco-cgn/Broadband/100.64.0.1/203.0.113.1/2048-3071',
          action: 'start',
          at: '2026-11-24T01:00:00.000Z',
          address: '203.0.113.1',
          ports: [2048, 3071],
          inside: '100.64.0.1',
        },
      ],
      [
        {
          session: 'cisco-cgn/Broadband/100.64.0.2/203.0.113.1/3072-4095',
          action: 'start',
          at: '2026-11-24T01:00:05.000Z',
          address: '203.0.113.1',
          ports: [3072, 4095],
          inside: '100.64.0.2',
        },
        {
          session: 'cisco-cgn/Broadband/100.64.0.3/203.0.113.1/4096-5119',
          action: 'start',
          at: '2026-11-24T01:00:05.000Z',
          address: '203.0.113.1',
          ports: [4096, 5119],
          inside: '100.64.0.3',
        },
      ],
      [
        {
          session: 'cisco-cgn/Broadband/100.64.0.1/203.0.113.1/2048-3071',
          action: 'stop',
          at: '2026-11-24T02:00:00.000Z',
          address: '203.0.113.1',
          ports: [2048, 3071],
          inside: '100.64.0.1',
        },
      ],
      [
        {
          session: 'cisco-cgn/2001:db8:0:1::2/203.0.113.2/1024-2047',
          action: 'start',
          at: '2026-11-24T01:01:00.000Z',
          address: '203.0.113.2',
          ports: [1024, 2047],
          inside: '2001:db8:0:1::2',
        },
      ],
      [
        {
          session: 'cisco-cgn/Broadband/100.64.0.9/203.0.113.3/1030-1030/6/51000/198.51.100.80:443',
          action: 'start',
          at: '2026-11-24T01:02:00.000Z',
          address: '203.0.113.3',
          ports: [1030, 1030],
          inside: '100.64.0.9',
        },
      ],
      [
        {
          session: 'cisco-cgn/Broadband/100.64.0.9/203.0.113.3/1030-1030/6/51000/198.51.100.80:443',
          action: 'stop',
          at: '2026-11-24T01:03:00.000Z',
          address: '203.0.113.3',
          ports: [1030, 1030],
          inside: '100.64.0.9',
        },
      ],
      [],
      [
        {
          session: 'cisco-cgn/100.64.0.5/203.0.113.1/5120-6143',
          action: 'start',
          at: '2026-11-24T01:04:30.000Z',
          address: '203.0.113.1',
          ports: [5120, 6143],
          inside: '100.64.0.5',
        },
      ],
      [],
    ],
  );
});

test('a DS-Lite record is the B4 address, with the shared IPv4 inside address as detail', () => {
  const event = perLine(ciscoCgn, lines)[3]![0] as LeaseEvent;
  assert.deepEqual(event.detail, { host: '192.0.2.3', insideIpv4: '192.0.0.2' });
  assert.equal(event.evidence, 'line 4');
});

test('damaged records are refused one by one, with what is wrong', () => {
  const records = perLine(ciscoCgn, fixtureLines(new URL('.', import.meta.url), 'cisco-cgn-damaged.log'));
  const reason = (i: number, j = 0) => {
    const r = records[i]![j];
    return r?.action === 'rejected' ? r.reason : `not rejected: ${JSON.stringify(r)}`;
  };
  assert.match(reason(0), /never closed with "\]": the message was cut short/);
  assert.match(reason(1), /has 10 fields where the CGN syslog format has 11/);
  assert.match(reason(2), /the CGN time stamp "2026 Feb 30 10:00:00 192\.0\.2\.3" is not a real date and time/);
  assert.match(reason(3), /no time stamp/);
  // The good record of a message is kept; only the damaged one is refused.
  assert.equal(records[4]![0]!.action, 'start');
  assert.match(reason(4, 1), /Userbasedx record .*unknown event name/);
  assert.match(reason(5), /needs its L4 protocol and original port/);
});

test('damaged copies of every fixture line never throw', () => {
  assertSurvivesDamage(ciscoCgn, lines, ' []-:.<>0123456789ABUWadbsn');
});
