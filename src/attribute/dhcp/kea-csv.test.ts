import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keaCsv } from './kea-csv.js';
import { assertSurvivesDamage, fixtureLines, readEvents, rejectionOf, t } from './dhcp.test-support.js';

// The kea-2.2-* fixtures are what kea-dhcp4 and kea-dhcp6 2.2.0 (Debian 12) wrote while dhclient obtained,
// renewed and released leases and let one expire (fixtures/README.md); kea-hand-made.csv has the Kea 2.4
// columns and what the recordings did not produce (declines, relay information as 2.4 stores it, escapes).

const mac1 = '02:00:00:fa:00:01';
const mac2 = '02:00:00:fa:01:02';

test('lease4: a grant, a renewal, a release; then the address to another client, expired and reclaimed', () => {
  const first = {
    session: `kea/10.250.1.100/${mac1}`,
    address: '10.250.1.100',
    subscriberKey: mac1,
    keyKind: 'mac' as const,
  };
  const second = {
    session: `kea/10.250.1.100/${mac2}`,
    address: '10.250.1.100',
    subscriberKey: mac2,
    keyKind: 'mac' as const,
  };
  const detail1 = { 'client-id': '01:02:00:00:fa:00:01', hostname: 'mzg-client', 'subnet-id': '1' };
  assert.deepEqual(readEvents(keaCsv, fixtureLines('kea-2.2-leases4.csv')), [
    {
      ...first,
      action: 'start',
      at: t('2026-11-24T23:44:48Z'),
      expiresAt: t('2026-11-24T23:46:48Z'),
      evidence: 'line 2',
      detail: detail1,
    },
    {
      ...first,
      action: 'update',
      at: t('2026-11-24T23:45:13Z'),
      expiresAt: t('2026-11-24T23:47:13Z'),
      evidence: 'line 3',
      detail: detail1,
    },
    // Kea's deletion row carries the last renewal, not the release (which came 12 s later).
    {
      ...first,
      action: 'stop',
      at: t('2026-11-24T23:45:13Z'),
      evidence: 'line 4',
      detail: { ...detail1, state: 'released' },
    },
    {
      ...second,
      action: 'start',
      at: t('2026-11-24T23:45:41Z'),
      expiresAt: t('2026-11-24T23:46:21Z'),
      evidence: 'line 5',
      detail: { 'client-id': '01:02:00:00:fa:01:02', hostname: 'mzg-client-2', 'subnet-id': '1' },
    },
    {
      ...second,
      action: 'stop',
      at: t('2026-11-24T23:46:21Z'),
      evidence: 'line 6',
      detail: { 'client-id': '01:02:00:00:fa:01:02', 'subnet-id': '1', state: 'expired-reclaimed' },
    },
    // Line 7, the reclaimed lease flushed, ended at line 6 already.
  ]);
});

test('lease4 through a relay: the circuit id Kea 2.2 keeps in the user context is the subscriber key', () => {
  assert.deepEqual(readEvents(keaCsv, fixtureLines('kea-2.2-leases4-relayed.csv')), [
    {
      session: 'kea/10.250.20.100/02:00:00:fa:20:01',
      action: 'start',
      at: t('2026-11-24T23:47:08Z'),
      expiresAt: t('2026-11-25T00:47:08Z'),
      address: '10.250.20.100',
      subscriberKey: 'rc0',
      keyKind: 'circuit',
      evidence: 'line 2',
      detail: {
        mac: '02:00:00:fa:20:01',
        'client-id': '01:02:00:00:fa:20:01',
        hostname: 'mzg-relayed',
        'subnet-id': '20',
      },
    },
  ]);
});

