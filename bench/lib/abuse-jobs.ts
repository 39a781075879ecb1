// What the abuse intake bench's runs are given and give back. Each run is a process of its own (see
// abuse-child.ts), so that the measured run's peak RSS is its own and not the generator's.
import type { EventAttributionSummary } from '../../src/abuse/attribute-events.js';
import type { ReportOutcome } from '../../src/abuse/receive-report.js';
import type { LeaseWorkloadSummary } from '../gen/leases.js';
import type { Outcome, SinkholeTruth } from '../gen/shadowserver-csv.js';
import type { StoreSpec } from './attribution-jobs.js';

export type { StoreSpec };

export type AbuseWorkloadSpec = {
  leases: number;
  rows: number;
  seed: number;
  skewMs: number;
  /** Lease events per applyLeaseRecords call while loading. */
  leaseBatch: number;
  /** Rows kept with their answers for the spot check. */
  sampleSize: number;
};

export type AbuseJob =
  | { mode: 'prepare'; store: StoreSpec; workload: AbuseWorkloadSpec; dir: string; writeReport: boolean }
  | { mode: 'intake'; store: StoreSpec; dir: string; dataDir: string; skewMs: number }
  | { mode: 'parts'; dir: string; dataDir: string };

/** The report's day, its file name (Shadowserver's naming, which is how the parser learns the type), and the ISP's prefixes. */
export const REPORT_DAY_MS = Date.UTC(2026, 10, 20);
export const REPORT_FILE = '2026-11-20-event4_sinkhole-asn64500-jp.csv';
export const TRUTH_FILE = 'truth.json';
export const OWN_PREFIXES = ['10.0.0.0/12', '100.64.0.0/10', '198.51.100.0/24', '203.0.113.0/24'];
export const AGGREGATION_DAYS = 30;

export type PrepareOutcome = {
  mode: 'prepare';
  leaseApplyMs: number;
  leaseWallMs: number;
  lease: LeaseWorkloadSummary;
  subscribers: number;
  keysWithoutRecord: number;
  subscriberMs: number;
  /** The day's holders and gaps, hashed: both stores must have been given the same history. */
  dayDigest: string;
  holders: number;
  gaps: number;
  reportMs?: number;
  truth?: Omit<SinkholeTruth, 'sample' | 'eventsPerSubscriber'> & { cases: number };
  vacuums: number;
};

export type Check = {
  /** Counted over every row: what the store holds against the generator's answers. */
  byOutcome: { expected: Record<Outcome, number>; stored: Record<Outcome, number> };
  cases: { expected: number; stored: number; wrongCounts: number; wrongSubscriber: number; extra: number };
  attributedWithoutCase: number;
  sampled: number;
  sampleWrong: number;
  examples: string[];
};

export type IntakeOutcome = {
  mode: 'intake';
  inputBytes: number;
  /** receiveReport: evidence file, report row, parse, events inserted. */
  receiveMs: number;
  /** attributeNewEvents: own prefixes, look-ups, subscriber keys, cases, event updates. */
  attributeMs: number;
  report: ReportOutcome;
  attribution: EventAttributionSummary;
  maxRssKiB: number;
  /** CPU time (user + system) of the process in each phase: wall time less waiting, more than one thread. */
  receiveCpuMs: number;
  attributeCpuMs: number;
  /** The process's peak RSS by the end of each phase (better-sqlite3 never yields to a timer to sample it). */
  phaseRssKiB: { receive: number; attribute: number };
  check: Check;
};

export type PartsOutcome = {
  mode: 'parts';
  inputBytes: number;
  /** storeEvidence alone: hash and copy the file into the evidence directory. */
  evidenceMs: number;
  /** The parser drained and each event turned into its row (what the insert is handed), no store. */
  parseMs: number;
  events: number;
  rejected: number;
  maxRssKiB: number;
};

export type AbuseOutcome = PrepareOutcome | IntakeOutcome | PartsOutcome;

export const log = (line: string) => process.stderr.write(`${line}\n`);
export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
