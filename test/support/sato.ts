// Sato, subscriber C-23 (RADIUS user sato@isp), and his lease on 198.51.100.23: the subscriber the abuse tests'
// reports are attributed to (the ARF fixture and two rows of the Shadowserver sinkhole fixture name that address).
import type { Kysely } from 'kysely';
import { applyLeaseRecords } from '../../src/attribute/apply-leases.js';
import type { Database } from '../../src/store/schema.js';
import { upsertSubscriber } from '../../src/store/subscribers.js';

export const SATO_ID = 'C-23';
export const SATO_ADDRESS = '198.51.100.23';
/** All of November 2026 and then some: the fixtures' reports fall inside it. */
export const SATO_NOVEMBER = { from: Date.parse('2026-11-01T00:00:00Z'), until: Date.parse('2026-12-11T00:00:00Z') };

/** Sato's subscriber record and a lease on his address from `from` (to `until`, else still open), as RADIUS says. */
export async function addSato(db: Kysely<Database>, lease: { from: number; until?: number }): Promise<void> {
  await applyLeaseRecords(
    db,
    'radius',
    [
      {
        session: 's',
        action: 'start',
        at: lease.from,
        address: SATO_ADDRESS,
        subscriberKey: 'sato@isp',
        keyKind: 'user',
        evidence: 'l1',
      },
      ...(lease.until === undefined
        ? []
        : [{ session: 's', action: 'stop' as const, at: lease.until, address: SATO_ADDRESS, evidence: 'l2' }]),
    ],
    { format: 'freeradius-detail' },
  );
  await upsertSubscriber(
    db,
    { actor: { kind: 'system', component: 'test' } },
    {
      id: SATO_ID,
      name: '佐藤',
      email: 'sato@example.jp',
      phone: null,
      address: null,
      contract: null,
      keys: [{ kind: 'user', value: 'sato@isp' }],
    },
  );
}
