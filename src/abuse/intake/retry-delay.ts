// How long a transport waits before trying again: a message the sink refused, a lost IMAP connection. Doubling
// from a first wait up to a ceiling, so a store that is down for an hour is not hammered and one that is back
// within seconds is not waited on for long.

export type RetryDelays = {
  /** The wait after the first failure. */
  firstMs: number;
  /** No wait is longer than this. */
  maxMs: number;
};

/** The wait after `failures` consecutive failures (1 for the first). */
export function retryDelayMs(failures: number, delays: RetryDelays): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  return Math.min(delays.maxMs, delays.firstMs * 2 ** exponent);
}

export type RetrySchedule<K> = {
  /** Counts one more failure of `key`; returns the wait before it is due again. */
  failed(key: K, now: number): number;
  succeeded(key: K): void;
  isDue(key: K, now: number): boolean;
  failures(key: K): number;
  /** The earliest time a waiting key is due, or undefined when none waits. */
  nextDueAt(): number | undefined;
  /** Forgets the keys that are gone (taken by someone else, deleted), so the schedule stays as small as the backlog. */
  keepOnly(present: Set<K>): void;
  size(): number;
};

/** Failures per key (a file name, a message UID) and when each may be tried again. */
export function retrySchedule<K>(delays: RetryDelays): RetrySchedule<K> {
  const entries = new Map<K, { failures: number; dueAt: number }>();
  return {
    failed(key, now) {
      const failures = (entries.get(key)?.failures ?? 0) + 1;
      const wait = retryDelayMs(failures, delays);
      entries.set(key, { failures, dueAt: now + wait });
      return wait;
    },
    succeeded: (key) => void entries.delete(key),
    isDue(key, now) {
      const entry = entries.get(key);
      return entry === undefined || entry.dueAt <= now;
    },
    failures: (key) => entries.get(key)?.failures ?? 0,
    nextDueAt() {
      let next: number | undefined;
      for (const { dueAt } of entries.values()) if (next === undefined || dueAt < next) next = dueAt;
      return next;
    },
    keepOnly(present) {
      for (const key of entries.keys()) if (!present.has(key)) entries.delete(key);
    },
    size: () => entries.size,
  };
}
