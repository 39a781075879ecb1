import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { storeKinds } from '../../../test/support/stores.js';
import { attributeNewEvents } from '../../abuse/attribute-events.js';
import { listEventPage } from '../../abuse/queries.js';
import { unassignedCounts } from '../../abuse/unassigned.js';
import { sqliteHandle } from '../open.js';
import { migrate } from '../migrate.js';
import type { Database } from '../schema.js';

// The event queues after the upgrade: events stored before it are still found in their queue (the partial
// indexes are built from them), and the queue queries read those indexes rather than every event.

const AT = '2026-11-01T00:00:00.000Z';

async function addEvents(db: Kysely<Database>): Promise<void> {
  const report = await db
    .insertInto('abuseReports')
    .values({ sha256: 'q', sizeBytes: 1, transport: 'cli', origin: 'test', receivedAt: AT, state: 'parsed' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const states = ['attributed', 'unassigned', 'new', 'attributed', 'unassigned', 'attributed'] as const;
  await db
    .insertInto('abuseEvents')
    .values(
      states.map((state, seq) => ({
        reportId: Number(report.id),
        seq,
        type: 'infected-system',
        occurredAt: AT,
        sourceAddress: '198.51.100.7',
        reporter: 'test',
        reportType: 'test',
        evidence: `line ${seq + 2}`,
        state,
        unassignedReason: state === 'unassigned' ? 'outside-prefixes' : null,
        createdAt: AT,
      })),
    )
    .execute();
}

/** The plan of a statement as text, with sequential scans ruled out on PostgreSQL (tiny tables tempt it). */
async function plan(db: Kysely<Database>, statement: string): Promise<string> {
  const native = sqliteHandle(db);
  if (native)
    return (native.prepare(`explain query plan ${statement}`).all() as { detail: string }[])
      .map((r) => r.detail)
      .join('\n');
  return db.connection().execute(async (c) => {
    await sql`set enable_seqscan = off`.execute(c);
    const { rows } = await sql<{ 'QUERY PLAN': string }>`explain ${sql.raw(statement)}`.execute(c);
    await sql`reset enable_seqscan`.execute(c);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

for (const kind of await storeKinds()) {
  describe(`0015-abuse-event-queues on ${kind.name}`, { skip: kind.skip }, () => {
    test('events stored before the upgrade stay in their queues, and the queues read their own indexes', async () => {
      const store = await kind.open('0014-abuse-case-addresses');
      try {
        await addEvents(store.db);
        await migrate(store);
        assert.deepEqual(
          (await unassignedCounts(store.db)).map((c) => [c.reason, c.count]),
          [['outside-prefixes', 2]],
        );
        const page = await listEventPage(store.db, { state: 'unassigned' }, { limit: 10 });
        assert.deepEqual(
          page.items.map((e) => e.seq),
          [4, 1],
        );
        // The one `new` event is picked up by the backlog run (outside the prefixes: it joins the queue).
        const run = await attributeNewEvents(store.db, {
          skewMs: 2000,
          ownPrefixes: ['100.64.0.0/10'],
          windowDays: () => 30,
          audit: { actor: { kind: 'system', component: 'abuse' } },
        });
        assert.deepEqual(run, { attributed: 0, unassigned: 1, casesOpened: 0 });
        assert.deepEqual(
          (await unassignedCounts(store.db)).map((c) => [c.reason, c.count]),
          [['outside-prefixes', 3]],
        );

        const waiting = await plan(
          store.db,
          `select id from abuse_events where state = 'new' and id > 0 order by id limit 10`,
        );
        assert.match(waiting, /abuse_events_new/, waiting);
        const queued = await plan(
          store.db,
          `select * from abuse_events where state = 'unassigned' order by id desc limit 10`,
        );
        assert.match(queued, /abuse_events_unassigned/, queued);
        const indexes =
          kind.name === 'sqlite'
            ? await sql<{
                name: string;
              }>`select name from sqlite_master where type = 'index' and tbl_name = 'abuse_events'`.execute(store.db)
            : await sql<{
                name: string;
              }>`select indexname as name from pg_indexes where tablename = 'abuse_events' and schemaname = current_schema()`.execute(
                store.db,
              );
        assert.ok(
          !indexes.rows.some((r) => r.name === 'abuse_events_by_state'),
          'no index entry per event for its state',
        );
      } finally {
        await store.dispose();
      }
    });
  });
}
