import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dnsmasq } from './dnsmasq.js';
import { assertSurvivesDamage, ctx, fixtureLines, readEvents, rejectionOf, t } from './dhcp.test-support.js';

// The dnsmasq-2.90* fixtures are what dnsmasq 2.90 (Debian 12) wrote, and what scripts/dnsmasq-lease-event.sh
// appended as its --dhcp-script, while dhclient obtained, renewed and released DHCPv4 and DHCPv6 leases, one
// left to expire across a restart, one through a relay agent (fixtures/README.md). The hand-made files hold
// what the recordings did not produce.

const mac = '02:00:00:fa:00:01';
const duid = '00:01:00:01:32:98:e0:ca:02:00:00:fa:00:01';
const v4 = {
  session: `dnsmasq/10.250.1.121/${mac}`,
  address: '10.250.1.121',
  subscriberKey: mac,
  keyKind: 'mac' as const,
};
const v6 = {
  session: `dnsmasq/fd00:250:1::14c/${duid}`,
  address: 'fd00:250:1::14c',
  subscriberKey: duid,
  keyKind: 'client-id' as const,
};

test('the lease file is a snapshot: each lease held at the time it was taken, until its expiry', () => {
  const taken = t('2026-11-24T23:58:09Z');
  assert.deepEqual(readEvents(dnsmasq, fixtureLines('dnsmasq-2.90.leases'), { ...ctx, now: taken }), [
    {
      ...v4,
      action: 'update',
      at: taken,
      expiresAt: t('2026-11-24T23:59:50Z'),
      evidence: 'line 1',
      detail: { hostname: 'mzg-client', 'client-id': '01:02:00:00:fa:00:01' },
    },
    {
      ...v6,
      action: 'update',
      at: taken,
      expiresAt: t('2026-11-24T23:59:59Z'),
      evidence: 'line 3',
      detail: { hostname: 'mzg-client6', iaid: '16384001' },
    },
  ]);
});

test('a host name dnsmasq does not know is written *', () => {
  const events = readEvents(dnsmasq, fixtureLines('dnsmasq-2.90-second-client.leases'));
  assert.deepEqual(
    events.map((e) => [e.address, e.subscriberKey, e.detail]),
    [
      ['10.250.1.135', '02:00:00:fa:01:02', { hostname: 'mzg-client-2', 'client-id': '01:02:00:00:fa:01:02' }],
      ['fd00:250:1::11a', '00:01:00:01:32:98:e1:18:02:00:00:fa:01:02', { iaid: '16384258' }],
    ],
  );
});

test('a lease that had expired when the snapshot was taken ended at its expiry', () => {
  const events = readEvents(dnsmasq, fixtureLines('dnsmasq-2.90.leases'), { ...ctx, now: t('2026-11-25T00:10:00Z') });
  assert.deepEqual(
    events.map((e) => [e.session, e.action, e.at, e.expiresAt]),
    [
      [v4.session, 'stop', t('2026-11-24T23:59:50Z'), undefined],
      [v6.session, 'stop', t('2026-11-24T23:59:59Z'), undefined],
    ],
  );
});

