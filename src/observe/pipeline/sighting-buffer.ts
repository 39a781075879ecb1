import type { Kysely } from 'kysely';
import type { LogSink } from '../../log.js';
import type { DeadLetterInput } from '../../store/dead-letters.js';
import type { Database } from '../../store/schema.js';
import {
  writeObservationFlush,
  type MinuteCount,
  type ObservationFlush,
  type RawObservationRow,
  type SightingDelta,
  type StoredPosition,
} from '../../store/sightings.js';

/**
 * What the pipeline has worked out but not yet written: sightings summed across batches, counts, dead
 * letters, raw observations (when kept) and the file positions those results bring reading up to.
 * All of it goes to the store in one transaction, so a crash loses a whole flush and the positions
 * with it — the lines are read again on restart and counted exactly once.
 */
export type SightingBuffer = {
  addSighting(delta: SightingDelta): void;
  addCount(count: MinuteCount): void;
  addDeadLetter(letter: DeadLetterInput): void;
  addRaw(row: RawObservationRow): void;
  setPosition(position: StoredPosition): void;
  /** Resolves when there is room again (the store keeps up): the pipeline waits here before taking more. */
  room(): Promise<void>;
  /** Whether there is room now (the synchronous form of room()). */
  hasRoom(): boolean;
  flush(): Promise<void>;
  close(): Promise<void>;
  readonly stats: {
    flushes: number;
    sightingsWritten: number;
    failures: number;
    lastFlushAt: string | null;
    waiting: number;
  };
};

/**
 * The attribution hook: which subscriber held each sighting's client address when it was first seen
 * (`null`: unknown). Called with every sighting of a flush before it is written; the answers are
 * stored with the sightings (a sighting keeps the subscriber it was first given). It must answer
 * from its own data (leases) and never throw for one address: a failing call is logged and the flush
 * is written without subscribers, to be attributed later.
 */
export type SightingAttributor = (
  sightings: readonly { client: string; firstSeen: string }[],
) => Promise<(string | null)[]>;

export function createSightingBuffer(options: {
  db: Kysely<Database>;
  flushMs: number;
  /** Sightings (and raw rows) waiting beyond which inputs are held back until a flush completes. */
  maxPending: number;
  log: LogSink;
  attribute?: SightingAttributor;
}): SightingBuffer {
  let pending = empty();
  let size = 0;
  let running: Promise<void> | undefined;
  let failures = 0;
  let closed = false;
  const roomWaiters: (() => void)[] = [];
  const stats = { flushes: 0, sightingsWritten: 0, failures: 0, lastFlushAt: null as string | null, waiting: 0 };

  const timer = setInterval(() => void flush().catch(() => undefined), options.flushMs);
  timer.unref();

  const grow = (n: number) => {
    size += n;
    stats.waiting = size;
    if (size >= options.maxPending && !running) void flush().catch(() => undefined);
  };

  const writeOnce = async (): Promise<void> => {
    const batch = pending;
    const batchSize = size;
    pending = empty();
    size = 0;
    const flushData: ObservationFlush = {
      sightings: [...batch.sightings.values()],
      counts: [...batch.counts.values()],
      deadLetters: batch.deadLetters,
      raw: batch.raw,
      positions: [...batch.positions.values()],
    };
    try {
      if (options.attribute && flushData.sightings.length > 0)
        await attribute(options.attribute, flushData.sightings, options.log);
      await writeObservationFlush(options.db, flushData);
      stats.flushes++;
      stats.sightingsWritten += flushData.sightings.length;
      stats.lastFlushAt = new Date().toISOString();
      failures = 0;
    } catch (err) {
      failures++;
      stats.failures++;
      // Put it back in front of what arrived meanwhile; positions move only with their results.
      pending = merge(batch, pending);
      size += batchSize;
      options.log.error({ err, waiting: size }, 'observe: writing sightings failed; will retry');
      await new Promise((r) => setTimeout(r, Math.min(30_000, 250 * 2 ** failures)));
      throw err;
    } finally {
      stats.waiting = size;
    }
  };

  const flush = async (): Promise<void> => {
    while (running) await running.catch(() => undefined);
    if (isEmpty(pending)) return;
    running = writeOnce().finally(() => {
      running = undefined;
      if (size < options.maxPending) for (const w of roomWaiters.splice(0)) w();
    });
    await running;
  };

  return {
    stats,
    addSighting(d) {
      const key = `${d.indicatorType}\t${d.indicatorValue}\t${d.client}\t${d.point}\t${d.windowStart}`;
      if (sumInto(pending.sightings, key, { ...d }, sumSighting)) grow(1);
    },
    addCount(c) {
      sumInto(pending.counts, `${c.input}\t${c.point}\t${c.minute}`, { ...c }, sumCount);
    },
    addDeadLetter(letter) {
      pending.deadLetters.push(letter);
      grow(1);
    },
    addRaw(row) {
      pending.raw.push(row);
      grow(1);
    },
    setPosition(p) {
      pending.positions.set(`${p.input}\t${p.path}`, p);
    },
    hasRoom: () => size < options.maxPending || closed,
    async room() {
      while (size >= options.maxPending && !closed) {
        await new Promise<void>((resolve) => roomWaiters.push(resolve));
      }
    },
    flush,
    async close() {
      clearInterval(timer);
      // Retries a few times so a database hiccup at shutdown does not throw away the last second.
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await flush();
          break;
        } catch {
          // logged in writeOnce
        }
      }
      closed = true;
      for (const w of roomWaiters.splice(0)) w();
      if (!isEmpty(pending))
        options.log.error(
          { waiting: size },
          'observe: sightings could not be written before stopping; their lines will be read again',
        );
    },
  };
}

