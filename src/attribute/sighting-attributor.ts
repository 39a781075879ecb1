import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/append.js';
import type { AuditContext } from '../domain/actor.js';
import type { SightingAttributor } from '../observe/pipeline/sighting-buffer.js';
import type { Database } from '../store/schema.js';
import { subscriberIdsForKeys, subscriberKeyId } from '../store/subscribers.js';
import { lookupAddress, type LookupOptions } from './lookup.js';
import { leaseTables } from './store/lease-store.js';

const OBSERVER: AuditContext = { actor: { kind: 'system', component: 'observe' } };

/**
 * Gives sightings the subscriber that held their client address when first seen: the subscriber id
 * where the key maps to one, else the lease's subscriber key. Only a single candidate counts — an
 * ambiguous address (two leases, a CGNAT address with no port) stays unattributed rather than
 * pinned on the wrong person. Each flush's look-ups are recorded as one audit entry, purpose
 * security-incident: the sightings are matches against threat intelligence.
 */
export function sightingAttributor(
  db: Kysely<Database>,
  options: LookupOptions & { skewMs: number },
): SightingAttributor {
  return async (sightings) => {
    // Most sites start observing before they connect a lease source: then there is no one to find.
    if (!(await leaseTables(db).any(db))) return sightings.map(() => null);
    const answers = new Map<string, string | null>();
    for (const s of sightings) {
      const key = `${s.client}\0${s.firstSeen}`;
      if (answers.has(key)) continue;
      const found = await lookupAddress(
        db,
        { address: s.client, atMs: Date.parse(s.firstSeen), skewMs: options.skewMs },
        options,
      );
      const only = found.length === 1 ? found[0] : undefined;
      answers.set(
        key,
        only?.subscriberKey === undefined ? null : subscriberKeyId(only.keyKind ?? 'user', only.subscriberKey),
      );
    }
    const keys = [...new Set([...answers.values()].filter((v): v is string => v !== null))].map((k) => {
      const [kind, value] = k.split('\0') as [string, string];
      return { kind, value };
    });
    const ids = await subscriberIdsForKeys(db, keys);
    if (sightings.length > 0) {
      await recordAudit(db, OBSERVER, {
        action: 'attribution.lookup',
        target: `sightings:${sightings.length}`,
        purpose: 'security-incident: sightings of listed indicators',
        detail: { addresses: answers.size, attributed: [...answers.values()].filter((v) => v !== null).length },
      });
    }
    return sightings.map((s) => {
      const k = answers.get(`${s.client}\0${s.firstSeen}`);
      if (!k) return null;
      return ids.get(k) ?? k.split('\0')[1]!;
    });
  };
}
