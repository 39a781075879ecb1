import type { Kysely } from 'kysely';
import type { Category, ClaimMode, IndicatorType } from '../domain/indicator.js';
import { effectiveClaimPages } from '../intel/claims-store.js';
import type { Database } from '../store/schema.js';
import { buildMatcher, type Match, type Matcher, type MatcherItem } from './matcher.js';

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

export type LiveMatcher = {
  /** The matcher in force; lookups through it never wait on a rebuild and skip what expired since it was built. */
  readonly current: Matcher<IndicatorRef>;
  /** What the current matcher was built from: worker threads build their own copies from it. */
  readonly items: readonly MatcherItem<IndicatorRef>[];
  /** Goes up by one with each rebuild, so that holders of a copy know when theirs is stale. */
  readonly generation: number;
  /** Rebuilds from the effective claims and swaps the new matcher in at once. */
  rebuild(now?: Date): Promise<Matcher<IndicatorRef>['counts']>;
};

/**
 * The matcher the rest of Mizugiwa calls, rebuilt from the store after an ingest (or on a timer) and
 * swapped atomically: a lookup uses either the old index or the new one, never a half-built one.
 */
export async function createLiveMatcher(db: Kysely<Database>, now = new Date()): Promise<LiveMatcher> {
  let built = await build(db, now);
  let current = unexpired(built.matcher);
  let generation = 1;
  return {
    get current() {
      return current;
    },
    get items() {
      return built.items;
    },
    get generation() {
      return generation;
    },
    async rebuild(at = new Date()) {
      built = await build(db, at);
      current = unexpired(built.matcher);
      generation++;
      return current.counts;
    },
  };
}

async function build(
  db: Kysely<Database>,
  now: Date,
): Promise<{ matcher: Matcher<IndicatorRef>; items: MatcherItem<IndicatorRef>[] }> {
  const items = await loadIndicatorItems(db, now);
  return { matcher: buildMatcher(items), items };
}

/**
 * The effective indicators with what their claims say, one item per indicator: what a matcher is built
 * from. Worker threads build theirs from it without the main thread building one of its own.
 */
export async function loadIndicatorItems(db: Kysely<Database>, now = new Date()): Promise<MatcherItem<IndicatorRef>[]> {
  const items: MatcherItem<IndicatorRef>[] = [];
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
  return items;
}

/** Distinct categories, the most claimed first (ties: first claimed first). */
function byFrequency(categories: Category[]): Category[] {
  const counts = new Map<Category, number>();
  for (const c of categories) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([c]) => c);
}

/** Wraps a matcher so that an indicator whose claims all expired after the build no longer matches. */
function unexpired(inner: Matcher<IndicatorRef>): Matcher<IndicatorRef> {
  const live =
    <A extends unknown[]>(fn: (...args: A) => Match<IndicatorRef> | undefined) =>
    (...args: A) => {
      const m = fn(...args);
      return m && m.ref.validUntilMs > Date.now() ? m : undefined;
    };
  return {
    domain: live(inner.domain),
    ip: live(inner.ip),
    url: live(inner.url),
    email: live(inner.email),
    ipPort: live(inner.ipPort),
    hash: live(inner.hash),
    counts: inner.counts,
  };
}
