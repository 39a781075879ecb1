import assert from 'node:assert/strict';
import { test } from 'node:test';
import { iscDhcpd } from './isc-dhcpd.js';
import { assertSurvivesDamage, fixtureLines, readAll, readEvents, rejectionOf, t } from './dhcp.test-support.js';

// The isc-dhcpd-4.4* fixtures are what dhcpd 4.4.3-P1 (Debian 12) wrote while dhclient obtained, renewed and
// released leases in network namespaces (fixtures/README.md); isc-dhcpd-hand-made.leases holds what they did
// not produce.

const client1 = {
  session: 'dhcpd/10.250.1.101/02:00:00:fa:00:01',
  address: '10.250.1.101',
  subscriberKey: '02:00:00:fa:00:01',
  keyKind: 'mac' as const,
};
const client2 = {
  session: 'dhcpd/10.250.1.102/02:00:00:fa:01:02',
  address: '10.250.1.102',
  subscriberKey: '02:00:00:fa:01:02',
  keyKind: 'mac' as const,
};

test('the journal: a grant, a renewal, a release, then a lease left to expire; the abandoned address held by no one', () => {
  assert.deepEqual(readEvents(iscDhcpd, fixtureLines('isc-dhcpd-4.4-journal.leases')), [
    {
      ...client1,
      action: 'start',
      at: t('2026-11-24T23:51:37Z'),
      expiresAt: t('2026-11-24T23:52:17Z'),
      evidence: 'line 18',
      detail: { 'client-id': '01:02:00:00:fa:00:01', hostname: 'mzg-client' },
    },
    {
      ...client1,
      action: 'update',
      at: t('2026-11-24T23:51:55Z'),
      expiresAt: t('2026-11-24T23:52:35Z'),
      evidence: 'line 29',
      detail: { 'client-id': '01:02:00:00:fa:00:01', hostname: 'mzg-client' },
    },
    {
      ...client1,
      action: 'stop',
      at: t('2026-11-24T23:52:03Z'),
      startedAt: t('2026-11-24T23:51:55Z'),
      evidence: 'line 40',
      detail: { 'client-id': '01:02:00:00:fa:00:01', state: 'free' },
    },
    {
      ...client2,
      action: 'start',
      at: t('2026-11-24T23:52:12Z'),
      expiresAt: t('2026-11-24T23:52:52Z'),
      evidence: 'line 49',
      detail: { 'client-id': '01:02:00:00:fa:01:02', hostname: 'mzg-client-2' },
    },
    {
      ...client2,
      action: 'stop',
      at: t('2026-11-24T23:52:52Z'),
      startedAt: t('2026-11-24T23:52:12Z'),
      evidence: 'line 60',
      detail: { 'client-id': '01:02:00:00:fa:01:02', state: 'free' },
    },
  ]);
});

test('the file dhcpd rewrote at its restart, and a relayed lease keyed by its circuit id', () => {
  const events = readEvents(iscDhcpd, fixtureLines('isc-dhcpd-4.4-restarted.leases'));
  assert.deepEqual(
    events.map((e) => [e.session, e.action, e.at]),
    [
      [client1.session, 'stop', t('2026-11-24T23:52:03Z')],
      [client2.session, 'stop', t('2026-11-24T23:52:52Z')],
      ['dhcpd/10.250.20.100/02:00:00:fa:20:01', 'start', t('2026-11-24T23:53:53Z')],
    ],
  );
  assert.deepEqual(events[2], {
    session: 'dhcpd/10.250.20.100/02:00:00:fa:20:01',
    action: 'start',
    at: t('2026-11-24T23:53:53Z'),
    expiresAt: t('2026-11-24T23:54:33Z'),
    address: '10.250.20.100',
    subscriberKey: 'rc0',
    keyKind: 'circuit',
    evidence: 'line 37',
    // The uid has a printable byte (0x20) among the octal escapes.
    detail: { mac: '02:00:00:fa:20:01', 'client-id': '01:02:00:00:fa:20:01', hostname: 'mzg-relayed' },
  });
});

test('db-time-format local: epoch times', () => {
  assert.deepEqual(
    readEvents(iscDhcpd, fixtureLines('isc-dhcpd-4.4-local-time.leases')).map((e) => [e.action, e.at, e.expiresAt]),
    [
      ['start', t('2026-11-24T23:56:19Z'), t('2026-11-24T23:56:59Z')],
      ['stop', t('2026-11-24T23:56:21Z'), undefined],
    ],
  );
});

