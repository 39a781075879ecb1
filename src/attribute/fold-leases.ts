import type { LeaseEvent, LeaseRecord } from '../domain/lease.js';
import { closeLease, ownEnd, type ClosedLease, type OpenLease } from './lease-interval.js';

/** What applying a batch of events changes: open rows to write or delete, intervals to append. */
export type LeaseChanges = {
  open: Map<string, OpenLease>;
  /** Sessions whose open row must be deleted (closed and not reopened in this batch). */
  removed: Set<string>;
  closed: ClosedLease[];
  rejected: Extract<LeaseRecord, { action: 'rejected' }>[];
  /** Sessions changed in this batch: their rows in `open` are written. */
  touched: Set<string>;
};

/**
 * Folds one source's events, in order, into its open sessions. `open` holds the stored open rows of
 * every session the batch names (and, for a reset, every open session of that NAS); the fold mutates
 * it. Events of a session that already ended on its own (expired, or silent for `staleIntervals`
 * interim intervals) close it there first, so a renewal after a gap is a new interval, not one long one.
 */
export function foldLeaseEvents(
  source: string,
  records: readonly LeaseRecord[],
  open: Map<string, OpenLease>,
  staleIntervals: number,
): LeaseChanges {
  const changes: LeaseChanges = { open, removed: new Set(), closed: [], rejected: [], touched: new Set() };
  const close = (lease: OpenLease, endMs: number, estimated: boolean) => {
    changes.closed.push(closeLease(lease, endMs, estimated));
    open.delete(lease.session);
    changes.removed.add(lease.session);
    changes.touched.delete(lease.session);
  };
  for (const record of records) {
    if (record.action === 'rejected') {
      changes.rejected.push(record);
      continue;
    }
    if (record.action === 'reset') {
      for (const lease of [...open.values()]) {
        if (lease.nas === record.nas && lease.startMs <= record.at) close(lease, record.at, false);
      }
      continue;
    }
    let lease = open.get(record.session);
    if (lease) {
      const end = ownEnd(lease, staleIntervals);
      if (end && record.at > end.dueMs && record.action !== 'stop') {
        close(lease, end.endMs, end.estimated);
        lease = undefined;
      } else if (record.address !== lease.address) {
        // The session now holds another address: the old holding ended here.
        close(lease, record.at, false);
        lease = undefined;
      }
    }
    if (record.action === 'stop') {
      if (lease) {
        renew(lease, record);
        close(lease, record.at, false);
      } else changes.closed.push(closeLease(opened(source, record), record.at, false));
      continue;
    }
    if (!lease) {
      lease = opened(source, record);
      open.set(record.session, lease);
    } else {
      renew(lease, record);
    }
    changes.removed.delete(record.session);
    changes.touched.add(record.session);
  }
  return changes;
}

function opened(source: string, e: LeaseEvent): OpenLease {
  return {
    source,
    session: e.session,
    address: e.address,
    ports: e.ports,
    inside: e.inside,
    subscriberKey: e.subscriberKey,
    keyKind: e.keyKind,
    nas: e.nas,
    startMs: Math.min(e.startedAt ?? e.at, e.at),
    lastSeenMs: e.at,
    expiresMs: e.expiresAt,
    interimS: e.interimSeconds,
    evidence: e.evidence,
    detail: e.detail,
  };
}

function renew(lease: OpenLease, e: LeaseEvent): void {
  if (e.startedAt !== undefined && e.startedAt < lease.startMs) lease.startMs = e.startedAt;
  if (e.at > lease.lastSeenMs) lease.lastSeenMs = e.at;
  if (e.expiresAt !== undefined) lease.expiresMs = Math.max(e.expiresAt, lease.expiresMs ?? 0);
  if (e.interimSeconds !== undefined) lease.interimS = e.interimSeconds;
  lease.subscriberKey ??= e.subscriberKey;
  lease.keyKind ??= e.keyKind;
  // Evidence keeps the first record and adds the latest, so both ends of the session can be found.
  const first = lease.evidence.split(' … ')[0];
  lease.evidence = first === e.evidence ? first : `${first} … ${e.evidence}`;
  if (e.detail) lease.detail = { ...lease.detail, ...e.detail };
}
