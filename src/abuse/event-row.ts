import type { AbuseEvent } from '../domain/abuse-event.js';
import type { NewAbuseEvent } from '../store/schema.js';

/** The row an event of a report is stored as: `seq` is its place in the report, `now` when the parse began. */
export function eventRow(e: AbuseEvent, reportId: number, seq: number, now: string): NewAbuseEvent {
  return {
    reportId,
    seq,
    type: e.type,
    identifier: e.identifier ?? null,
    occurredAt: e.time,
    sourceAddress: e.source.address ?? null,
    sourcePort: e.source.port ?? null,
    sourceHostname: e.source.hostname ?? null,
    sourceUrl: e.source.url ?? null,
    destination: e.destination ? JSON.stringify(e.destination) : null,
    protocol: e.protocol ?? null,
    reporter: e.reporter,
    reportType: e.reportType,
    evidence: e.evidence,
    detail: e.detail ? JSON.stringify(e.detail) : null,
    needsReview: e.needsReview ? 1 : 0,
    state: 'new',
    createdAt: now,
  };
}