test('lease6: an address and a /56 renewed and released; another address expired and reclaimed', () => {
  const duid = '00:01:00:01:32:98:de:8b:02:00:00:fa:06:01';
  const na = {
    session: `kea/fd00:250:1::100/${duid}`,
    address: 'fd00:250:1::100',
    subscriberKey: duid,
    keyKind: 'client-id' as const,
  };
  const pd = { ...na, session: `kea/fd00:250:100::/56/${duid}`, address: 'fd00:250:100::/56' };
  const detail = { mac: '02:00:00:fa:06:01', iaid: '16385537', hostname: 'mzg-client6.', 'subnet-id': '1' };
  const pdDetail = { ...detail, 'lease-type': 'IA_PD' };
  const other = '00:01:00:01:32:98:de:e4:02:00:00:fa:06:02';
  const third = {
    session: `kea/fd00:250:1::101/${other}`,
    address: 'fd00:250:1::101',
    subscriberKey: other,
    keyKind: 'client-id' as const,
  };
  const thirdDetail = { mac: '02:00:00:fa:06:02', iaid: '16385538', 'subnet-id': '1' };
  assert.deepEqual(readEvents(keaCsv, fixtureLines('kea-2.2-leases6.csv')), [
    {
      ...na,
      action: 'start',
      at: t('2026-11-24T23:48:09Z'),
      expiresAt: t('2026-11-24T23:50:09Z'),
      evidence: 'line 2',
      detail,
    },
    {
      ...pd,
      action: 'start',
      at: t('2026-11-24T23:48:09Z'),
      expiresAt: t('2026-11-24T23:50:09Z'),
      evidence: 'line 3',
      detail: pdDetail,
    },
    {
      ...na,
      action: 'update',
      at: t('2026-11-24T23:48:39Z'),
      expiresAt: t('2026-11-24T23:50:39Z'),
      evidence: 'line 4',
      detail,
    },
    {
      ...pd,
      action: 'update',
      at: t('2026-11-24T23:48:39Z'),
      expiresAt: t('2026-11-24T23:50:39Z'),
      evidence: 'line 5',
      detail: pdDetail,
    },
    {
      ...na,
      action: 'stop',
      at: t('2026-11-24T23:48:39Z'),
      evidence: 'line 6',
      detail: { ...detail, state: 'released' },
    },
    {
      ...pd,
      action: 'stop',
      at: t('2026-11-24T23:48:39Z'),
      evidence: 'line 7',
      detail: { ...pdDetail, state: 'released' },
    },
    {
      ...third,
      action: 'start',
      at: t('2026-11-24T23:48:54Z'),
      expiresAt: t('2026-11-24T23:50:54Z'),
      evidence: 'line 8',
      detail: thirdDetail,
    },
    {
      ...third,
      action: 'stop',
      at: t('2026-11-24T23:50:54Z'),
      evidence: 'line 9',
      detail: { ...thirdDetail, state: 'expired-reclaimed' },
    },
  ]);
});

test('without a header (a tailer resuming mid-file) the rows read the same by their number of columns', () => {
  for (const file of ['kea-2.2-leases4.csv', 'kea-2.2-leases6.csv']) {
    const lines = fixtureLines(file);
    const withHeader = readEvents(keaCsv, lines);
    const without = readEvents(keaCsv, ['', ...lines.slice(1)]);
    assert.deepEqual(without, withHeader, file);
  }
});

