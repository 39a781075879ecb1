import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

// The claims' revision: bumped after every change to them, read before they are compiled. A cache of
// compiled indicators labelled with the revision it read is then never newer than its label says, and
// any later change leaves the label behind (see match/indicator-snapshot.ts). Only claims-store.ts and
// allowlist/reapply.ts write claims; revision.test.ts keeps it that way.

/** The claims' revision, as `<store>:<n>`: equal only for the same database at the same revision. */
export async function intelRevision(db: Kysely<Database>): Promise<string> {
  const row = await db.selectFrom('intelRevision').select(['revision', 'store']).where('id', '=', 1).executeTakeFirst();
  return `${row?.store ?? 'unknown'}:${Number(row?.revision ?? 0)}`;
}

export async function bumpIntelRevision(db: Kysely<Database>): Promise<void> {
  await db
    .updateTable('intelRevision')
    .set((eb) => ({ revision: eb('revision', '+', 1) }))
    .where('id', '=', 1)
    .execute();
}
