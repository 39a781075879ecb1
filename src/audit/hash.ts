import { createHash } from 'node:crypto';
import type { AuditEntryRow } from '../store/schema.js';

/** The fields of an audit entry that its hash covers: all of them but the hash itself. */
export type ChainedFields = Omit<AuditEntryRow, 'hash'>;

export const GENESIS_HASH = '0'.repeat(64);

/**
 * sha256 over a fixed-order JSON array of the fields. JSON (not a joined string) so that no
 * field's content can be shifted into its neighbour and keep the same hash.
 */
export function entryHash(e: ChainedFields): string {
  const canonical = JSON.stringify([
    e.id,
    e.at,
    e.actor,
    e.action,
    e.target,
    e.purpose,
    e.requestId,
    e.detail,
    e.prevHash,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
