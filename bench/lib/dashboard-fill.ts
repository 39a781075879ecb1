// The dashboard bench's store: a million indicators, 100,000 sightings and 10,000 cases, written in bulk
// straight into a migrated store (SQLite or PostgreSQL) — the shape the pipeline leaves, not its speed,
// is what the dashboard is measured on. Indicators are made by the database itself (a recursive CTE on
// SQLite, generate_series on PostgreSQL); sightings and cases in batched multi-row inserts. Deterministic
// for a seed, relative to `now` so that the last 24 hours and 30 days both hold data.
import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../../src/store/migrations/dialect.js';
import type { AbuseCasesTable, Database, NewRow, NewSighting } from '../../src/store/schema.js';
import { Random } from '../gen/random.js';

export type DashboardWorkload = { indicators: number; sightings: number; cases: number };

export type FillResult = DashboardWorkload & {
  seconds: { indicators: number; sightings: number; cases: number; analyse: number };
};

const DAY_MS = 86_400_000;
const WINDOW_MS = 5 * 60_000;
const CLIENTS = 5000;
const SUBSCRIBERS = 3000;
/** Rows per multi-row insert: 16 columns × 500 stays under both databases' bound-parameter limits. */
const BATCH = 500;
const CATEGORY_OF = ['c2', 'botnet', 'malware', 'phishing', 'phishing'] as const;
const CASE_TYPES = ['infected-system', 'spam', 'phishing', 'copyright', 'scanner', 'brute-force'];
/** Half the cases are still open, spread over the open states; the rest ended one way or another. */
const CASE_STATES = [
  'new',
  'new',
  'notified',
  'notified',
  'reminded',
  'restricted',
  'resolved',
  'resolved',
  'closed',
  'ignored',
  'closed',
  'closed',
];

/** The value of indicator number i (1-based), as the SQL below makes it. */
export function indicatorValue(i: number): string {
  return `h${i}.bench-${i % 1000}.example`;
}

/** Its category, as the SQL below gives it. */
export function indicatorCategory(i: number): string {
  return CATEGORY_OF[i % 5]!;
}

export async function fillDashboardStore(
  db: Kysely<Database>,
  dialect: DialectName,
  workload: DashboardWorkload,
  now: Date,
  log: (line: string) => void = () => undefined,
  seed = 0xda5b0a4d,
): Promise<FillResult> {
  const rng = new Random(seed);
  const nowIso = now.toISOString();
  const seconds = { indicators: 0, sightings: 0, cases: 0, analyse: 0 };

  let started = performance.now();
  await fillIndicators(db, dialect, workload.indicators, now);
  seconds.indicators = (performance.now() - started) / 1000;
  log(`${workload.indicators.toLocaleString('en-US')} indicators in ${seconds.indicators.toFixed(1)} s`);

  started = performance.now();
  // 12 sightings a five-minute window, each of another client, so the unique key never collides; the
  // windows walk back from now over about 29 days. Indicators are drawn heavy-tailed (a few are seen a
  // lot), four in five clients have a subscriber.
  const lastWindow = Math.floor(now.getTime() / WINDOW_MS) * WINDOW_MS;
  await db.transaction().execute(async (trx) => {
    let batch: NewSighting[] = [];
    for (let k = 0; k < workload.sightings; k++) {
      const windowStart = lastWindow - Math.floor(k / 12) * WINDOW_MS;
      const i = 1 + Math.floor(workload.indicators * rng.next() ** 6);
      const client = k % CLIENTS;
      const count = 1 + Math.floor(20 * rng.next() ** 3);
      batch.push({
        indicatorType: 'domain',
        indicatorValue: indicatorValue(i),
        point: k % 7 === 0 ? 'proxy' : 'dns',
        client: `10.${(client >> 8) & 255}.${client & 255}.${1 + (k % 3)}`,
        windowStart: new Date(windowStart).toISOString(),
        firstSeen: new Date(windowStart + 10_000).toISOString(),
        lastSeen: new Date(windowStart + 200_000).toISOString(),
        count,
        blockedCount: k % 3 === 0 ? count : 0,
        categories: JSON.stringify([indicatorCategory(i)]),
        sources: JSON.stringify([i % 5 < 3 ? 'threatfox' : 'openphish']),
        input: 'resolver1',
        detail: null,
        subscriber: client % 5 === 4 ? null : `S-${String(client % SUBSCRIBERS).padStart(5, '0')}`,
        attributedAt: client % 5 === 4 ? null : nowIso,
      });
      if (batch.length === BATCH) {
        await trx.insertInto('sightings').values(batch).execute();
        batch = [];
      }
    }
    if (batch.length > 0) await trx.insertInto('sightings').values(batch).execute();
  });
  seconds.sightings = (performance.now() - started) / 1000;
  log(`${workload.sightings.toLocaleString('en-US')} sightings in ${seconds.sightings.toFixed(1)} s`);

  started = performance.now();
  let cases: NewRow<AbuseCasesTable>[] = [];
  for (let k = 0; k < workload.cases; k++) {
    const opened = now.getTime() - Math.floor(rng.next() ** 2 * 120 * DAY_MS);
    const last = Math.min(now.getTime(), opened + Math.floor(rng.next() * 5 * DAY_MS));
    cases.push({
      subscriberId: `S-${String(k % SUBSCRIBERS).padStart(5, '0')}`,
      type: rng.pick(CASE_TYPES),
      state: rng.pick(CASE_STATES),
      openedAt: new Date(opened).toISOString(),
      updatedAt: new Date(last).toISOString(),
      firstEventAt: new Date(opened).toISOString(),
      lastEventAt: new Date(last).toISOString(),
      eventCount: 1 + rng.int(12),
    });
    if (cases.length === BATCH) {
      await db.insertInto('abuseCases').values(cases).execute();
      cases = [];
    }
  }
  if (cases.length > 0) await db.insertInto('abuseCases').values(cases).execute();
  seconds.cases = (performance.now() - started) / 1000;
  log(`${workload.cases.toLocaleString('en-US')} cases in ${seconds.cases.toFixed(1)} s`);

  await fillSmallTables(db, now, workload.indicators);

  // Fresh statistics and (PostgreSQL) a vacuumed visibility map, as a store that has been running for a while has;
  // otherwise autovacuum would wake up on the million new rows in the middle of the measurements.
  started = performance.now();
  await (dialect === 'postgres' ? sql`vacuum analyze` : sql`analyze`).execute(db);
  seconds.analyse = (performance.now() - started) / 1000;
  return { ...workload, seconds };
}

