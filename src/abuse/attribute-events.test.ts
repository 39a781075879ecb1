// The two ways events are attributed must agree: rows decided as they are inserted (decideRows and writeDecided, as
// receiveReport does when its context attributes) end exactly as rows stored `new` and updated by the backlog
// run (attributeNewEvents) — the same state, reason, subscriber and key for every event, the same cases with the
// same counts and times, and the same events in each case.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sourcesMatching } from '../../test/support/source-files.js';
import { storeKinds, type TestStore } from '../../test/support/stores.js';
import { applyLeaseRecords } from '../attribute/apply-leases.js';
import type { AbuseEvent } from '../domain/abuse-event.js';
import type { NewAbuseEvent } from '../store/schema.js';
import { addTo, attributeNewEvents, decideRows, emptySummary, writeDecided } from './attribute-events.js';
import { startAttributionRun, type EventAttributionOptions } from './attribution-decisions.js';
import { eventWriter } from './event-writer.js';
import { assignEvent } from './assign-event.js';
import { insertEvents } from './insert-events.js';
import { listEventPage } from './queries.js';
import { eventRow } from './event-row.js';
import { leaseSession } from '../../test/support/lease-session.js';
import { addUserSubscribers } from '../../test/support/subscribers.js';

const T = Date.parse('2026-11-01T00:00:00Z');
const H = 3_600_000;
const D = 24 * H;
const iso = (ms: number) => new Date(ms).toISOString();

// alice holds .7 for ten days, then bob; carol (.9) has no subscriber record; .11 is nobody's.
const LEASES = [
  ...leaseSession('alice@isp', '100.64.0.7', T, T + 10 * D),
  ...leaseSession('bob@isp', '100.64.0.7', T + 10 * D + H, T + 60 * D),
  ...leaseSession('carol@isp', '100.64.0.9', T, T + 60 * D),
];

/** Sixty events over fifty days: both holders of .7, two classes, every unassigned reason, repeats of a place. */
function events(): AbuseEvent[] {
  const out: AbuseEvent[] = [];
  for (let i = 0; i < 60; i++) {
    const address = ['100.64.0.7', '100.64.0.9', '100.64.0.11', '198.51.100.1', undefined][i % 5];
    out.push({
      type: i % 3 === 0 ? 'vulnerable-system' : 'infected-system',
      reporter: 'shadowserver',
      reportType: 'event4_sinkhole',
      evidence: `t.csv:${i + 2}`,
      time: iso(T + Math.floor(i / 2) * 40 * H + (i % 7) * 60_000),
      source: address ? { address } : { hostname: 'phish.example.com' },
    });
  }
  return out;
}

const OPTIONS: EventAttributionOptions = {
  skewMs: 2000,
  ownPrefixes: ['100.64.0.0/10'],
  windowDays: (type) => (type === 'infected-system' ? 7 : 30),
  audit: { actor: { kind: 'system', component: 'abuse' } },
  batchSize: 7,
};

