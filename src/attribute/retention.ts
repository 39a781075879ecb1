import type { Kysely } from 'kysely';
import type { Config } from '../config/schema.js';
import type { Database } from '../store/schema.js';
import { closeDueLeases } from './apply-leases.js';
import { activeHoldRanges } from './legal-holds.js';
import { leaseTables } from './store/lease-store.js';

/**
 * The interval store's share of housekeeping: sessions that ended on their own are closed, and
 * intervals past their source's retention are deleted unless a legal hold covers them. Sources
 * imported by hand (not in the config) keep the default retention.
 */
export async function leaseHousekeeping(
  db: Kysely<Database>,
  config: Pick<Config, 'attribute'>,
  now: Date,
): Promise<{ closed: number; deleted: number }> {
  const closed = await closeDueLeases(db, now.getTime(), config.attribute.stale_after_intervals);
  const holds = await activeHoldRanges(db);
  const tables = leaseTables(db);
  const cutoff = (days: number) => now.getTime() - days * 86_400_000;
  let deleted = 0;
  const configured = new Map(config.attribute.sources.map((s) => [s.name, s.retention_days]));
  for (const { source } of await tables.counts(db)) {
    const days = configured.get(source) ?? config.attribute.retention_days;
    deleted += await tables.deleteEnded(db, source, cutoff(days ?? config.attribute.retention_days), holds);
  }
  // Whole months past every source's retention go at once (PostgreSQL drops their partitions).
  const longest = Math.max(config.attribute.retention_days, ...[...configured.values()].map((d) => d ?? 0));
  deleted += await tables.deleteEnded(db, undefined, cutoff(longest), holds);
  return { closed, deleted };
}
