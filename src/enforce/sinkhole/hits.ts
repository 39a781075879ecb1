import { randomInt } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { LogSink } from '../../log.js';
import type { Database, NewSinkholeHit, SinkholeHitsTable } from '../../store/schema.js';

// Sinkhole hits: each one an observation (a client reached a blocked name), written by the sinkhole
// server and read by the observation stage and by support staff holding a reference number.
// Hits say which subscriber's device reached what, once attributed: keep them only as long as they
// serve (deleteHitsBefore is for the housekeeping job).

export type SinkholeHit = Selectable<SinkholeHitsTable>;
export type { NewSinkholeHit };

/** 7 columns × 500 rows stays far below both SQLite's and PostgreSQL's bound-parameter limits. */
const INSERT_CHUNK = 500;
const MAX_LIST = 10_000;

/** Inserts hits in one transaction (a batch is all or nothing, so a retry never duplicates half of it). */
export async function insertHits(db: Kysely<Database>, hits: readonly NewSinkholeHit[]): Promise<number> {
  if (hits.length === 0) return 0;
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < hits.length; i += INSERT_CHUNK) {
      await trx
        .insertInto('sinkholeHits')
        .values(hits.slice(i, i + INSERT_CHUNK))
        .execute();
    }
  });
  return hits.length;
}

