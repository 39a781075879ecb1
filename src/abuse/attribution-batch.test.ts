import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storeKinds, type TestStore } from '../../test/support/stores.js';
import type { Kysely, Transaction } from 'kysely';
import type { RsitType } from '../domain/abuse-event.js';
import { OPEN_CASE_STATES } from '../domain/abuse-case.js';
import { nowIso } from '../domain/time.js';
import type { AbuseCaseRow, Database } from '../store/schema.js';
import { groupBatchIntoCases, writeAttribution, type AttributedRow } from './attribution-batch.js';
import { eventRow } from './event-row.js';

const DAY_MS = 86_400_000;

type AttributedEvent = { id: number; subscriberId: string; type: string; occurredAt: string };

/**
 * The oracle: the case rules applied one event at a time, the plain way (each event joins the open
 * case of its subscriber and type whose last event is within the window, or opens one). The batched
 * grouping must leave the store exactly as this does.
 */
async function groupIntoCases(
  trx: Transaction<Database>,
  events: AttributedEvent[],
  windowDays: (type: string) => number,
): Promise<number> {
  let opened = 0;
  const now = nowIso();
  const groups = new Map<string, AttributedEvent[]>();
  for (const e of events) {
    const k = `${e.subscriberId}\0${e.type}`;
    const list = groups.get(k) ?? [];
    list.push(e);
    groups.set(k, list);
  }
  for (const list of groups.values()) {
    list.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    const { subscriberId, type } = list[0]!;
    const windowMs = windowDays(type) * DAY_MS;
    let current = await trx
      .selectFrom('abuseCases')
      .selectAll()
      .where('subscriberId', '=', subscriberId)
      .where('type', '=', type)
      .where('state', 'in', OPEN_CASE_STATES)
      .orderBy('lastEventAt', 'desc')
      .executeTakeFirst();
    for (const e of list) {
      const joins = current !== undefined && Date.parse(e.occurredAt) - Date.parse(current.lastEventAt) <= windowMs;
      if (!joins) {
        current = await openCase(trx, e, now);
        opened++;
      } else {
        const c = current!;
        c.eventCount += 1;
        if (e.occurredAt > c.lastEventAt) c.lastEventAt = e.occurredAt;
        if (e.occurredAt < c.firstEventAt) c.firstEventAt = e.occurredAt;
        c.updatedAt = now;
        await trx
          .updateTable('abuseCases')
          .set({ eventCount: c.eventCount, lastEventAt: c.lastEventAt, firstEventAt: c.firstEventAt, updatedAt: now })
          .where('id', '=', c.id)
          .execute();
      }
      await trx.updateTable('abuseEvents').set({ caseId: current!.id }).where('id', '=', e.id).execute();
    }
  }
  return opened;
}

