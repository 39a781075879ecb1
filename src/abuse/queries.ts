import type { Kysely } from 'kysely';
import type { AbuseEndpoint } from '../domain/abuse-event.js';
import { severityOf, type Severity } from '../domain/abuse-severity.js';
import type { AbuseCaseRow, AbuseEventRow, AbuseReportRow, Database } from '../store/schema.js';

// The desk's reading side: reports and events as the API and the command line show them, filtered and
// a page at a time, newest first. Pages are by id (`before` is the last id of the previous page), so
// a page costs the same however deep it is and new arrivals do not shift it.

export type Page = { limit: number; before?: number | undefined };

export type ReportFilter = {
  state?: string | undefined;
  format?: string | undefined;
  transport?: string | undefined;
  /** Received at or after / before (ISO 8601 UTC). */
  from?: string | undefined;
  to?: string | undefined;
};

export type ReportView = {
  id: number;
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
  events: number;
  rejected: number;
  suggestions: number;
  parsedAt: string | null;
  error: string | null;
};

export function reportView(r: AbuseReportRow): ReportView {
  return {
    ...r,
    id: Number(r.id),
    sizeBytes: Number(r.sizeBytes),
    events: Number(r.events),
    rejected: Number(r.rejected),
    suggestions: Number(r.suggestions),
  };
}

export async function listReportPage(
  db: Kysely<Database>,
  filter: ReportFilter,
  page: Page,
): Promise<{ items: ReportView[]; next: number | null }> {
  let q = db.selectFrom('abuseReports').selectAll();
  if (filter.state) q = q.where('state', '=', filter.state);
  if (filter.format) q = q.where('format', '=', filter.format);
  if (filter.transport) q = q.where('transport', '=', filter.transport);
  if (filter.from) q = q.where('receivedAt', '>=', filter.from);
  if (filter.to) q = q.where('receivedAt', '<', filter.to);
  if (page.before !== undefined) q = q.where('id', '<', page.before);
  const rows = await q.orderBy('id', 'desc').limit(page.limit).execute();
  return { items: rows.map(reportView), next: nextOf(rows, page.limit) };
}

export type EventFilter = {
  state?: string | undefined;
  type?: string | undefined;
  subscriberId?: string | undefined;
  /** The reported (source) address, in normal form. */
  address?: string | undefined;
  reason?: string | undefined;
  reportId?: number | undefined;
  caseId?: number | undefined;
  needsReview?: boolean | undefined;
  /** When the reported thing happened: at or after / before (ISO 8601 UTC). */
  from?: string | undefined;
  to?: string | undefined;
};

export type EventView = {
  id: number;
  reportId: number;
  seq: number;
  type: string;
  identifier: string | null;
  occurredAt: string;
  source: { address: string | null; port: number | null; hostname: string | null; url: string | null };
  destination: AbuseEndpoint | null;
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
};

export function eventView(e: AbuseEventRow): EventView {
  return {
    id: Number(e.id),
    reportId: Number(e.reportId),
    seq: Number(e.seq),
    type: e.type,
    identifier: e.identifier,
    occurredAt: e.occurredAt,
    source: {
      address: e.sourceAddress,
      port: e.sourcePort === null ? null : Number(e.sourcePort),
      hostname: e.sourceHostname,
      url: e.sourceUrl,
    },
    destination: e.destination ? (JSON.parse(e.destination) as AbuseEndpoint) : null,
    protocol: e.protocol,
    reporter: e.reporter,
    reportType: e.reportType,
    evidence: e.evidence,
    detail: e.detail ? (JSON.parse(e.detail) as Record<string, string>) : null,
    needsReview: Number(e.needsReview) !== 0,
    state: e.state,
    unassignedReason: e.unassignedReason,
    subscriberKey: e.subscriberKey,
    subscriberId: e.subscriberId,
    caseId: e.caseId === null ? null : Number(e.caseId),
    createdAt: e.createdAt,
  };
}

export async function listEventPage(
  db: Kysely<Database>,
  filter: EventFilter,
  page: Page,
): Promise<{ items: EventView[]; next: number | null }> {
  let q = db.selectFrom('abuseEvents').selectAll();
  if (filter.state) q = q.where('state', '=', filter.state);
  if (filter.type) q = q.where('type', '=', filter.type);
  if (filter.subscriberId) q = q.where('subscriberId', '=', filter.subscriberId);
  if (filter.reason) q = q.where('unassignedReason', '=', filter.reason);
  if (filter.reportId !== undefined) q = q.where('reportId', '=', filter.reportId);
  if (filter.caseId !== undefined) q = q.where('caseId', '=', filter.caseId);
  if (filter.needsReview !== undefined) q = q.where('needsReview', '=', filter.needsReview ? 1 : 0);
  if (filter.from) q = q.where('occurredAt', '>=', filter.from);
  if (filter.to) q = q.where('occurredAt', '<', filter.to);
  if (page.before !== undefined) q = q.where('id', '<', page.before);
  const newestFirst = (query: typeof q) => query.orderBy('id', 'desc').limit(page.limit).execute();
  let rows: AbuseEventRow[];
  if (filter.address) {
    // No index holds every event's address (migration 0014): an address's events are those in the cases
    // that list it, and those in no case, which a partial index holds. Each part newest first, then merged.
    const address = filter.address;
    const [inCases, caseless] = await Promise.all([
      newestFirst(
        q
          .where('sourceAddress', '=', address)
          .where('caseId', 'in', db.selectFrom('abuseCaseAddresses').select('caseId').where('address', '=', address)),
      ),
      newestFirst(q.where('caseId', 'is', null).where('sourceAddress', '=', address)),
    ]);
    rows = [...inCases, ...caseless].sort((a, b) => Number(b.id) - Number(a.id)).slice(0, page.limit);
  } else rows = await newestFirst(q);
  return { items: rows.map(eventView), next: nextOf(rows, page.limit) };
}

export type CaseView = {
  id: number;
  subscriberId: string;
  type: string;
  state: string;
  openedAt: string;
  updatedAt: string;
  firstEventAt: string;
  lastEventAt: string;
  eventCount: number;
  /** Its class's severity (domain/abuse-severity.ts). */
  severity: Severity;
};

export function caseView(c: AbuseCaseRow): CaseView {
  return { ...c, id: Number(c.id), eventCount: Number(c.eventCount), severity: severityOf(c.type) };
}

/** Events of one report by state: how much of it reached a subscriber. */
export async function reportEventStates(db: Kysely<Database>, reportId: number): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('abuseEvents')
    .select((eb) => ['state', eb.fn.countAll().as('n')])
    .where('reportId', '=', reportId)
    .groupBy('state')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

function nextOf(rows: { id: number }[], limit: number): number | null {
  return rows.length === limit && rows.length > 0 ? Number(rows[rows.length - 1]!.id) : null;
}
