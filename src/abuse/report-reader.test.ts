// A report read in a thread of its own (report-reader.ts) ends exactly as one read on the intake's own thread:
// the same events with the same outcomes, the same cases, the same dead letters, the same counts — on both
// stores. And the thread's failures reach the caller: a store it cannot open, a cancelled import.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { leaseSession } from '../../test/support/lease-session.js';
import { storeKinds, TEST_PG_URL, type TestStore } from '../../test/support/stores.js';
import { applyLeaseRecords } from '../attribute/apply-leases.js';
import type { Config } from '../config/index.js';
import type { Progress } from '../jobs/run.js';
import type { EventAttributionOptions } from './attribution-decisions.js';
import { receiveReport, type AbuseContext, type ReportOutcome } from './receive-report.js';
import { addUserSubscribers } from '../../test/support/subscribers.js';

const T = Date.parse('2026-11-20T00:00:00Z');
const H = 3_600_000;
const HEADER =
  '"timestamp","protocol","src_ip","src_port","src_asn","src_geo","src_region","src_city","src_hostname","src_naics","src_sector","device_vendor","device_type","device_model","severity","dst_ip","dst_port","dst_asn","dst_geo","dst_region","dst_city","dst_hostname","dst_naics","dst_sector","public_source","infection","family","tag","application","version","event_id","ssl_cipher","ssl_servername"';
const FILE = '2026-11-20-event4_sinkhole-asn64500-jp.csv';

// alice holds .7 until 10:00, then bob; carol (.9) has no subscriber record; .11 is nobody's.
const LEASES = [
  ...leaseSession('alice@isp', '100.64.0.7', T - 24 * H, T + 10 * H),
  ...leaseSession('bob@isp', '100.64.0.7', T + 10 * H + 60_000, T + 48 * H),
  ...leaseSession('carol@isp', '100.64.0.9', T - 24 * H, T + 48 * H),
];

const OPTIONS: EventAttributionOptions = {
  skewMs: 2000,
  ownPrefixes: ['100.64.0.0/10'],
  windowDays: () => 30,
  audit: { actor: { kind: 'system', component: 'abuse' } },
};

