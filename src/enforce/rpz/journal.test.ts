import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareRecords, diffZones, diffZonesIndexed, Journal, type DeltaRecord, type ZoneDelta } from './journal.js';
import { recordKey, type RpzZone, type ZoneRecord } from './zone.js';

const ORIGIN = 'rpz.mizugiwa.';

function zone(serial: number, records: ZoneRecord[], overrides: Partial<RpzZone> = {}): RpzZone {
  const sorted = [...records].sort((a, b) => (recordKey(a) < recordKey(b) ? -1 : recordKey(a) > recordKey(b) ? 1 : 0));
  return {
    origin: ORIGIN,
    soa: {
      mname: 'localhost.',
      rname: 'hostmaster.localhost.',
      serial,
      refresh: 3600,
      retry: 600,
      expire: 604800,
      minimum: 60,
    },
    ns: ['localhost.'],
    ttl: 300,
    records: sorted,
    ...overrides,
  };
}

const a = (owner: string, data = '127.0.0.1', ttl = 300): ZoneRecord => ({
  name: `${owner}.${ORIGIN}`,
  type: 'A',
  ttl,
  data,
});
const cname = (owner: string, data: string): ZoneRecord => ({
  name: `${owner}.${ORIGIN}`,
  type: 'CNAME',
  ttl: 300,
  data,
});

const dedupe = (rs: ZoneRecord[]) => [...new Map(rs.map((r) => [recordKey(r), r])).values()];

/** What a secondary does with a delta: the reference the merge must agree with. */
function apply(records: readonly DeltaRecord[], delta: ZoneDelta): DeltaRecord[] {
  const key = (r: DeltaRecord) => `${r.name} ${r.type} ${r.data} ${r.ttl}`;
  const set = new Map(records.map((r) => [key(r), r]));
  for (const r of delta.deleted) assert.ok(set.delete(key(r)), `deleted ${key(r)} was not there`);
  for (const r of delta.added) {
    assert.ok(!set.has(key(r)), `added ${key(r)} was already there`);
    set.set(key(r), r);
  }
  return [...set.values()].sort((x, y) => (key(x) < key(y) ? -1 : 1));
}

const withNs = (z: RpzZone): DeltaRecord[] => [
  ...z.ns.map((data) => ({ name: z.origin, type: 'NS' as const, ttl: z.ttl, data })),
  ...z.records,
];

