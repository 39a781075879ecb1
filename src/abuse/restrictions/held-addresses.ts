import ipaddr from 'ipaddr.js';
import { sql, type Kysely } from 'kysely';
import { sqliteHandle } from '../../store/open.js';
import type { Database } from '../../store/schema.js';
import { subscriberIdsForKeys, subscriberKeyId } from '../../store/subscribers.js';

// What a subscriber holds now, from the attribution data: the addresses and prefixes of their leases
// that cover this moment — sessions still open (RADIUS, DHCP not yet expired), and intervals written
// with an end still ahead (a static assignment with an `until`). This is what a restriction puts in
// the walled garden, and what following the subscriber recomputes when their address changes.

/** Why a held address is not restricted. */
export type SkipReason =
  /** A CGNAT port block: the public address is shared with other subscribers. */
  | 'shared-port-block'
  /** Wider than a household or business line ever is (a /16 lease is a data error, not a customer). */
  | 'too-wide';

export type HeldAddresses = {
  /** Canonical, sorted, without duplicates: `192.0.2.7`, `2001:db8:1200::/56`. */
  addresses: string[];
  skipped: { address: string; reason: SkipReason }[];
};

/** The widest prefix a restriction takes: wider ones are skipped, so a bad lease cannot wall off a pool. */
const WIDEST = { ipv4: 24, ipv6: 48 } as const;

type LeaseRow = { address: string; shared: number | boolean; subscriber_key: string; key_kind: string | null };

/**
 * The addresses `subscriberId` holds at `now`. A lease is theirs when its key maps to them (the keys
 * imported with the subscriber) or is their id itself (static assignments) — the same rule the
 * attribution of events uses.
 */
export async function addressesHeldNow(db: Kysely<Database>, subscriberId: string, now: Date): Promise<HeldAddresses> {
  const keys = await db
    .selectFrom('subscriberKeys')
    .select(['kind', 'value'])
    .where('subscriberId', '=', subscriberId)
    .execute();
  const values = [...new Set([subscriberId, ...keys.map((k) => k.value)])];
  const rows = sqliteHandle(db) ? await sqliteRows(db, values, now) : await postgresRows(db, values, now);
  if (rows.length === 0) return { addresses: [], skipped: [] };

  const leaseKeys = rows.map((r) => ({ kind: r.key_kind ?? 'user', value: r.subscriber_key }));
  const owners = await subscriberIdsForKeys(db, leaseKeys);
  const addresses = new Set<string>();
  const skipped = new Map<string, SkipReason>();
  for (const r of rows) {
    if (owners.get(subscriberKeyId(r.key_kind ?? 'user', r.subscriber_key)) !== subscriberId) continue;
    const address = canonical(r.address);
    if (address === undefined) continue;
    if (r.shared === 1 || r.shared === true) skipped.set(address, 'shared-port-block');
    else if (tooWide(address)) skipped.set(address, 'too-wide');
    else addresses.add(address);
  }
  return {
    addresses: [...addresses].sort(),
    skipped: [...skipped]
      .map(([address, reason]) => ({ address, reason }))
      .sort((a, b) => (a.address < b.address ? -1 : 1)),
  };
}

async function sqliteRows(db: Kysely<Database>, values: string[], now: Date): Promise<LeaseRow[]> {
  const ms = now.getTime();
  const list = JSON.stringify(values);
  const { rows } = await sql<LeaseRow>`
    select address, port_first is not null as shared, subscriber_key, key_kind from open_leases
      where subscriber_key in (select value from json_each(${list}))
        and start_ms <= ${ms} and (expires_ms is null or expires_ms > ${ms})
    union all
    select address, port_first is not null as shared, subscriber_key, key_kind from leases
      where subscriber_key in (select value from json_each(${list})) and end_ms > ${ms} and start_ms <= ${ms}`.execute(
    db.withoutPlugins(),
  );
  return rows;
}

async function postgresRows(db: Kysely<Database>, values: string[], now: Date): Promise<LeaseRow[]> {
  const at = now.toISOString();
  const { rows } = await sql<LeaseRow>`
    select address::text as address, ports is not null as shared, subscriber_key, key_kind from open_leases
      where subscriber_key = any(${values}::text[])
        and started_at <= ${at}::timestamptz and (expires_at is null or expires_at > ${at}::timestamptz)
    union all
    select address::text as address, ports is not null as shared, subscriber_key, key_kind from leases
      where subscriber_key = any(${values}::text[]) and ended_at > ${at}::timestamptz
        and lower(during) <= ${at}::timestamptz`.execute(db.withoutPlugins());
  return rows;
}

/** `192.0.2.7/32` (PostgreSQL's cidr text) and `192.0.2.7` are one address; prefixes keep their length. */
function canonical(text: string): string | undefined {
  const [address, length] = text.split('/') as [string, string | undefined];
  if (!ipaddr.isValid(address)) return undefined;
  const parsed = ipaddr.process(address);
  const full = parsed.kind() === 'ipv4' ? 32 : 128;
  const bits = length === undefined ? full : Number(length);
  const shown = parsed.kind() === 'ipv6' ? (parsed as ipaddr.IPv6).toRFC5952String() : parsed.toString();
  return bits === full ? shown : `${shown}/${bits}`;
}

function tooWide(address: string): boolean {
  const [base, length] = address.split('/') as [string, string | undefined];
  if (length === undefined) return false;
  return Number(length) < WIDEST[ipaddr.parse(base).kind()];
}
