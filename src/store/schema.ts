import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

// The database as Kysely sees it (camelCase here; CamelCasePlugin maps to snake_case columns).
// Times are ISO 8601 UTC text in both SQLite and PostgreSQL, so the same queries run on both.

export interface Database {
  users: UsersTable;
  apiTokens: ApiTokensTable;
  sessions: SessionsTable;
  auditEntries: AuditEntriesTable;
  auditHead: AuditHeadTable;
  deadLetters: DeadLettersTable;
  jobs: JobsTable;
  subscribers: SubscribersTable;
  intelSources: IntelSourcesTable;
  claims: ClaimsTable;
  intelRevision: IntelRevisionTable;
  enforceVersions: EnforceVersionsTable;
  enforcePointModes: EnforcePointModesTable;
  alerts: AlertsTable;
  sinkholeHits: SinkholeHitsTable;
  sightings: SightingsTable;
  observePositions: ObservePositionsTable;
  observeCounts: ObserveCountsTable;
  rawObservations: RawObservationsTable;
  subscriberKeys: SubscriberKeysTable;
  legalHolds: LegalHoldsTable;
  leaseCursors: LeaseCursorsTable;
  abuseReports: AbuseReportsTable;
  abuseEvents: AbuseEventsTable;
  triageSuggestions: TriageSuggestionsTable;
  csvMappings: CsvMappingsTable;
  shadowserverFetched: ShadowserverFetchedTable;
  abuseCases: AbuseCasesTable;
  abuseCaseAddresses: AbuseCaseAddressesTable;
  abuseCaseHistory: AbuseCaseHistoryTable;
  abuseCaseNotes: AbuseCaseNotesTable;
  notices: NoticesTable;
  noticeCases: NoticeCasesTable;
  noticeTemplates: NoticeTemplatesTable;
  abuseRestrictions: AbuseRestrictionsTable;
  abuseRestrictionAddresses: AbuseRestrictionAddressesTable;
}

export interface UsersTable {
  id: Generated<number>;
  username: string;
  displayName: string | null;
  role: string;
  passwordHash: string;
  mustChangePassword: number;
  createdAt: string;
  updatedAt: string;
  disabledAt: string | null;
  lastLoginAt: string | null;
}
export type UserRow = Selectable<UsersTable>;

export interface ApiTokensTable {
  id: Generated<number>;
  name: string;
  role: string;
  tokenHash: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}
export type ApiTokenRow = Selectable<ApiTokensTable>;

export interface SessionsTable {
  idHash: string;
  userId: number;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
  lastSeenAt: string;
  clientIp: string | null;
  userAgent: string | null;
}
export type SessionRow = Selectable<SessionsTable>;

export interface AuditEntriesTable {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  purpose: string | null;
  requestId: string | null;
  detail: string | null;
  prevHash: string;
  hash: string;
}
export type AuditEntryRow = Selectable<AuditEntriesTable>;

export interface AuditHeadTable {
  id: number;
  seq: number;
  lastHash: string;
}

export interface DeadLettersTable {
  id: Generated<number>;
  receivedAt: string;
  source: string;
  format: string;
  reason: string;
  position: string;
  raw: Uint8Array;
  size: number;
  replayCount: number;
  replayedAt: string | null;
  lastError: string | null;
}
export type DeadLetterRow = Selectable<DeadLettersTable>;

export interface JobsTable {
  id: Generated<number>;
  kind: string;
  state: string;
  params: string | null;
  done: number;
  total: number | null;
  message: string | null;
  createdBy: string;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  error: string | null;
}
export type JobRow = Selectable<JobsTable>;

export interface SubscribersTable {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  address: string | null;
  contract: string | null;
  nameKana: string | null;
  plan: string | null;
  status: string | null;
  /** Where the record came from: `csv`, `api`, `http-directory`. */
  source: string | null;
  /** The language notices are written in (`ja`, `en`); null: abuse.notices.default_locale. */
  locale: string | null;
  createdAt: string;
  updatedAt: string;
}
export type SubscriberRow = Selectable<SubscribersTable>;

/** A key a lease source knows a subscriber by (RADIUS user name, MAC, circuit id). */
export interface SubscriberKeysTable {
  kind: string;
  value: string;
  subscriberId: string;
}