describe('diffZones', () => {
  test('finds additions and deletions, and carries both SOAs', () => {
    const prev = zone(1, [a('keep.example'), a('gone.example'), cname('*.gone.example', '.')]);
    const next = zone(2, [a('keep.example'), a('new.example'), cname('*.new.example', 'rpz-passthru.')]);
    const delta = diffZones(prev, next);
    assert.equal(delta.from.serial, 1);
    assert.equal(delta.to.serial, 2);
    assert.deepEqual(delta.deleted.map((r) => r.name).sort(), [
      '*.gone.example.rpz.mizugiwa.',
      'gone.example.rpz.mizugiwa.',
    ]);
    assert.deepEqual(delta.added.map((r) => r.name).sort(), [
      '*.new.example.rpz.mizugiwa.',
      'new.example.rpz.mizugiwa.',
    ]);
  });

  test('a changed action on the same name is a delete and an add', () => {
    const delta = diffZones(zone(1, [cname('x.example', '.')]), zone(2, [cname('x.example', 'rpz-passthru.')]));
    assert.deepEqual(delta.deleted, [cname('x.example', '.')]);
    assert.deepEqual(delta.added, [cname('x.example', 'rpz-passthru.')]);
  });

  test('a TTL change is a change even though the record key is the same', () => {
    const delta = diffZones(zone(1, [a('x.example', '127.0.0.1', 300)]), zone(2, [a('x.example', '127.0.0.1', 60)]));
    assert.deepEqual(delta.deleted, [a('x.example', '127.0.0.1', 300)]);
    assert.deepEqual(delta.added, [a('x.example', '127.0.0.1', 60)]);
  });

  test('apex NS changes are part of the delta', () => {
    const delta = diffZones(zone(1, []), zone(2, [], { ns: ['ns1.example.'] }));
    assert.deepEqual(delta.deleted, [{ name: ORIGIN, type: 'NS', ttl: 300, data: 'localhost.' }]);
    assert.deepEqual(delta.added, [{ name: ORIGIN, type: 'NS', ttl: 300, data: 'ns1.example.' }]);
  });

  test('identical zones give an empty delta; empty to full and back', () => {
    const full = zone(2, [a('a.example'), a('b.example')]);
    assert.deepEqual(diffZones(full, { ...full, soa: { ...full.soa, serial: 3 } }).added, []);
    assert.equal(diffZones(zone(1, []), full).added.length, 2);
    assert.equal(diffZones(full, zone(3, [])).deleted.length, 2);
  });

  test('applying the delta to the old zone gives the new one (random zones)', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 50; round++) {
      const pick = () =>
        Array.from({ length: Math.floor(random() * 60) }, () => {
          const owner = `n${Math.floor(random() * 40)}.example`;
          return random() < 0.5
            ? a(owner, '127.0.0.1', random() < 0.9 ? 300 : 60)
            : cname(owner, random() < 0.5 ? '.' : '*.');
        });
      const prev = zone(round, dedupe(pick()));
      const next = zone(round + 1, dedupe(pick()), random() < 0.2 ? { ns: ['ns.example.'] } : {});
      const delta = diffZones(prev, next);
      assert.deepEqual(apply(withNs(prev), delta), apply(withNs(next), { ...delta, deleted: [], added: [] }));
    }
  });

  test('compareRecords orders exactly as recordKey does, prefixes and odd characters included', () => {
    const names = ['a.', 'a.b.', 'a-.', 'a .', 'a\u001f.', 'a', 'ab', 'a b', 'a\u001fb', '*.a.', 'A.', ''];
    const types: ZoneRecord['type'][] = ['A', 'AAAA', 'CNAME'];
    const datas = ['.', '*.', '127.0.0.1', '127.0.0.10', ''];
    const all = names.flatMap((name) => types.flatMap((type) => datas.map((data) => ({ name, type, ttl: 1, data }))));
    for (const x of all) {
      for (const y of all) {
        const expected = recordKey(x) < recordKey(y) ? -1 : recordKey(x) > recordKey(y) ? 1 : 0;
        assert.equal(Math.sign(compareRecords(x, y)), expected, `${recordKey(x)} vs ${recordKey(y)}`);
      }
    }
  });

  test('the indexed diff says where each deleted and added record sits', () => {
    const prev = zone(1, [a('a.example'), a('b.example'), a('c.example')]);
    const next = zone(2, [a('a.example'), a('c.example', '127.0.0.1', 60), a('d.example')]);
    const { delta, deletedIndex, addedIndex } = diffZonesIndexed(prev, next);
    assert.deepEqual(
      deletedIndex.map((i) => prev.records[i]),
      delta.deleted,
    );
    assert.deepEqual(
      addedIndex.map((j) => next.records[j]),
      delta.added,
    );
    assert.deepEqual(
      [deletedIndex, addedIndex],
      [
        [1, 2],
        [1, 2],
      ],
    );
  });

  test('any two neighbours out of order, in either zone, are caught (random zones)', () => {
    let seed = 3;
    const random = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    for (let round = 0; round < 300; round++) {
      const owners = (n: number) => Array.from({ length: n }, () => a(`n${random(30)}.example`));
      const prev = zone(1, dedupe(owners(2 + random(20))));
      const next = zone(2, random(2) ? dedupe([...prev.records, ...owners(random(5))]) : prev.records);
      const broken = random(2) ? prev : next;
      if (broken.records.length < 2) continue;
      const k = random(broken.records.length - 1);
      const records = [...broken.records];
      [records[k], records[k + 1]] = [records[k + 1]!, records[k]!];
      const swapped = { ...broken, records };
      assert.throws(
        () => (broken === prev ? diffZones(swapped, next) : diffZones(prev, swapped)),
        /not sorted by recordKey/,
        `round ${round}`,
      );
    }
  });

  test('refuses records out of order or zones of another origin', () => {
    const sorted = zone(1, [a('a.example'), a('b.example')]);
    const unsorted = { ...sorted, records: [...sorted.records].reverse() };
    assert.throws(() => diffZones(unsorted, sorted), /not sorted by recordKey/);
    assert.throws(() => diffZones(sorted, unsorted), /not sorted by recordKey/);
    assert.throws(() => diffZones(sorted, { ...sorted, origin: 'other.' }), /different origins/);
  });

  test('a million records against a million, a thousand changed each way, in well under two seconds', () => {
    const N = 1_000_000;
    const owner = (i: number) => `d${String(i).padStart(7, '0')}.example`;
    const prevRecords: ZoneRecord[] = [];
    const nextRecords: ZoneRecord[] = [];
    for (let i = 0; i < N; i++) {
      const r = a(owner(i));
      prevRecords.push(r);
      if (i % 1000 !== 0) nextRecords.push(r);
    }
    for (let i = 0; i < 1000; i++) nextRecords.push(a(`z${String(i).padStart(4, '0')}.example`));
    // Built in key order already, so zone() sorting does not count against the merge.
    const prev = zone(1, []);
    prev.records = prevRecords;
    const next = zone(2, []);
    next.records = nextRecords;
    const started = performance.now();
    const delta = diffZones(prev, next);
    const ms = performance.now() - started;
    assert.equal(delta.deleted.length, 1000);
    assert.equal(delta.added.length, 1000);
    assert.ok(ms < 2000, `diff took ${ms.toFixed(0)} ms`);
  });
});

