// The two shapes a session takes in the interval store: open (still held, updated in place) and
// closed (an interval [start, end) written once).

export type OpenLease = {
  source: string;
  session: string;
  address: string;
  ports?: [number, number] | undefined;
  inside?: string | undefined;
  subscriberKey?: string | undefined;
  keyKind?: string | undefined;
  nas?: string | undefined;
  startMs: number;
  lastSeenMs: number;
  /** When it ends unless renewed (DHCP); undefined: held until a stop says otherwise. */
  expiresMs?: number | undefined;
  interimS?: number | undefined;
  evidence: string;
  detail?: Record<string, string> | undefined;
};

export type ClosedLease = Omit<OpenLease, 'lastSeenMs' | 'expiresMs' | 'interimS'> & {
  endMs: number;
  /** The end is an estimate (a session that went silent), not a recorded stop or expiry. */
  endEstimated: boolean;
};

/** How many missed interim updates make a session stale (ended at its last update plus one interval). */
export const DEFAULT_STALE_INTERVALS = 3;

/** Where an open lease ends on its own: its expiry, or the estimate once it has gone silent. */
export function ownEnd(
  lease: OpenLease,
  staleIntervals: number,
): { endMs: number; estimated: boolean; dueMs: number } | undefined {
  if (lease.expiresMs !== undefined) return { endMs: lease.expiresMs, estimated: false, dueMs: lease.expiresMs };
  if (lease.interimS !== undefined && lease.interimS > 0) {
    const interval = lease.interimS * 1000;
    return {
      endMs: lease.lastSeenMs + interval,
      estimated: true,
      dueMs: lease.lastSeenMs + staleIntervals * interval,
    };
  }
  return undefined;
}

export function closeLease(lease: OpenLease, endMs: number, endEstimated: boolean): ClosedLease {
  const { lastSeenMs: _l, expiresMs: _e, interimS: _i, ...rest } = lease;
  return { ...rest, endMs: Math.max(endMs, lease.startMs), endEstimated };
}
