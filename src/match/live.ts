import type { Kysely } from 'kysely';
import type { Category, ClaimMode } from '../domain/indicator.js';
import { effectiveClaims } from '../intel/claims-store.js';
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
  const byIndicator = new Map<string, MatcherItem<IndicatorRef> & { counts: Map<Category, number> }>();
  for await (const claim of effectiveClaims(db, now.toISOString())) {
    const key = `${claim.type} ${claim.value}`;
    let item = byIndicator.get(key);
    if (!item) {
      item = {
        indicator: { type: claim.type as MatcherItem<IndicatorRef>['indicator']['type'], value: claim.value },
        ref: { sources: [], categories: [], mode: 'monitor', confidence: 0, validUntilMs: 0 },
        counts: new Map(),
      };
      byIndicator.set(key, item);
    }
    const ref = item.ref;
    ref.sources.push(claim.source);
    item.counts.set(claim.category as Category, (item.counts.get(claim.category as Category) ?? 0) + 1);
    if (claim.mode === 'block') ref.mode = 'block';
    ref.confidence = Math.max(ref.confidence, claim.confidence);
    ref.validUntilMs = Math.max(ref.validUntilMs, Date.parse(claim.validUntil));
  }
  const items: MatcherItem<IndicatorRef>[] = [];
  for (const item of byIndicator.values()) {
    item.ref.categories = [...item.counts.entries()].sort((a, b) => b[1] - a[1]).map(([c]) => c);
    items.push({ indicator: item.indicator, ref: item.ref });
  }
  return items;
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
