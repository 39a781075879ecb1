import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import dnsPacket from 'dns-packet';
import { diffZonesIndexed } from './journal.js';
import { packRecords, packSoa, repackRecords, type Packed } from './pack.js';
import { singleResponse } from './transfer.js';
import { nameToWire } from './wire.js';
import { recordKey, type RpzZone, type ZoneRecord } from './zone.js';

const ORIGIN = 'rpz.mizugiwa.';
const question = Buffer.concat([nameToWire(ORIGIN), Buffer.from([0, 252, 0, 1])]);

/** The packed records in a message after the question, decoded by dns-packet (an independent reader). */
function decode(packed: Packed) {
  const message = singleResponse({ id: 1, opcode: 0, rd: false, question }, 0, [packed]);
  const answers = dnsPacket.decode(message).answers as { name: string; ttl: number; type: string; data: unknown }[];
  return answers.map((a) => `${a.name}. ${a.ttl} ${a.type} ${JSON.stringify(a.data)}`);
}

function zone(serial: number, records: ZoneRecord[]): RpzZone {
  const sorted = [...new Map(records.map((r) => [recordKey(r), r])).values()].sort((a, b) =>
    recordKey(a) < recordKey(b) ? -1 : 1,
  );
  const soa = { mname: 'localhost.', rname: 'h.localhost.', serial, refresh: 1, retry: 1, expire: 1, minimum: 1 };
  return { origin: ORIGIN, soa, ns: ['localhost.'], ttl: 300, records: sorted };
}

describe('pack', () => {
  test('owners are relative to the question; A, AAAA, CNAME and NS read back as written', () => {
    const records: ZoneRecord[] = [
      { name: `evil.example.${ORIGIN}`, type: 'A', ttl: 300, data: '127.0.0.1' },
      { name: `*.evil.example.${ORIGIN}`, type: 'AAAA', ttl: 60, data: '2001:db8::1' },
      { name: `32.1.2.0.192.rpz-ip.${ORIGIN}`, type: 'CNAME', ttl: 300, data: '.' },
      { name: `x.${ORIGIN}`, type: 'CNAME', ttl: 300, data: 'rpz-passthru.' },
    ];
    assert.deepEqual(decode(packRecords(ORIGIN, records)), [
      'evil.example.rpz.mizugiwa. 300 A "127.0.0.1"',
      '*.evil.example.rpz.mizugiwa. 60 AAAA "2001:db8::1"',
      '32.1.2.0.192.rpz-ip.rpz.mizugiwa. 300 CNAME "."',
      'x.rpz.mizugiwa. 300 CNAME "rpz-passthru"',
    ]);
    assert.deepEqual(decode(packRecords(ORIGIN, [{ name: ORIGIN, type: 'NS', ttl: 300, data: 'ns.example.' }])), [
      'rpz.mizugiwa. 300 NS "ns.example"',
    ]);
    const soa = decode(
      packSoa({ mname: 'a.', rname: 'b.c.', serial: 4_000_000_000, refresh: 1, retry: 2, expire: 3, minimum: 4 }, 9),
    );
    assert.match(soa[0]!, /^rpz\.mizugiwa\. 9 SOA .*"serial":4000000000/);
  });

  test('non-ASCII labels are written as UTF-8 bytes', () => {
    const packed = packRecords(ORIGIN, [{ name: `bücher.example.${ORIGIN}`, type: 'A', ttl: 1, data: '127.0.0.1' }]);
    assert.ok(packed.bytes.includes(Buffer.from([7, ...Buffer.from('bücher')])));
  });

  test('refuses what cannot be a record: a long label or name, a bad address, a name outside the zone', () => {
    const a = (name: string, data = '127.0.0.1'): ZoneRecord => ({ name, type: 'A', ttl: 1, data });
    assert.throws(() => packRecords(ORIGIN, [a(`${'x'.repeat(64)}.${ORIGIN}`)]), /1 to 63 bytes/);
    assert.throws(() => packRecords(ORIGIN, [a(`a..b.${ORIGIN}`)]), /1 to 63 bytes/);
    assert.throws(() => packRecords(ORIGIN, [a(`${'abcdefghi.'.repeat(25)}${ORIGIN}`)]), /longer than 255/);
    assert.throws(() => packRecords(ORIGIN, [a(`x.${ORIGIN}`, '300.1.1.1')]), /no IPv4 address/);
    assert.throws(
      () => packRecords(ORIGIN, [{ name: `x.${ORIGIN}`, type: 'AAAA', ttl: 1, data: '1.2.3.4' }]),
      /no IPv6/,
    );
    assert.throws(() => packRecords(ORIGIN, [a('x.example.')]), /not under the zone/);
  });

  test('repacking from the previous version gives the same bytes as packing afresh (random versions)', () => {
    let seed = 11;
    const random = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    let prev = zone(1, []);
    let prevPacked = packRecords(ORIGIN, prev.records);
    for (let round = 2; round < 60; round++) {
      const records = Array.from({ length: random(80) }, (): ZoneRecord => {
        const name = `n${random(50)}.example.${ORIGIN}`;
        return random(2)
          ? { name, type: 'A', ttl: random(3) ? 300 : 60, data: '127.0.0.1' }
          : { name, type: 'CNAME', ttl: 300, data: random(2) ? '.' : 'rpz-passthru.' };
      });
      const next = zone(round, [...prev.records.filter(() => random(4) > 0), ...records]);
      const diff = diffZonesIndexed(prev, next);
      const repacked = repackRecords(ORIGIN, prevPacked, next.records, diff.deletedIndex, diff.addedIndex);
      const fresh = packRecords(ORIGIN, next.records);
      assert.deepEqual(repacked.bytes, fresh.bytes, `round ${round}`);
      assert.deepEqual([...repacked.offsets], [...fresh.offsets], `round ${round}`);
      prev = next;
      prevPacked = repacked;
    }
  });
});
