import { sql, type Kysely } from 'kysely';
import { audited } from '../audit/append.js';
import type { AuditContext } from '../domain/actor.js';
import { purposeText, type Purpose } from '../domain/purpose.js';
import { nowIso } from '../domain/time.js';
import { UserFacingError } from '../domain/user-facing-error.js';
import type { Database, SubscriberRow } from './schema.js';

// Subscriber records are protected by the secrecy of communications. This file is the only code that
// reads the subscribers table (a test fails the suite if another file does), and its only read of a
// record, readSubscribers, refuses to run without a purpose and records who read what and why.

export type Subscriber = SubscriberRow;

export type SubscriberKey = { kind: string; value: string };

/** One string for a key (`kind\0value`): what maps of keys are keyed by, here and in attribution. */
export function subscriberKeyId(kind: string, value: string): string {
  return `${kind}\0${value}`;
}

export type SubscriberInput = Omit<
  Subscriber,
  'createdAt' | 'updatedAt' | 'nameKana' | 'plan' | 'status' | 'source' | 'locale'
> &
  Partial<Pick<Subscriber, 'nameKana' | 'plan' | 'status' | 'source' | 'locale'>> & {
    /** Replaces the keys the subscriber is known by, when given. */
    keys?: SubscriberKey[] | undefined;
  };

export type SubscriberAccess = AuditContext & {
  /** Why the data is read, from the fixed list; `other` with words. */
  purpose: Purpose | undefined;
};

export type SubscriberQuery = { id: string } | { ids: string[] } | { search: string; limit: number };

export async function readSubscribers(
  db: Kysely<Database>,
  access: SubscriberAccess,
  query: SubscriberQuery,
): Promise<Subscriber[]> {
  if (!access.purpose) throw new UserFacingError(400, 'purpose.required');
  const purpose = purposeText(access.purpose);
  const target =
    'id' in query
      ? `subscriber:${query.id}`
      : 'ids' in query
        ? `subscribers:${query.ids.join(',')}`
        : `subscriber-search:${query.search}`;
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
      } else if ('ids' in query) {
        if (query.ids.length === 0) return [];
        q = q.where('id', 'in', query.ids).orderBy('id');
      } else {
        // '!' as the LIKE escape, spelled out: PostgreSQL and SQLite disagree on a default.
        const like = `%${query.search.replace(/[!%_]/g, (c) => `!${c}`)}%`;
        const contains = (column: 'id' | 'name' | 'email' | 'name_kana') =>
          sql<boolean>`${sql.ref(column)} like ${like} escape '!'`;
        q = q
          .where(
            () =>
              sql<boolean>`(${contains('id')} or ${contains('name')} or ${contains('email')} or ${contains('name_kana')})`,
          )
          .orderBy('id')
          .limit(query.limit);
      }
      return q.execute();
    },
  );
}

export async function upsertSubscriber(db: Kysely<Database>, ctx: AuditContext, input: SubscriberInput): Promise<void> {
  await audited(db, ctx, { action: 'subscriber.write', target: `subscriber:${input.id}` }, (trx) =>
    writeSubscribers(trx, [input]),
  );
}

/** Writes a batch of records (an import) in one transaction, recorded as one audit entry. */
export async function importSubscribers(
  db: Kysely<Database>,
  ctx: AuditContext,
  inputs: SubscriberInput[],
  origin: string,
): Promise<void> {
  if (inputs.length === 0) return;
  await audited(
    db,
    ctx,
    {
      action: 'subscriber.import',
      target: `subscribers:${inputs[0]!.id}…${inputs.at(-1)!.id}`,
      detail: { count: inputs.length, origin },
    },
    (trx) => writeSubscribers(trx, inputs),
  );
}

async function writeSubscribers(trx: Kysely<Database>, inputs: SubscriberInput[]): Promise<void> {
  const now = nowIso();
  for (const input of inputs) {
    const { keys, ...record } = input;
    const values = {
      nameKana: null,
      plan: null,
      status: null,
      source: null,
      ...record,
      locale: record.locale ?? null,
    };
    await trx
      .insertInto('subscribers')
      .values({ ...values, createdAt: now, updatedAt: now })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          name: values.name,
          email: values.email,
          phone: values.phone,
          address: values.address,
          contract: values.contract,
          nameKana: values.nameKana,
          plan: values.plan,
          status: values.status,
          source: values.source,
          // A record that names no language keeps the one it has (set by an earlier import or by hand).
          ...(record.locale != null && { locale: record.locale }),
          updatedAt: now,
        }),
      )
      .execute();
    if (keys) {
      await trx.deleteFrom('subscriberKeys').where('subscriberId', '=', input.id).execute();
      for (const key of keys) {
        await trx
          .insertInto('subscriberKeys')
          .values({ kind: key.kind, value: key.value, subscriberId: input.id })
          .onConflict((oc) => oc.columns(['kind', 'value']).doUpdateSet({ subscriberId: input.id }))
          .execute();
      }
    }
  }
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

/** Whether a subscriber record with this id exists: an id only, no personal data, so no purpose of its own. */
export async function subscriberExists(db: Kysely<Database>, id: string): Promise<boolean> {
  const row = await db.selectFrom('subscribers').select('id').where('id', '=', id).executeTakeFirst();
  return row !== undefined;
}

/**
 * The subscriber ids that lease keys stand for: through the imported keys, or, for a key that is a
 * subscriber id itself (static assignments, or RADIUS user names that are account ids), directly.
 * Only ids come back — no personal data — so this needs no purpose of its own; the look-up that calls
 * it is audited.
 */
export async function subscriberIdsForKeys(db: Kysely<Database>, keys: SubscriberKey[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (keys.length === 0) return found;
  const mapped = await db
    .selectFrom('subscriberKeys')
    .select(['kind', 'value', 'subscriberId'])
    .where((eb) => eb.or(keys.map((k) => eb.and([eb('kind', '=', k.kind), eb('value', '=', k.value)]))))
    .execute();
  for (const m of mapped) found.set(subscriberKeyId(m.kind, m.value), m.subscriberId);
  const direct = keys.filter((k) => !found.has(subscriberKeyId(k.kind, k.value))).map((k) => k.value);
  if (direct.length > 0) {
    const ids = new Set(
      (await db.selectFrom('subscribers').select('id').where('id', 'in', direct).execute()).map((r) => r.id),
    );
    for (const k of keys)
      if (!found.has(subscriberKeyId(k.kind, k.value)) && ids.has(k.value))
        found.set(subscriberKeyId(k.kind, k.value), k.value);
  }
  return found;
}
