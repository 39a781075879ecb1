import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { subscriberKeyId } from '../store/subscribers.js';
import { DEFAULT_STALE_INTERVALS, ownEnd } from './lease-interval.js';
import { leaseTables, type CandidateQuery, type LeaseCandidate } from './store/lease-store.js';

/** One step of an attribution, from the address asked about inwards. */
export type AttributionLink = {
  kind: 'lease' | 'cgnat' | 'deterministic-nat';
  source: string;
  address: string;
  ports?: [number, number] | undefined;
  /** CGNAT: the inside address the next link is about. */
  inside?: string | undefined;
  subscriberKey?: string | undefined;
  keyKind?: string | undefined;
  session?: string | undefined;
  /** ISO 8601; the interval is [start, end), end null while the session is open. */
  start: string;
  end: string | null;
  endEstimated: boolean;
  evidence: string;
  detail?: Record<string, string> | undefined;
};

export const ATTRIBUTION_NOTES = [
  /** The interval covers the time only with the clock skew allowed, not exactly. */
  'within-skew',
  /** An end was estimated (a session that went silent), not recorded. */
  'end-estimated',
  /** The session is open but sent no update for over two of its intervals before the time asked. */
  'silent',
  /** A CGNAT address was asked about without a port: every block on it is a candidate. */
  'port-unknown',
  /** The CGNAT chain stops: no lease for the inside address at that time. */
  'no-inner-lease',
  /** More than one candidate: someone must look at the evidence before acting. */
  'ambiguous',
] as const;
export type AttributionNote = (typeof ATTRIBUTION_NOTES)[number];

export type Attribution = {
  subscriberKey?: string | undefined;
  keyKind?: string | undefined;
  links: AttributionLink[];
  /** 0–100: 100 when every link covers the time exactly with a recorded start and end (or is open and live). */
  confidence: number;
  notes: AttributionNote[];
};

export type LookupQuery = { address: string; port?: number | undefined; atMs: number; skewMs?: number | undefined };

/** A deterministic NAT (RFC 7422) mapping's answer: which inside address held this public port then. */
export type DeterministicNatResolver = (
  address: string,
  port: number | undefined,
  atMs: number,
) => { inside: string; ports: [number, number]; mapping: string; since: number; until?: number | undefined }[];

export type LookupOptions = {
  nowMs?: number;
  staleIntervals?: number;
  deterministicNat?: DeterministicNatResolver;
};

export const DEFAULT_SKEW_MS = 2000;
const MAX_CHAIN = 4;

/**
 * Every candidate that held `address` (and `port`) at `atMs ± skew`, following CGNAT blocks to the
 * inside address and on to the lease that names a subscriber key. Nothing is merged or dropped to make
 * an answer look certain: two candidates come back as two, each with its evidence and its doubts.
 */
export async function lookupAddress(
  db: Kysely<Database>,
  query: LookupQuery,
  options: LookupOptions = {},
): Promise<Attribution[]> {
  return lookupFrom((q) => leaseTables(db).candidates(db, q), query, options);
}

/** Where a look-up reads the intervals that may cover an address in a window: the store, or rows read beforehand. */
export type CandidateSource = (query: CandidateQuery) => Promise<LeaseCandidate[]> | LeaseCandidate[];

/**
 * lookupAddress's judgement over any source of candidate intervals: lookupMany (lookup-many.ts) hands it
 * the rows it read for a whole batch, so a batch is judged exactly as one look-up at a time would be.
 */
export async function lookupFrom(
  source: CandidateSource,
  query: LookupQuery,
  options: LookupOptions = {},
): Promise<Attribution[]> {
  const skew = query.skewMs ?? DEFAULT_SKEW_MS;
  const found = await follow(source, query.address, query.port, query.atMs, skew, options, 0);
  if (found.length > 1) for (const a of found) a.notes.push('ambiguous');
  return found;
}

async function follow(
  source: CandidateSource,
  address: string,
  port: number | undefined,
  atMs: number,
  skew: number,
  options: LookupOptions,
  depth: number,
  prefetched?: LeaseCandidate[],
): Promise<Attribution[]> {
  const nowMs = options.nowMs ?? Date.now();
  const staleIntervals = options.staleIntervals ?? DEFAULT_STALE_INTERVALS;
  const rows = prefetched ?? (await source({ address, port, fromMs: atMs - skew, toMs: atMs + skew }));
  const links: { link: AttributionLink; confidence: number; notes: AttributionNote[]; inner?: LeaseCandidate[] }[] = [];
  for (const row of rows) {
    const judged = judge(row, atMs, skew, nowMs, staleIntervals);
    if (judged) links.push({ ...judged, inner: row.inner });
  }
  for (const m of options.deterministicNat?.(address, port, atMs) ?? []) {
    links.push({
      link: {
        kind: 'deterministic-nat',
        source: m.mapping,
        address,
        ports: m.ports,
        inside: m.inside,
        start: new Date(m.since).toISOString(),
        end: m.until === undefined ? null : new Date(m.until).toISOString(),
        endEstimated: false,
        evidence: `deterministic NAT mapping ${m.mapping}`,
      },
      confidence: 100,
      notes: [],
    });
  }
  const blocks = links.filter((l) => l.link.inside !== undefined).length;
  const result: Attribution[] = [];
  for (const { link, confidence, notes, inner: innerRows } of links) {
    if (link.inside === undefined) {
      result.push({ subscriberKey: link.subscriberKey, keyKind: link.keyKind, links: [link], confidence, notes });
      continue;
    }
    const cgnatNotes: AttributionNote[] = [...notes];
    let cgnatConfidence = confidence;
    if (port === undefined && blocks > 1) {
      cgnatNotes.push('port-unknown');
      cgnatConfidence -= 40;
    }
    const inner =
      depth + 1 < MAX_CHAIN
        ? await follow(source, link.inside, undefined, atMs, skew, options, depth + 1, innerRows)
        : [];
    if (inner.length === 0) {
      result.push({
        links: [link],
        confidence: Math.min(cgnatConfidence, 20),
        notes: [...cgnatNotes, 'no-inner-lease'],
      });
      continue;
    }
    for (const i of inner) {
      result.push({
        subscriberKey: i.subscriberKey,
        keyKind: i.keyKind,
        links: [link, ...i.links],
        confidence: Math.max(0, Math.min(cgnatConfidence, i.confidence)),
        notes: [...new Set([...cgnatNotes, ...i.notes])],
      });
    }
  }
  return result;
}