test('the script lines: grants, renewals, releases, the start-up roll call and an expiry, with the lease file sessions', () => {
  const events = readEvents(dnsmasq, fixtureLines('dnsmasq-2.90-events.log'));
  const mac2 = '02:00:00:fa:01:02';
  const duid2 = '00:01:00:01:32:98:e1:18:02:00:00:fa:01:02';
  assert.deepEqual(
    events.map((e) => [e.session, e.action, e.at, e.expiresAt]),
    [
      [v4.session, 'start', t('2026-11-24T23:56:58Z'), t('2026-11-24T23:58:58Z')],
      [v6.session, 'start', t('2026-11-24T23:56:59Z'), t('2026-11-24T23:58:59Z')],
      [v4.session, 'update', t('2026-11-24T23:57:50Z'), t('2026-11-24T23:59:50Z')],
      [v6.session, 'update', t('2026-11-24T23:57:59Z'), t('2026-11-24T23:59:59Z')],
      // Released: the line's time, before the expiry.
      [v4.session, 'stop', t('2026-11-24T23:58:10Z'), undefined],
      [v6.session, 'stop', t('2026-11-24T23:58:11Z'), undefined],
      [`dnsmasq/10.250.1.135/${mac2}`, 'start', t('2026-11-24T23:58:16Z'), t('2026-11-25T00:00:16Z')],
      [`dnsmasq/fd00:250:1::11a/${duid2}`, 'start', t('2026-11-24T23:58:18Z'), t('2026-11-25T00:00:18Z')],
      // dnsmasq restarted: "old" for every lease it read back (twice for the DHCPv6 one).
      [`dnsmasq/fd00:250:1::11a/${duid2}`, 'update', t('2026-11-24T23:58:21Z'), t('2026-11-25T00:00:18Z')],
      [`dnsmasq/fd00:250:1::11a/${duid2}`, 'update', t('2026-11-24T23:58:21Z'), t('2026-11-25T00:00:18Z')],
      [`dnsmasq/10.250.1.135/${mac2}`, 'update', t('2026-11-24T23:58:21Z'), t('2026-11-25T00:00:16Z')],
      [`dnsmasq/10.250.1.135/${mac2}`, 'stop', t('2026-11-25T00:00:16Z'), undefined],
      [`dnsmasq/fd00:250:1::11a/${duid2}`, 'stop', t('2026-11-25T00:00:18Z'), undefined],
    ],
  );
  assert.deepEqual(events[0], {
    ...v4,
    action: 'start',
    at: t('2026-11-24T23:56:58Z'),
    expiresAt: t('2026-11-24T23:58:58Z'),
    evidence: 'line 1',
    detail: { hostname: 'mzg-client', interface: 'sv0', 'client-id': '01:02:00:00:fa:00:01', tags: 'sv0' },
  });
  assert.deepEqual(events[1]!.detail, {
    hostname: 'mzg-client6',
    mac,
    interface: 'sv0',
    iaid: '16384001',
    tags: 'dhcpv6,sv0',
  });
});

test('through a relay: the script line is keyed by the circuit id, the lease file (which lacks it) by the MAC', () => {
  const session = 'dnsmasq/10.250.20.129/02:00:00:fa:20:01';
  assert.deepEqual(readEvents(dnsmasq, fixtureLines('dnsmasq-2.90-relayed-events.log')), [
    {
      session,
      action: 'start',
      at: t('2026-11-24T23:56:59Z'),
      expiresAt: t('2026-11-25T00:56:59Z'),
      address: '10.250.20.129',
      subscriberKey: 'rc0',
      keyKind: 'circuit',
      evidence: 'line 1',
      detail: {
        hostname: 'mzg-relayed',
        mac: '02:00:00:fa:20:01',
        interface: 'sv0',
        relay: '10.250.20.1',
        'client-id': '01:02:00:00:fa:20:01',
        tags: 'sv0',
      },
    },
  ]);
  const [snapshot] = readEvents(dnsmasq, fixtureLines('dnsmasq-2.90-relayed.leases'));
  assert.equal(snapshot!.session, session);
  assert.equal(snapshot!.keyKind, 'mac');
});

