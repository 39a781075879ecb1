import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storeKinds, type TestStore } from '../../test/support/stores.js';
import type { LeaseEvent } from '../domain/lease.js';
import { applyLeaseRecords } from './apply-leases.js';
import { keysOf, leaseReadCache, lookupMany, lookupManyKeys, type LookupManyStats } from './lookup-many.js';
import { lookupAddress, type Attribution, type LookupOptions, type LookupQuery } from './lookup.js';

// lookupMany must answer exactly as lookupAddress does, candidate for candidate, on a history with every
// case the judgement distinguishes: handovers within the skew (ambiguous), edges (within-skew), open,
// expired and silent sessions (estimated ends), intervals of every span class, delegated prefixes, CGNAT
// blocks with and without a lease behind them, deterministic NAT, and addresses nobody held.

const T0 = Date.parse('2026-10-01T00:00:00Z');
const S = 1000;
const H = 3_600_000;
const DURATIONS = [0, 1 * S, 1999, 2 * S, 30 * S, 10 * 60 * S, 2 * H, 26 * H, 9 * 24 * H];
const GAPS = [500, 1 * S, 3 * S, 10 * S, H, 5 * H];

/** A small seeded generator, so a failure names a case that can be run again. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Span = { address: string; start: number; end: number };

function history(next: () => number): { dhcp: LeaseEvent[]; radius: LeaseEvent[]; cgnat: LeaseEvent[]; spans: Span[] } {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const dhcp: LeaseEvent[] = [];
  const radius: LeaseEvent[] = [];
  const cgnat: LeaseEvent[] = [];
  const spans: Span[] = [];
  const run = (address: string, emit: (i: number, start: number, end: number | undefined) => void) => {
    let t = T0 + Math.floor(next() * H);
    for (let i = 0; i < 8; i++) {
      const d = pick(DURATIONS);
      const last = i === 7 && next() < 0.5;
      emit(i, t, last ? undefined : t + d);
      spans.push({ address, start: t, end: t + d });
      t += d + pick(GAPS);
    }
  };
  for (let a = 1; a <= 6; a++) {
    const address = `10.0.0.${a}`;
    run(address, (i, start, end) => {
      const common = {
        session: `dhcpd/${address}/${i}`,
        address,
        subscriberKey: `mac-${a}-${i}`,
        keyKind: 'mac' as const,
      };
      // Some leases run to their expiry unrenewed (no stop): they end there on their own.
      const expires = end === undefined ? start + 6 * H : end + (next() < 0.5 ? 0 : H);
      dhcp.push({ ...common, action: 'start', at: start, expiresAt: expires, evidence: `dhcp ${a}.${i}` });
      if (end !== undefined && next() < 0.8)
        dhcp.push({ ...common, action: 'stop', at: end, evidence: `dhcp ${a}.${i}.` });
    });
  }
  for (let a = 1; a <= 6; a++) {
    const address = `100.64.0.${a}`;
    run(address, (i, start, end) => {
      const common = {
        session: `nas/${a}/${i}`,
        address,
        subscriberKey: `user${a}.${i}@isp`,
        keyKind: 'user' as const,
        nas: '192.0.2.1',
      };
      if (next() < 0.3) {
        // Only interim updates, the last long ago: a silent session, its end estimated.
        radius.push({ ...common, action: 'update', at: start, startedAt: start, interimSeconds: 600, evidence: 'u' });
        return;
      }
      radius.push({ ...common, action: 'start', at: start, evidence: `radius ${a}.${i}` });
      if (end !== undefined) radius.push({ ...common, action: 'stop', at: end, evidence: `radius ${a}.${i}.` });
    });
    const prefix = `2001:db8:${a}::/56`;
    run(prefix, (i, start, end) => {
      const common = {
        session: `nas/${a}/${i}/v6`,
        address: prefix,
        subscriberKey: `user${a}.${i}@isp`,
        keyKind: 'user' as const,
      };
      radius.push({ ...common, action: 'start', at: start, evidence: 'v6' });
      if (end !== undefined) radius.push({ ...common, action: 'stop', at: end, evidence: 'v6.' });
    });
  }
  for (let a = 1; a <= 3; a++) {
    const address = `203.0.113.${a}`;
    for (let b = 0; b < 3; b++) {
      const ports: [number, number] = [1024 + b * 256, 1024 + b * 256 + 255];
      run(`${address}#${b}`, (i, start, end) => {
        // Inside addresses beyond 100.64.0.6 have no session: the chain stops there.
        const inside = `100.64.0.${1 + Math.floor(next() * 8)}`;
        const common = { session: `pba/${address}/${b}/${i}`, address, ports, inside };
        cgnat.push({ ...common, action: 'start', at: start, evidence: 'pba' });
        if (end !== undefined) cgnat.push({ ...common, action: 'stop', at: end, evidence: 'pba.' });
      });
    }
  }
  return { dhcp, radius, cgnat, spans };
}

function queries(next: () => number, spans: Span[]): LookupQuery[] {
  const out: LookupQuery[] = [];
  const edges = [-2001, -2000, -1999, -1000, 0, 1, 999, 1999, 2000, 2001];
  for (let i = 0; i < 1000; i++) {
    const s = spans[Math.floor(next() * spans.length)]!;
    const [address, block] = s.address.split('#');
    const at =
      next() < 0.5
        ? (next() < 0.5 ? s.start : s.end) + edges[Math.floor(next() * edges.length)]!
        : s.start + Math.floor(next() * (s.end - s.start + 10 * S));
    const asked = address!.endsWith('/56')
      ? address!.replace('::/56', `:${Math.floor(next() * 256).toString(16)}::7`)
      : address!;
    const q: LookupQuery = { address: asked, atMs: at };
    if (block !== undefined && next() < 0.8) q.port = 1024 + Number(block) * 256 + Math.floor(next() * 300) - 20;
    if (next() < 0.1) q.skewMs = 0;
    out.push(q);
  }
  // Nobody's: an unused address, a public address with a port in no block.
  out.push({ address: '10.0.9.9', atMs: T0 + H }, { address: '203.0.113.9', port: 4000, atMs: T0 + H });
  return out;
}

/** Deterministic NAT on 198.51.100.9 from T0: ports 1024–2047 are 100.64.0.2's, 2048–3071 100.64.0.3's. */
const OPTIONS: LookupOptions = {
  nowMs: T0 + 40 * 24 * H,
  deterministicNat: (address, port, atMs) => {
    if (address !== '198.51.100.9' || atMs < T0) return [];
    const blocks = [
      { inside: '100.64.0.2', ports: [1024, 2047] as [number, number], mapping: 'dnat', since: T0 },
      { inside: '100.64.0.3', ports: [2048, 3071] as [number, number], mapping: 'dnat', since: T0 },
    ];
    return port === undefined ? blocks : blocks.filter((b) => port >= b.ports[0] && port <= b.ports[1]);
  },
};