test('dhcpd6.leases: an address and a delegated prefix renewed and released, another address expired', () => {
  const duid = '00:01:00:01:32:98:de:8b:02:00:00:fa:06:01';
  const na = { address: 'fd00:250:1::100', session: `dhcpd/fd00:250:1::100/${duid}` };
  const pd = { address: 'fd00:250:100::/56', session: `dhcpd/fd00:250:100::/56/${duid}` };
  const key = { subscriberKey: duid, keyKind: 'client-id' as const };
  // The IAID is the one Kea logged for the same client (kea-2.2-leases6.csv): little-endian in the key.
  const detail = { iaid: '16385537' };
  const other = '00:01:00:01:32:98:de:e4:02:00:00:fa:06:02';
  assert.deepEqual(readEvents(iscDhcpd, fixtureLines('isc-dhcpd6-4.4.leases')), [
    {
      ...na,
      ...key,
      action: 'start',
      at: t('2026-11-24T23:54:35Z'),
      expiresAt: t('2026-11-24T23:55:15Z'),
      evidence: 'line 9',
      detail,
    },
    {
      ...pd,
      ...key,
      action: 'start',
      at: t('2026-11-24T23:54:35Z'),
      expiresAt: t('2026-11-24T23:55:15Z'),
      evidence: 'line 19',
      detail: { ...detail, 'lease-type': 'IA_PD' },
    },
    {
      ...na,
      ...key,
      action: 'update',
      at: t('2026-11-24T23:54:55Z'),
      expiresAt: t('2026-11-24T23:55:35Z'),
      evidence: 'line 29',
      detail,
    },
    {
      ...pd,
      ...key,
      action: 'update',
      at: t('2026-11-24T23:54:55Z'),
      expiresAt: t('2026-11-24T23:55:35Z'),
      evidence: 'line 39',
      detail: { ...detail, 'lease-type': 'IA_PD' },
    },
    // Released: the release is in cltt, ends keeps the old expiry.
    {
      ...na,
      ...key,
      action: 'stop',
      at: t('2026-11-24T23:55:05Z'),
      evidence: 'line 49',
      detail: { ...detail, state: 'released' },
    },
    {
      ...pd,
      ...key,
      action: 'stop',
      at: t('2026-11-24T23:55:05Z'),
      evidence: 'line 59',
      detail: { ...detail, 'lease-type': 'IA_PD', state: 'released' },
    },
    {
      session: `dhcpd/fd00:250:1::1dc/${other}`,
      address: 'fd00:250:1::1dc',
      subscriberKey: other,
      keyKind: 'client-id',
      action: 'start',
      at: t('2026-11-24T23:55:09Z'),
      expiresAt: t('2026-11-24T23:55:49Z'),
      evidence: 'line 69',
      detail: { iaid: '16385538' },
    },
    {
      session: `dhcpd/fd00:250:1::1dc/${other}`,
      address: 'fd00:250:1::1dc',
      subscriberKey: other,
      keyKind: 'client-id',
      action: 'stop',
      at: t('2026-11-24T23:55:49Z'),
      evidence: 'line 79',
      detail: { iaid: '16385538', state: 'expired' },
    },
  ]);
});

