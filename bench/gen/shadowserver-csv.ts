// A seeded one-day Shadowserver Sinkhole Events report (`event4_sinkhole`) for the abuse intake bench: the
// header and cell shapes of the real report (text quoted, numbers and empty cells bare, LF line ends, rows in
// time order), rows drawn from the lease history the bench loaded, so the right answer for every row is known
// from the generator's bookkeeping and not from the code under test.
//
// Most rows come from infected subscribers (about 30 % of those online that day, each beaconing at a rate of
// its own, lognormal, through whichever address it held at the time: a DHCP lease, a PPPoE session, or a CGNAT
// port block with a port inside the block). The rest name nobody: an address of the ISP's pools in a gap
// between two holders, an address of its prefixes never handed out, an address outside its prefixes. Subscriber
// keys without a subscriber record make a fourth outcome. Times keep clear of every interval's edges by more
// than the look-up's skew, so no row is ambiguous.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { DayGap, DayHolder } from '../lib/abuse-day-leases.js';
import { Random } from './random.js';

export const EVENT4_SINKHOLE_HEADER = [
  'timestamp',
  'protocol',
  'src_ip',
  'src_port',
  'src_asn',
  'src_geo',
  'src_region',
  'src_city',
  'src_hostname',
  'src_naics',
  'src_sector',
  'device_vendor',
  'device_type',
  'device_model',
  'severity',
  'dst_ip',
  'dst_port',
  'dst_asn',
  'dst_geo',
  'dst_region',
  'dst_city',
  'dst_hostname',
  'dst_naics',
  'dst_sector',
  'public_source',
  'infection',
  'family',
  'tag',
  'application',
  'version',
  'event_id',
  'ssl_cipher',
  'ssl_servername',
] as const;

