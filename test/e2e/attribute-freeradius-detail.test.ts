// RADIUS accounting from a real producer: FreeRADIUS 3.2 (the Debian package) on loopback, fed by radclient
// as the NAS.
//  - its detail module writes a detail file; freeradiusDetail reads it back into the sessions that were sent:
//    Accounting-On, a dual-stack Start (IPv4, on-link /64, delegated /56), an Interim-Update, a Start sent late
//    without Event-Timestamp, the Stops and an Accounting-Off;
//  - FreeRADIUS proxies the same traffic to Mizugiwa's accounting receiver, which stores the same records and
//    answers, so that FreeRADIUS answers the NAS (the chain a deployment that keeps FreeRADIUS in front uses).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import type { LeaseEvent, LeaseRecord } from '../../src/domain/lease.js';
import { startRadiusAccountingServer } from '../../src/attribute/radius/accounting-server.js';
import { freeradiusDetail } from '../../src/attribute/radius/freeradius-detail.js';
import { localTimeIn } from '../../src/observe/local-time.js';
import { missingProgram } from '../support/components.js';
import { runCleanups, tempDir, type Cleanups } from '../support/daemon.js';
import {
  FREERADIUS,
  RADCLIENT,
  radclientSend,
  startFreeradius,
  type RadclientAttributes,
} from '../support/freeradius.js';

const skip = missingProgram(FREERADIUS, 'freeradius') || missingProgram(RADCLIENT, 'freeradius-utils');

const cleanups: Cleanups = [];
after(() => runCleanups(cleanups));

const ZONE = 'Asia/Tokyo';

/** The session traffic of one subscriber line and one NAS restart, Event-Timestamps relative to `now` (s). */
function traffic(now: number): RadclientAttributes[] {
  const nas = { 'NAS-IP-Address': '192.0.2.1', 'NAS-Identifier': 'bng1.example.net' };
  const alice = {
    ...nas,
    'User-Name': 'alice@isp.example',
    'Acct-Session-Id': '4d2a0001',
    'NAS-Port-Id': 'ge-0/0/1.100:100-2001',
    'Calling-Station-Id': '00:11:22:33:44:55',
    'Framed-IP-Address': '198.51.100.7',
    'Framed-IPv6-Prefix': '2001:db8:200:1::/64',
    'Delegated-IPv6-Prefix': '2001:db8:100::/56',
  };
  return [
    { ...nas, 'Acct-Status-Type': 'Accounting-On', 'Event-Timestamp': String(now - 900) },
    { ...alice, 'Acct-Status-Type': 'Start', 'Event-Timestamp': String(now - 890), 'Acct-Interim-Interval': '300' },
    {
      ...alice,
      'Acct-Status-Type': 'Interim-Update',
      'Event-Timestamp': String(now - 590),
      'Acct-Session-Time': '300',
    },
    {
      ...nas,
      'Acct-Status-Type': 'Start',
      'User-Name': 'bob',
      'Acct-Session-Id': '4d2a0002',
      'Framed-IP-Address': '198.51.100.8',
      'Acct-Delay-Time': '20',
    },
    { ...alice, 'Acct-Status-Type': 'Stop', 'Event-Timestamp': String(now - 290), 'Acct-Session-Time': '600' },
    { ...nas, 'Acct-Status-Type': 'Accounting-Off', 'Event-Timestamp': String(now - 10) },
  ];
}

/** One line per record, bob's arrival-based time shown as its offset from the moment the traffic was sent. */
function summary(records: LeaseRecord[], now: number): string[] {
  const when = (ms: number) => `now${ms - now * 1000 >= 0 ? '+' : ''}${Math.round((ms - now * 1000) / 1000)}`;
  return records.map((r) => {
    if (r.action === 'rejected') return `rejected ${r.reason}`;
    if (r.action === 'reset') return `reset ${r.nas} ${when(r.at)}`;
    const since = r.startedAt === undefined ? '' : ` since ${when(r.startedAt)}`;
    const key = r.session.startsWith('192.0.2.1/4d2a0002/') ? 'now-20±' : when(r.at);
    return `${r.action} ${r.session} ${r.subscriberKey} ${key}${since}`;
  });
}

