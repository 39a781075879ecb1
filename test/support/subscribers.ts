import type { Kysely } from 'kysely';
import type { AuditContext } from '../../src/domain/actor.js';
import type { Database } from '../../src/store/schema.js';
import { upsertSubscriber } from '../../src/store/subscribers.js';

/** Subscriber records named by their id, each with one `user` key (the RADIUS user name its leases carry). */
export async function addUserSubscribers(
  db: Kysely<Database>,
  audit: AuditContext,
  pairs: readonly (readonly [id: string, user: string])[],
): Promise<void> {
  for (const [id, user] of pairs)
    await upsertSubscriber(db, audit, {
      id,
      name: id,
      email: null,
      phone: null,
      address: null,
      contract: null,
      keys: [{ kind: 'user', value: user }],
    });
}