/** The latest hits, newest first; optionally of one client address or one host. */
export async function listRecentHits(
  db: Kysely<Database>,
  options: { limit: number; clientIp?: string; host?: string },
): Promise<SinkholeHit[]> {
  const limit = Math.max(1, Math.min(MAX_LIST, Math.floor(options.limit)));
  let q = db.selectFrom('sinkholeHits').selectAll();
  if (options.clientIp !== undefined) q = q.where('clientIp', '=', options.clientIp);
  if (options.host !== undefined) q = q.where('host', '=', options.host);
  return q.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/** Hits stored at or after `since`. */
export async function countHitsSince(db: Kysely<Database>, since: Date | string): Promise<number> {
  const row = await db
    .selectFrom('sinkholeHits')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('at', '>=', iso(since))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The hit a subscriber quoted, read out over the phone (typos of O/0 and I/L/1 forgiven). */
export async function findHitByReference(db: Kysely<Database>, reference: string): Promise<SinkholeHit | undefined> {
  const normalised = normaliseReference(reference);
  if (!normalised) return undefined;
  // The `at` index narrows the search to the reference's own minutes first (there is no index on
  // reference); only a hit whose time and reference disagree (a clock stepped back) needs the full scan.
  const at = (referenceTime(normalised) as Date).getTime();
  const find = (window?: [number, number]) => {
    let q = db.selectFrom('sinkholeHits').selectAll().where('reference', '=', normalised);
    if (window) {
      q = q.where('at', '>=', new Date(window[0]).toISOString()).where('at', '<', new Date(window[1]).toISOString());
    }
    return q.orderBy('id').executeTakeFirst();
  };
  return (await find([at - 300_000, at + 2_000])) ?? (await find());
}

/** Retention: removes hits older than `before`, returning how many went. */
export async function deleteHitsBefore(db: Kysely<Database>, before: Date | string): Promise<number> {
  const result = await db.deleteFrom('sinkholeHits').where('at', '<', iso(before)).executeTakeFirst();
  return Number(result.numDeletedRows);
}

function iso(value: Date | string): string {
  return typeof value === 'string' ? value : value.toISOString();
}

export type HitWriterOptions = {
  /** A batch is written when this many hits wait, or after flushMs. */
  batchSize: number;
  flushMs: number;
  /** Hits held in memory while the database is slow or down; beyond it they are counted as lost. */
  maxPending: number;
};

export type HitWriter = {
  /** False when maxPending hits already wait: the caller counts the hit instead of adding it. */
  hasRoom(): boolean;
  add(hit: NewSinkholeHit): void;
  /** Writes what waits now (after any write under way). */
  flush(): Promise<void>;
  /** The last flush: what still cannot be written is counted as lost and logged. */
  close(): Promise<void>;
  readonly counts: { stored: number; lost: number };
};

/**
 * Hits wait in memory and are written in batches, off the request path: a burst of hits costs one
 * transaction a second, and a slow database never delays a page. A failed batch goes back in line.
 */
export function createHitWriter(db: Kysely<Database>, log: LogSink, options: HitWriterOptions): HitWriter {
  const counts = { stored: 0, lost: 0 };
  let pending: NewSinkholeHit[] = [];
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;

  const schedule = (ms: number) => {
    timer ??= setTimeout(() => {
      timer = undefined;
      void flush();
    }, ms);
    // Not what keeps the process alive: close() flushes whatever waits.
    timer.unref();
  };

  const writeOnce = async (): Promise<boolean> => {
    const batch = pending;
    pending = [];
    try {
      await insertHits(db, batch);
      counts.stored += batch.length;
      failures = 0;
      return true;
    } catch (err) {
      failures++;
      const room = Math.max(0, options.maxPending - pending.length);
      counts.lost += Math.max(0, batch.length - room);
      pending = batch.slice(0, room).concat(pending);
      log.error({ err, waiting: pending.length }, 'sinkhole: writing hits failed; retrying');
      return false;
    }
  };

  const flush = async (): Promise<void> => {
    while (running) await running;
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    running = writeOnce().then((ok) => {
      running = undefined;
      // Back off up to 30 s while the database fails; keep pace while hits arrive.
      if (pending.length > 0) schedule(ok ? options.flushMs : Math.min(30_000, options.flushMs * 2 ** failures));
    });
    await running;
  };

  return {
    counts,
    flush,
    hasRoom: () => pending.length < options.maxPending,
    add(hit) {
      pending.push(hit);
      if (pending.length >= options.batchSize && !running) void flush();
      else schedule(options.flushMs);
    },
    async close() {
      await flush();
      if (pending.length > 0) await flush(); // one more try after a failure, then give up loudly
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (pending.length > 0) {
        counts.lost += pending.length;
        log.error({ lost: pending.length }, 'sinkhole: hits could not be written before closing');
        pending = [];
      }
    },
  };
}

// Reference numbers: `MZ-` and nine Crockford base32 characters (no I, L, O, U: nothing to mishear
// or misread), holding the second of the hit (since 2024, 30 bits: good until 2058) and a counter
// within it (15 bits). Within one process they never repeat: the counter borrows the next second
// when a second runs out, and a clock stepping back keeps counting from where it was. The counter
// starts at a random point each second, so two sinkholes (or a restart) in the same second collide
// only if their ranges overlap — and support still tells such hits apart by client and time.

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const EPOCH_MS = Date.UTC(2024, 0, 1);
const COUNTER_BITS = 15;
const COUNTER_SPAN = 2 ** COUNTER_BITS;
const TIME_SPAN = 2 ** 30;

export type ReferenceGenerator = (at: Date) => string;

export function createReferenceGenerator(
  start: () => number = () => randomInt(0, COUNTER_SPAN / 2),
): ReferenceGenerator {
  let second = -1;
  let counter = 0;
  return (at) => {
    const s = Math.floor(Math.max(0, at.getTime() - EPOCH_MS) / 1000) % TIME_SPAN;
    if (s > second) {
      second = s;
      counter = start() % COUNTER_SPAN;
    } else if (++counter >= COUNTER_SPAN) {
      second += 1;
      counter = 0;
    }
    return format((second % TIME_SPAN) * COUNTER_SPAN + counter);
  };
}

function format(value: number): string {
  let chars = '';
  for (let i = 0; i < 9; i++) {
    chars = (ALPHABET[value % 32] as string) + chars;
    value = Math.floor(value / 32);
  }
  return `MZ-${chars.slice(0, 4)}-${chars.slice(4)}`;
}

/** The canonical `MZ-XXXX-XXXXX` for what someone typed or heard, or undefined when it cannot be one. */
export function normaliseReference(input: string): string | undefined {
  const compact = input.toUpperCase().replace(/[\s-]/g, '').replace(/^MZ/, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (!/^[0-9A-HJKMNP-TV-Z]{9}$/.test(compact)) return undefined;
  return `MZ-${compact.slice(0, 4)}-${compact.slice(4)}`;
}

/** The second a reference was issued in (a borrowed second may make it up to a few seconds late). */
export function referenceTime(reference: string): Date | undefined {
  const normalised = normaliseReference(reference);
  if (!normalised) return undefined;
  let value = 0;
  for (const c of normalised.slice(3).replace('-', '')) value = value * 32 + ALPHABET.indexOf(c);
  return new Date(EPOCH_MS + Math.floor(value / COUNTER_SPAN) * 1000);
}
