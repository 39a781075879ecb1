import { sql, type Kysely } from 'kysely';
import { audited } from '../audit/append.js';
import type { AuditContext } from '../domain/actor.js';
import { nowIso } from '../domain/time.js';
import { UserFacingError } from '../domain/user-facing-error.js';
import type { Database, SubscriberRow } from './schema.js';

// Subscriber records are protected by the secrecy of communications. This file is the only code that
// reads the subscribers table (a test fails the suite if another file does), and its only read,
// readSubscribers, refuses to run without a purpose and records who read what and why.

export type Subscriber = SubscriberRow;

export type SubscriberInput = Omit<Subscriber, 'createdAt' | 'updatedAt'>;

export type SubscriberAccess = AuditContext & {
  /** Why the data is read: a case number, a legal request reference, a support ticket. */
  purpose: string;
};

export type SubscriberQuery = { id: string } | { search: string; limit: number };

export const MIN_PURPOSE_LENGTH = 5;

export async function readSubscribers(
  db: Kysely<Database>,
  access: SubscriberAccess,
  query: SubscriberQuery,
): Promise<Subscriber[]> {
  const purpose = access.purpose?.trim() ?? '';
  if (purpose.length < MIN_PURPOSE_LENGTH) throw new UserFacingError(400, 'subscriber.purpose_required');
  const target = 'id' in query ? `subscriber:${query.id}` : `subscriber-search:${query.search}`;
  return audited(
    db,
    access,
    (rows: Subscriber[]) => ({
      action: 'subscriber.read',
      target,
      purpose,
      detail: { returned: rows.map((r) => r.id) },
    }),
    async (trx) => {
      let q = trx.selectFrom('subscribers').selectAll();
      if ('id' in query) {
        q = q.where('id', '=', query.id);
      } else {
        // '!' as the LIKE escape, spelled out: PostgreSQL and SQLite disagree on a default.
        const like = `%${query.search.replace(/[!%_]/g, (c) => `!${c}`)}%`;
        const contains = (column: 'id' | 'name' | 'email') => sql<boolean>`${sql.ref(column)} like ${like} escape '!'`;
        q = q
          .where(() => sql<boolean>`(${contains('id')} or ${contains('name')} or ${contains('email')})`)
          .orderBy('id')
          .limit(query.limit);
      }
      const rows = await q.execute();
      return rows;
    },
  );
}

export async function upsertSubscriber(db: Kysely<Database>, ctx: AuditContext, input: SubscriberInput): Promise<void> {
  await audited(db, ctx, { action: 'subscriber.write', target: `subscriber:${input.id}` }, async (trx) => {
    const now = nowIso();
    await trx
      .insertInto('subscribers')
      .values({ ...input, createdAt: now, updatedAt: now })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          name: input.name,
          email: input.email,
          phone: input.phone,
          address: input.address,
          contract: input.contract,
          updatedAt: now,
        }),
      )
      .execute();
  });
}

export async function requireSubscriber(
  db: Kysely<Database>,
  access: SubscriberAccess,
  id: string,
): Promise<Subscriber> {
  const [found] = await readSubscribers(db, access, { id });
  if (!found) throw new UserFacingError(404, 'subscriber.not_found', { id });
  return found;
}