describe('Journal', () => {
  const step = (from: number, to: number): ZoneDelta => diffZones(zone(from, []), zone(to, [a(`s${to}.example`)]));

  test('follows the chain from a serial to the current one, oldest step first', () => {
    const journal = new Journal(10);
    journal.push(step(1, 2));
    journal.push(step(2, 3));
    journal.push(step(3, 5));
    assert.deepEqual(
      journal.since(1, 5)?.map((d) => [d.from.serial, d.to.serial]),
      [
        [1, 2],
        [2, 3],
        [3, 5],
      ],
    );
    assert.deepEqual(
      journal.since(3, 5)?.map((d) => d.to.serial),
      [5],
    );
    assert.deepEqual(journal.since(5, 5), []);
    assert.equal(journal.since(4, 5), undefined, 'a serial never served');
    assert.equal(journal.since(0, 5), undefined, 'older than the journal');
  });

  test('keeps only the last maxVersions deltas', () => {
    const journal = new Journal(2);
    for (let s = 1; s <= 4; s++) journal.push(step(s, s + 1));
    assert.equal(journal.size, 2);
    assert.equal(journal.since(2, 5), undefined);
    assert.equal(journal.since(3, 5)?.length, 2);
  });

  test('serials wrap around 2^32 (RFC 1982)', () => {
    const journal = new Journal(5);
    journal.push(step(2 ** 32 - 1, 0));
    journal.push(step(0, 1));
    assert.equal(journal.since(2 ** 32 - 1, 1)?.length, 2);
  });

  test('a cycle of serials is out of reach rather than an endless walk', () => {
    const journal = new Journal(5);
    journal.push(step(1, 2));
    journal.push(step(2, 1));
    assert.equal(journal.since(1, 3), undefined);
  });

  test('rejects a size that is not a whole number ≥ 1', () => {
    assert.throws(() => new Journal(0), /journal_versions/);
    assert.throws(() => new Journal(1.5), /journal_versions/);
  });
});
