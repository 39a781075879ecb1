import ipaddr from 'ipaddr.js';
import type { Kysely } from 'kysely';
import type { RestrictedClient } from '../../enforce/sinkhole/restricted-page.js';
import type { Database } from '../../store/schema.js';

// What enforcement carries for the walled garden, read fresh at every publish: the current addresses
// of active restrictions whose case is still `restricted`. Joining the case means a case resolved or
// closed by hand leaves the walled garden at the next publish, before the restriction itself is
// marked released (follow.ts does that on its next round).

export type ActiveAddress = RestrictedClient & { address: string };

export async function activeRestrictedAddresses(db: Kysely<Database>): Promise<ActiveAddress[]> {
  const rows = await db
    .selectFrom('abuseRestrictionAddresses as a')
    .innerJoin('abuseRestrictions as r', 'r.id', 'a.restrictionId')
    .innerJoin('abuseCases as c', 'c.id', 'r.caseId')
    .select(['a.address', 'r.id as restrictionId', 'r.caseId', 'r.type', 'r.approvedAt'])
    .where('a.until', 'is', null)
    .where('r.state', '=', 'active')
    .where('c.state', '=', 'restricted')
    .orderBy('a.address')
    .orderBy('r.id')
    .execute();
  return rows.map((r) => ({
    address: r.address,
    restrictionId: Number(r.restrictionId),
    caseId: Number(r.caseId),
    type: r.type,
    since: r.approvedAt ?? '',
  }));
}

/** The addresses and prefixes for the policy snapshot (rpz-client-ip, the nftables set): sorted, unique. */
export async function restrictedClientAddresses(db: Kysely<Database>): Promise<string[]> {
  return [...new Set((await activeRestrictedAddresses(db)).map((r) => r.address))].sort();
}

/**
 * An in-memory look-up from a client address to its restriction, for the sinkhole (which answers
 * every request from it, floods included). The most specific match wins; two restrictions on one
 * address (two cases of one subscriber) give the older one.
 */
export function restrictedClientIndex(
  rows: readonly ActiveAddress[],
): (clientIp: string) => RestrictedClient | undefined {
  const exact = new Map<string, RestrictedClient>();
  const prefixes: { net: ipaddr.IPv4 | ipaddr.IPv6; bits: number; client: RestrictedClient }[] = [];
  for (const row of rows) {
    const { address, ...client } = row;
    const [base, length] = address.split('/') as [string, string | undefined];
    if (!ipaddr.isValid(base)) continue;
    const parsed = ipaddr.process(base);
    if (length === undefined) {
      const key = parsed.toString();
      const had = exact.get(key);
      if (!had || had.restrictionId > client.restrictionId) exact.set(key, client);
    } else prefixes.push({ net: parsed, bits: Number(length), client });
  }
  prefixes.sort((a, b) => b.bits - a.bits || a.client.restrictionId - b.client.restrictionId);
  return (clientIp) => {
    if (!ipaddr.isValid(clientIp)) return undefined;
    const ip = ipaddr.process(clientIp);
    const hit = exact.get(ip.toString());
    if (hit) return hit;
    return prefixes.find((p) => p.net.kind() === ip.kind() && ip.match(p.net, p.bits))?.client;
  };
}
