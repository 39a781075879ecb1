// A seeded lease workload for the attribution bench: the event streams an ISP's DHCP server, BRAS (RADIUS
// accounting for PPPoE) and CGNAT box produce over about 90 days, generated in memory batch by batch, in time
// order per source — the shape `applyLeaseRecords` gets from every lease source — with a sample of look-ups
// whose right answer is known from the generator's own bookkeeping, not from the code under test.
//
// Roughly half the intervals are DHCP leases, 30 % PPPoE sessions (an IPv4 address from 100.64.0.0/10, and
// for dual-stack sessions a delegated /56 as a second interval) and 20 % CGNAT port blocks: 256-port blocks
// on 512 public addresses, held by the 100.64/10 address of a PPPoE session for part of that session, so the
// chain public address + port → inside address → RADIUS user name always resolves. Each pool of addresses is
// sized from the interval count so that the history spans about 90 days whatever the size: every address is
// reused over and over, with gaps between holders. The history stops at the moment the last interval begins
// ("now"); sessions that have not ended by then stay open, as in a live store.
import type { LeaseEvent } from '../../src/domain/lease.js';
import { ipv6GroupsText } from '../../src/net/ipv6-text.js';
import { Heap, Queue, Reservoir } from './queues.js';
import { Random } from './random.js';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export const LEASE_SOURCES = ['dhcp', 'radius', 'cgnat'] as const;
export type LeaseSourceName = (typeof LEASE_SOURCES)[number];
/** The format each source's records stand for (for dead letters only: the events are built directly). */
export const SOURCE_FORMAT: Record<LeaseSourceName, string> = {
  dhcp: 'isc-dhcpd',
  radius: 'freeradius-detail',
  cgnat: 'juniper-pba',
};

export const INTERVAL_KINDS = ['dhcp', 'pppoe', 'pppoe-v6', 'cgnat'] as const;
export type IntervalKind = (typeof INTERVAL_KINDS)[number];
export type LookupKind = IntervalKind | 'miss-gap' | 'miss-unused';

export type LeaseBatch = { source: LeaseSourceName; format: string; records: LeaseEvent[] };

/** One look-up and its right answer: `expect` is the subscriber key that must be among the candidates, null for none. */
export type TruthLookup = {
  kind: LookupKind;
  address: string;
  port?: number;
  atMs: number;
  expect: string | null;
  /** CGNAT: the inside address the block's holder had (what a query without the CGNAT step must ask for). */
  inside?: string;
};

export type LeaseWorkloadOptions = {
  intervals: number;
  lookups: number;
  /** Events per batch (one `applyLeaseRecords` call). */
  batchEvents: number;
  /** The lookup's clock skew: misses are placed further than this from any interval. */
  skewMs: number;
  seed?: number;
};

export type LeaseWorkloadSummary = {
  intervals: number;
  events: number;
  batches: number;
  byKind: Record<IntervalKind, number>;
  /** Intervals still open at `nowMs` (started, no stop yet). */
  openByKind: Record<IntervalKind, number>;
  startMs: number;
  nowMs: number;
  pools: {
    dhcpAddresses: number;
    pppoeAddresses: number;
    publicAddresses: number;
    portBlocks: number;
    v6Prefixes: number;
    users: number;
  };
  pppoeSessions: number;
  sessionsBehindCgnat: number;
  dualStackSessions: number;
  maxBlocksInUse: number;
};

// --- the shape of the traffic -------------------------------------------------------------------------------