/** Candidates in a fixed order: the stores return them in index order, lookupMany in its own. */
const canonical = (found: Attribution[]) => found.map((a) => JSON.stringify(a)).sort();

for (const kind of await storeKinds()) {
  describe(`lookupMany on ${kind.name}`, { skip: kind.skip }, () => {
    let store: TestStore;
    let asked: LookupQuery[];
    before(async () => {
      store = await kind.open();
      const next = random(0x5eed);
      const h = history(next);
      await applyLeaseRecords(store.db, 'dhcp', h.dhcp, { format: 'isc-dhcpd' });
      await applyLeaseRecords(store.db, 'radius', h.radius, { format: 'freeradius-detail' });
      await applyLeaseRecords(store.db, 'cgnat', h.cgnat, { format: 'juniper-pba' });
      asked = queries(next, h.spans);
      // Deterministic NAT, with a port and without (both blocks), while the inside addresses had sessions.
      for (const inside of ['100.64.0.2', '100.64.0.3']) {
        for (const s of h.spans.filter((s) => s.address === inside && s.end - s.start >= 30 * S)) {
          const atMs = s.start + 10 * S;
          asked.push({ address: '198.51.100.9', port: inside.endsWith('2') ? 1500 : 2500, atMs });
          asked.push({ address: '198.51.100.9', atMs });
        }
      }
    });
    after(async () => store?.dispose());

    test('every answer is lookupAddress’s, candidate for candidate, in one batch and in small ones', async () => {
      const one = await Promise.all(asked.map((q) => lookupAddress(store.db, q, OPTIONS)));
      const stats: LookupManyStats = { windows: 0, rows: 0, rounds: 0, fallbacks: 0 };
      const batched = await lookupMany(store.db, asked, OPTIONS, stats);
      assert.equal(batched.length, asked.length);
      for (const [i, q] of asked.entries())
        assert.deepEqual(canonical(batched[i]!), canonical(one[i]!), `query ${i}: ${JSON.stringify(q)}`);
      assert.equal(stats.fallbacks, 0);
      assert.equal(stats.rounds, 2, 'the addresses asked about, then the inside addresses of their blocks');
      // The keys alone (what an abuse report's rows are decided by) are the keys of those candidates, also
      // in time-ordered batches sharing one read cache, as a report's intake reads them.
      const keyed = await lookupManyKeys(store.db, asked, OPTIONS);
      for (const [i, q] of asked.entries())
        assert.deepEqual(keyed[i]!.sort(), keysOf(one[i]!).sort(), `keys of query ${i}: ${JSON.stringify(q)}`);
      const keyCache = leaseReadCache();
      const inTime = [...asked.keys()].sort((a, b) => asked[a]!.atMs - asked[b]!.atMs);
      for (let from = 0; from < inTime.length; from += 97) {
        const ids = inTime.slice(from, from + 97);
        const part = await lookupManyKeys(
          store.db,
          ids.map((i) => asked[i]!),
          OPTIONS,
          undefined,
          keyCache,
        );
        for (const [j, keys] of part.entries()) assert.deepEqual(keys.sort(), keysOf(one[ids[j]!]!).sort());
      }
      assert.ok(
        keyed.some((k) => k.length > 1) && keyed.some((k) => k.length === 1) && keyed.some((k) => k.length === 0),
      );
      // Something that is not an address is held by nobody (where lookupAddress on PostgreSQL would throw).
      assert.deepEqual(await lookupMany(store.db, [{ address: 'not-an-address', atMs: T0 }, asked[0]!], OPTIONS), [
        [],
        batched[0],
      ]);
      for (let from = 0; from < asked.length; from += 97) {
        const part = await lookupMany(store.db, asked.slice(from, from + 97), OPTIONS);
        for (const [j, found] of part.entries()) assert.deepEqual(canonical(found), canonical(one[from + j]!));
      }
      // One run's batches sharing what they read, the queries in time order (as a report comes) and as asked:
      // rows read ahead for one batch answer the next exactly as the store would.
      const byTime = [...asked.keys()].sort((a, b) => asked[a]!.atMs - asked[b]!.atMs);
      const windowsRead: number[] = [];
      for (const [order, cache] of [
        [byTime, leaseReadCache()],
        [byTime, undefined],
        [[...asked.keys()], leaseReadCache()],
      ] as const) {
        const counted: LookupManyStats = { windows: 0, rows: 0, rounds: 0, fallbacks: 0 };
        for (let from = 0; from < order.length; from += 97) {
          const ids = order.slice(from, from + 97);
          const part = await lookupMany(
            store.db,
            ids.map((i) => asked[i]!),
            OPTIONS,
            counted,
            cache,
          );
          for (const [j, found] of part.entries())
            assert.deepEqual(canonical(found), canonical(one[ids[j]!]!), `query ${ids[j]}, cache ${!!cache}`);
        }
        assert.equal(counted.fallbacks, 0);
        windowsRead.push(counted.windows);
      }
      assert.ok(windowsRead[0]! < windowsRead[1]!, `read ahead: ${windowsRead[0]} windows read, not ${windowsRead[1]}`);

      // The data set reaches every case the judgement tells apart, so the comparison above means something.
      const all = one.flat();
      const notes = new Set(all.flatMap((a) => a.notes));
      for (const note of ['ambiguous', 'within-skew', 'end-estimated', 'no-inner-lease', 'port-unknown'])
        assert.ok(notes.has(note as never), `some answer notes ${note}`);
      assert.ok(
        all.some((a) => a.links[0]?.kind === 'cgnat' && a.subscriberKey !== undefined),
        'a CGNAT chain to a user',
      );
      assert.ok(all.some((a) => a.links[0]?.kind === 'deterministic-nat' && a.subscriberKey !== undefined));
      assert.ok(
        all.some((a) => a.links[0]?.address.includes('/56')),
        'a delegated prefix',
      );
      assert.ok(one.filter((f) => f.length === 0).length > 50, 'look-ups that find nobody');
    });
  });
}
