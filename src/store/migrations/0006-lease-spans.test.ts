import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { storeKinds } from '../../../test/support/stores.js';
import { parsePrefix, prefixKey } from '../../attribute/address-key.js';
import { lookupAddress } from '../../attribute/lookup.js';
import { migrate } from '../migrate.js';

// Intervals written before span classes existed get theirs on upgrade, and look-ups find them through it.

const T = Date.parse('2026-10-01T00:00:00Z');
const S = 1000;
/** Address, duration and the span class it must get: the smallest s with duration ≤ 2^s seconds. */
const HISTORY = [
  { address: '10.0.0.1', user: 'zero', ms: 0, span: 0 },
  { address: '10.0.0.2', user: 'second', ms: 1 * S, span: 0 },
  { address: '10.0.0.3', user: 'just-over', ms: 512 * S + 1, span: 10 },
  { address: '10.0.0.4', user: 'exact', ms: 512 * S, span: 9 },
  { address: '2001:db8:1::/56', user: 'v6', ms: 14 * 86_400 * S, span: 21 },
];

for (const kind of await storeKinds()) {
  describe(`0006-lease-spans on ${kind.name}`, { skip: kind.skip }, () => {
    test('an upgrade gives existing intervals their span class and look-ups still find them', async () => {
      const store = await kind.open('0005-attribute');
      try {
        const db = store.db.withoutPlugins() as unknown as Kysely<unknown>;
        for (const [i, h] of HISTORY.entries()) {
          const start = T + i * 3_600_000;
          if (kind.name === 'sqlite') {
            const key = prefixKey(parsePrefix(h.address)!);
            await sql`insert into leases (source, session, address, key, subscriber_key, start_ms, end_ms, evidence)
              values ('radius', ${`s${i}`}, ${h.address}, ${key}, ${h.user}, ${start}, ${start + h.ms}, 'line 1')`.execute(
              db,
            );
          } else {
            await sql`create table if not exists leases_2026_10 partition of leases
              for values from ('2026-10-01 00:00:00+00') to ('2026-11-01 00:00:00+00')`.execute(db);
            await sql`insert into leases (source, session, address, subscriber_key, evidence, during, ended_at)
              values ('radius', ${`s${i}`}, ${h.address}, ${h.user}, 'line 1',
                tstzrange(to_timestamp(${start / 1000}), to_timestamp(${(start + h.ms) / 1000}), '[]'),
                to_timestamp(${(start + h.ms) / 1000}))`.execute(db);
          }
        }
        await migrate(store);
        const spans = await sql<{ subscriber_key: string; span: number }>`
          select subscriber_key, span from leases order by subscriber_key`.execute(db);
        assert.deepEqual(
          spans.rows.map((r) => [r.subscriber_key, Number(r.span)]),
          HISTORY.map((h) => [h.user, h.span]).sort(([a], [b]) => String(a).localeCompare(String(b))),
        );
        for (const [i, h] of HISTORY.entries()) {
          const start = T + i * 3_600_000;
          const asked = h.address.includes('/') ? '2001:db8:1:ff::9' : h.address;
          const found = await lookupAddress(store.db, { address: asked, atMs: start + h.ms / 2 }, { nowMs: T + 1e10 });
          assert.deepEqual(
            found.map((a) => a.subscriberKey),
            [h.user],
            `${h.user} at the middle of its interval`,
          );
        }
      } finally {
        await store.dispose();
      }
    });
  });
}