async function prepared(open: () => Promise<TestStore>): Promise<{ store: TestStore; rows: NewAbuseEvent[] }> {
  const store = await open();
  await applyLeaseRecords(store.db, 'radius', LEASES, { format: 'freeradius-detail' });
  await addUserSubscribers(store.db, OPTIONS.audit, [
    ['C-1', 'alice@isp'],
    ['C-2', 'bob@isp'],
  ]);
  const report = await store.db
    .insertInto('abuseReports')
    .values({
      sha256: 'x',
      sizeBytes: 1,
      transport: 'cli',
      origin: 'test',
      receivedAt: iso(T),
      format: 'shadowserver',
      reportType: null,
      mappingName: null,
      subject: null,
      sender: null,
      messageId: null,
      state: 'parsed',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { store, rows: events().map((e, i) => eventRow(e, Number(report.id), i, iso(T))) };
}

/**
 * Each event's outcome by seq, and the cases as (subscriber, class, times, count, the seqs in it). Also checks
 * that each case lists exactly the addresses of its events (case-addresses.ts), which finding events by
 * address relies on.
 */
async function outcome(store: TestStore) {
  const rows = await store.db.selectFrom('abuseEvents').selectAll().orderBy('seq').execute();
  const cases = await store.db.selectFrom('abuseCases').selectAll().execute();
  const seqsOf = (id: number) => rows.filter((r) => r.caseId === id).map((r) => r.seq);
  await assertCaseAddresses(store);
  return {
    events: rows.map((r) => [r.seq, r.state, r.unassignedReason, r.subscriberId, r.subscriberKey, r.caseId !== null]),
    cases: cases
      .map((c) => [c.subscriberId, c.type, c.state, c.firstEventAt, c.lastEventAt, c.eventCount, seqsOf(Number(c.id))])
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  };
}

async function assertCaseAddresses(store: TestStore): Promise<void> {
  const rows = await store.db.selectFrom('abuseEvents').select(['caseId', 'sourceAddress']).execute();
  const listed = await store.db.selectFrom('abuseCaseAddresses').selectAll().execute();
  const pairs = (list: { caseId: number | null; address: string | null }[]) =>
    [...new Set(list.filter((p) => p.caseId !== null && p.address).map((p) => `${p.caseId} ${p.address}`))].sort();
  assert.deepEqual(
    pairs(listed.map((l) => ({ caseId: Number(l.caseId), address: l.address }))),
    pairs(rows.map((r) => ({ caseId: r.caseId === null ? null : Number(r.caseId), address: r.sourceAddress }))),
    'each case lists the addresses of its events, and no other',
  );
  // And an address's events are found, whether in a case or not, newest first, page by page.
  for (const address of new Set(rows.map((r) => r.sourceAddress).filter((a) => a !== null))) {
    const want = (await store.db.selectFrom('abuseEvents').select('id').where('sourceAddress', '=', address).execute())
      .map((r) => Number(r.id))
      .sort((a, b) => b - a);
    const got: number[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await listEventPage(store.db, { address }, { limit: 4, ...(before !== undefined && { before }) });
      got.push(...page.items.map((e) => e.id));
      if (page.next === null) break;
      before = page.next;
    }
    assert.deepEqual(got, want, `events of ${address}`);
  }
}

for (const kind of await storeKinds()) {
  describe(`attribution at insert against the backlog run on ${kind.name}`, { skip: kind.skip }, () => {
    test('the same outcome for every event and the same cases, batch by batch', async () => {
      const backlog = await prepared(() => kind.open());
      const inline = await prepared(() => kind.open());
      try {
        // Half before, half after: the second half joins cases the first half opened.
        const half = backlog.rows.length / 2;
        await insertEvents(backlog.store.db, backlog.rows.slice(0, half));
        const before = await attributeNewEvents(backlog.store.db, OPTIONS);
        await insertEvents(backlog.store.db, backlog.rows.slice(half));
        const afterwards = await attributeNewEvents(backlog.store.db, OPTIONS);

        const summary = emptySummary();
        const step = OPTIONS.batchSize!;
        for (const [from, to] of [
          [0, half],
          [half, backlog.rows.length],
        ] as const) {
          const run = startAttributionRun(OPTIONS);
          for (let i = from; i < to; i += step)
            addTo(
              summary,
              await writeDecided(
                inline.store.db,
                await decideRows(inline.store.db, run, inline.rows.slice(i, Math.min(i + step, to))),
                OPTIONS,
              ),
            );
        }

        assert.deepEqual(summary, {
          attributed: before.attributed + afterwards.attributed,
          unassigned: before.unassigned + afterwards.unassigned,
          casesOpened: before.casesOpened + afterwards.casesOpened,
        });
        const expected = await outcome(backlog.store);
        const actual = await outcome(inline.store);
        assert.deepEqual(actual, expected);
        // The fixture reaches every outcome, so the comparison covers them all.
        const states = new Set(expected.events.map((e) => `${e[1]}:${e[2] ?? ''}`));
        for (const s of [
          'attributed:',
          'unassigned:no-lease',
          'unassigned:outside-prefixes',
          'unassigned:no-subscriber-record',
          'unassigned:no-address',
        ])
          assert.ok(states.has(s), `the fixture has an event ${s}`);
        assert.ok(
          expected.cases.some((c) => (c[6] as number[]).some((s) => s >= half) && (c[6] as number[])[0]! < half),
        );

        // An unassigned event given to a subscriber by hand joins a case: still found by its address.
        const carol = await inline.store.db
          .selectFrom('abuseEvents')
          .select('id')
          .where('sourceAddress', '=', '100.64.0.9')
          .where('state', '=', 'unassigned')
          .executeTakeFirstOrThrow();
        await assignEvent(
          inline.store.db,
          OPTIONS.audit,
          Number(carol.id),
          'C-1',
          'carol is C-1 now',
          OPTIONS.windowDays,
        );
        await assertCaseAddresses(inline.store);
      } finally {
        await backlog.store.dispose();
        await inline.store.dispose();
      }
    });

    test("a batch's rows are written grouped by case: each case's events one run of ids, in report order", async () => {
      const { store, rows } = await prepared(() => kind.open());
      try {
        const run = startAttributionRun(OPTIONS);
        await writeDecided(store.db, await decideRows(store.db, run, rows), OPTIONS);
        const stored = await store.db.selectFrom('abuseEvents').select(['id', 'seq', 'caseId']).orderBy('id').execute();
        assert.equal(stored.length, rows.length);
        const runs = new Map<number, { id: number; seq: number }[]>();
        for (const r of stored) {
          const key = r.caseId === null ? 0 : Number(r.caseId);
          runs.set(key, [...(runs.get(key) ?? []), { id: Number(r.id), seq: r.seq }]);
        }
        assert.ok(runs.size > 3, 'the fixture makes several cases');
        let lastId = 0;
        for (const caseId of [...runs.keys()].sort((a, b) => a - b)) {
          const events = runs.get(caseId)!;
          const ids = events.map((e) => e.id);
          assert.equal(ids[0], lastId + 1, `case ${caseId} follows the one before`);
          assert.equal(ids[ids.length - 1]! - ids[0]! + 1, ids.length, `case ${caseId}: one run of ids`);
          const seqs = events.map((e) => e.seq);
          assert.deepEqual(
            seqs,
            [...seqs].sort((a, b) => a - b),
            `case ${caseId}: in report order`,
          );
          lastId = ids[ids.length - 1]!;
        }
      } finally {
        await store.dispose();
      }
    });

    test('through the event writer (a batch written while the next is decided): the same outcome; a failed batch is reported', async () => {
      const direct = await prepared(() => kind.open());
      const piped = await prepared(() => kind.open());
      try {
        const step = OPTIONS.batchSize!;
        const summary = emptySummary();
        const run = startAttributionRun(OPTIONS);
        for (let i = 0; i < direct.rows.length; i += step)
          addTo(
            summary,
            await writeDecided(
              direct.store.db,
              await decideRows(direct.store.db, run, direct.rows.slice(i, i + step)),
              OPTIONS,
            ),
          );
        const writer = eventWriter(piped.store.db, OPTIONS);
        const pipedRun = startAttributionRun(OPTIONS);
        for (let i = 0; i < piped.rows.length; i += step)
          await writer.write(await decideRows(piped.store.db, pipedRun, piped.rows.slice(i, i + step)));
        assert.deepEqual(await writer.close(), summary);
        assert.deepEqual(await outcome(piped.store), await outcome(direct.store));

        // The same rows again break the (report, seq) key: the failure reaches the caller, nothing is half-written.
        const again = eventWriter(piped.store.db, OPTIONS);
        const failed = (async () => {
          await again.write(
            await decideRows(
              piped.store.db,
              pipedRun,
              piped.rows.slice(0, step).map((r) => ({ ...r })),
            ),
          );
          return again.close();
        })();
        await assert.rejects(failed, /unique|duplicate/i);
        assert.equal(
          (
            await piped.store.db
              .selectFrom('abuseEvents')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n.toString(),
          String(piped.rows.length),
        );
      } finally {
        await direct.store.dispose();
        await piped.store.dispose();
      }
    });
  });
}

test('only the paths tested above put events in cases (each records the case addresses)', () => {
  const setsCase = [
    /update abuse_events[^`]*\bcase_id\s*=/,
    /updateTable\(\s*'abuseEvents'\s*\)(?:(?!;)[\s\S])*\bcaseId\b/,
    // A row given its case before it is inserted.
    /\.caseId\s*=[^=]/,
  ];
  const allowed = ['src/abuse/assign-event.ts', 'src/abuse/attribute-events.ts', 'src/abuse/attribution-batch.ts'];
  assert.deepEqual(
    sourcesMatching(setsCase).sort(),
    allowed,
    'a new way into a case must call addCaseAddresses (src/abuse/case-addresses.ts) and be tested here',
  );
});
