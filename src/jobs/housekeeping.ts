import type { Kysely } from 'kysely';
import type { Config } from '../config/index.js';
import { purgeExpiredSessions } from '../auth/sessions.js';
import type { Database } from '../store/schema.js';
import { deleteDeadLetters } from '../store/dead-letters.js';
import { deleteFinishedJobs } from '../store/jobs.js';
import { deleteLongExpiredClaims } from '../intel/claims-store.js';
import { deleteHitsBefore } from '../enforce/sinkhole/hits.js';
import { deleteObservationsBefore } from '../store/sightings.js';
import { leaseHousekeeping } from '../attribute/retention.js';

export type HousekeepingResult = {
  sessions: number;
  deadLetters: number;
  jobs: number;
  expiredClaims: number;
  sinkholeHits: number;
  sightings: number;
  observeCounts: number;
  rawObservations: number;
  /** Open sessions closed because they expired or went silent. */
  leasesClosed: number;
  /** Intervals deleted past retention (legal holds kept). */
  leasesDeleted: number;
};

/**
 * The daily clean-up: ended sessions, dead letters past retention, old finished jobs, long-expired
 * claims, sinkhole hits, sightings, observation counts and raw observations past retention (subscriber
 * traffic: kept no longer than needed), and lease intervals past retention unless a legal hold keeps them. The audit
 * trail is never pruned.
 */
export async function housekeeping(
  db: Kysely<Database>,
  config: Pick<Config, 'deadletter' | 'jobs' | 'intel' | 'observe' | 'attribute'> & {
    enforce: { sinkhole: { retention_days: number } };
  },
  now = new Date(),
): Promise<HousekeepingResult> {
  const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
  const observed = await deleteObservationsBefore(db, {
    sightings: daysAgo(config.observe.sightings_retention_days),
    counts: daysAgo(config.observe.counts_retention_days),
    raw: daysAgo(config.observe.store_raw.retention_days),
  });
  const leases = await leaseHousekeeping(db, config, now);
  return {
    sessions: await purgeExpiredSessions(db),
    deadLetters: await deleteDeadLetters(db, { receivedBefore: daysAgo(config.deadletter.retention_days) }),
    jobs: await deleteFinishedJobs(db, daysAgo(config.jobs.history_days)),
    expiredClaims: await deleteLongExpiredClaims(db, now, config.intel.expired_retention_days),
    sinkholeHits: await deleteHitsBefore(db, daysAgo(config.enforce.sinkhole.retention_days)),
    sightings: observed.sightings,
    observeCounts: observed.counts,
    rawObservations: observed.raw,
    leasesClosed: leases.closed,
    leasesDeleted: leases.deleted,
  };
}
