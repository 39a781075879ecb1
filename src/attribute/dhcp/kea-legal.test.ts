import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keaLegal } from './kea-legal.js';
import { assertSurvivesDamage, ctx, fixtureLines, readAll, readEvents, rejectionOf, t } from './dhcp.test-support.js';

// Debian 12's Kea 2.2 packages do not ship the forensic log hook (libdhcp_legal_log.so; ISC opened it in 2.4+,
// Debian has no such package), so kea-legal-hand-made.txt is written from the hook's wording: its sources
// (lease4_callouts.cc, lease6_callouts.cc, command_callouts.cc, backend_store.cc) and the ARM's examples,
// including the older "renewed", "min" and "circuit id" spellings. The file is read as Tokyo time (JST).

const relayed = {
  session: 'kea/192.2.1.100/08:00:2b:02:3f:4e',
  address: '192.2.1.100',
  subscriberKey: 'howdy',
  keyKind: 'circuit' as const,
};
const relayedDetail = {
  mac: '08:00:2b:02:3f:4e',
  'client-id': '17:34:e2:ff:09:92:54',
  relay: '192.2.16.33',
  'remote-id': '87:f6:79:77:ef',
};
const v6duid = '17:34:e2:ff:09:92:54';
const v6 = {
  session: `kea/2001:db8:1::/${v6duid}`,
  address: '2001:db8:1::',
  subscriberKey: v6duid,
  keyKind: 'client-id' as const,
};
const haDuid = '1a:1b:1c:1d:1e:1f:20:21:22:23:24';
const pdDuid = '00:01:00:01:32:98:de:8b:02:00:00:fa:06:01';

test('every entry of the forensic log, DHCPv4 and DHCPv6, leases and lease commands', () => {
  assert.deepEqual(readEvents(keaLegal, fixtureLines('kea-legal-hand-made.txt')), [
    {
      ...relayed,
      action: 'start',
      at: t('2026-11-24T01:00:00Z'),
      expiresAt: t('2026-11-24T02:52:15Z'),
      evidence: 'line 1',
      detail: relayedDetail,
    },
    {
      ...relayed,
      action: 'update',
      at: t('2026-11-24T01:56:07Z'),
      expiresAt: t('2026-11-24T03:48:22Z'),
      evidence: 'line 2',
      detail: relayedDetail,
    },
    { ...relayed, action: 'stop', at: t('2026-11-24T02:00:00Z'), evidence: 'line 3', detail: relayedDetail },
    {
      session: 'kea/192.0.2.10/00:00:5e:00:53:10',
      action: 'start',
      at: t('2026-11-24T02:05:00Z'),
      expiresAt: t('2026-11-25T02:05:00Z'),
      address: '192.0.2.10',
      subscriberKey: '00:00:5e:00:53:10',
      keyKind: 'mac',
      evidence: 'line 4',
      // The printable client id "ab) c" is skipped by its length, not at its first ")".
      detail: { 'client-id': '61:62:29:20:63' },
    },
    {
      session: 'kea/192.0.2.11/00:00:5e:00:53:11',
      action: 'start',
      at: t('2026-11-24T02:06:00Z'),
      address: '192.0.2.11',
      subscriberKey: '00:00:5e:00:53:11',
      keyKind: 'mac',
      evidence: 'line 5',
    },
    {
      ...v6,
      action: 'start',
      at: t('2026-11-24T02:07:00Z'),
      expiresAt: t('2026-11-24T02:18:53Z'),
      evidence: 'line 6',
      detail: {
        mac: '08:00:2b:02:3f:4e',
        relay: 'fe80::abcd',
        link: '3001::1',
        'remote-id': '01:02:03:04:0a:0b:0c:0d:0e:0f',
        'subscriber-id': '1a:2b:3c:4d:5e:6f',
        'interface-id': 'eth0',
      },
    },
    {
      session: `kea/2001:db8:100::/56/${pdDuid}`,
      action: 'start',
      at: t('2026-11-24T02:08:00Z'),
      expiresAt: t('2026-11-24T02:38:00Z'),
      address: '2001:db8:100::/56',
      subscriberKey: pdDuid,
      keyKind: 'client-id',
      evidence: 'line 7',
    },
    { ...v6, action: 'stop', at: t('2026-11-24T02:09:00Z'), evidence: 'line 8', detail: { mac: '08:00:2b:02:3f:4e' } },
    {
      session: 'kea/192.0.2.202/1a:1b:1c:1d:1e:1f',
      action: 'start',
      at: t('2026-11-24T02:10:00Z'),
      expiresAt: t('2026-11-25T02:10:00Z'),
      address: '192.0.2.202',
      subscriberKey: '1a:1b:1c:1d:1e:1f',
      keyKind: 'mac',
      evidence: 'line 9',
      detail: { issuer: 'Administrator' },
    },
    {
      session: 'kea/192.0.2.202/1a:1b:1c:1d:1e:1f',
      action: 'update',
      at: t('2026-11-24T02:11:00Z'),
      address: '192.0.2.202',
      subscriberKey: '1a:1b:1c:1d:1e:1f',
      keyKind: 'mac',
      evidence: 'line 10',
      detail: { 'client-id': '12:34:56:78:90', issuer: 'Administrator' },
    },
    // Deleted by address: the lease this reader saw there.
    {
      session: 'kea/192.0.2.202/1a:1b:1c:1d:1e:1f',
      action: 'stop',
      at: t('2026-11-24T02:12:00Z'),
      address: '192.0.2.202',
      evidence: 'line 11',
      detail: { issuer: 'Administrator' },
    },
    {
      session: `kea/2001:db8:200::/56/${haDuid}`,
      action: 'start',
      at: t('2026-11-24T02:13:00Z'),
      expiresAt: t('2026-11-24T02:43:00Z'),
      address: '2001:db8:200::/56',
      subscriberKey: haDuid,
      keyKind: 'client-id',
      evidence: 'line 12',
      detail: { mac: '1a:1b:1c:1d:1e:1f', issuer: 'HA partner' },
    },
    // Deleted by the device: what this reader saw it hold.
    {
      session: `kea/2001:db8:200::/56/${haDuid}`,
      action: 'stop',
      at: t('2026-11-24T02:14:00Z'),
      address: '2001:db8:200::/56',
      evidence: 'line 13',
      detail: { issuer: 'Administrator' },
    },
    // Text a later Kea might add is kept, not lost and not guessed at.
    {
      session: 'kea/192.0.2.12/00:00:5e:00:53:12',
      action: 'start',
      at: t('2026-11-24T02:15:00.123Z'),
      expiresAt: t('2026-11-24T02:25:00.123Z'),
      address: '192.0.2.12',
      subscriberKey: '00:00:5e:00:53:12',
      keyKind: 'mac',
      evidence: 'line 14',
      detail: { unread: 'some later addition' },
    },
  ]);
});