test('hand-made: infinite leases, another hardware type, a temporary address, lease lengths, a hex circuit id', () => {
  assert.deepEqual(readEvents(dnsmasq, fixtureLines('dnsmasq-hand-made.leases')), [
    {
      session: 'dnsmasq/192.0.2.40/00:00:5e:00:53:40',
      action: 'update',
      at: ctx.now,
      address: '192.0.2.40',
      subscriberKey: '00:00:5e:00:53:40',
      keyKind: 'mac',
      evidence: 'line 1',
    },
    {
      session: 'dnsmasq/192.0.2.41/00:00:5e:00:53:41',
      action: 'update',
      at: ctx.now,
      expiresAt: t('2026-11-25T09:46:40Z'),
      address: '192.0.2.41',
      subscriberKey: '00:00:5e:00:53:41',
      keyKind: 'mac',
      evidence: 'line 2',
      detail: { hostname: 'printer', 'client-id': '01:00:00:5e:00:53:41', 'hardware-type': '06' },
    },
    {
      session: 'dnsmasq/2001:db8::42/00:01:00:01:32:98:e0:ca:02:00:00:fa:00:42',
      action: 'update',
      at: ctx.now,
      expiresAt: t('2026-11-25T09:46:40Z'),
      address: '2001:db8::42',
      subscriberKey: '00:01:00:01:32:98:e0:ca:02:00:00:fa:00:42',
      keyKind: 'client-id',
      evidence: 'line 4',
      detail: { iaid: 'T16384001' },
    },
  ]);
  const events = readEvents(dnsmasq, fixtureLines('dnsmasq-hand-made-events.log'));
  assert.deepEqual(
    events.map((e) => [e.action, e.at, e.expiresAt, e.subscriberKey, e.keyKind]),
    [
      // A build with HAVE_BROKEN_RTC gives the length: the expiry is the line's time plus it.
      ['start', t('2026-11-24T23:56:58Z'), t('2026-11-25T00:56:58Z'), '00:04:00:64:01:01', 'circuit'],
      ['stop', t('2026-11-24T23:58:20Z'), undefined, '00:04:00:64:01:01', 'circuit'],
      ['start', t('2026-11-24T23:56:58Z'), undefined, '00:00:5e:00:53:44', 'mac'],
      [
        'start',
        t('2026-11-24T23:56:58Z'),
        t('2026-11-25T00:56:58Z'),
        '00:01:00:01:32:98:e0:ca:02:00:00:fa:00:45',
        'client-id',
      ],
    ],
  );
  assert.deepEqual(events[0]!.detail, {
    mac: '00:00:5e:00:53:43',
    relay: '192.0.2.1',
    'remote-id': 'bras-1',
    tags: 'relayed,known',
  });
});

test('what is wrong is said', () => {
  assert.match(rejectionOf(dnsmasq, ['1795564618 aa:bb 10.0.0.1']), /neither a dnsmasq lease line/);
  assert.match(rejectionOf(dnsmasq, ['soon 02:00:00:fa:00:01 10.0.0.1 * *']), /expiry "soon"/);
  assert.match(rejectionOf(dnsmasq, ['1795564618 02:00:00:fa:00:01 10.0.0.300 * *']), /not an IP address/);
  assert.match(rejectionOf(dnsmasq, ['1795564618 nic0 10.0.0.1 * *']), /MAC "nic0"/);
  assert.match(
    rejectionOf(dnsmasq, ['1795564618 add 02:00:00:fa:00:01 10.0.0.1 - expires']),
    /"expires" is not name=value/,
  );
  assert.match(rejectionOf(dnsmasq, ['1795564618 add 02:00:00:fa:00:01 10.0.0.1 - expires=later']), /whole seconds/);
  assert.match(rejectionOf(dnsmasq, ['duid']), /one DUID/);
  assert.match(
    rejectionOf(dnsmasq, ['1795564618 toString 02:00:00:fa:00:01 10.0.0.1 -']),
    /"02:00:00:fa:00:01" is not an IP address/,
  );
  // A script line with no name=value pairs is still a script line.
  assert.equal(readEvents(dnsmasq, ['1795564618 del 02:00:00:fa:00:01 10.0.0.1 -'])[0]!.action, 'stop');
});

test('damaged lines never throw and never give a malformed record', () => {
  const lines = [
    ...fixtureLines('dnsmasq-2.90.leases'),
    ...fixtureLines('dnsmasq-2.90-second-client.leases'),
    ...fixtureLines('dnsmasq-2.90-events.log'),
    ...fixtureLines('dnsmasq-2.90-relayed-events.log'),
    ...fixtureLines('dnsmasq-hand-made.leases'),
    ...fixtureLines('dnsmasq-hand-made-events.log'),
  ];
  assertSurvivesDamage(dnsmasq, lines, {
    seed: 290,
    rounds: 20_000,
    alphabet: ' =:.-*T0123456789abcdefadd old del\u0000\u00e9',
  });
});
