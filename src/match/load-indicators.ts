import type { Kysely } from 'kysely';
import type { Category, ClaimMode, IndicatorType } from '../domain/indicator.js';
import { effectiveClaimPages } from '../intel/claims-store.js';
import type { Database } from '../store/schema.js';
import type { MatcherItem } from './matcher.js';

/** What a match says about the indicator, summed over the sources that list it. */
export type IndicatorRef = {
  sources: string[];
  /** The categories claimed, most common first. */
  categories: Category[];
  /** block when any effective claim blocks; monitor when all only watch. */
  mode: ClaimMode;
  confidence: number;
  /** The latest expiry of its claims, in ms: past it the indicator no longer matches. */
  validUntilMs: number;
};

/** The effective indicators, and the earliest time any claim among them expires (what a cache of them is good until). */
export type LoadedIndicators = { items: MatcherItem<IndicatorRef>[]; firstExpiryMs: number };

/**
 * The effective indicators with what their claims say, one item per indicator: what a matcher is
 * compiled from.
 */
export async function loadIndicators(db: Kysely<Database>, now = new Date()): Promise<LoadedIndicators> {
  const items: MatcherItem<IndicatorRef>[] = [];
  let firstExpiryMs = Infinity;
  // Claims arrive sorted by (type, value, source): an indicator's claims are consecutive, so each is
  // summed into the item before it or starts a new one — no map over a million keys.
  let last: MatcherItem<IndicatorRef> | undefined;
  let counts: Category[] = [];
  const close = () => {
    if (last && counts.length > 1) last.ref.categories = byFrequency(counts);
  };
  for await (const page of effectiveClaimPages(db, now.toISOString())) {
    for (const claim of page) {
      const validUntilMs = Date.parse(claim.validUntil);
      if (validUntilMs < firstExpiryMs) firstExpiryMs = validUntilMs;
      if (last && last.indicator.value === claim.value && last.indicator.type === claim.type) {
        const ref = last.ref;
        ref.sources.push(claim.source);
        counts.push(claim.category as Category);
        if (claim.mode === 'block') ref.mode = 'block';
        if (claim.confidence > ref.confidence) ref.confidence = claim.confidence;
        if (validUntilMs > ref.validUntilMs) ref.validUntilMs = validUntilMs;
        continue;
      }
      close();
      last = {
        indicator: { type: claim.type as IndicatorType, value: claim.value },
        ref: {
          sources: [claim.source],
          categories: [claim.category as Category],
          mode: claim.mode === 'block' ? 'block' : 'monitor',
          confidence: claim.confidence,
          validUntilMs,
        },
      };
      counts = [claim.category as Category];
      items.push(last);
    }
  }
  close();
  return { items, firstExpiryMs };
}

/** Distinct categories, the most claimed first (ties: first claimed first). */
function byFrequency(categories: Category[]): Category[] {
  const counts = new Map<Category, number>();
  for (const c of categories) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([c]) => c);
}