async function openCase(trx: Transaction<Database>, e: AttributedEvent, now: string): Promise<AbuseCaseRow> {
  const row = await trx
    .insertInto('abuseCases')
    .values({
      subscriberId: e.subscriberId,
      type: e.type,
      state: 'new',
      openedAt: now,
      updatedAt: now,
      firstEventAt: e.occurredAt,
      lastEventAt: e.occurredAt,
      eventCount: 1,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('abuseCaseHistory')
    .values({ caseId: row.id, at: now, actor: 'system:abuse', fromState: null, toState: 'new', reason: 'first event' })
    .execute();
  return row;
}

// The batched grouping must make the cases groupIntoCases makes, event for event: the same store state
// before, the same events in the same batches, the same cases and the same case for every event after.

const T0 = Date.parse('2026-07-01T00:00:00Z');
const DAY = 86_400_000;
const TYPES: RsitType[] = ['infected-system', 'vulnerable-system', 'copyright'];
const windowDays = (type: string) => (type === 'copyright' ? 5 : type === 'infected-system' ? 30 : 10);

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Planned = { subscriberId: string; type: RsitType; at: number };

/** Events of 12 subscribers over 200 days, in three batches, bursts and lulls longer than every window. */
function plan(): Planned[][] {
  const next = random(0xca5e);
  const batches: Planned[][] = [[], [], []];
  for (let i = 0; i < 900; i++) {
    const subscriberId = `C-${1 + Math.floor(next() * 12)}`;
    const type = TYPES[Math.floor(next() * TYPES.length)]!;
    // Days drawn unevenly (squared), so some pairs have events weeks apart and others hours apart.
    const at = T0 + Math.floor(next() ** 2 * 200 * DAY) + Math.floor(next() * DAY);
    batches[Math.floor(next() * 3)]!.push({ subscriberId, type, at });
  }
  // At the window's edge: exactly the window after the last event joins, a millisecond more opens a case;
  // across batches and within one. An event older than the case's last joins it and moves its first.
  const s = T0 + 300 * DAY;
  batches[0]!.push({ subscriberId: 'C-20', type: 'copyright', at: s });
  batches[1]!.push({ subscriberId: 'C-20', type: 'copyright', at: s + 5 * DAY });
  batches[1]!.push({ subscriberId: 'C-20', type: 'copyright', at: s + 10 * DAY + 1 });
  batches[2]!.push({ subscriberId: 'C-20', type: 'copyright', at: s - DAY });
  for (const at of [s, s + 10 * DAY, s + 20 * DAY + 1, s + 20 * DAY + 2])
    batches[0]!.push({ subscriberId: 'C-21', type: 'vulnerable-system', at });
  return batches;
}

async function seed(db: Kysely<Database>): Promise<void> {
  // Cases from before: an open one, an older open one of the same pair, one resolved (takes no events).
  const at = (d: number) => new Date(T0 + d * DAY).toISOString();
  const open = (subscriberId: string, type: string, first: number, last: number, state = 'new') =>
    db
      .insertInto('abuseCases')
      .values({
        subscriberId,
        type,
        state,
        openedAt: at(first),
        updatedAt: at(last),
        firstEventAt: at(first),
        lastEventAt: at(last),
        eventCount: 3,
      })
      .execute();
  await open('C-1', 'infected-system', -10, -2);
  await open('C-1', 'infected-system', -40, -35, 'notified');
  await open('C-2', 'infected-system', -5, -1, 'resolved');
  await open('C-3', 'copyright', -3, 0, 'reminded');
}

async function run(store: TestStore, batched: boolean): Promise<unknown> {
  await seed(store.db);
  const report = await store.db
    .insertInto('abuseReports')
    .values({
      sha256: `batch-${batched}`,
      sizeBytes: 1,
      transport: 'cli',
      origin: 'test',
      receivedAt: new Date(T0).toISOString(),
      format: 'csv',
      reportType: null,
      mappingName: null,
      subject: null,
      sender: null,
      messageId: null,
      state: 'parsed',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  let seq = 0;
  for (const planned of plan()) {
    const rows = planned.map((p) =>
      eventRow(
        {
          type: p.type,
          time: new Date(p.at).toISOString(),
          source: { address: '192.0.2.1' },
          reporter: 'test',
          reportType: 'test',
          evidence: 'test',
        },
        Number(report.id),
        seq++,
        '2026-11-01T00:00:00.000Z',
      ),
    );
    const ids = await store.db.insertInto('abuseEvents').values(rows).returning('id').execute();
    const events: AttributedRow[] = planned.map((p, i) => ({
      id: Number(ids[i]!.id),
      subscriberId: p.subscriberId,
      type: p.type,
      occurredAt: rows[i]!.occurredAt,
      key: p.subscriberId,
    }));
    await store.db.transaction().execute(async (trx) => {
      if (!batched) return groupIntoCases(trx, events, windowDays);
      const cases = await groupBatchIntoCases(store.db, trx, events, windowDays);
      return writeAttribution(store.db, trx, cases, events, [], '2026-11-01T00:00:00.000Z');
    });
  }
  // What a case is, apart from its id and the time it was written.
  const cases = await store.db.selectFrom('abuseCases').selectAll().orderBy('id').execute();
  const label = new Map(
    cases.map((c) => [
      Number(c.id),
      `${c.subscriberId} ${c.type} ${c.state} ${c.firstEventAt}→${c.lastEventAt} ×${c.eventCount}`,
    ]),
  );
  const events = await store.db
    .selectFrom('abuseEvents')
    .select(['seq', 'caseId'])
    .where('reportId', '=', Number(report.id))
    .orderBy('seq')
    .execute();
  const history = await store.db.selectFrom('abuseCaseHistory').select(['caseId', 'toState', 'reason']).execute();
  return {
    cases: [...label.values()].sort(),
    eventCase: events.map((e) => (e.caseId === null ? null : label.get(Number(e.caseId)))),
    opened: history.map((h) => `${label.get(Number(h.caseId))} ${h.toState} ${h.reason}`).sort(),
  };
}

for (const kind of await storeKinds()) {
  describe(`batched case grouping on ${kind.name}`, { skip: kind.skip }, () => {
    let one: TestStore;
    let other: TestStore;
    before(async () => {
      [one, other] = await Promise.all([kind.open(), kind.open()]);
    });
    after(async () => {
      await Promise.all([one?.dispose(), other?.dispose()]);
    });

    test('the same cases as groupIntoCases, and the same case for every event', async () => {
      const expected = (await run(one, false)) as { cases: string[]; eventCase: unknown[]; opened: string[] };
      const got = await run(other, true);
      assert.deepEqual(got, expected);
      // The plan reaches what the grouping tells apart: cases opened, old ones joined, a closed one passed over.
      assert.ok(expected.opened.length > 20, `${expected.opened.length} cases opened`);
      assert.ok(expected.cases.some((c) => c.startsWith('C-1 infected-system new') && !c.endsWith('×3')));
      assert.ok(expected.cases.some((c) => c.startsWith('C-2 infected-system resolved') && c.endsWith('×3')));
      assert.equal(expected.cases.filter((c) => c.startsWith('C-20 ')).length, 2);
      assert.ok(expected.cases.includes('C-20 copyright new 2027-04-26T00:00:00.000Z→2027-05-07T00:00:00.001Z ×2'));
      assert.deepEqual(
        expected.cases.filter((c) => c.startsWith('C-21 ')).map((c) => c.split(' ×')[1]),
        ['2', '2'],
      );
    });
  });
}