/** Whether a stored interval covers the time, and how sure that is. */
function judge(
  row: LeaseCandidate,
  atMs: number,
  skew: number,
  nowMs: number,
  staleIntervals: number,
): { link: AttributionLink; confidence: number; notes: AttributionNote[] } | undefined {
  const covered = coverage(row, atMs, skew, nowMs, staleIntervals);
  if (!covered) return undefined;
  const { endMs, estimated } = covered;
  const notes: AttributionNote[] = [];
  let confidence = 100;
  if (row.open && row.interimS && atMs - row.lastSeenMs > 2 * row.interimS * 1000 && endMs === undefined) {
    notes.push('silent');
    confidence -= 10;
  }
  const exact =
    row.startMs <= atMs && (endMs === undefined || atMs < endMs || (endMs === row.startMs && atMs === endMs));
  if (!exact) {
    notes.push('within-skew');
    confidence -= 30;
  }
  if (estimated) {
    notes.push('end-estimated');
    confidence -= 20;
  }
  return {
    link: {
      kind: row.inside !== undefined ? 'cgnat' : 'lease',
      source: row.source,
      address: row.address,
      ports: row.ports,
      inside: row.inside,
      subscriberKey: row.subscriberKey,
      keyKind: row.keyKind,
      session: row.session,
      start: isoTime(row.startMs),
      end: endMs === undefined ? null : isoTime(endMs),
      endEstimated: estimated,
      evidence: row.evidence,
      detail: row.detail,
    },
    confidence,
    notes,
  };
}

/** Whether a stored interval covers `atMs ± skew`, and where it ends (undefined: open and live); undefined if it does not. */
function coverage(
  row: LeaseCandidate,
  atMs: number,
  skew: number,
  nowMs: number,
  staleIntervals: number,
): { endMs: number | undefined; estimated: boolean } | undefined {
  let endMs: number | undefined;
  let estimated = false;
  if (row.open) {
    const own = ownEnd(row, staleIntervals);
    // An open session whose expiry passed, or that has been silent past staleness, ended on its own
    // even if housekeeping has not closed it yet.
    if (own && nowMs > own.dueMs) {
      endMs = own.endMs;
      estimated = own.estimated;
    } else if (own && !own.estimated && own.endMs < atMs - skew) {
      endMs = own.endMs;
    }
  } else {
    endMs = row.endMs;
    estimated = row.endEstimated;
  }
  if (endMs !== undefined && endMs < atMs - skew) return undefined;
  if (row.startMs > atMs + skew) return undefined;
  return { endMs, estimated };
}

/**
 * The subscriber keys lookupFrom's candidates name (subscriberKeyId, each once, keyKind `user` when the
 * lease says none), without building their links and evidence: what an abuse report's million rows need,
 * since a row is acted on by its key alone. The same intervals count as for lookupFrom (coverage), and the
 * same chain is followed; lookup-many.test.ts checks the two agree.
 */
export function keysFrom(
  source: (query: CandidateQuery) => LeaseCandidate[],
  query: LookupQuery,
  options: LookupOptions = {},
): string[] {
  const keys: string[] = [];
  const nowMs = options.nowMs ?? Date.now();
  const staleIntervals = options.staleIntervals ?? DEFAULT_STALE_INTERVALS;
  const skew = query.skewMs ?? DEFAULT_SKEW_MS;
  const atMs = query.atMs;
  const walk = (address: string, port: number | undefined, depth: number, prefetched?: LeaseCandidate[]) => {
    const rows = prefetched ?? source({ address, port, fromMs: atMs - skew, toMs: atMs + skew });
    for (const row of rows) {
      if (!coverage(row, atMs, skew, nowMs, staleIntervals)) continue;
      if (row.inside === undefined) {
        if (row.subscriberKey === undefined) continue;
        const key = subscriberKeyId(row.keyKind ?? 'user', row.subscriberKey);
        if (!keys.includes(key)) keys.push(key);
      } else if (depth + 1 < MAX_CHAIN) walk(row.inside, undefined, depth + 1, row.inner);
    }
    for (const m of options.deterministicNat?.(address, port, atMs) ?? [])
      if (depth + 1 < MAX_CHAIN) walk(m.inside, undefined, depth + 1);
  };
  walk(query.address, query.port, 0);
  return keys;
}

/** ISO 8601 of a time, remembered: a batch judges the same few intervals for thousands of events. */
function isoTime(ms: number): string {
  let iso = isoCache.get(ms);
  if (iso === undefined) {
    if (isoCache.size >= ISO_CACHE_LIMIT) isoCache.clear();
    isoCache.set(ms, (iso = new Date(ms).toISOString()));
  }
  return iso;
}
const isoCache = new Map<number, string>();
const ISO_CACHE_LIMIT = 100_000;
