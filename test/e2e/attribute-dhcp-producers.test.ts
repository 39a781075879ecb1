// The DHCP lease formats against the servers that write their files: Kea (memfile lease4 CSV), ISC dhcpd
// (dhcpd.leases) and dnsmasq (its lease file, and the lines scripts/dnsmasq-lease-event.sh appends as its
// --dhcp-script) each give a real client (dhclient) a lease in a pair of network namespaces, and the client
// then releases it. What the format reads from the server's file must be that client, that address, and
// times within the moments the test saw the client ask, get bound and release.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import type { LeaseEvent, LeaseRecord } from '../../src/domain/lease.js';
import { dnsmasq } from '../../src/attribute/dhcp/dnsmasq.js';
import { iscDhcpd } from '../../src/attribute/dhcp/isc-dhcpd.js';
import { keaCsv } from '../../src/attribute/dhcp/kea-csv.js';
import type { LeaseFormat } from '../../src/attribute/lease-format.js';
import { importLeaseFile } from '../../src/attribute/import-leases.js';
import { lookupAddress } from '../../src/attribute/lookup.js';
import { createLogger } from '../../src/log.js';
import { localTimeIn } from '../../src/observe/local-time.js';
import { sqliteStore } from '../support/stores.js';
import { eventually, runCleanups, tempDir, type Cleanups } from '../support/daemon.js';
import { missingDhcp, runDnsmasq, runIscDhcpd, runKeaDhcp4, type DhcpLease } from '../support/dhcp.js';

