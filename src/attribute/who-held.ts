import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/append.js';
import { purposeText } from '../domain/purpose.js';
import { UserFacingError } from '../domain/user-facing-error.js';
import type { Database } from '../store/schema.js';
import {
  readSubscribers,
  subscriberIdsForKeys,
  type Subscriber,
  type SubscriberAccess,
  subscriberKeyId,
} from '../store/subscribers.js';
import { DEFAULT_SKEW_MS, lookupAddress, type Attribution, type LookupOptions, type LookupQuery } from './lookup.js';

/** Contact details of a subscriber, from the store or the billing system's directory. */
export type SubscriberContact = Pick<
  Subscriber,
  'id' | 'name' | 'nameKana' | 'email' | 'phone' | 'address' | 'contract' | 'plan' | 'status'
> & { from: 'store' | 'directory' };

/** Where subscribers not in the store are looked up (the billing system's HTTP API). */
export type SubscriberDirectory = {
  lookup(key: { kind: string; value: string }): Promise<Omit<SubscriberContact, 'from'> | undefined>;
};

export type WhoCandidate = Attribution & {
  subscriberId?: string | undefined;
  /** Only for callers allowed to see contact details (abuse desk, legal). */
  subscriber?: SubscriberContact | undefined;
  /** The billing system's directory could not be asked: what went wrong (the keys above still stand). */
  directoryError?: string | undefined;
};

export type WhoAnswer = {
  address: string;
  port?: number | undefined;
  at: string;
  skewMs: number;
  candidates: WhoCandidate[];
};

/**
 * The one audited path from an address and a time to a subscriber. The purpose is required before
 * anything is read; the look-up is recorded with what it returned; contact details are read (and
 * recorded again, as a subscriber read) only when `contact` is set — the abuse desk and legal roles.
 */
export async function whoHeld(
  db: Kysely<Database>,
  access: SubscriberAccess,
  query: LookupQuery,
  options: LookupOptions & { contact: boolean; directory?: SubscriberDirectory | undefined },
): Promise<WhoAnswer> {
  if (!access.purpose) throw new UserFacingError(400, 'purpose.required');
  const skewMs = query.skewMs ?? DEFAULT_SKEW_MS;
  const found = await lookupAddress(db, { ...query, skewMs }, options);
  const keys = found.flatMap((a) =>
    a.subscriberKey === undefined ? [] : [{ kind: a.keyKind ?? 'user', value: a.subscriberKey }],
  );
  const ids = await subscriberIdsForKeys(db, keys);
  const candidates: WhoCandidate[] = found.map((a) => ({
    ...a,
    subscriberId:
      a.subscriberKey === undefined ? undefined : ids.get(subscriberKeyId(a.keyKind ?? 'user', a.subscriberKey)),
  }));
  const at = new Date(query.atMs).toISOString();
  const target = `address:${query.address}${query.port === undefined ? '' : `#${query.port}`}@${at}`;
  await recordAudit(db, access, {
    action: 'attribution.lookup',
    target,
    purpose: purposeText(access.purpose),
    detail: {
      candidates: candidates.length,
      subscriberKeys: candidates.map((c) => c.subscriberKey ?? null),
      subscriberIds: candidates.map((c) => c.subscriberId ?? null),
    },
  });
  if (options.contact) await addContacts(db, access, candidates, options.directory);
  return { address: query.address, port: query.port, at, skewMs, candidates };
}

async function addContacts(
  db: Kysely<Database>,
  access: SubscriberAccess,
  candidates: WhoCandidate[],
  directory: SubscriberDirectory | undefined,
): Promise<void> {
  const ids = [...new Set(candidates.flatMap((c) => (c.subscriberId ? [c.subscriberId] : [])))];
  const stored = new Map((await readSubscribers(db, access, { ids })).map((s) => [s.id, s]));
  for (const c of candidates) {
    const s = c.subscriberId ? stored.get(c.subscriberId) : undefined;
    if (s) {
      c.subscriber = contactOf(s, 'store');
      continue;
    }
    if (!directory || c.subscriberKey === undefined) continue;
    const key = { kind: c.keyKind ?? 'user', value: c.subscriberKey };
    let record: Awaited<ReturnType<SubscriberDirectory['lookup']>>;
    try {
      record = await directory.lookup(key);
    } catch (err) {
      c.directoryError = (err as Error).message;
      continue;
    }
    await recordAudit(db, access, {
      action: 'subscriber.read',
      target: `subscriber-key:${key.kind}:${key.value}`,
      purpose: purposeText(access.purpose!),
      detail: { via: 'directory', returned: record ? [record.id] : [] },
    });
    if (record) {
      c.subscriberId = record.id;
      c.subscriber = { ...record, from: 'directory' };
    }
  }
}

function contactOf(s: Subscriber, from: 'store' | 'directory'): SubscriberContact {
  return {
    id: s.id,
    name: s.name,
    nameKana: s.nameKana,
    email: s.email,
    phone: s.phone,
    address: s.address,
    contract: s.contract,
    plan: s.plan,
    status: s.status,
    from,
  };
}
