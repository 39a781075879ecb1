// The shapes the abuse desk's API answers with (src/api/routes/abuse-cases.ts, abuse-notices.ts,
// abuse-restrictions.ts, subscribers.ts) as the case screens use them. Times are ISO 8601 UTC strings.
import type { Sighting } from '../types';

export type CaseState = 'new' | 'notified' | 'reminded' | 'restricted' | 'resolved' | 'closed' | 'ignored';
export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type CaseSort = 'updated' | 'oldest' | 'newest' | 'severity';

export interface CaseSummary {
  id: number;
  subscriberId: string;
  /** The RSIT type: the case's class. */
  type: string;
  state: CaseState;
  openedAt: string;
  updatedAt: string;
  firstEventAt: string;
  lastEventAt: string;
  eventCount: number;
  severity: Severity;
}

export interface CaseList {
  items: CaseSummary[];
  total: number;
}

export interface CaseFilter {
  state?: CaseState;
  type?: string;
  subscriber?: string;
  q?: string;
  sort?: CaseSort;
}

export interface BulkMoveResult {
  moved: number;
  failed: number;
  results: { id: number; ok: boolean; state?: string; code?: string; message?: string }[];
}

export interface AbuseEvent {
  id: number;
  reportId: number;
  seq: number;
  type: string;
  identifier: string | null;
  occurredAt: string;
  source: { address: string | null; port: number | null; hostname: string | null; url: string | null };
  destination: { address?: string; port?: number; hostname?: string; url?: string; asn?: number } | null;
  protocol: string | null;
  reporter: string;
  reportType: string;
  evidence: string;
  detail: Record<string, string> | null;
  needsReview: boolean;
  state: string;
  unassignedReason: string | null;
  subscriberKey: string | null;
  subscriberId: string | null;
  caseId: number | null;
  createdAt: string;
}

export interface EventPage {
  items: AbuseEvent[];
  next: number | null;
}

export type TimelineEntry =
  | { at: string; kind: 'state'; actor: string; from: string | null; to: string; reason: string }
  | { at: string; kind: 'note'; author: string; text: string }
  | {
      at: string;
      kind: 'notice';
      noticeId: number;
      noticeKind: string;
      status: string;
      channel: string;
      subject: string;
      createdBy: string;
    }
  | { at: string; kind: 'event'; id: number; type: string; reporter: string; address: string | null };

export interface CaseDetail {
  case: CaseSummary;
  timeline: TimelineEntry[];
}

export interface NoticeSummary {
  id: number;
  subscriberId: string;
  locale: string;
  kind: string;
  channel: string;
  subject: string;
  messageId: string | null;
  status: string;
  error: string | null;
  attempts: number;
  createdBy: string;
  createdAt: string;
  sentAt: string | null;
  bouncedAt: string | null;
  bounceStatus: string | null;
  bounceDiagnostic: string | null;
  cases: { caseId: number; kind: string }[];
}

export interface NoticeDetail extends NoticeSummary {
  recipient: string | null;
  body: string | null;
}

export interface NotifyResult {
  noticeId: number;
  kind: 'notice' | 'reminder';
  status: 'sent' | 'failed' | 'bounced';
  error: string | null;
  subject: string;
  problems: { caseId: number; problem: string }[];
}

export type RestrictionState = 'pending' | 'active' | 'released' | 'declined';

export interface Restriction {
  id: number;
  caseId: number;
  subscriberId: string;
  type: string;
  state: RestrictionState | string;
  reason: string;
  requestedBy: string;
  requestedAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
  releasedBy: string | null;
  releasedAt: string | null;
  releaseKind: string | null;
  releaseReason: string | null;
  addresses: string[];
}

export interface CaseSightings {
  window: { from: string; to: string | null };
  sightings: Sighting[];
  next: number | null;
}

export interface SubscriberRecord {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  address: string | null;
  contract: string | null;
}

export interface UnassignedQueue {
  reasons: { reason: string; count: number; firstReceivedAt: string; lastReceivedAt: string }[];
  items: AbuseEvent[];
  next: number | null;
}

export interface RetryResult {
  retried: number;
  attributed: number;
  unassigned: number;
  casesOpened: number;
}

export interface AssignResult {
  eventId: number;
  subscriberId: string;
  caseId: number;
  caseOpened: boolean;
}