const START_MS = Date.UTC(2026, 7, 26); // 2026-08-26T00:00Z: about 90 days before the end
const SPAN_MS = 90 * DAY;
const SHARE_DHCP = 0.5;
/** Per PPPoE session: the share that is dual-stack (a delegated /56 as a second interval) … */
const DUAL_STACK = 0.35;
/** … and the share behind CGNAT, each of those holding 1 + Geometric(5/9) blocks (mean 1.8) in turn. */
const BEHIND_CGNAT = 0.5;
const EXTRA_BLOCK = 4 / 9;
const MEAN_BLOCKS = 1 / (1 - EXTRA_BLOCK);
/** DHCP lease times offered (hours) and how often; 60 % are held to expiry, the rest released early. */
const DHCP_LEASE_H = [1, 2, 4, 8, 12, 24];
const DHCP_LEASE_W = [0.15, 0.1, 0.15, 0.2, 0.2, 0.2];
const DHCP_HELD_TO_EXPIRY = 0.6;
const DHCP_GAP_MEAN = 4 * HOUR;
/** PPPoE session lengths: 10 % under an hour, 25 % 1–6 h, 45 % 6–48 h, 20 % 2–14 days. */
const PPP_GAP_MEAN = 1 * HOUR;
const PUBLIC_NETS = [
  [203, 0, 113],
  [198, 51, 100],
];
const BLOCK_SIZE = 256;
const FIRST_PORT = 1024;
const BLOCKS_PER_ADDRESS = Math.floor((65536 - FIRST_PORT) / BLOCK_SIZE); // 252
const NASES = Array.from({ length: 12 }, (_, i) => `198.18.0.${i + 1}`);
/** A freed /56 goes back to the pool only behind this many others (prefixes are not handed straight on). */
const V6_QUARANTINE = 2000;
/** Shares of the look-ups: the rest are hits, drawn uniformly from all intervals. */
const MISS_GAP_SHARE = 0.05;
const MISS_UNUSED_SHARE = 0.05;

const meanDhcpCycle = (() => {
  let meanE = 0;
  for (let i = 0; i < DHCP_LEASE_H.length; i++) meanE += DHCP_LEASE_H[i]! * DHCP_LEASE_W[i]! * HOUR;
  const held = meanE * (DHCP_HELD_TO_EXPIRY + (1 - DHCP_HELD_TO_EXPIRY) * 0.625);
  return held + DHCP_GAP_MEAN + 10 * SEC;
})();
const meanPppCycle = 0.1 * 30.5 * MIN + 0.25 * 3.5 * HOUR + 0.45 * 27 * HOUR + 0.2 * 8 * DAY + PPP_GAP_MEAN + 5 * SEC;

// --- small structures -----------------------------------------------------------------------------------------

const Ev = { DhcpStart: 0, DhcpStop: 1, PppStart: 2, PppStop: 3, BlockStart: 4, BlockStop: 5 } as const;
type Ev = (typeof Ev)[keyof typeof Ev];

type DhcpSlot = { address: string; mac: string; session: string; start: number; stop: number };
type PppSlot = { address: string; session: PppSession | undefined };
type PppSession = {
  slot: PppSlot;
  user: string;
  mac: string;
  nas: string;
  acct: string;
  port: string;
  start: number;
  stop: number;
  v6: { index: number; prefix: string } | undefined;
};
type Block = { session: PppSession; start: number; stop: number; id: number };
type Item = { t: number; seq: number; ev: Ev; ref: DhcpSlot | PppSlot | PppSession | Block };

type HitSample = {
  kind: IntervalKind;
  address: string;
  port?: number;
  start: number;
  stop: number;
  expect: string;
  inside?: string;
};
type GapSample = { address: string; port?: number; from: number; to: number };

