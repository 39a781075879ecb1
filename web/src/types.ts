// The shapes of the JSON the API server answers with (see the API contract). Times are ISO 8601 UTC strings.

export type Role = 'viewer' | 'analyst' | 'abuse_desk' | 'legal' | 'admin';

export interface Meta {
  name: string;
  version: string;
  timezone: string;
  locales: string[];
}

export interface User {
  id: number;
  username: string;
  /** Sent by the server in addition to the contract; shown instead of the user name when set. */
  displayName?: string | null;
  role: Role;
  mustChangePassword: boolean;
}

export interface Session {
  user: User;
  csrfToken: string;
}

export interface Overview {
  version: string;
  database: 'sqlite' | 'postgres';
  counts: {
    users: number;
    activeTokens: number;
    deadLetters: number;
    auditEntries: number;
    jobsRunning: number;
  };
}

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface Job {
  id: number | string;
  kind: string;
  state: JobState;
  done: number;
  total: number | null;
  ratePerSecond: number | null;
  etaSeconds: number | null;
  message: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

export interface JobList {
  items: Job[];
}

export interface DeadLetter {
  id: number | string;
  source: string;
  format: string;
  reason: string;
  position: string | number | null;
  size: number;
  receivedAt: string;
  replayedAt: string | null;
}

export interface DeadLetterPage {
  total: number;
  items: DeadLetter[];
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  purpose: string | null;
  requestId: string | null;
}

export interface AuditPage {
  items: AuditEntry[];
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  firstBroken: null | { id: number; problem: string };
}

/** The error body every API failure carries. */
export interface ApiErrorBody {
  statusCode: number;
  code: string;
  message: string;
}

/** The network points policy is published to, in the order the server lists them. */
export type EnforcePoint = 'rpz' | 'squid' | 'nftables' | 'postfix';

export type EnforceVersionStatus = 'live' | 'held' | 'superseded' | 'failed' | 'rejected';

/** One guard a publish passed or failed; `detail` is the server's (English) explanation with the numbers. */
export interface GuardCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface EnforceVersion {
  version: number;
  status: EnforceVersionStatus;
  entries: number;
  added: number;
  removed: number;
  serial: number | null;
  checks: GuardCheck[];
  error: string | null;
  createdAt: string;
  publishedAt: string | null;
  approvedBy: string | null;
}

export interface EnforcePointStatus {
  /** One of EnforcePoint; typed as string so a point added on the server still shows. */
  point: string;
  enabled: boolean;
  /** Shadow mode: the device logs what it would block without blocking. */
  monitor: boolean;
  live: EnforceVersion | null;
  /** The latest version when it did not go live (held by a guard, failed on the device). */
  pending: EnforceVersion | null;
}

export interface EnforceStatus {
  items: EnforcePointStatus[];
}

/** What the next publish of a point would change, and what the never-publish guard keeps out. */
export interface EnforceDiff {
  before: number;
  after: number;
  added: number;
  removed: number;
  addedExamples: string[];
  removedExamples: string[];
  stopped: number;
  stoppedExamples: { type: string; value: string; rule: string }[];
}

export interface PublishOutcome {
  point: string;
  status: 'unchanged' | 'live' | 'held' | 'failed';
  version: number | null;
  serial: number | null;
  entries: number;
  diff: Omit<EnforceDiff, 'stopped' | 'stoppedExamples'>;
  checks: GuardCheck[];
  error?: string;
}

export interface Alert {
  id: number;
  kind: string;
  /** 'info', 'warning' or 'critical'. */
  severity: string;
  subject: string;
  /** Already in the language the request asked for (accept-language). */
  text: string;
  createdAt: string;
  updatedAt: string;
}

export interface AlertList {
  items: Alert[];
}

/** Where in the network something was seen (src/domain/observation.ts). */
export type ObservationPoint = 'dns' | 'proxy' | 'firewall' | 'mail' | 'sinkhole';

/** Indicator categories (src/domain/indicator.ts). */
export type Category = 'c2' | 'malware' | 'phishing' | 'botnet' | 'spam' | 'scanner' | 'blocklist' | 'other';

/** Observations of one indicator by one client at one point within one window, added up. */
export interface Sighting {
  id: number;
  indicatorType: string;
  indicatorValue: string;
  /** One of ObservationPoint; typed as string so a point added on the server still shows. */
  point: string;
  client: string;
  windowStart: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
  /** How many of `count` the point blocked; 0 when it only watched. */
  blockedCount: number;
  categories: string[];
  sources: string[];
  input: string;
  detail: string | null;
  subscriber: string | null;
  attributedAt: string | null;
}

export interface SightingPage {
  sightings: Sighting[];
  /** The `before` of the next (older) page; null on the last page. */
  next: number | null;
}

/** What GET /api/sightings filters on; from and to are ISO 8601 UTC. */
export interface SightingFilter {
  indicator?: string;
  client?: string;
  point?: ObservationPoint;
  category?: Category;
  from?: string;
  to?: string;
}

export interface ObserveTotals {
  observed: number;
  matched: number;
  /** Lines or frames a parser could not read (they are in the dead letters). */
  rejected: number;
  /** Observations lost because matching could not keep up. */
  dropped: number;
}

/** One input as the store knows it: works whether or not this server runs the inputs. */
export interface StoredInputState {
  input: string;
  /** file, dnstap, syslog as configured; replay for `observe replay` runs. */
  type: string;
  format: string;
  position: { path: string; offset: number; line: number; updatedAt: string } | null;
  behindBytes: number | null;
  ratePerSecond: number;
  lastHour: ObserveTotals;
}

/** One input's counters in the running server, since it started. */
export interface LiveInputStatus extends ObserveTotals {
  input: string;
  format: string;
  /** Lines or dnstap frames read. */
  units: number;
  bytes: number;
  /** Lines or frames per second over the last minute. */
  rate: number;
  position: { path: string; offset: number; line: number } | null;
  lastAt: string | null;
}

export interface ObserveStatus {
  inputs: StoredInputState[];
  /** Null when this server does not run observation inputs. */
  live: LiveInputStatus[] | null;
}