type Pending = {
  sightings: Map<string, SightingDelta>;
  counts: Map<string, MinuteCount>;
  deadLetters: DeadLetterInput[];
  raw: RawObservationRow[];
  positions: Map<string, StoredPosition>;
};

function empty(): Pending {
  return { sightings: new Map(), counts: new Map(), deadLetters: [], raw: [], positions: new Map() };
}

function isEmpty(p: Pending): boolean {
  return (
    p.sightings.size === 0 &&
    p.counts.size === 0 &&
    p.deadLetters.length === 0 &&
    p.raw.length === 0 &&
    p.positions.size === 0
  );
}

/** `older` then `newer`: sums add up, and a newer position wins. */
function merge(older: Pending, newer: Pending): Pending {
  const out = older;
  for (const [k, d] of newer.sightings) sumInto(out.sightings, k, d, sumSighting);
  for (const [k, c] of newer.counts) sumInto(out.counts, k, c, sumCount);
  out.deadLetters.push(...newer.deadLetters);
  out.raw.push(...newer.raw);
  for (const [k, p] of newer.positions) out.positions.set(k, p);
  return out;
}

/** Adds `value` under `key`, summing into what is there; true when the key is new. */
function sumInto<T>(map: Map<string, T>, key: string, value: T, sum: (into: T, add: T) => void): boolean {
  const have = map.get(key);
  if (have) {
    sum(have, value);
    return false;
  }
  map.set(key, value);
  return true;
}

function sumSighting(have: SightingDelta, d: SightingDelta): void {
  have.count += d.count;
  have.blockedCount += d.blockedCount;
  if (d.firstSeen < have.firstSeen) have.firstSeen = d.firstSeen;
  if (d.lastSeen > have.lastSeen) have.lastSeen = d.lastSeen;
  if (d.detail !== null) have.detail = d.detail;
}

function sumCount(have: MinuteCount, c: MinuteCount): void {
  have.observed += c.observed;
  have.matched += c.matched;
  have.rejected += c.rejected;
  have.dropped += c.dropped;
}

async function attribute(attributor: SightingAttributor, sightings: SightingDelta[], log: LogSink): Promise<void> {
  try {
    const subscribers = await attributor(sightings);
    sightings.forEach((s, i) => {
      s.subscriber ??= subscribers[i] ?? null;
    });
  } catch (err) {
    log.error(
      { err, sightings: sightings.length },
      'observe: attribution failed; sightings are written without subscribers',
    );
  }
}