const v4 = (n: number) => `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
const hex2 = (n: number) => (n & 255).toString(16).padStart(2, '0');
const mac = (n: number) => `02:00:${hex2(n >>> 24)}:${hex2(n >>> 16)}:${hex2(n >>> 8)}:${hex2(n)}`;
/** The n-th usable host address of a pool starting at `base` (skipping .0 and .255 of every /24). */
const poolAddress = (base: number, n: number) => v4(base + Math.floor(n / 254) * 256 + (n % 254) + 1);
const exp = (rng: Random, mean: number) => -mean * Math.log(1 - rng.next());
const wholeSeconds = (ms: number) => Math.round(ms / SEC) * SEC;

/** The n-th /56 of 2001:db8::/32 (n < 2^24), as groups. */
function v6Groups(n: number): number[] {
  return [0x2001, 0x0db8, n >>> 8, (n & 255) << 8, 0, 0, 0, 0];
}

export class LeaseWorkload {
  private readonly rng: Random;
  /** Sampling has its own stream, so the size of the sample never changes the workload. */
  private readonly pick: Random;
  private readonly heap = new Heap<Item>();
  private seq = 0;
  private created = 0;
  private nowMs = START_MS;
  private events = 0;
  private batchCount = 0;
  private readonly lines: Record<LeaseSourceName, number> = { dhcp: 0, radius: 0, cgnat: 0 };
  private readonly buffers: Record<LeaseSourceName, LeaseEvent[]> = { dhcp: [], radius: [], cgnat: [] };
  private readonly byKind: Record<IntervalKind, number> = { dhcp: 0, pppoe: 0, 'pppoe-v6': 0, cgnat: 0 };
  private readonly dhcpPool: number;
  private readonly pppPool: number;
  private readonly users: number;
  private readonly macs: number;
  private dhcpLeases = 0;
  private acct = 0;
  private pppoeSessions = 0;
  private behindCgnat = 0;
  private dualStack = 0;
  // CGNAT port blocks: FIFO of free block ids (id → public address id % 512, block id / 512).
  private readonly freeBlocks = new Queue();
  private readonly blockReleased: Float64Array;
  private blocksInUse = 0;
  private maxBlocksInUse = 0;
  private readonly publicAddresses: string[] = [];
  // Delegated /56s: minted on demand, reused in FIFO order behind a quarantine.
  private readonly freePrefixes = new Queue();
  private readonly prefixes: string[] = [];
  private readonly hits: Reservoir<HitSample>;
  private readonly gaps: Reservoir<GapSample>;
  private readonly hitTarget: number;
  private readonly gapTarget: number;
  private done = false;

  constructor(private readonly opts: LeaseWorkloadOptions) {
    const seed = opts.seed ?? 0x1ea5e5;
    this.rng = new Random(seed);
    this.pick = new Random(seed ^ 0x5a5a5a5a);
    const n = opts.intervals;
    this.dhcpPool = Math.max(4, Math.ceil((SHARE_DHCP * n * meanDhcpCycle) / SPAN_MS));
    const pppIntervalsPerSession = 1 + DUAL_STACK + BEHIND_CGNAT * MEAN_BLOCKS;
    const sessions = ((1 - SHARE_DHCP) * n) / pppIntervalsPerSession;
    this.pppPool = Math.max(4, Math.ceil((sessions * meanPppCycle) / SPAN_MS));
    if (this.pppPool > 254 * 16384)
      throw new Error(`${n} intervals need more PPPoE addresses than 100.64.0.0/10 holds`);
    if (this.dhcpPool > 254 * 4096) throw new Error(`${n} intervals need more DHCP addresses than 10.0.0.0/12 holds`);
    this.users = Math.ceil(this.pppPool * 1.6);
    this.macs = Math.ceil(this.dhcpPool * 3);
    for (const [a, b, c] of PUBLIC_NETS) for (let d = 0; d < 256; d++) this.publicAddresses.push(`${a}.${b}.${c}.${d}`);
    const blocks = this.publicAddresses.length * BLOCKS_PER_ADDRESS;
    this.blockReleased = new Float64Array(blocks).fill(-1);
    // Blocks are handed out in a shuffled order, then reused oldest-released first.
    const order = Array.from({ length: blocks }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const id of order) this.freeBlocks.push(id);

    this.gapTarget = Math.round(opts.lookups * MISS_GAP_SHARE);
    this.hitTarget = Math.min(n, opts.lookups - this.gapTarget - Math.round(opts.lookups * MISS_UNUSED_SHARE));
    this.hits = new Reservoir(this.hitTarget, this.pick);
    // Twice as many gaps as needed: some turn out too short once "now" is known.
    this.gaps = new Reservoir(this.gapTarget * 2, this.pick);

    const dhcpBase = (10 << 24) >>> 0; // 10.0.0.0/12
    for (let i = 0; i < this.dhcpPool; i++) {
      const slot: DhcpSlot = { address: poolAddress(dhcpBase, i), mac: '', session: '', start: 0, stop: 0 };
      this.schedule(START_MS + wholeSeconds(this.rng.next() * meanDhcpCycle), Ev.DhcpStart, slot);
    }
    const pppBase = ((100 << 24) | (64 << 16)) >>> 0; // 100.64.0.0/10
    for (let i = 0; i < this.pppPool; i++) {
      const slot: PppSlot = { address: poolAddress(pppBase, i), session: undefined };
      this.schedule(START_MS + wholeSeconds(this.rng.next() * meanPppCycle), Ev.PppStart, slot);
    }
  }

  /** The event batches, in time order per source; run once. */
  *batches(): Generator<LeaseBatch> {
    if (this.done) throw new Error('the workload has been generated already');
    const batch = this.opts.batchEvents;
    while (this.created < this.opts.intervals) {
      const item = this.heap.pop()!;
      this.nowMs = item.t;
      this.step(item);
      for (const source of LEASE_SOURCES) {
        const buffer = this.buffers[source];
        while (buffer.length >= batch) yield this.batch(source, buffer.splice(0, batch));
      }
    }
    for (const source of LEASE_SOURCES) {
      const buffer = this.buffers[source];
      if (buffer.length > 0) yield this.batch(source, buffer.splice(0));
    }
    this.done = true;
  }

  summary(): LeaseWorkloadSummary {
    this.mustBeDone();
    const openByKind: Record<IntervalKind, number> = { dhcp: 0, pppoe: 0, 'pppoe-v6': 0, cgnat: 0 };
    for (const item of this.heap.remaining()) {
      if (item.ev === Ev.DhcpStop) openByKind.dhcp++;
      else if (item.ev === Ev.BlockStop) openByKind.cgnat++;
      else if (item.ev === Ev.PppStop) {
        openByKind.pppoe++;
        if ((item.ref as PppSession).v6) openByKind['pppoe-v6']++;
      }
    }
    return {
      intervals: this.created,
      events: this.events,
      batches: this.batchCount,
      byKind: { ...this.byKind },
      openByKind,
      startMs: START_MS,
      nowMs: this.nowMs,
      pools: {
        dhcpAddresses: this.dhcpPool,
        pppoeAddresses: this.pppPool,
        publicAddresses: this.publicAddresses.length,
        portBlocks: this.blockReleased.length,
        v6Prefixes: this.prefixes.length,
        users: this.users,
      },
      pppoeSessions: this.pppoeSessions,
      sessionsBehindCgnat: this.behindCgnat,
      dualStackSessions: this.dualStack,
      maxBlocksInUse: this.maxBlocksInUse,
    };
  }

  /** The look-ups with their answers, shuffled: hits at a time inside a sampled interval, then misses. */
  lookups(): TruthLookup[] {
    this.mustBeDone();
    const now = this.nowMs;
    const pick = this.pick;
    const out: TruthLookup[] = [];
    for (const h of this.hits.items) {
      const end = Math.min(h.stop, now);
      const atMs = end > h.start ? h.start + Math.floor(pick.next() * (end - h.start)) : h.start;
      const l: TruthLookup = { kind: h.kind, address: h.address, atMs, expect: h.expect };
      if (h.port !== undefined) l.port = h.port;
      if (h.inside !== undefined) l.inside = h.inside;
      out.push(l);
    }
    const margin = this.opts.skewMs + 2 * SEC;
    let gaps = 0;
    for (const g of this.gaps.items) {
      if (gaps >= this.gapTarget) break;
      const to = Math.min(g.to, now);
      const room = to - margin - (g.from + margin);
      if (room < SEC) continue;
      const l: TruthLookup = {
        kind: 'miss-gap',
        address: g.address,
        atMs: g.from + margin + Math.floor(pick.next() * room),
        expect: null,
      };
      if (g.port !== undefined) l.port = g.port;
      out.push(l);
      gaps++;
    }
    // Addresses nobody held: private space outside the pools, an unused /48 of 2001:db8::/32, a public
    // address of TEST-NET-1 with a port.
    while (out.length < this.opts.lookups) {
      const atMs = START_MS + Math.floor(pick.next() * (now - START_MS));
      const r = pick.int(10);
      const l: TruthLookup =
        r < 4
          ? { kind: 'miss-unused', address: v4(((172 << 24) | (16 << 16)) + pick.int(1 << 20)), atMs, expect: null }
          : r < 7
            ? {
                kind: 'miss-unused',
                address: ipv6GroupsText([0x2001, 0xdb8, 0xffff, pick.int(65536), 0, pick.int(65536), 0, 1]),
                atMs,
                expect: null,
              }
            : {
                kind: 'miss-unused',
                address: `192.0.2.${pick.between(1, 254)}`,
                port: pick.between(FIRST_PORT, 65535),
                atMs,
                expect: null,
              };
      out.push(l);
    }
    for (let i = out.length - 1; i > 0; i--) {
      const j = pick.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  // --- the event loop ---------------------------------------------------------------------------------------

  private mustBeDone(): void {
    if (!this.done) throw new Error('generate the batches first');
  }

  private schedule(t: number, ev: Ev, ref: Item['ref']): void {
    this.heap.push({ t, seq: this.seq++, ev, ref });
  }

  private batch(source: LeaseSourceName, records: LeaseEvent[]): LeaseBatch {
    this.batchCount++;
    return { source, format: SOURCE_FORMAT[source], records };
  }

  private emit(source: LeaseSourceName, event: Omit<LeaseEvent, 'evidence'>): void {
    this.events++;
    (event as LeaseEvent).evidence = `line ${++this.lines[source]}`;
    this.buffers[source].push(event as LeaseEvent);
  }

  /** Counts a new interval and offers it to the sample. */
  private began(kind: IntervalKind, sample: () => HitSample): void {
    this.created++;
    this.byKind[kind]++;
    const at = this.hits.slot();
    if (at >= 0) this.hits.put(at, sample());
  }

  private gap(address: string, from: number, to: number, port?: number): void {
    const at = this.gaps.slot();
    if (at >= 0) this.gaps.put(at, port === undefined ? { address, from, to } : { address, port, from, to });
  }

  private step(item: Item): void {
    const t = item.t;
    switch (item.ev) {
      case Ev.DhcpStart:
        return this.dhcpStart(item.ref as DhcpSlot, t);
      case Ev.DhcpStop: {
        const slot = item.ref as DhcpSlot;
        this.emit('dhcp', {
          session: slot.session,
          action: 'stop',
          at: t,
          address: slot.address,
          subscriberKey: slot.mac,
          keyKind: 'mac',
        });
        const next = t + wholeSeconds(10 * SEC + exp(this.rng, DHCP_GAP_MEAN));
        this.gap(slot.address, t, next);
        return this.schedule(next, Ev.DhcpStart, slot);
      }
      case Ev.PppStart:
        return this.pppStart(item.ref as PppSlot, t);
      case Ev.PppStop: {
        const s = item.ref as PppSession;
        this.emit('radius', this.radiusEvent(s, 'stop', t, s.slot.address));
        if (s.v6) {
          this.emit('radius', this.radiusEvent(s, 'stop', t, s.v6.prefix));
          this.freePrefixes.push(s.v6.index);
        }
        s.slot.session = undefined;
        const next = t + wholeSeconds(5 * SEC + exp(this.rng, PPP_GAP_MEAN));
        this.gap(s.slot.address, t, next);
        return this.schedule(next, Ev.PppStart, s.slot);
      }
      case Ev.BlockStart:
        return this.blockStart(item.ref as Block, t);
      case Ev.BlockStop: {
        const b = item.ref as Block;
        this.emit('cgnat', this.blockEvent(b, 'stop', t));
        this.blockReleased[b.id] = t;
        this.freeBlocks.push(b.id);
        this.blocksInUse--;
        return;
      }
    }
  }

  private dhcpStart(slot: DhcpSlot, t: number): void {
    const rng = this.rng;
    let r = rng.next();
    let i = 0;
    while (i < DHCP_LEASE_W.length - 1 && r >= DHCP_LEASE_W[i]!) r -= DHCP_LEASE_W[i++]!;
    const expiry = DHCP_LEASE_H[i]! * HOUR;
    const held = rng.next() < DHCP_HELD_TO_EXPIRY ? expiry : wholeSeconds(expiry / 4 + rng.next() * expiry * 0.75);
    slot.mac = mac(rng.int(this.macs));
    slot.session = `dhcpd/${slot.address}/${slot.mac}/${++this.dhcpLeases}`;
    slot.start = t;
    slot.stop = t + held;
    this.emit('dhcp', {
      session: slot.session,
      action: 'start',
      at: t,
      expiresAt: t + expiry,
      address: slot.address,
      subscriberKey: slot.mac,
      keyKind: 'mac',
    });
    this.began('dhcp', () => ({ kind: 'dhcp', address: slot.address, start: t, stop: slot.stop, expect: slot.mac }));
    this.schedule(slot.stop, Ev.DhcpStop, slot);
  }

  private pppLength(): number {
    const rng = this.rng;
    const r = rng.next();
    const ms =
      r < 0.1
        ? MIN + rng.next() * 59 * MIN
        : r < 0.35
          ? HOUR + rng.next() * 5 * HOUR
          : r < 0.8
            ? 6 * HOUR + rng.next() * 42 * HOUR
            : 2 * DAY + rng.next() * 12 * DAY;
    return wholeSeconds(ms);
  }

  private pppStart(slot: PppSlot, t: number): void {
    const rng = this.rng;
    const userId = rng.int(this.users);
    const s: PppSession = {
      slot,
      user: `ppp${String(userId).padStart(7, '0')}@bb.example.jp`,
      mac: mac(0x40000000 + userId),
      nas: NASES[rng.int(NASES.length)]!,
      acct: (++this.acct).toString(16).padStart(8, '0').toUpperCase(),
      port: `xe-0/0/${rng.int(4)}:${rng.between(100, 3999)}`,
      start: t,
      stop: t + this.pppLength(),
      v6: undefined,
    };
    slot.session = s;
    this.pppoeSessions++;
    this.emit('radius', this.radiusEvent(s, 'start', t, slot.address));
    this.began('pppoe', () => ({ kind: 'pppoe', address: slot.address, start: t, stop: s.stop, expect: s.user }));
    if (rng.next() < DUAL_STACK && this.created < this.opts.intervals) {
      const index = this.freePrefixes.length > V6_QUARANTINE ? this.freePrefixes.shift()! : this.mintPrefix();
      s.v6 = { index, prefix: this.prefixes[index]! };
      this.dualStack++;
      this.emit('radius', this.radiusEvent(s, 'start', t, s.v6.prefix));
      this.began('pppoe-v6', () => {
        const g = v6Groups(index);
        g[3] = g[3]! | this.pick.int(256);
        for (let i = 4; i < 8; i++) g[i] = this.pick.int(65536);
        return { kind: 'pppoe-v6', address: ipv6GroupsText(g), start: t, stop: s.stop, expect: s.user };
      });
    }
    if (rng.next() < BEHIND_CGNAT) this.scheduleBlocks(s);
    this.schedule(s.stop, Ev.PppStop, s);
  }

  private mintPrefix(): number {
    const index = this.prefixes.length;
    if (index >= 1 << 24) throw new Error('out of /56 prefixes in 2001:db8::/32');
    this.prefixes.push(`${ipv6GroupsText(v6Groups(index))}/56`);
    return index;
  }

  /** The session's port blocks, one after another inside it: [start + ≥ 1 s, stop − ≥ 1 s]. */
  private scheduleBlocks(s: PppSession): void {
    const rng = this.rng;
    const length = s.stop - s.start;
    let k = 1;
    while (rng.next() < EXTRA_BLOCK) k++;
    k = Math.max(1, Math.min(k, Math.floor(length / (15 * MIN))));
    const cuts = [s.start + SEC];
    for (let i = 1; i < k; i++) cuts.push(wholeSeconds(s.start + rng.next() * length));
    cuts.push(s.stop - SEC);
    cuts.sort((a, b) => a - b);
    let any = false;
    for (let i = 0; i < k; i++) {
      const a = cuts[i]!;
      const b = cuts[i + 1]!;
      if (b - a < 10 * SEC) continue;
      const start = a + wholeSeconds(rng.next() * Math.min(60 * SEC, (b - a) / 4));
      const stop = b - wholeSeconds(rng.next() * ((b - a) / 4));
      if (stop - start < SEC) continue;
      this.schedule(start, Ev.BlockStart, { session: s, start, stop, id: -1 });
      any = true;
    }
    if (any) this.behindCgnat++;
  }

  private blockStart(b: Block, t: number): void {
    const id = this.freeBlocks.shift();
    if (id === undefined) throw new Error('every CGNAT port block is in use: too many intervals for 512 addresses');
    b.id = id;
    if (++this.blocksInUse > this.maxBlocksInUse) this.maxBlocksInUse = this.blocksInUse;
    const released = this.blockReleased[id]!;
    const address = this.publicAddresses[id % this.publicAddresses.length]!;
    const first = FIRST_PORT + Math.floor(id / this.publicAddresses.length) * BLOCK_SIZE;
    if (released >= 0) this.gap(address, released, t, first + this.pick.int(BLOCK_SIZE));
    this.emit('cgnat', this.blockEvent(b, 'start', t));
    this.began('cgnat', () => ({
      kind: 'cgnat',
      address,
      port: first + this.pick.int(BLOCK_SIZE),
      start: t,
      stop: b.stop,
      expect: b.session.user,
      inside: b.session.slot.address,
    }));
    this.schedule(b.stop, Ev.BlockStop, b);
  }

  private blockEvent(b: Block, action: 'start' | 'stop', t: number): Omit<LeaseEvent, 'evidence'> {
    const address = this.publicAddresses[b.id % this.publicAddresses.length]!;
    const first = FIRST_PORT + Math.floor(b.id / this.publicAddresses.length) * BLOCK_SIZE;
    const inside = b.session.slot.address;
    return {
      session: `juniper-pba/${inside}/${address}/${first}-${first + BLOCK_SIZE - 1}`,
      action,
      at: t,
      address,
      ports: [first, first + BLOCK_SIZE - 1],
      inside,
    };
  }

  private radiusEvent(
    s: PppSession,
    action: 'start' | 'stop',
    t: number,
    address: string,
  ): Omit<LeaseEvent, 'evidence'> {
    const e: Omit<LeaseEvent, 'evidence'> = {
      session: `${s.nas}/${s.acct}/${address}`,
      action,
      at: t,
      address,
      subscriberKey: s.user,
      keyKind: 'user',
      nas: s.nas,
      detail: { callingstationid: s.mac, nasportid: s.port },
    };
    if (action === 'stop') e.startedAt = s.start;
    return e;
  }
}
