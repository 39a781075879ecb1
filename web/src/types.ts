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