test('zone abbreviations other than UTC are read in the configured zone', () => {
  const line =
    '2026-07-01 09:00:00 CEST Address: 192.0.2.1 has been released from a device with hardware address: hwtype=1 00:00:5e:00:53:01';
  const inTokyo = readEvents(keaLegal, [line])[0]!;
  assert.equal(inTokyo.at, t('2026-07-01T00:00:00Z'));
  const inParis = readEvents(keaLegal, [line], {
    ...ctx,
    localTime: (y, mo, d, h, mi, s, ms) => Date.UTC(y, mo - 1, d, h - 2, mi, s, ms),
  })[0]!;
  assert.equal(inParis.at, t('2026-07-01T07:00:00Z'));
});

test('a delete of a lease this reader never saw granted cannot say whose lease ended', () => {
  assert.match(
    rejectionOf(keaLegal, ['2026-11-24 11:12:00 JST Administrator deleted the lease for address: 192.0.2.99']),
    /does not say \(before this line\) who held it/,
  );
  assert.match(
    rejectionOf(keaLegal, [
      '2026-11-24 11:14:00 JST Administrator deleted a lease for a device identified by: hw-address of 00:00:5e:00:53:99',
    ]),
    /which address it held/,
  );
});

test('what is wrong is said', () => {
  const stamp = '2026-11-24 10:00:00 JST ';
  assert.match(rejectionOf(keaLegal, ['24/11/2026 10:00 Address: 192.0.2.1 has been released']), /time stamp/);
  assert.match(rejectionOf(keaLegal, ['2026-02-30 10:00:00 JST Address: 192.0.2.1']), /not a valid date/);
  assert.match(rejectionOf(keaLegal, [`${stamp}lease 192.0.2.1 given to aa:bb`]), /custom request-parser-format/);
  assert.match(
    rejectionOf(keaLegal, [
      `${stamp}Address: 192.0.2.1 has been assigned for ever to a device with hardware address: hwtype=1 aa:bb`,
    ]),
    /lease time/,
  );
  assert.match(
    rejectionOf(keaLegal, [
      `${stamp}Address: 192.0.2.999 has been released from a device with hardware address: hwtype=1 aa:bb`,
    ]),
    /not an address/,
  );
  assert.match(
    rejectionOf(keaLegal, [`${stamp}Address: 192.0.2.1 has been released from a device with serial number: 7`]),
    /neither by "hardware address:" nor by "DUID:"/,
  );
  assert.deepEqual(readAll(keaLegal, ['', '  ']), []);
});

test('damaged log lines never throw and never give a malformed record', () => {
  assertSurvivesDamage(keaLegal, fixtureLines('kea-legal-hand-made.txt'), {
    seed: 2402,
    rounds: 20_000,
    alphabet: ' :,()=-./0123456789abcdefhwtypeDUIDAddress\u0000\u00e9',
  });
});
