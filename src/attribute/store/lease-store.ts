import type { Kysely, Transaction } from 'kysely';
import { sqliteHandle } from '../../store/open.js';
import type { Database } from '../../store/schema.js';
import type { ClosedLease, OpenLease } from '../lease-interval.js';
import { postgresLeases } from './postgres-leases.js';
import { sqliteLeases } from './sqlite-leases.js';

/**
 * An interval that may cover the time asked about: closed, or still open (no end yet). A store that
 * fetches a CGNAT block's next step in the same round trip puts the inside address's candidates in
 * `inner` (empty: looked, found none); without `inner` the caller asks for them.
 */
export type LeaseCandidate = (({ open: false } & ClosedLease) | ({ open: true } & OpenLease)) & {
  inner?: LeaseCandidate[];
};

export type CandidateQuery = {
  address: string;
  /** Only port blocks holding this port (rows without ports always qualify). */
  port?: number | undefined;
  /** The window [fromMs, toMs]: time ± skew. */
  fromMs: number;
  toMs: number;
};

/** An address and a window of time: for a batch of look-ups, every interval that may matter to any of them. */
export type CandidateWindow = { address: string; fromMs: number; toMs: number };

/**
 * The interval store's dialect-specific half: load and write the rows a fold works on, and find the
 * intervals covering an address in a window. Everything runs inside the caller's transaction.
 */
export interface LeaseTables {
  /** Open rows of these sessions, and every open row of these NASes (a reset closes them all). */
  loadOpen(trx: Transaction<Database>, source: string, sessions: string[], nases: string[]): Promise<OpenLease[]>;
  writeOpen(trx: Transaction<Database>, rows: OpenLease[]): Promise<void>;
  deleteOpen(trx: Transaction<Database>, source: string, sessions: string[]): Promise<void>;
  appendClosed(trx: Transaction<Database>, rows: ClosedLease[]): Promise<void>;
  candidates(db: Kysely<Database>, query: CandidateQuery): Promise<LeaseCandidate[]>;
  /**
   * For each window, at least what `candidates` would return for its address over the whole window, every
   * port (no `inner`: the caller asks for inside addresses as windows of their own), in few round trips.
   * A store may return more (intervals of the address just outside the window): the caller filters. One
   * list per window, in order; an address that is not one gets an empty list.
   */
  candidatesInWindows(db: Kysely<Database>, windows: readonly CandidateWindow[]): Promise<LeaseCandidate[][]>;
  /** Open rows whose own end (expiry, or staleness due) is before `nowMs`, at most `limit`. */
  dueOpen(trx: Transaction<Database>, nowMs: number, staleIntervals: number, limit: number): Promise<OpenLease[]>;
  /**
   * Deletes closed intervals of `source` that ended before `beforeMs`, except those a hold covers.
   * Returns how many went (PostgreSQL drops whole monthly partitions when nothing in them is held).
   */
  deleteEnded(db: Kysely<Database>, source: string | undefined, beforeMs: number, holds: HoldRange[]): Promise<number>;
  /** Whether any interval is stored at all (a cheap check before a batch of look-ups). */
  any(db: Kysely<Database>): Promise<boolean>;
  /** Per source: open sessions and closed intervals. */
  counts(db: Kysely<Database>): Promise<{ source: string; open: number; closed: number; lastEndMs: number | null }[]>;
}

/** What a legal hold protects from retention: intervals of an address/prefix or a subscriber key in a time range. */
export type HoldRange = { subject: string; fromMs: number; untilMs: number };

export function leaseTables(db: Kysely<Database>): LeaseTables {
  return sqliteHandle(db) ? sqliteLeases : postgresLeases;
}
