import { isIP } from 'node:net';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { subscriberKeyId } from '../store/subscribers.js';
import { parsePrefix } from './address-key.js';
import {
  DEFAULT_SKEW_MS,
  keysFrom,
  lookupAddress,
  lookupFrom,
  type Attribution,
  type LookupOptions,
  type LookupQuery,
} from './lookup.js';
import { leaseTables, type CandidateQuery, type CandidateWindow, type LeaseCandidate } from './store/lease-store.js';

// Many look-ups at once, for a batch of abuse events or sightings. One look-up at a time costs a round
// trip (and a plan) per address; here the intervals of every address in the batch are read in one
// statement per step of the chain — the addresses asked about, then the inside addresses their CGNAT blocks
// lead to — and each look-up is then judged in memory by lookupFrom, the same code lookupAddress runs, over
// the rows read. The answers are lookupAddress's, candidate for candidate (lookup-many.test.ts).

/** Times of one address closer than this are read as one window: one probe instead of two. */
const MERGE_GAP_MS = 3_600_000;
/** The chain is at most four links (lookup.ts), so its last step is read in the fourth round at the latest. */
const MAX_ROUNDS = 5;
/**
 * With a read cache, how far past the latest time asked about an address is read: the next batches of a
 * report in time order find their rows already read.
 */
const READ_AHEAD_MS = 3 * 3_600_000;
/** Past this many rows an address's cached reads are dropped before the next call: each look-up scans them. */
const ROWS_PER_ADDRESS = 512;
/** Past this many addresses a read cache starts afresh: memory stays flat however long the run. */
const CACHE_ADDRESSES = 100_000;

export type LookupManyStats = { windows: number; rows: number; rounds: number; fallbacks: number };

type Read = { windows: [number, number][]; rows: LeaseCandidate[]; seen: Set<string> };

/**
 * Lease rows read for the earlier batches of one run (a report's intake), kept for the batches after it: an
 * infected host's address comes back batch after batch, and a batch that finds its rows read asks the store
 * nothing. Intervals a lease import writes during the run are not seen by it; an event that finds no lease
 * because of that waits in the unassigned queue for the late-lease retry, as it would had it come first.
 */
export type LeaseReadCache = { read: Map<string, Read> };

export function leaseReadCache(): LeaseReadCache {
  return { read: new Map() };
}

/**
 * lookupAddress for each query, in order; `stats` (if given) says what it took. With `cache`, rows read by
 * earlier calls are used again and each address is read ahead of the times asked.
 */
export function lookupMany(
  db: Kysely<Database>,
  queries: readonly LookupQuery[],
  options: LookupOptions = {},
  stats?: LookupManyStats,
  cache?: LeaseReadCache,
): Promise<Attribution[][]> {
  return lookupManyBy(lookupFrom, (q) => lookupAddress(db, q, options), db, queries, options, stats, cache);
}

/**
 * The subscriber keys each query's candidates name (keysFrom), read as lookupMany reads: for a report of
 * a million rows, which needs the keys and not the links and evidence lookupMany builds for each.
 */
export function lookupManyKeys(
  db: Kysely<Database>,
  queries: readonly LookupQuery[],
  options: LookupOptions = {},
  stats?: LookupManyStats,
  cache?: LeaseReadCache,
): Promise<string[][]> {
  const fallback = async (q: LookupQuery) => keysOf(await lookupAddress(db, q, options));
  return lookupManyBy(keysFrom, fallback, db, queries, options, stats, cache);
}

/** The distinct keys of lookupAddress's candidates, as keysFrom names them. */
export function keysOf(found: readonly Attribution[]): string[] {
  const keys: string[] = [];
  for (const a of found) {
    if (a.subscriberKey === undefined) continue;
    const key = subscriberKeyId(a.keyKind ?? 'user', a.subscriberKey);
    if (!keys.includes(key)) keys.push(key);
  }
  return keys;
}

