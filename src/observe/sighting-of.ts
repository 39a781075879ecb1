import type { Observation } from '../domain/observation.js';
import type { IndicatorRef } from '../match/live.js';
import type { Match } from '../match/matcher.js';
import type { SightingDelta } from '../store/sightings.js';

/**
 * One observation that met an indicator, as a sighting of count 1 in its window: for matches made
 * outside the worker threads (the sinkhole's hits, dead letters replayed), which the store sums into
 * the same rows as the workers' results.
 */
export function sightingOf(input: string, o: Observation, match: Match<IndicatorRef>, windowMs: number): SightingDelta {
  const at = new Date(o.time).toISOString();
  return {
    indicatorType: match.indicator.type,
    indicatorValue: match.indicator.value,
    point: o.point,
    client: o.client,
    windowStart: new Date(o.time - (o.time % windowMs)).toISOString(),
    firstSeen: at,
    lastSeen: at,
    count: 1,
    blockedCount: o.blocked ? 1 : 0,
    categories: match.ref.categories,
    sources: match.ref.sources,
    input,
    detail: o.detail ?? null,
    subscriber: null,
  };
}
