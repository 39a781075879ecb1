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