export interface LegalHoldsTable {
  id: Generated<number>;
  /** An address or prefix as leases store it, or a subscriber key. */
  subject: string;
  fromAt: string;
  untilAt: string;
  reason: string;
  createdBy: string;
  createdAt: string;
  releasedAt: string | null;
}

export interface LeaseCursorsTable {
  source: string;
  cursor: string;
  updatedAt: string;
}

export type NewRow<T> = Insertable<T>;
export type RowUpdate<T> = Updateable<T>;

export interface IntelSourcesTable {
  name: string;
  format: string;
  location: string | null;
  snapshot: string;
  mode: string;
  options: string | null;
  generation: number;
  /** The validators of the last successful download, for a conditional request next time. */
  etag: string | null;
  lastModified: string | null;
  createdAt: string;
  updatedAt: string;
  lastRunAt: string | null;
  lastResult: string | null;
}
export type IntelSourceRow = Selectable<IntelSourcesTable>;

export interface ClaimsTable {
  source: string;
  type: string;
  value: string;
  category: string;
  confidence: number;
  /** JSON array. */
  tags: string | null;
  firstSeen: string;
  lastSeen: string;
  validUntil: string;
  tlp: string;
  reference: string | null;
  mode: string;
  /** JSON object: the feed's own fields. */
  attributes: string | null;
  /** `list / entry` of the allowlist that keeps this indicator from being blocked; null when none does. */
  suppressedBy: string | null;
  /** `list / entry` of an inform-mode allowlist: kept and effective, but flagged for an operator to review. */
  reviewBy: string | null;
  /** The ingest run of the source that last saw this claim: a full snapshot retires older generations. */
  generation: number;
  updatedAt: string;
}
export type ClaimRow = Selectable<ClaimsTable>;

/** One row (id 1): bumped after every change to the claims (see src/intel/revision.ts). */
export interface IntelRevisionTable {
  id: number;
  revision: number;
  /** A random name for this database, so that a revision is never taken for another database's. */
  store: string;
}

export interface EnforceVersionsTable {
  id: Generated<number>;
  point: string;
  version: number;
  status: 'live' | 'held' | 'superseded' | 'failed' | 'rejected';
  entries: number;
  added: number;
  removed: number;
  serial: number | null;
  guards: string;
  error: string | null;
  createdAt: string;
  publishedAt: string | null;
  approvedBy: string | null;
  approvedAt: string | null;
}
export type EnforceVersionRow = Selectable<EnforceVersionsTable>;

/** A point switched to shadow (monitor) or block from the console, overriding enforce.<point>.monitor. */
export interface EnforcePointModesTable {
  point: string;
  mode: 'monitor' | 'block';
  reason: string;
  changedBy: string;
  changedAt: string;
}
export type EnforcePointModeRow = Selectable<EnforcePointModesTable>;

export interface AlertsTable {
  id: Generated<number>;
  kind: string;
  severity: 'info' | 'warning' | 'critical';
  subject: string;
  messageKey: string;
  params: string;
  createdAt: string;
  updatedAt: string;
  resolvedAt: string | null;
}
export type AlertRow = Selectable<AlertsTable>;

export interface SinkholeHitsTable {
  id: Generated<number>;
  at: string;
  clientIp: string;
  clientPort: number;
  host: string;
  path: string;
  userAgent: string | null;
  reference: string;
}
export type NewSinkholeHit = Insertable<SinkholeHitsTable>;

export interface SightingsTable {
  id: Generated<number>;
  indicatorType: string;
  indicatorValue: string;
  point: string;
  client: string;
  windowStart: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
  blockedCount: number;
  categories: string;
  sources: string;
  input: string;
  detail: string | null;
  subscriber: string | null;
  attributedAt: string | null;
}
export type SightingRow = Selectable<SightingsTable>;
export type NewSighting = Insertable<SightingsTable>;

export interface ObservePositionsTable {
  id: Generated<number>;
  input: string;
  path: string;
  dev: number;
  ino: number;
  offset: number;
  line: number;
  head: string;
  updatedAt: string;
}

export interface ObserveCountsTable {
  id: Generated<number>;
  input: string;
  point: string;
  minute: string;
  observed: number;
  matched: number;
  rejected: number;
  dropped: number;
}