/** The indicators, made by the database: 3 in 5 from the C2 feed, 2 in 5 from the phishing feed. */
async function fillIndicators(db: Kysely<Database>, dialect: DialectName, count: number, now: Date): Promise<void> {
  const first = new Date(now.getTime() - 60 * DAY_MS).toISOString();
  const last = new Date(now.getTime() - DAY_MS).toISOString();
  const until = new Date(now.getTime() + 30 * DAY_MS).toISOString();
  const select = sql`
    select case when i % 5 < 3 then 'threatfox' else 'openphish' end, 'domain',
           'h' || i || '.bench-' || (i % 1000) || '.example',
           case i % 5 when 0 then 'c2' when 1 then 'botnet' when 2 then 'malware' else 'phishing' end,
           75, ${first}, ${last}, ${until}, 'clear', 'block', 1, ${now.toISOString()}`;
  const columns = sql`(source, type, value, category, confidence, first_seen, last_seen, valid_until, tlp, mode,
                       generation, updated_at)`;
  if (dialect === 'postgres') {
    await sql`insert into claims ${columns} ${select} from generate_series(1, ${count}) as g(i)`.execute(db);
  } else {
    await sql`insert into claims ${columns}
              with recursive n(i) as (select 1 union all select i + 1 from n where i < ${count})
              ${select} from n`.execute(db);
  }
}

/** Sources, enforcement versions, dead letters and this hour's observation counts: a few rows each. */
async function fillSmallTables(db: Kysely<Database>, now: Date, indicators: number): Promise<void> {
  const at = (msAgo: number) => new Date(now.getTime() - msAgo).toISOString();
  const result = (total: number, rejected: number, held: boolean) =>
    JSON.stringify({
      generation: 1,
      accepted: total,
      rejected,
      suppressed: 0,
      flagged: 0,
      total,
      retired: 0,
      held: held ? { wouldRetire: Math.round(total * 0.6), of: total, share: 0.6 } : null,
    });
  const c2 = Math.ceil((indicators * 3) / 5);
  await db
    .insertInto('intelSources')
    .values([
      {
        name: 'threatfox',
        format: 'threatfox-csv',
        location: '/var/lib/feeds/threatfox.csv',
        snapshot: 'full',
        mode: 'block',
        generation: 1,
        createdAt: at(60 * DAY_MS),
        updatedAt: at(600_000),
        lastRunAt: at(600_000),
        lastResult: result(c2, 12, false),
      },
      {
        name: 'openphish',
        format: 'plain',
        location: '/var/lib/feeds/openphish.txt',
        snapshot: 'full',
        mode: 'block',
        generation: 1,
        createdAt: at(60 * DAY_MS),
        updatedAt: at(1_200_000),
        lastRunAt: at(1_200_000),
        lastResult: result(indicators - c2, 0, true),
      },
    ])
    .execute();
  const version = (version: number, status: 'live' | 'held' | 'superseded', msAgo: number) => ({
    point: 'rpz',
    version,
    status,
    entries: indicators,
    added: 100,
    removed: 20,
    serial: version,
    guards: JSON.stringify({ checks: [] }),
    error: null,
    createdAt: at(msAgo),
    publishedAt: status === 'held' ? null : at(msAgo),
    approvedBy: null,
    approvedAt: null,
  });
  await db
    .insertInto('enforceVersions')
    .values([version(1, 'superseded', 2 * DAY_MS), version(2, 'live', DAY_MS), version(3, 'held', 3_600_000)])
    .execute();
  await db
    .insertInto('deadLetters')
    .values(
      Array.from({ length: 200 }, (_, k) => ({
        receivedAt: at(k * 60_000),
        source: k % 2 === 0 ? 'threatfox' : 'replay:bind-querylog',
        format: k % 2 === 0 ? 'threatfox-csv' : 'bind-querylog',
        reason: 'unreadable line',
        position: `line ${k + 1}`,
        raw: Buffer.from(`bad line ${k}`),
        size: 12,
        replayCount: 0,
        replayedAt: null,
        lastError: null,
      })),
    )
    .execute();
  await db
    .insertInto('observeCounts')
    .values(
      Array.from({ length: 60 }, (_, m) => ({
        input: 'resolver1',
        point: 'dns',
        minute: new Date(Math.floor(now.getTime() / 60_000) * 60_000 - m * 60_000).toISOString(),
        observed: 50_000,
        matched: 40,
        rejected: m % 10 === 0 ? 1 : 0,
        dropped: m === 5 ? 300 : 0,
      })),
    )
    .execute();
}