/** Every event `format` reads from `file`, asserting that nothing in it was rejected. */
function readEvents(format: LeaseFormat, file: string, now = Date.now()): LeaseEvent[] {
  const reader = format.reader({ now, localTime: localTimeIn('UTC') });
  const lines = readFileSync(file, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const records: LeaseRecord[] = [...lines.flatMap((line, i) => reader.line(line, i + 1)), ...reader.end()];
  for (const record of records) assert.notEqual(record.action, 'rejected', JSON.stringify(record));
  return records as LeaseEvent[];
}

/** `at` lies in [from, to], the servers writing whole seconds. */
function assertWithin(at: number | undefined, from: number, to: number, what: string): void {
  assert.ok(at !== undefined, `${what}: no time`);
  const seconds = Math.floor(from / 1000) * 1000;
  assert.ok(
    at >= seconds && at <= to,
    `${what}: ${new Date(at).toISOString()} not in ${new Date(seconds).toISOString()} … ${new Date(to).toISOString()}`,
  );
}

/** The grant: start at the grant, lasting the lease time, for the client's MAC. */
function assertGranted(event: LeaseEvent | undefined, lease: DhcpLease, session: string): void {
  assert.ok(event, `no event for ${session}\nserver: ${lease.serverOutput()}`);
  assert.equal(event.session, session);
  assert.equal(event.action, 'start');
  assert.equal(event.address, lease.leasedAddress);
  assert.equal(event.subscriberKey, lease.clientMac);
  assert.equal(event.keyKind, 'mac');
  assertWithin(event.at, lease.askedAt, lease.boundAt, 'the grant');
  // Whole seconds on both sides, and dnsmasq's script stamps its line a moment after the grant: a second's give.
  const lasts = event.expiresAt! - event.at;
  assert.ok(
    Math.abs(lasts - lease.leaseSeconds * 1000) <= 1000,
    `expires after the lease time: ${lasts} ms against ${lease.leaseSeconds} s`,
  );
}

describe('Kea writes kea-leases4.csv', { skip: missingDhcp('kea-dhcp4') }, () => {
  const cleanups: Cleanups = [];
  after(() => runCleanups(cleanups));

  test('the client, its address and the times of its grant and release', async () => {
    const lease = await runKeaDhcp4(cleanups, tempDir(cleanups, 'mzg-kea4-'));
    const session = `kea/${lease.leasedAddress}/${lease.clientMac}`;
    const granted = readEvents(keaCsv, lease.leaseFile);
    assert.equal(granted.length, 1, JSON.stringify(granted));
    assertGranted(granted[0], lease, session);
    assert.equal(granted[0]!.detail?.hostname, 'mzg-e2e');

    // Ingested as `attribute import` does, the lease answers a look-up for the client's address now.
    const store = await sqliteStore();
    cleanups.push(() => store.dispose());
    const log = createLogger({ log: { level: 'warn', format: 'json' } }, process.stderr);
    const imported = await importLeaseFile(
      store.db,
      { file: lease.leaseFile, format: 'kea-csv', source: 'kea', zone: 'UTC' },
      { log },
    );
    assert.equal(imported.events, 1);
    const found = await lookupAddress(store.db, { address: lease.leasedAddress, atMs: Date.now() });
    assert.deepEqual(
      found.map((a) => [a.subscriberKey, a.links[0]?.source]),
      [[lease.clientMac, 'kea']],
    );
    assert.deepEqual(await lookupAddress(store.db, { address: lease.leasedAddress, atMs: lease.askedAt - 60_000 }), []);

    await lease.release();
    await eventually('the release row', () => readEvents(keaCsv, lease.leaseFile).length === 2 || 'not yet');
    const released = readEvents(keaCsv, lease.leaseFile)[1]!;
    assert.equal(released.session, session);
    assert.equal(released.action, 'stop');
    // Kea's deletion row keeps the last transaction (here the grant), not the release's time.
    assert.equal(released.at, granted[0]!.at);
  });
});

describe('ISC dhcpd writes dhcpd.leases', { skip: missingDhcp('isc-dhcpd') }, () => {
  const cleanups: Cleanups = [];
  after(() => runCleanups(cleanups));

  test('the client, its address and the times of its grant and release', async () => {
    const lease = await runIscDhcpd(cleanups, tempDir(cleanups, 'mzg-dhcpd-'));
    const session = `dhcpd/${lease.leasedAddress}/${lease.clientMac}`;
    const granted = readEvents(iscDhcpd, lease.leaseFile).filter((e) => e.session === session);
    assert.equal(granted.length, 1, JSON.stringify(granted));
    assertGranted(granted[0], lease, session);

    const releasing = Date.now();
    await lease.release();
    const releasedBy = Date.now();
    await eventually(
      'the released lease block',
      () =>
        readEvents(iscDhcpd, lease.leaseFile).some((e) => e.session === session && e.action === 'stop') || 'not yet',
    );
    const stop = readEvents(iscDhcpd, lease.leaseFile).find((e) => e.action === 'stop')!;
    assertWithin(stop.at, releasing, releasedBy + 1000, 'the release');
    assert.equal(stop.startedAt, granted[0]!.at);
  });
});

describe(
  'dnsmasq writes its lease file and, through scripts/dnsmasq-lease-event.sh, lease events',
  { skip: missingDhcp('dnsmasq') },
  () => {
    const cleanups: Cleanups = [];
    after(() => runCleanups(cleanups));

    test('the client, its address and the times of its grant and release', async () => {
      const lease = await runDnsmasq(cleanups, tempDir(cleanups, 'mzg-dnsmasq-'));
      const session = `dnsmasq/${lease.leasedAddress}/${lease.clientMac}`;

      const snapshotAt = Date.now();
      const [held] = readEvents(dnsmasq, lease.leaseFile, snapshotAt);
      assert.ok(held, `nothing in the lease file\nserver: ${lease.serverOutput()}`);
      assert.deepEqual(
        [held.session, held.action, held.at, held.subscriberKey],
        [session, 'update', snapshotAt, lease.clientMac],
      );
      assertWithin(
        held.expiresAt! - lease.leaseSeconds * 1000,
        lease.askedAt,
        lease.boundAt,
        'the lease file expiry less the lease time',
      );

      const [granted] = readEvents(dnsmasq, lease.eventFile!);
      assertGranted(granted, lease, session);
      assert.equal(granted!.detail?.hostname, 'mzg-e2e');
      assert.equal(granted!.detail?.interface, 'sv0');

      const releasing = Date.now();
      await lease.release();
      const releasedBy = Date.now();
      await eventually('the del line', () => readEvents(dnsmasq, lease.eventFile!).length === 2 || 'not yet');
      const stop = readEvents(dnsmasq, lease.eventFile!)[1]!;
      assert.deepEqual([stop.session, stop.action], [session, 'stop']);
      assertWithin(stop.at, releasing, releasedBy + 2000, 'the release');
      await eventually(
        'the lease file without the lease',
        () => readEvents(dnsmasq, lease.leaseFile).length === 0 || 'not yet',
      );
    });
  },
);