test('hand-made: hex ids, ends never, released and backup states, a uid-only client, big-endian IAIDs', () => {
  const duid = '00:01:00:01:32:98:de:8b:00:00:5e:00:53:05';
  const v6 = { subscriberKey: duid, keyKind: 'client-id' as const };
  assert.deepEqual(readEvents(iscDhcpd, fixtureLines('isc-dhcpd-hand-made.leases')), [
    {
      session: 'dhcpd/192.0.2.10/00:00:5e:00:53:01',
      action: 'start',
      at: t('2026-11-24T01:00:00Z'),
      address: '192.0.2.10',
      // Not printable, so in hex; the same bytes from Kea or dnsmasq give the same key.
      subscriberKey: '00:04:00:64:01:01',
      keyKind: 'circuit',
      evidence: 'line 14',
      detail: {
        mac: '00:00:5e:00:53:01',
        'client-id': '01:00:00:5e:00:53:01',
        hostname: 'wei"rd',
        'remote-id': 'bras-1',
      },
    },
    {
      session: 'dhcpd/192.0.2.11/00:00:5e:00:53:02',
      action: 'start',
      at: t('2026-11-24T02:00:00Z'),
      expiresAt: t('2026-11-24T03:00:00Z'),
      address: '192.0.2.11',
      subscriberKey: '00:00:5e:00:53:02',
      keyKind: 'mac',
      evidence: 'line 15',
    },
    {
      session: 'dhcpd/192.0.2.11/00:00:5e:00:53:02',
      action: 'stop',
      at: t('2026-11-24T02:40:00Z'),
      startedAt: t('2026-11-24T02:00:00Z'),
      address: '192.0.2.11',
      subscriberKey: '00:00:5e:00:53:02',
      keyKind: 'mac',
      evidence: 'line 29',
      detail: { state: 'released' },
    },
    {
      session: 'dhcpd/192.0.2.12/00:00:5e:00:53:03',
      action: 'stop',
      at: t('2026-11-24T05:00:00Z'),
      startedAt: t('2026-11-24T04:00:00Z'),
      address: '192.0.2.12',
      subscriberKey: '00:00:5e:00:53:03',
      keyKind: 'mac',
      evidence: 'line 37',
      detail: { state: 'backup' },
    },
    {
      session: 'dhcpd/192.0.2.13/01:00:00:5e:00:53:04',
      action: 'start',
      at: t('2026-11-24T04:00:00Z'),
      expiresAt: t('2026-11-24T05:00:00Z'),
      address: '192.0.2.13',
      subscriberKey: '01:00:00:5e:00:53:04',
      keyKind: 'client-id',
      evidence: 'line 43',
    },
    // Abandoned without a client: the lease this reader saw on the address ends when it was abandoned.
    {
      session: 'dhcpd/192.0.2.13/01:00:00:5e:00:53:04',
      action: 'stop',
      at: t('2026-11-24T04:10:00Z'),
      address: '192.0.2.13',
      evidence: 'line 49',
      detail: { state: 'abandoned' },
    },
    {
      session: `dhcpd/2001:db8::5/${duid}`,
      action: 'start',
      at: t('2026-11-24T06:00:00Z'),
      expiresAt: t('2026-11-24T06:10:00Z'),
      address: '2001:db8::5',
      ...v6,
      evidence: 'line 54',
      detail: { iaid: '1' },
    },
    {
      session: `dhcpd/2001:db8::6/${duid}`,
      action: 'start',
      at: t('2026-11-24T06:00:00Z'),
      address: '2001:db8::6',
      ...v6,
      evidence: 'line 54',
      detail: { iaid: '1' },
    },
    {
      session: `dhcpd/2001:db8::7/${duid}`,
      action: 'stop',
      at: t('2026-11-24T06:05:00Z'),
      address: '2001:db8::7',
      ...v6,
      evidence: 'line 68',
      detail: { iaid: '2', 'lease-type': 'IA_TA', state: 'expired' },
    },
  ]);
});

test('a tailer stopped inside a block resumes at the line the block began', () => {
  const lines = fixtureLines('isc-dhcpd-4.4-journal.leases');
  const reader = iscDhcpd.reader({ now: 0, localTime: () => 0 });
  lines.slice(0, 22).forEach((line, i) => reader.line(line, i + 1));
  assert.equal(reader.pendingFrom(), 18);
  const cut = reader.end();
  assert.equal(cut.length, 1);
  assert.equal(cut[0]!.action, 'rejected');
  assert.equal(cut[0]!.evidence, 'line 18');
  assert.match((cut[0] as { reason: string }).reason, /ends inside the statement begun at line 18/);
});

test('what is wrong is said, with where', () => {
  const lease = (...body: string[]) => ['lease 192.0.2.1 {', ...body, '}'];
  assert.match(rejectionOf(iscDhcpd, ['subnet 10.0.0.0 netmask 255.0.0.0 { }']), /"subnet" is not a statement/);
  assert.match(rejectionOf(iscDhcpd, lease('starts 2 2026/13/24 01:00:00;', 'binding state active;')), /"starts" time/);
  assert.match(rejectionOf(iscDhcpd, lease('starts 2 2026/11/24 01:00:00;')), /no "binding state"/);
  assert.match(rejectionOf(iscDhcpd, lease('binding state bogus;')), /binding state "bogus"/);
  assert.match(
    rejectionOf(iscDhcpd, lease('starts 2 2026/11/24 01:00:00;', 'binding state active;')),
    /names no client/,
  );
  assert.match(rejectionOf(iscDhcpd, ['lease 192.0.2.300 {', '}']), /should name one IPv4 address/);
  assert.match(rejectionOf(iscDhcpd, ['}']), /never opened/);
  // A damaged line inside a block costs that block only: the lines after it are not read as statements.
  const free = ['ends 2 2026/11/24 01:00:00;', 'binding state free;'];
  const damaged = [...lease('client-hostname "cut;', ...free), ...lease(...free)];
  const records = readAll(iscDhcpd, damaged);
  assert.equal(records.length, 1);
  assert.match((records[0] as { reason: string }).reason, /quoted string is not closed.*line 2/);
});

test('damaged lease files never throw and never give a malformed record', () => {
  const lines = [
    ...fixtureLines('isc-dhcpd-4.4-journal.leases'),
    ...fixtureLines('isc-dhcpd-4.4-restarted.leases'),
    ...fixtureLines('isc-dhcpd6-4.4.leases'),
    ...fixtureLines('isc-dhcpd-hand-made.leases'),
  ];
  assertSurvivesDamage(iscDhcpd, lines, {
    seed: 4401,
    rounds: 20_000,
    alphabet: ' ;{}"\\#:/.-0123456789abcdefnevrpoch\t\u0000\u00e9',
  });
});