test('hand-made: Kea 2.4 columns and relay information, escaped commas, infinite and declined leases', () => {
  const duid = '00:03:00:01:00:00:5e:00:53:30';
  assert.deepEqual(readEvents(keaCsv, fixtureLines('kea-hand-made.csv')), [
    {
      session: 'kea/192.0.2.20/00:00:5e:00:53:20',
      action: 'start',
      at: t('2026-11-24T05:00:00Z'),
      expiresAt: t('2026-11-24T06:00:00Z'),
      address: '192.0.2.20',
      subscriberKey: 'ge-0/0/1.100',
      keyKind: 'circuit',
      evidence: 'line 2',
      detail: {
        mac: '00:00:5e:00:53:20',
        'remote-id': '00:00:00:00:53:01',
        hostname: 'host,with-comma',
        'subnet-id': '1',
      },
    },
    {
      session: 'kea/192.0.2.21/00:00:5e:00:53:21',
      action: 'start',
      at: t('2026-11-24T05:01:00Z'),
      address: '192.0.2.21',
      subscriberKey: '00:00:5e:00:53:21',
      keyKind: 'mac',
      evidence: 'line 3',
      detail: { 'subnet-id': '1' },
    },
    // Declined: Kea has cleared the client, so the lease seen on the address ends at the decline.
    {
      session: 'kea/192.0.2.20/00:00:5e:00:53:20',
      action: 'stop',
      at: t('2026-11-24T05:10:00Z'),
      address: '192.0.2.20',
      evidence: 'line 4',
      detail: { state: 'declined' },
    },
    {
      session: 'kea/192.0.2.22/01:61:62:63',
      action: 'start',
      at: t('2026-11-24T05:00:00Z'),
      expiresAt: t('2026-11-24T06:00:00Z'),
      address: '192.0.2.22',
      subscriberKey: 'rc0',
      keyKind: 'circuit',
      evidence: 'line 5',
      detail: { 'client-id': '01:61:62:63', 'subnet-id': '1' },
    },
    {
      session: `kea/2001:db8::1/${duid}`,
      action: 'start',
      at: t('2026-11-24T05:00:00Z'),
      expiresAt: t('2026-11-24T06:00:00Z'),
      address: '2001:db8::1',
      subscriberKey: duid,
      keyKind: 'client-id',
      evidence: 'line 7',
      detail: { iaid: '7', 'subnet-id': '1' },
    },
    {
      session: `kea/2001:db8::1/${duid}`,
      action: 'stop',
      at: t('2026-11-24T05:15:00Z'),
      address: '2001:db8::1',
      evidence: 'line 8',
      detail: { state: 'declined' },
    },
    {
      session: `kea/2001:db8:100::/48/${duid}`,
      action: 'start',
      at: t('2026-11-24T05:00:00Z'),
      expiresAt: t('2026-11-24T06:00:00Z'),
      address: '2001:db8:100::/48',
      subscriberKey: duid,
      keyKind: 'client-id',
      evidence: 'line 9',
      detail: { iaid: '8', 'subnet-id': '1', 'lease-type': 'IA_PD' },
    },
  ]);
});

test('what is wrong is said', () => {
  const header = fixtureLines('kea-2.2-leases4.csv')[0]!;
  assert.match(rejectionOf(keaCsv, ['a,b,c']), /3 columns and no header/);
  assert.match(rejectionOf(keaCsv, [header, '10.0.0.1,aa:bb,,60,100,1,0,0,,0']), /10 columns where the header has 11/);
  assert.match(rejectionOf(keaCsv, [header, '10.0.0.1,aa:bb,,sixty,100,1,0,0,,0,']), /valid_lifetime "sixty"/);
  assert.match(rejectionOf(keaCsv, [header, '10.0.0.256,aa:bb,,60,100,1,0,0,,0,']), /not an IPv4 address/);
  assert.match(rejectionOf(keaCsv, [header, '10.0.0.1,zz,,60,100,1,0,0,,0,']), /hwaddr "zz"/);
  assert.match(rejectionOf(keaCsv, [header, '10.0.0.1,aa:bb,,60,100,1,0,0,,7,']), /state 7/);
  assert.match(rejectionOf(keaCsv, [header, '10.0.0.1,,,60,100,1,0,0,,0,']), /names no client/);
  assert.match(rejectionOf(keaCsv, ['address,foo,bar']), /lacks hwaddr or duid/);
});

test('damaged lease files never throw and never give a malformed record', () => {
  const lines = [
    ...fixtureLines('kea-2.2-leases4.csv'),
    ...fixtureLines('kea-2.2-leases4-relayed.csv'),
    ...fixtureLines('kea-2.2-leases6.csv'),
    ...fixtureLines('kea-hand-made.csv'),
  ];
  assertSurvivesDamage(keaCsv, lines, {
    seed: 2202,
    rounds: 20_000,
    alphabet: ',:./&#x2c0123456789abcdef{}"\\ \u0000\u00e9',
  });
});
