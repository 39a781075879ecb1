import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LeaseEvent } from '../../domain/lease.js';
import { assertSurvivesDamage, brief, fixtureLines, perLine } from './lease-reader.test-support.js';
import { vppNat } from './vpp-nat.js';

// No Debian package produces these logs (Debian 12 does not package FD.io VPP), so the fixtures are written
// by hand, following VPP's own source and documentation:
//  - src/vnet/syslog/syslog.c: the header `<PRI>1 %Y-%m-%dT%H:%M:%S.%06dZ SRC-ADDRESS APP-NAME PID MSGID`, the
//    structured data as `[SD-ID NAME="VALUE" …]`, no MSG unless one is added; sylog_doc.rst's example
//    (`<134>1 2018-11-12T11:25:30.252715Z 172.16.4.1 NAT 5901 SADD [nsess SSUBIX="0" SVLAN="0" IATYP="IPv4"
//    ISADDR=… ISPORT=… XATYP="IPv4" XSADDR=… XSPORT=… PROTO="6"]`) is line 1 with documentation addresses;
//  - src/plugins/nat/lib/nat_syslog.c: APP-NAME NAT, facility local0, severity informational (PRI 134);
//    MSGIDs SADD/SDEL (SD-ID nsess, adding XDADDR/XDPORT, and IDADDR/IDPORT for twice-NAT, line 7) and
//    APMADD/APMDEL (SD-ID napmap); NAT64 sessions without SSUBIX and with IATYP="IPv6" (line 5); DS-Lite
//    mappings with SV6ENC in place of SVLAN (line 6);
//  - line 7 is stamped with an offset, as rsyslog's RSYSLOG_SyslogProtocol23Format writes a relayed message;
//    line 8 is syslog.c's `test syslog` example, which is not a NAT message.

const lines = fixtureLines(new URL('.', import.meta.url), 'vpp-nat.log');

test('every line of the fixture', () => {
  const records = perLine(vppNat, lines);
  assert.deepEqual(
    records.map((r) => r.map(brief)),
    [
      [
        {
          session: 'vpp-nat/vrf0/100.64.0.5/203.0.113.1/16253-16253/6/6303/198.51.100.7:443',
          action: 'start',
          at: '2026-11-24T01:00:00.252Z',
          address: '203.0.113.1',
          ports: [16253, 16253],
          inside: '100.64.0.5',
        },
      ],
      [
        {
          session: 'vpp-nat/vrf0/100.64.0.5/203.0.113.1/16253-16253/6/6303/198.51.100.7:443',
          action: 'stop',
          at: '2026-11-24T01:05:00.000Z',
          address: '203.0.113.1',
          ports: [16253, 16253],
          inside: '100.64.0.5',
        },
      ],
      [
        {
          session: 'vpp-nat/vrf10/100.64.0.6/203.0.113.1/1025-1025/17/50000',
          action: 'start',
          at: '2026-11-24T01:00:01.000Z',
          address: '203.0.113.1',
          ports: [1025, 1025],
          inside: '100.64.0.6',
        },
      ],
      [
        {
          session: 'vpp-nat/vrf10/100.64.0.6/203.0.113.1/1025-1025/17/50000',
          action: 'stop',
          at: '2026-11-24T01:10:01.000Z',
          address: '203.0.113.1',
          ports: [1025, 1025],
          inside: '100.64.0.6',
        },
      ],
      [
        {
          session: 'vpp-nat/vrf0/2001:db8:64::5/203.0.113.2/2000-2000/6/40000/198.51.100.8:80',
          action: 'start',
          at: '2026-11-24T01:00:02.500Z',
          address: '203.0.113.2',
          ports: [2000, 2000],
          inside: '2001:db8:64::5',
        },
      ],
      [
        {
          session: 'vpp-nat/2001:db8:0:2::2/203.0.113.3/3000-3000/6/40001',
          action: 'start',
          at: '2026-11-24T01:00:03.000Z',
          address: '203.0.113.3',
          ports: [3000, 3000],
          inside: '2001:db8:0:2::2',
        },
      ],
      [
        {
          session: 'vpp-nat/vrf0/100.64.0.7/203.0.113.4/4000-4000/17/33000/198.51.100.9:53',
          action: 'start',
          at: '2026-11-24T01:00:04.000Z',
          address: '203.0.113.4',
          ports: [4000, 4000],
          inside: '100.64.0.7',
        },
      ],
      [],
    ],
  );
});

test('detail keeps the protocol, the inside port, the destination and, for DS-Lite, the shared IPv4 address', () => {
  const records = perLine(vppNat, lines);
  assert.deepEqual((records[0]![0] as LeaseEvent).detail, {
    protocol: '6',
    insidePort: '6303',
    host: '192.0.2.1',
    destination: '198.51.100.7:443',
  });
  assert.deepEqual((records[5]![0] as LeaseEvent).detail, {
    protocol: '6',
    insidePort: '40001',
    host: '192.0.2.1',
    insideIpv4: '192.0.0.2',
  });
});

test('damaged lines are refused with what is wrong and how to fix it', () => {
  const records = perLine(vppNat, fixtureLines(new URL('.', import.meta.url), 'vpp-nat-damaged.log'));
  const reason = (i: number) => {
    const r = records[i]![0];
    return r?.action === 'rejected' ? r.reason : `not rejected: ${JSON.stringify(r)}`;
  };
  assert.match(reason(0), /never closed.*max-msg-size/);
  assert.match(reason(1), /not the MSGID SADD, SDEL, APMADD or APMDEL/);
  assert.match(reason(2), /XSADDR "203\.0\.113" is not an IP address/);
  assert.match(reason(3), /without its MSGID and structured data.*RSYSLOG_SyslogProtocol23Format/);
  assert.match(reason(4), /no time stamp/);
});

test('damaged copies of every fixture line never throw', () => {
  assertSurvivesDamage(vppNat, lines, ' []="-:.<>0123456789SADELMPnsa@\\');
});
