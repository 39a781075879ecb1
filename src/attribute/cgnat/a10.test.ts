import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LeaseEvent } from '../../domain/lease.js';
import { a10 } from './a10.js';
import { assertSurvivesDamage, brief, fixtureLines, perLine } from './lease-reader.test-support.js';

// No Debian package produces these logs (they come from A10 Thunder CGN appliances running ACOS), so the
// fixtures are written by hand, following what is published about ACOS CGN logging:
//  - A10's aXAPI reference for `cgnv6 template logging` names the message types the lines stand for:
//    port-batch(-v2) allocated / freed / interim-update, fixed-nat allocated / interim-update / freed, port
//    allocated / freed, and the CEF format option;
//  - the ASCII fixed-NAT line (`FIXED-NAT-PORTS INSIDE->PUBLIC:FIRST-LAST`, line 5) and per-port mapping line
//    (`NAT-UDP-C: INSIDE:PORT -> PUBLIC: PORT`, line 9) are the forms a public CGN log collector
//    (veesix-networks cgn-ec) documents for ACOS; the port-batch lines (`NAT-PB-ALLOC` / `NAT-PB-FREE`,
//    `[PROTO] INSIDE -> PUBLIC:FIRST-LAST`, lines 1–4) follow the same layout as this project's brief gives it:
//    no A10 manual page with the literal wording was reachable, which is why the reader accepts the tag
//    family (ALLOC / FREE / INTERIM) rather than one spelling, and refuses an unknown event with the fix;
//  - the CEF lines (CGN 100 Nat Port Allocated, 106 / 107 Nat Port Batch Pool Allocated / Freed, the batch's
//    last port in cn3 labelled "Last Nat Port") are the ACOS 6.0.0-P1 forms that collector records.
// Times are Tokyo local, as the test context reads them.

const lines = fixtureLines(new URL('.', import.meta.url), 'a10.log');

test('every line of the fixture', () => {
  const records = perLine(a10, lines);
  assert.deepEqual(
    records.map((r) => r.map(brief)),
    [
      [
        {
          session: 'a10/100.64.1.1/203.0.113.5/2000-2999/6',
          action: 'start',
          at: '2026-11-24T01:00:00.000Z',
          address: '203.0.113.5',
          ports: [2000, 2999],
          inside: '100.64.1.1',
        },
      ],
      [
        {
          session: 'a10/100.64.1.1/203.0.113.5/2000-2999/17',
          action: 'start',
          at: '2026-11-24T01:00:00.000Z',
          address: '203.0.113.5',
          ports: [2000, 2999],
          inside: '100.64.1.1',
        },
      ],
      [
        {
          session: 'a10/100.64.1.1/203.0.113.5/2000-2999/6',
          action: 'stop',
          at: '2026-11-24T02:00:00.000Z',
          address: '203.0.113.5',
          ports: [2000, 2999],
          inside: '100.64.1.1',
        },
      ],
      [
        {
          session: 'a10/2001:db8:1::1/203.0.113.6/4000-4999/6',
          action: 'start',
          at: '2026-11-24T01:00:30.000Z',
          address: '203.0.113.6',
          ports: [4000, 4999],
          inside: '2001:db8:1::1',
        },
      ],
      [
        {
          session: 'a10/100.64.1.2/203.0.113.5/3000-4000',
          action: 'update',
          at: '2026-11-24T01:01:00.000Z',
          address: '203.0.113.5',
          ports: [3000, 4000],
          inside: '100.64.1.2',
        },
      ],
      [
        {
          session: 'a10/100.65.140.73/203.0.113.12/22016-22271/17',
          action: 'start',
          at: '2026-11-24T01:02:00.000Z',
          address: '203.0.113.12',
          ports: [22016, 22271],
          inside: '100.65.140.73',
        },
      ],
      [
        {
          session: 'a10/100.65.140.73/203.0.113.12/22016-22271/17',
          action: 'stop',
          at: '2026-11-24T01:12:00.000Z',
          address: '203.0.113.12',
          ports: [22016, 22271],
          inside: '100.65.140.73',
        },
      ],
      [
        {
          session: 'a10/100.65.161.0/203.0.113.13/48856-48856/1/48856',
          action: 'start',
          at: '2026-11-24T01:03:00.000Z',
          address: '203.0.113.13',
          ports: [48856, 48856],
          inside: '100.65.161.0',
        },
      ],
      [
        {
          session: 'a10/100.64.1.3/203.0.113.5/10000-10000/17/10000',
          action: 'start',
          at: '2026-11-24T01:04:00.000Z',
          address: '203.0.113.5',
          ports: [10000, 10000],
          inside: '100.64.1.3',
        },
      ],
    ],
  );
});

test('detail keeps the device and the protocol', () => {
  const records = perLine(a10, lines);
  assert.deepEqual((records[0]![0] as LeaseEvent).detail, { host: '192.0.2.10', protocol: 'TCP' });
  assert.deepEqual((records[5]![0] as LeaseEvent).detail, { host: 'cgn0.thn2/cgn-demo', protocol: 'UDP' });
  assert.equal(records[5]![0]!.evidence, 'line 6');
});

test('damaged lines are refused with what is wrong', () => {
  const records = perLine(a10, fixtureLines(new URL('.', import.meta.url), 'a10-damaged.log'));
  const reason = (i: number) => {
    const r = records[i]![0];
    return r?.action === 'rejected' ? r.reason : `not rejected: ${JSON.stringify(r)}`;
  };
  assert.match(reason(0), /NAT-PB-ALLOC: the message is not "\[PROTOCOL\] INSIDE -> PUBLIC:FIRST-LAST"/);
  assert.match(reason(1), /unknown event "BOGUS"; expected ALLOC, FREE, INTERIM/);
  assert.match(reason(2), /no custom number labelled "Last Nat Port"/);
  assert.match(reason(3), /no time stamp/);
  assert.match(reason(4), /the NAT address "203\.0\.113\.500" is not an IP address/);
});

test('damaged copies of every fixture line never throw', () => {
  assertSurvivesDamage(a10, lines, ' -<>:|=./\\0123456789ABCDEFNPTUcn');
});
