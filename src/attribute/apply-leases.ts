import type { Kysely, Transaction } from 'kysely';
import type { LeaseRecord } from '../domain/lease.js';
import { putDeadLetter } from '../store/dead-letters.js';
import type { Database } from '../store/schema.js';
import { foldLeaseEvents } from './fold-leases.js';
import { closeLease, DEFAULT_STALE_INTERVALS, ownEnd, type OpenLease } from './lease-interval.js';
import { leaseTables } from './store/lease-store.js';

export type ApplySummary = { events: number; closed: number; open: number; rejected: number };

export type ApplyOptions = {
  /** The format the records came from, for dead letters. */
  format: string;
  staleIntervals?: number;
  /** Written in the same transaction as the leases (a file position, a radacct cursor). */
  within?: (trx: Transaction<Database>) => Promise<void>;
};

/**
 * Applies one source's records in one transaction: open sessions of the batch are loaded, the events
 * folded into them, and the changed open rows, the finished intervals and the rejected records written
 * together — with the caller's position, so a crash repeats or loses no batch.
 */
export async function applyLeaseRecords(
  db: Kysely<Database>,
  source: string,
  records: readonly LeaseRecord[],
  options: ApplyOptions,
): Promise<ApplySummary> {
  const tables = leaseTables(db);
  const sessions = new Set<string>();
  const nases = new Set<string>();
  for (const r of records) {
    if (r.action === 'reset') nases.add(r.nas);
    else if (r.action !== 'rejected') sessions.add(r.session);
  }
  return db.transaction().execute(async (trx) => {
    const stored = await tables.loadOpen(trx, source, [...sessions], [...nases]);
    const open = new Map(stored.map((l) => [l.session, l]));
    const changes = foldLeaseEvents(source, records, open, options.staleIntervals ?? DEFAULT_STALE_INTERVALS);
    await tables.deleteOpen(trx, source, [...changes.removed]);
    await tables.writeOpen(
      trx,
      [...changes.touched].map((s) => changes.open.get(s)!),
    );
    await tables.appendClosed(trx, changes.closed);
    for (const r of changes.rejected) {
      await putDeadLetter(trx, {
        source,
        format: options.format,
        reason: r.reason,
        position: r.evidence,
        raw: Buffer.from(r.raw),
      });
    }
    await options.within?.(trx);
    return {
      events: records.length - changes.rejected.length,
      closed: changes.closed.length,
      open: changes.touched.size,
      rejected: changes.rejected.length,
    };
  });
}

/**
 * Closes open sessions that ended on their own by `now`: DHCP leases past their expiry (ended then) and
 * sessions silent for `staleIntervals` interim intervals (ended, by estimate, one interval after their
 * last update). Runs from housekeeping; a lookup already treats them as ended before this runs.
 */
export async function closeDueLeases(
  db: Kysely<Database>,
  nowMs: number,
  staleIntervals = DEFAULT_STALE_INTERVALS,
): Promise<number> {
  const tables = leaseTables(db);
  let total = 0;
  for (;;) {
    const moved = await db.transaction().execute(async (trx) => {
      const due = await tables.dueOpen(trx, nowMs, staleIntervals, 5000);
      const bySource = new Map<string, OpenLease[]>();
      for (const l of due) bySource.set(l.source, [...(bySource.get(l.source) ?? []), l]);
      for (const [source, leases] of bySource) {
        await tables.appendClosed(
          trx,
          leases.map((l) => {
            const end = ownEnd(l, staleIntervals)!;
            return closeLease(l, end.endMs, end.estimated);
          }),
        );
        await tables.deleteOpen(
          trx,
          source,
          leases.map((l) => l.session),
        );
      }
      return due.length;
    });
    total += moved;
    if (moved < 5000) return total;
  }
}