export const ROW_KINDS = ['dhcp', 'pppoe', 'cgnat', 'gap', 'unused', 'outside'] as const;
export type RowKind = (typeof ROW_KINDS)[number];
export const OUTCOMES = ['attributed', 'no-lease', 'outside-prefixes', 'no-subscriber-record'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export type SinkholeSpec = {
  rows: number;
  /** The report's day, UTC midnight. */
  dayMs: number;
  seed: number;
  /** Rows keep further than this plus 2 s from every interval's edge. */
  skewMs: number;
  holders: readonly DayHolder[];
  gaps: readonly DayGap[];
  /** The subscriber record a key stands for; undefined when the directory has none. */
  subscriberOf: (key: string) => string | undefined;
  /** Addresses of the ISP's prefixes nobody ever held. */
  unused: readonly string[];
  /** Addresses outside the ISP's prefixes. */
  outside: readonly string[];
  /** About this many rows are kept with their answers for a spot check. */
  sampleSize: number;
};

export type SampledRow = {
  seq: number;
  kind: RowKind;
  address: string;
  port: number;
  atMs: number;
  outcome: Outcome;
  subscriberId: string | null;
};

export type SinkholeTruth = {
  rows: number;
  bytes: number;
  byKind: Record<RowKind, number>;
  byOutcome: Record<Outcome, number>;
  /** Attributed rows per subscriber: one case each (one day is inside any aggregation window). */
  eventsPerSubscriber: Record<string, number>;
  eligibleHolders: number;
  infectedKeys: number;
  sample: SampledRow[];
};

const SEC = 1000;
const DAY = 86_400 * SEC;
const INFECTED_SHARE = 0.3;
const SHARE = { gap: 0.02, unused: 0.01, outside: 0.03 };
const KIND_CODE: Record<RowKind, number> = { dhcp: 0, pppoe: 1, cgnat: 2, gap: 3, unused: 4, outside: 5 };

/** What a sinkholed family's bots look like at the sinkhole: protocol, port, the report's tag columns. */
const FAMILIES = [
  { infection: 'andromeda', family: 'andromeda', tag: 'andromeda', protocol: 'tcp', port: 80, app: 'http' },
  { infection: 'avalanche-andromeda', family: 'andromeda', tag: 'avalanche', protocol: 'tcp', port: 80, app: 'http' },
  { infection: 'qsnatch', family: 'qsnatch', tag: 'qsnatch', protocol: 'tcp', port: 443, app: 'https', tls: true },
  { infection: 'zeroaccess', family: '', tag: 'b68-zeroaccess-2-32bit', protocol: 'udp', port: 16464, app: '' },
  { infection: 'conficker', family: 'conficker', tag: 'downadup', protocol: 'tcp', port: 80, app: 'http' },
  { infection: 'necurs', family: 'necurs', tag: 'necurs', protocol: 'tcp', port: 80, app: 'http' },
  { infection: 'ramnit', family: 'ramnit', tag: 'ramnit', protocol: 'tcp', port: 443, app: 'https', tls: true },
  { infection: 'sality', family: 'sality', tag: 'sality-p2p', protocol: 'udp', port: 9133, app: '' },
] as const;
const PLACES = [
  ['TOKYO', 'SHINJUKU'],
  ['TOKYO', 'MINATO'],
  ['OSAKA', 'OSAKA'],
  ['KANAGAWA', 'YOKOHAMA'],
  ['AICHI', 'NAGOYA'],
  ['FUKUOKA', 'FUKUOKA'],
  ['HOKKAIDO', 'SAPPORO'],
] as const;
const SECTOR = '"Communications, Service Provider, and Hosting Service"';

/** FNV-1a, for attributes that must stay the same for one key or address across the whole report. */
function hash(text: string, salt: number): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

const pad = (n: number) => String(n).padStart(2, '0');
function stamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** Picks an index with probability proportional to its weight: binary search over the running sums. */
function weightedPicker(weights: Float64Array, rng: Random): () => number {
  const sums = new Float64Array(weights.length);
  let total = 0;
  for (let i = 0; i < weights.length; i++) sums[i] = total += weights[i]!;
  return () => {
    const x = rng.next() * total;
    let lo = 0;
    let hi = sums.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sums[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

/** Writes the report to `file` and returns the answers: counts of every outcome, and a sample row by row. */
export async function writeSinkholeReport(file: string, spec: SinkholeSpec): Promise<SinkholeTruth> {
  const rng = new Random(spec.seed);
  const margin = spec.skewMs + 2 * SEC;
  const dayEnd = spec.dayMs + DAY;
  // Whole seconds of the day (Shadowserver's timestamps have no fractions) clear of the edges by the margin.
  const window = (fromMs: number, toMs: number): [number, number] | undefined => {
    const lo = Math.ceil((Math.max(fromMs + margin, spec.dayMs) - spec.dayMs) / SEC);
    const hi = Math.floor((Math.min(toMs - margin, dayEnd - SEC) - spec.dayMs) / SEC);
    return hi >= lo ? [lo, hi] : undefined;
  };

  // Infected subscribers, each with a beacon rate of its own; a holder's weight is its rate times its time.
  const holders: { h: DayHolder; lo: number; hi: number }[] = [];
  const infected = new Set<string>();
  const weights: number[] = [];
  for (const h of spec.holders) {
    const w = window(h.startMs, h.endMs);
    if (!w || h.key === '') continue;
    const u = hash(h.key, spec.seed) / 2 ** 32;
    if (u >= INFECTED_SHARE) continue;
    infected.add(h.key);
    const z = Math.sqrt(-2 * Math.log(1 - u / INFECTED_SHARE)) * Math.cos((2 * Math.PI * hash(h.key, 7)) / 2 ** 32);
    holders.push({ h, lo: w[0], hi: w[1] });
    weights.push((w[1] - w[0] + 1) * Math.exp(z));
  }
  const gaps: { g: DayGap; lo: number; hi: number }[] = [];
  const gapWeights: number[] = [];
  for (const g of spec.gaps) {
    const w = window(g.fromMs, g.toMs);
    if (!w) continue;
    gaps.push({ g, lo: w[0], hi: w[1] });
    gapWeights.push(w[1] - w[0] + 1);
  }
  if (holders.length === 0) throw new Error('no infected holder on the report day: too few leases');

  const n = spec.rows;
  if (n > 4_194_304) throw new Error(`at most 4,194,304 rows (the sort packs the row number into 22 bits), got ${n}`);
  const nOutside = Math.round(n * SHARE.outside);
  const nGap = gaps.length > 0 ? Math.round(n * SHARE.gap) : 0;
  const nUnused = Math.round(n * SHARE.unused);
  const nHit = n - nOutside - nGap - nUnused;
  const kind = new Uint8Array(n);
  const ref = new Int32Array(n);
  const second = new Uint32Array(n);
  const port = new Uint16Array(n);
  const pickHolder = weightedPicker(Float64Array.from(weights), rng);
  const pickGap = gaps.length > 0 ? weightedPicker(Float64Array.from(gapWeights), rng) : () => 0;
  const ephemeral = () => 49152 + rng.int(16384);
  for (let i = 0; i < n; i++) {
    if (i < nHit) {
      const j = pickHolder();
      const { h, lo, hi } = holders[j]!;
      kind[i] = KIND_CODE[h.kind];
      ref[i] = j;
      second[i] = lo + rng.int(hi - lo + 1);
      port[i] = h.ports ? h.ports[0] + rng.int(h.ports[1] - h.ports[0] + 1) : ephemeral();
    } else if (i < nHit + nGap) {
      const j = pickGap();
      const { lo, hi } = gaps[j]!;
      kind[i] = KIND_CODE.gap;
      ref[i] = j;
      second[i] = lo + rng.int(hi - lo + 1);
      port[i] = ephemeral();
    } else {
      const unused = i < nHit + nGap + nUnused;
      kind[i] = unused ? KIND_CODE.unused : KIND_CODE.outside;
      ref[i] = rng.int(unused ? spec.unused.length : spec.outside.length);
      second[i] = rng.int(86_400);
      port[i] = ephemeral();
    }
  }
  // Rows in time order, as the reports come: sort (second, row) packed into one number.
  const order = new Float64Array(n);
  for (let i = 0; i < n; i++) order[i] = second[i]! * 4_194_304 + i;
  order.sort();

  const truth: SinkholeTruth = {
    rows: n,
    bytes: 0,
    byKind: { dhcp: 0, pppoe: 0, cgnat: 0, gap: 0, unused: 0, outside: 0 },
    byOutcome: { attributed: 0, 'no-lease': 0, 'outside-prefixes': 0, 'no-subscriber-record': 0 },
    eventsPerSubscriber: {},
    eligibleHolders: holders.length,
    infectedKeys: infected.size,
    sample: [],
  };
  const step = Math.max(1, Math.ceil(n / spec.sampleSize));
  const out = createWriteStream(file);
  let chunk = `${EVENT4_SINKHOLE_HEADER.map((h) => `"${h}"`).join(',')}\n`;
  for (let seq = 0; seq < n; seq++) {
    const i = order[seq]! % 4_194_304;
    const k = ROW_KINDS[kind[i]!]!;
    const atMs = spec.dayMs + second[i]! * SEC;
    let address: string;
    let key: string | undefined;
    if (k === 'gap') address = gaps[ref[i]!]!.g.address;
    else if (k === 'unused') address = spec.unused[ref[i]!]!;
    else if (k === 'outside') address = spec.outside[ref[i]!]!;
    else {
      const h = holders[ref[i]!]!.h;
      address = h.address;
      key = h.key;
    }
    const subscriberId = key === undefined ? undefined : spec.subscriberOf(key);
    const outcome: Outcome =
      k === 'outside'
        ? 'outside-prefixes'
        : key === undefined
          ? 'no-lease'
          : subscriberId === undefined
            ? 'no-subscriber-record'
            : 'attributed';
    truth.byKind[k]++;
    truth.byOutcome[outcome]++;
    if (subscriberId !== undefined)
      truth.eventsPerSubscriber[subscriberId] = (truth.eventsPerSubscriber[subscriberId] ?? 0) + 1;
    if (seq % step === 0)
      truth.sample.push({ seq, kind: k, address, port: port[i]!, atMs, outcome, subscriberId: subscriberId ?? null });
    chunk += row(atMs, address, port[i]!, key ?? address, k === 'pppoe');
    if (chunk.length >= 1 << 20) {
      truth.bytes += chunk.length;
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  truth.bytes += chunk.length;
  out.end(chunk);
  await finished(out);
  return truth;
}

/** One report line: the bot's family and the place follow the subscriber (or the address), not the row. */
function row(atMs: number, address: string, port: number, who: string, named: boolean): string {
  const f = FAMILIES[hash(who, 1) % FAMILIES.length]!;
  const [region, city] = PLACES[hash(address, 2) % PLACES.length]!;
  const hostname = named ? `"p${address.split('.').slice(2).join('-')}.ppp.example.jp"` : '';
  const sinkhole = `192.0.2.${80 + (hash(f.infection, 3) % 20)}`;
  const tls = 'tls' in f ? `"ECDHE-RSA-AES128-GCM-SHA256","${f.infection}-c2.example.net"` : ',';
  const text = (v: string) => (v === '' ? '' : `"${v}"`);
  return (
    `"${stamp(atMs)}","${f.protocol}","${address}",${port},64500,"JP","${region}","${city}",${hostname},517311,${SECTOR},,,,` +
    `"critical","${sinkhole}",${f.port},64510,"US","CALIFORNIA","SAN FRANCISCO",,518210,${SECTOR},,` +
    `"${f.infection}",${text(f.family)},"${f.tag}",${text(f.app)},,,${tls}\n`
  );
}