/** The reading both share: `judge` answers one query over the rows read, `fallback` from the store. */
async function lookupManyBy<R>(
  judge: (
    source: (q: CandidateQuery) => LeaseCandidate[],
    query: LookupQuery,
    options: LookupOptions,
  ) => R | Promise<R>,
  fallback: (query: LookupQuery) => Promise<R>,
  db: Kysely<Database>,
  queries: readonly LookupQuery[],
  options: LookupOptions,
  stats: LookupManyStats | undefined,
  cache: LeaseReadCache | undefined,
): Promise<R[]> {
  const answers: R[] = new Array(queries.length);
  if (cache) forgetLargest(cache);
  const read = cache?.read ?? new Map<string, Read>();
  const readAheadMs = cache ? READ_AHEAD_MS : 0;
  let wanted = new Map<string, [number, number][]>();
  for (const q of queries) {
    const skew = q.skewMs ?? DEFAULT_SKEW_MS;
    want(wanted, q.address, q.atMs - skew, q.atMs + skew);
  }
  let todo = queries.map((_, i) => i);
  for (let round = 1; todo.length > 0; round++) {
    if (round > MAX_ROUNDS) {
      // Not reached with chains of at most four links; if it ever is, the answer is still lookupAddress's.
      for (const i of todo) answers[i] = await fallback(queries[i]!);
      if (stats) stats.fallbacks += todo.length;
      break;
    }
    await readWindows(db, wanted, read, readAheadMs, stats);
    if (stats) stats.rounds = round;
    wanted = new Map();
    const next: number[] = [];
    for (const i of todo) {
      let missing = false;
      const source = (q: CandidateQuery): LeaseCandidate[] => {
        const have = read.get(q.address);
        if (have && isRead(have, q.fromMs, q.toMs)) return covering(have.rows, q);
        // Not read yet (an inside address a block led to): read it in the next round, then judge again.
        missing = true;
        want(wanted, q.address, q.fromMs, q.toMs);
        return [];
      };
      const judged = judge(source, queries[i]!, options);
      // lookupFrom is async; keysFrom is not, and a million rows should not cost a million awaits.
      const found = judged instanceof Promise ? await judged : judged;
      if (missing) next.push(i);
      else answers[i] = found;
    }
    todo = next;
  }
  return answers;
}

function want(wanted: Map<string, [number, number][]>, address: string, fromMs: number, toMs: number): void {
  const list = wanted.get(address);
  if (list) list.push([fromMs, toMs]);
  else wanted.set(address, [[fromMs, toMs]]);
}

/**
 * Reads the wanted windows not read before (merged per address, each reaching `readAheadMs` further) in one
 * round trip and files the rows by address.
 */
async function readWindows(
  db: Kysely<Database>,
  wanted: Map<string, [number, number][]>,
  read: Map<string, Read>,
  readAheadMs: number,
  stats: LookupManyStats | undefined,
): Promise<void> {
  const windows: CandidateWindow[] = [];
  for (const [address, wantedList] of wanted) {
    let have = read.get(address);
    const list = have ? wantedList.filter(([f, t]) => !isRead(have!, f, t)) : wantedList;
    if (list.length === 0) continue;
    if (!have) read.set(address, (have = { windows: [], rows: [], seen: new Set() }));
    // An address that is not one holds nothing: no need to ask the store (which would refuse it).
    if (isIP(address) === 0 && !parsePrefix(address)) {
      have.windows.push([-Infinity, Infinity]);
      continue;
    }
    list.sort((a, b) => a[0] - b[0]);
    let [from, to] = list[0]!;
    for (const [f, t] of list.slice(1)) {
      if (f <= to + readAheadMs + MERGE_GAP_MS) to = Math.max(to, t);
      else {
        windows.push({ address, fromMs: from, toMs: to + readAheadMs });
        [from, to] = [f, t];
      }
    }
    windows.push({ address, fromMs: from, toMs: to + readAheadMs });
  }
  if (windows.length === 0) return;
  const found = await leaseTables(db).candidatesInWindows(db, windows);
  windows.forEach((w, i) => {
    const have = read.get(w.address)!;
    have.windows.push([w.fromMs, w.toMs]);
    for (const row of found[i]!) {
      // Windows of one address may both hold a long interval: keep it once.
      const id = `${row.open ? 'o' : row.endMs}\0${row.source}\0${row.session}\0${row.startMs}\0${row.address}`;
      if (have.seen.has(id)) continue;
      have.seen.add(id);
      have.rows.push(row);
    }
    if (stats) stats.rows += found[i]!.length;
  });
  if (stats) stats.windows += windows.length;
}

/** Before a call (never between its rounds): addresses with many rows read are read afresh, and a full cache. */
function forgetLargest(cache: LeaseReadCache): void {
  if (cache.read.size > CACHE_ADDRESSES) cache.read.clear();
  for (const [address, have] of cache.read) if (have.rows.length > ROWS_PER_ADDRESS) cache.read.delete(address);
}

function isRead(have: Read, fromMs: number, toMs: number): boolean {
  return have.windows.some(([from, to]) => from <= fromMs && toMs <= to);
}

/** The rows `candidates` would return for this query: the same conditions, over rows already read. */
function covering(rows: LeaseCandidate[], q: CandidateQuery): LeaseCandidate[] {
  const out: LeaseCandidate[] = [];
  for (const r of rows) {
    if (r.startMs > q.toMs || (!r.open && r.endMs < q.fromMs)) continue;
    if (q.port !== undefined && r.ports !== undefined && (q.port < r.ports[0] || q.port > r.ports[1])) continue;
    out.push(r);
  }
  return out;
}
