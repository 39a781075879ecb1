import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

// The source addresses each case's events came from, each (case, address) once: how the console finds the
// events of an address without an index entry per event (migration 0014). Every write that puts an event in a
// case records its address here in the same transaction; case-addresses.test.ts keeps it that way.

export type CaseAddress = { caseId: number; address: string | null | undefined };

/** Two bound values a row: a chunk stays well under SQLite's and PostgreSQL's limits. */
const CHUNK = 1000;

/** Records the pairs not recorded yet (an infected host's address comes back batch after batch: once is enough). */
export async function addCaseAddresses(db: Kysely<Database>, pairs: Iterable<CaseAddress>): Promise<void> {
  const seen = new Set<string>();
  const rows: { caseId: number; address: string }[] = [];
  for (const { caseId, address } of pairs) {
    if (!address) continue;
    const key = `${caseId}\0${address}`;
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push({ caseId, address });
  }
  for (let i = 0; i < rows.length; i += CHUNK) {
    await db
      .insertInto('abuseCaseAddresses')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) => oc.columns(['caseId', 'address']).doNothing())
      .execute();
  }
}