const expected = [
  'reset 192.0.2.1 now-900',
  'start 192.0.2.1/4d2a0001/198.51.100.7 alice@isp.example now-890',
  'start 192.0.2.1/4d2a0001/2001:db8:200:1::/64 alice@isp.example now-890',
  'start 192.0.2.1/4d2a0001/2001:db8:100::/56 alice@isp.example now-890',
  'update 192.0.2.1/4d2a0001/198.51.100.7 alice@isp.example now-590 since now-890',
  'update 192.0.2.1/4d2a0001/2001:db8:200:1::/64 alice@isp.example now-590 since now-890',
  'update 192.0.2.1/4d2a0001/2001:db8:100::/56 alice@isp.example now-590 since now-890',
  'start 192.0.2.1/4d2a0002/198.51.100.8 bob now-20±',
  'stop 192.0.2.1/4d2a0001/198.51.100.7 alice@isp.example now-290 since now-890',
  'stop 192.0.2.1/4d2a0001/2001:db8:200:1::/64 alice@isp.example now-290 since now-890',
  'stop 192.0.2.1/4d2a0001/2001:db8:100::/56 alice@isp.example now-290 since now-890',
  'reset 192.0.2.1 now-10',
];

/** bob's Start has no Event-Timestamp: its time is its arrival less Acct-Delay-Time, within the sending window. */
function assertBob(records: LeaseRecord[], sentFrom: number, sentTo: number): void {
  const bob = records.find((r): r is LeaseEvent => r.action === 'start' && r.subscriberKey === 'bob')!;
  const from = Math.floor(sentFrom / 1000) * 1000 - 20_000;
  assert.ok(bob.at >= from && bob.at <= sentTo - 20_000 + 1000, `bob at ${bob.at}, sent ${sentFrom}–${sentTo}`);
}

describe('FreeRADIUS accounting as a lease source', { skip }, () => {
  test('the detail file FreeRADIUS writes reads back as the sessions radclient sent', async () => {
    const dir = tempDir(cleanups, 'mizugiwa-freeradius-');
    const server = await startFreeradius(cleanups, dir, { timeZone: ZONE });
    const now = Math.floor(Date.now() / 1000);
    const sentFrom = Date.now();
    for (const attrs of traffic(now)) await radclientSend(server.acctPort, server.secret, attrs);
    const sentTo = Date.now();

    const lines = readFileSync(server.detailFile, 'utf8').split('\n');
    const read = (zone: string) => {
      const reader = freeradiusDetail.reader({ now: Date.now(), localTime: localTimeIn(zone) });
      return [...lines.flatMap((line, i) => reader.line(line, i + 1)), ...reader.end()];
    };
    const records = read(ZONE);
    assert.deepEqual(summary(records, now), expected, server.output());
    assertBob(records, sentFrom, sentTo);
    const stop = records.find((r): r is LeaseEvent => r.action === 'stop')!;
    assert.deepEqual(stop.detail, {
      'Calling-Station-Id': '00:11:22:33:44:55',
      'NAS-Port-Id': 'ge-0/0/1.100:100-2001',
      'NAS-IP-Address': '192.0.2.1',
      'NAS-Identifier': 'bng1.example.net',
    });
    // Read as if the server ran in another zone, the header and Timestamp disagree: refused, not misread.
    const misread = read('Europe/Berlin').filter((r) => r.action === 'rejected');
    assert.equal(misread.length, 5, 'every block with a local Event-Timestamp');
  });

  test('FreeRADIUS proxies accounting to Mizugiwa, which stores it before FreeRADIUS answers the NAS', async () => {
    const received: LeaseRecord[] = [];
    const receiver = await startRadiusAccountingServer({
      host: '127.0.0.1',
      port: 0,
      clients: [{ address: '127.0.0.1', secret: 'freeradius-to-mizugiwa' }],
      onRecords: async (records) => {
        received.push(...records);
      },
    });
    cleanups.push(() => receiver.close());
    const dir = tempDir(cleanups, 'mizugiwa-freeradius-proxy-');
    const server = await startFreeradius(cleanups, dir, {
      timeZone: ZONE,
      proxyTo: { port: receiver.port, secret: 'freeradius-to-mizugiwa' },
    });
    const now = Math.floor(Date.now() / 1000);
    const sentFrom = Date.now();
    for (const attrs of traffic(now)) {
      const before = received.length;
      await radclientSend(server.acctPort, server.secret, attrs);
      // radclient got its answer only after Mizugiwa answered FreeRADIUS, which it does once stored.
      assert.ok(received.length > before || attrs['Acct-Status-Type'] === 'Tunnel-Start', JSON.stringify(attrs));
    }
    const sentTo = Date.now();
    assert.deepEqual(summary(received, now), expected, server.output());
    assertBob(received, sentFrom, sentTo);
    // Proxied, the records carry FreeRADIUS's own address as their source, but the NAS they name is the BNG.
    assert.ok(received.every((r) => r.action === 'rejected' || r.nas === '192.0.2.1'));
    assert.ok(received.every((r) => r.evidence.startsWith('radius 127.0.0.1 id ')));
    assert.deepEqual(receiver.stats(), {
      received: 6,
      answered: 6,
      badAuthenticator: 0,
      unknownClient: 0,
      duplicates: 0,
      malformed: 0,
      notStored: 0,
    });
  });
});