/** A day of sinkhole rows from every kind of source, in batches of 7, with two rows the parser refuses. */
function report(): Buffer {
  const lines = [HEADER];
  for (let i = 0; i < 200; i++) {
    const address = ['100.64.0.7', '100.64.0.9', '100.64.0.11', '198.51.100.1'][i % 4];
    const time = new Date(T + i * 7 * 60_000 + 13_000).toISOString().replace('T', ' ').slice(0, 19);
    lines.push(
      i === 50 || i === 120
        ? `"20-11-2026 ${i}","tcp","${address}",4${i},64500`
        : `"${time}","tcp","${address}",${40000 + i},64500,"JP",,,,,,,,,"critical","192.0.2.80",80,64510,,,,,,,,"andromeda","andromeda","andromeda","http",,,,`,
    );
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

async function* chunks(body: Buffer): AsyncIterable<Uint8Array> {
  yield body;
}

async function prepared(store: TestStore): Promise<void> {
  await applyLeaseRecords(store.db, 'radius', LEASES, { format: 'freeradius-detail' });
  await addUserSubscribers(store.db, OPTIONS.audit, [
    ['C-1', 'alice@isp'],
    ['C-2', 'bob@isp'],
  ]);
}

/** How the reading thread opens the store the test opened. */
function storeConfig(kind: 'sqlite' | 'postgres', store: TestStore): Pick<Config, 'data_dir' | 'database'> {
  return kind === 'sqlite'
    ? { data_dir: tmpdir(), database: { url: `sqlite:${store.sqliteFile!}`, schema: 'public', pool_size: 1 } }
    : { data_dir: tmpdir(), database: { url: TEST_PG_URL, schema: store.schema!, pool_size: 2 } };
}

async function stored(store: TestStore) {
  const events = await store.db.selectFrom('abuseEvents').selectAll().orderBy('seq').execute();
  const cases = await store.db.selectFrom('abuseCases').selectAll().orderBy('subscriberId').execute();
  const letters = await store.db.selectFrom('deadLetters').select(['reason', 'position']).orderBy('position').execute();
  const caseOf = new Map(cases.map((c) => [c.id, c.subscriberId]));
  return {
    events: events.map((e) => [
      e.seq,
      e.occurredAt,
      e.sourceAddress,
      e.sourcePort,
      e.state,
      e.unassignedReason,
      e.subscriberId,
      e.subscriberKey,
      e.caseId === null ? null : caseOf.get(e.caseId),
      e.detail,
      e.evidence,
    ]),
    cases: cases.map((c) => [c.subscriberId, c.type, c.firstEventAt, c.lastEventAt, c.eventCount]),
    letters: letters.map((l) => [l.position, l.reason]),
  };
}

function progressOf(controller: AbortController, seen: number[]): Progress {
  return {
    setTotal: () => {},
    advance: (by = 1) => void seen.push(by),
    set: () => {},
    message: () => {},
    signal: controller.signal,
  };
}

for (const kind of await storeKinds()) {
  describe(`a large report read in a thread of its own on ${kind.name}`, { skip: kind.skip }, () => {
    test('ends exactly as one read here: events, outcomes, cases, dead letters, counts, progress', async () => {
      const here = await kind.open();
      const there = await kind.open();
      const dirs = [mkdtempSync(join(tmpdir(), 'mizugiwa-reader-')), mkdtempSync(join(tmpdir(), 'mizugiwa-reader-'))];
      try {
        await prepared(here);
        await prepared(there);
        const body = report();
        const receive = (ctx: AbuseContext, progress: Progress) =>
          receiveReport(ctx, chunks(body), { transport: 'cli', origin: `/reports/${FILE}`, fileName: FILE }, progress);
        const seenHere: number[] = [];
        const seenThere: number[] = [];
        const a = await receive(
          { db: here.db, dataDir: dirs[0]!, attribution: OPTIONS },
          progressOf(new AbortController(), seenHere),
        );
        const b = await receive(
          {
            db: there.db,
            dataDir: dirs[1]!,
            attribution: OPTIONS,
            reader: { store: storeConfig(kind.name, there), deterministicNat: [], fromBytes: 0 },
          },
          progressOf(new AbortController(), seenThere),
        );
        const counts = (o: ReportOutcome) => [o.state, o.events, o.rejected, o.suggestions, o.attribution];
        assert.deepEqual(counts(b), counts(a));
        assert.deepEqual(counts(a), ['partial', 198, 2, 0, { attributed: 49, unassigned: 149, casesOpened: 2 }]);
        assert.deepEqual(await stored(there), await stored(here));
        const sum = (list: number[]) => list.reduce((x, y) => x + y, 0);
        assert.equal(sum(seenThere), body.length, 'progress reaches the whole file');
        assert.equal(sum(seenHere), body.length);
      } finally {
        await here.dispose();
        await there.dispose();
        for (const d of dirs) rmSync(d, { recursive: true, force: true });
      }
    });

    test('a store the thread cannot open, and a cancelled import, fail the report with the reason', async () => {
      const store = await kind.open();
      const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-reader-'));
      try {
        await prepared(store);
        const nowhere: Pick<Config, 'data_dir' | 'database'> =
          kind.name === 'sqlite'
            ? { data_dir: tmpdir(), database: { url: 'sqlite:/dev/null/nowhere.db', schema: 'public', pool_size: 1 } }
            : {
                data_dir: tmpdir(),
                database: { url: 'postgres://postgres@127.0.0.1:1/test', schema: 'public', pool_size: 1 },
              };
        const ctx = (setup: Pick<Config, 'data_dir' | 'database'>): AbuseContext => ({
          db: store.db,
          dataDir: dir,
          attribution: OPTIONS,
          reader: { store: setup, deterministicNat: [], fromBytes: 0 },
        });
        const origin = { transport: 'cli' as const, origin: `/reports/${FILE}`, fileName: FILE };
        await assert.rejects(receiveReport(ctx(nowhere), chunks(report()), origin), /EEXIST|ECONNREFUSED/);
        const failed = await store.db.selectFrom('abuseReports').selectAll().executeTakeFirstOrThrow();
        assert.equal(failed.state, 'unreadable');
        assert.match(failed.error ?? '', /EEXIST|ECONNREFUSED/);

        const controller = new AbortController();
        controller.abort();
        const other = Buffer.concat([report(), Buffer.from('"2026-11-20 23:59:59","tcp","100.64.0.7",1,64500\n')]);
        await assert.rejects(
          receiveReport(ctx(storeConfig(kind.name, store)), chunks(other), origin, progressOf(controller, [])),
          /cancelled/,
        );
        assert.equal(
          (await store.db.selectFrom('abuseEvents').select('id').execute()).length,
          0,
          'nothing of a failed or cancelled report is stored',
        );
      } finally {
        await store.dispose();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
