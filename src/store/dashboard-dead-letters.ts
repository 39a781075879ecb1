import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Dead letters not replayed yet, per source (a feed, an input, `subscribers`…); index-only with migration 0011. */
export async function pendingDeadLettersBySource(db: Kysely<Database>): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('deadLetters')
    .select((eb) => ['source', eb.fn.countAll<number>().as('n')])
    .where('replayedAt', 'is', null)
    .groupBy('source')
    .execute();
  return new Map(rows.map((r) => [r.source, Number(r.n)]));
}
