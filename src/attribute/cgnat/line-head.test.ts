import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ctx, iso } from './lease-reader.test-support.js';
import { lineHead } from './line-head.js';

// The syslog headers NAT devices' lines arrive with; see line-head.ts for where each shape comes from.

const head = (line: string) => {
  const h = lineHead(line, ctx);
  return typeof h === 'string' ? h : { ...h, ...(h.time === undefined ? {} : { time: iso(h.time) }) };
};

test('what syslog-prefix.ts reads: RFC 3164 and RFC 3339 stamps with host and tag', () => {
  assert.deepEqual(head('Nov 24 10:00:00 gw1 RT_NAT: x'), { time: '2026-11-24T01:00:00.000Z', host: 'gw1' });
  assert.deepEqual(head('2026-11-24T01:00:00Z gw1 NAT[1]: x'), { time: '2026-11-24T01:00:00.000Z', host: 'gw1' });
});

test('raw datagrams: an RFC 3164 PRI, an RFC 5424 header, a nil timestamp', () => {
  assert.deepEqual(head('<14>Nov 24 10:00:00 srx1 RT_NAT: x'), { time: '2026-11-24T01:00:00.000Z', host: 'srx1' });
  assert.deepEqual(head('<134>1 2026-11-24T01:00:00.252715Z 192.0.2.1 NAT 5901 SADD '), {
    time: '2026-11-24T01:00:00.252Z',
    host: '192.0.2.1',
  });
  assert.deepEqual(head('<134>1 - 192.0.2.1 NAT 5901 SADD '), { host: '192.0.2.1' });
});

test('a tag with spaces (Junos PIC messages), a double-spaced stamp, a year-less stamp from last year', () => {
  assert.deepEqual(head('Nov 24 10:00:00 mx1 (FPC Slot 1, PIC Slot 0) {sset}[jservices-nat]: '), {
    time: '2026-11-24T01:00:00.000Z',
    host: 'mx1',
  });
  assert.deepEqual(head('Nov  4 10:00:00  mx1 x'), { time: '2026-11-04T01:00:00.000Z', host: 'mx1' });
  assert.deepEqual(head('Dec 31 23:59:59 mx1 x'), { time: '2025-12-31T14:59:59.000Z', host: 'mx1' });
});

test('no stamp is no time; a stamp naming no real time is a reason', () => {
  assert.deepEqual(head('JSERVICES_NAT_PORT_BLOCK_ALLOC: x'), {});
  assert.deepEqual(head(''), {});
  assert.match(String(head('<14>Jun 31 10:00:00 mx1 x')), /not a real date and time/);
  assert.match(String(head('<134>1 2026-02-30T00:00:00Z h NAT - SADD ')), /not a real date and time/);
});