export interface RawObservationsTable {
  id: Generated<number>;
  at: string;
  input: string;
  point: string;
  client: string;
  clientPort: number | null;
  domain: string | null;
  addresses: string | null;
  port: number | null;
  url: string | null;
  email: string | null;
  blocked: number | null;
  detail: string | null;
}

export interface AbuseReportsTable {
  id: Generated<number>;
  sha256: string;
  sizeBytes: number;
  transport: string;
  origin: string;
  receivedAt: string;
  format: string | null;
  reportType: string | null;
  mappingName: string | null;
  subject: string | null;
  sender: string | null;
  messageId: string | null;
  state: string;
  events: Generated<number>;
  rejected: Generated<number>;
  suggestions: Generated<number>;
  parsedAt: string | null;
  error: string | null;
}
export type AbuseReportRow = Selectable<AbuseReportsTable>;

export interface AbuseEventsTable {
  id: Generated<number>;
  reportId: number;
  seq: number;
  type: string;
  identifier: string | null;
  occurredAt: string;
  sourceAddress: string | null;
  sourcePort: number | null;
  sourceHostname: string | null;
  sourceUrl: string | null;
  destination: string | null;
  protocol: string | null;
  reporter: string;
  reportType: string;
  evidence: string;
  detail: string | null;
  needsReview: Generated<number>;
  state: string;
  unassignedReason: string | null;
  subscriberKey: string | null;
  subscriberId: string | null;
  caseId: number | null;
  createdAt: string;
}
export type AbuseEventRow = Selectable<AbuseEventsTable>;
export type NewAbuseEvent = Insertable<AbuseEventsTable>;

export interface TriageSuggestionsTable {
  id: Generated<number>;
  reportId: number;
  kind: string;
  value: string;
  context: string;
  evidence: string;
}

export interface CsvMappingsTable {
  name: string;
  mapping: string;
  updatedBy: string;
  updatedAt: string;
}

export interface ShadowserverFetchedTable {
  id: string;
  fileName: string;
  reportType: string;
  reportDate: string;
  reportId: number | null;
  fetchedAt: string;
}

export interface AbuseCasesTable {
  id: Generated<number>;
  subscriberId: string;
  type: string;
  state: string;
  openedAt: string;
  updatedAt: string;
  firstEventAt: string;
  lastEventAt: string;
  eventCount: number;
}
export type AbuseCaseRow = Selectable<AbuseCasesTable>;

/** The distinct source addresses of a case's events (src/abuse/case-addresses.ts). */
export interface AbuseCaseAddressesTable {
  caseId: number;
  address: string;
}

export interface AbuseCaseHistoryTable {
  id: Generated<number>;
  caseId: number;
  at: string;
  actor: string;
  fromState: string | null;
  toState: string;
  reason: string;
}

export interface AbuseCaseNotesTable {
  id: Generated<number>;
  caseId: number;
  at: string;
  author: string;
  text: string;
}

export interface AbuseRestrictionsTable {
  id: Generated<number>;
  caseId: number;
  subscriberId: string;
  type: string;
  state: string;
  reason: string;
  requestedBy: string;
  requestedAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
  releasedBy: string | null;
  releasedAt: string | null;
  releaseKind: string | null;
  releaseReason: string | null;
}
export type AbuseRestrictionRow = Selectable<AbuseRestrictionsTable>;

export interface AbuseRestrictionAddressesTable {
  id: Generated<number>;
  restrictionId: number;
  address: string;
  since: string;
  until: string | null;
}

export interface NoticesTable {
  id: Generated<number>;
  subscriberId: string;
  locale: string;
  /** notice | reminder */
  kind: string;
  /** email | export */
  channel: string;
  recipient: string | null;
  subject: string;
  body: string;
  messageId: string | null;
  /** pending | sent | failed | bounced | exported */
  status: string;
  error: string | null;
  attempts: Generated<number>;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
  bouncedAt: string | null;
  bounceStatus: string | null;
  bounceDiagnostic: string | null;
}
export type NoticeRow = Selectable<NoticesTable>;

export interface NoticeCasesTable {
  noticeId: number;
  caseId: number;
  /** notice | reminder */
  kind: string;
  round: number;
}

export interface NoticeTemplatesTable {
  name: string;
  locale: string;
  source: string;
  updatedBy: string;
  updatedAt: string;
}
