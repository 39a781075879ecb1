import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { compileIndicators, refMatcherOf, type CompiledIndicators } from './compiled-indicators.js';
import { currentIndicators } from './indicator-snapshot.js';
import { loadIndicators, type IndicatorRef } from './load-indicators.js';
import type { Match, Matcher } from './matcher.js';

export { loadIndicators, type IndicatorRef, type LoadedIndicators } from './load-indicators.js';

export type LiveMatcher = {
  /** The matcher in force; lookups through it never wait on a rebuild and skip what expired since it was built. */
  readonly current: Matcher<IndicatorRef>;
  /** What the current matcher was built from, compiled: worker threads match with it. */
  readonly compiled: CompiledIndicators;
  /** Goes up by one with each rebuild, so that holders of a copy know when theirs is stale. */
  readonly generation: number;
  /** Rebuilds from the effective claims and swaps the new matcher in at once. */
  rebuild(now?: Date): Promise<Matcher<IndicatorRef>['counts']>;
};

/**
 * The matcher the rest of Mizugiwa calls, rebuilt from the store after an ingest (or on a timer) and
 * swapped atomically: a lookup uses either the old index or the new one, never a half-built one.
 * With `snapshotFile`, a start reads the compiled indicators from it when they are current, and each
 * rebuild writes it, so that the next start (or `observe replay`) does not compile them again.
 */
export async function createLiveMatcher(
  db: Kysely<Database>,
  options: { snapshotFile?: string; now?: Date } = {},
): Promise<LiveMatcher> {
  const build = async (now: Date) => {
    const compiled = options.snapshotFile
      ? (await currentIndicators(db, options.snapshotFile, now)).compiled
      : compileIndicators((await loadIndicators(db, now)).items);
    return { compiled, matcher: refMatcherOf(compiled) };
  };
  let built = await build(options.now ?? new Date());
  let current = unexpired(built.matcher);
  let generation = 1;
  return {
    get current() {
      return current;
    },
    get compiled() {
      return built.compiled;
    },
    get generation() {
      return generation;
    },
    async rebuild(at = new Date()) {
      built = await build(at);
      current = unexpired(built.matcher);
      generation++;
      return current.counts;
    },
  };
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
