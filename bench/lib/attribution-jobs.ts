// What the attribution bench's runs are given and give back, and the latency summary they share.
import type { LeaseWorkloadSummary, LookupKind, TruthLookup } from '../gen/leases.js';

export type StoreSpec =
  { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema: string; poolSize: number };

export type WorkloadSpec = { intervals: number; lookups: number; batchEvents: number; skewMs: number; seed: number };

export type AttributionJob =
  | { mode: 'ingest'; store: StoreSpec; workload: WorkloadSpec; lookupsFile: string }
  | { mode: 'lookup'; store: StoreSpec; lookupsFile: string; skewMs: number }
  | {
      mode: 'peer';
      url: string;
      schema: string;
      schemaSql: string;
      workload: WorkloadSpec;
      lookupsFile: string;
      maxLookups: number;
      maxSeconds: number;
    };

export type Latency = { count: number; totalMs: number; meanMs: number; p50Ms: number; p99Ms: number; maxMs: number };

export type IngestOutcome = {
  mode: 'ingest';
  /** Time inside applyLeaseRecords, summed over the batches: the measured ingest. */
  applyMs: number;
  /** The whole loop, generating the batches included. */
  wallMs: number;
  /** Time per applyLeaseRecords call. */
  perBatch: Latency;
  /** Events per second of apply time over the first and the last tenth of the batches. */
  firstTenthEventsPerS: number;
  lastTenthEventsPerS: number;
  summary: LeaseWorkloadSummary;
  applied: { events: number; closed: number; rejected: number };
  stored: { closed: number; open: number };
  /** The store's size on disk (SQLite: the file after a checkpoint; PostgreSQL: the lease tables with their indexes). */
  sizeBytes: number;
  /** PostgreSQL: open_leases alone, with its indexes (every interval passes through it: insert, then delete). */
  openSizeBytes?: number;
  /** PostgreSQL with autovacuum off: how many times the run vacuumed open_leases in its place (untimed). */
  vacuums: number;
  maxRssKiB: number;
  lookupsSha256: string;
};

export type LookupOutcome = {
  mode: 'lookup';
  latency: Latency;
  byKind: Partial<Record<LookupKind, Latency>>;
  mismatches: number;
  examples: string[];
  /** Look-ups that returned more than one candidate (within the skew of an interval's edge). */
  ambiguous: number;
  /** PostgreSQL: VACUUM ANALYZE before the look-ups (what autovacuum would have done by then), not timed. */
  vacuumMs?: number;
  maxRssKiB: number;
};

export type PeerOutcome = {
  mode: 'peer';
  rows: number;
  expectedRows: number;
  loadMs: number;
  sizeBytes: number;
  indexes: string[];
  /** The plans of the sampled queries (EXPLAIN, untimed), by shape. */
  plans: Record<string, number>;
  latency: Latency;
  byKind: Partial<Record<LookupKind, Latency>>;
  stoppedBy: 'count' | 'time';
  mismatches: number;
  examples: string[];
  summary: LeaseWorkloadSummary;
};

export type AttributionOutcome = IngestOutcome | LookupOutcome | PeerOutcome;

export const log = (line: string) => process.stderr.write(`${line}\n`);
export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export function latency(ms: ArrayLike<number>): Latency {
  const sorted = Float64Array.from(ms).sort();
  const n = sorted.length;
  let total = 0;
  for (const v of sorted) total += v;
  const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * n) - 1)] ?? 0;
  return { count: n, totalMs: total, meanMs: n ? total / n : 0, p50Ms: rank(0.5), p99Ms: rank(0.99), maxMs: rank(1) };
}

export type LookupsFile = { nowMs: number; lookups: TruthLookup[] };

export function byKind(lookups: TruthLookup[], ms: Float64Array, n: number): Partial<Record<LookupKind, Latency>> {
  const groups = new Map<LookupKind, number[]>();
  for (let i = 0; i < n; i++) {
    const kind = lookups[i]!.kind;
    let list = groups.get(kind);
    if (!list) groups.set(kind, (list = []));
    list.push(ms[i]!);
  }
  return Object.fromEntries([...groups].map(([kind, list]) => [kind, latency(list)]));
}
