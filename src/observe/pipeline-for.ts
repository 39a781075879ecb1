import type { Config } from '../config/index.js';
import type { ObservationPoint } from '../domain/observation.js';
import type { LogSink } from '../log.js';
import type { Kysely } from 'kysely';
import type { LiveMatcher } from '../match/live.js';
import type { Database } from '../store/schema.js';
import { sightingAttributor } from '../attribute/sighting-attributor.js';
import { lookupOptionsFor } from '../attribute/lookup-options.js';
import { createObservePipeline, type ObservePipeline } from './pipeline/pipeline.js';

/**
 * The pipeline as the config describes it. For an observation whose log does not say whether the
 * point blocked it, a point counts as blocking when Mizugiwa enforces there (enabled, not in monitor
 * mode) — and then only for indicators in block mode; the sinkhole always blocked.
 */
export function pipelineFor(
  config: Config,
  deps: { db: Kysely<Database>; live: Pick<LiveMatcher, 'compiled' | 'generation'>; log: LogSink },
): ObservePipeline {
  return createObservePipeline({
    db: deps.db,
    live: deps.live,
    log: deps.log,
    windowMs: config.observe.window_minutes * 60_000,
    workers: config.observe.workers,
    queuePerWorker: config.observe.queue_per_worker,
    flushMs: config.observe.flush_ms,
    storeRaw: config.observe.store_raw.enabled,
    blockingPoints: blockingPoints(config),
    ...(config.attribute.attribute_sightings && {
      attribute: sightingAttributor(deps.db, {
        ...lookupOptionsFor(config),
        skewMs: config.attribute.skew_seconds * 1000,
      }),
    }),
  });
}

export function blockingPoints(config: Config): ObservationPoint[] {
  const e = config.enforce;
  const enforcing = (point: { enabled: boolean; monitor: boolean }) => point.enabled && !point.monitor && !e.monitor;
  const points: ObservationPoint[] = ['sinkhole'];
  if (enforcing(e.rpz)) points.push('dns');
  if (enforcing(e.squid)) points.push('proxy');
  if (enforcing(e.nftables)) points.push('firewall');
  if (enforcing(e.postfix)) points.push('mail');
  return points;
}
