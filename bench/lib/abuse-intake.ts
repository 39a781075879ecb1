// The abuse intake bench's measured run: the report into a prepared store the way `mizugiwa abuse import`
// takes it — receiveReport (evidence file, report row, parse, each batch attributed — own prefixes, look-ups,
// subscriber keys, cases — and inserted), then attributeNewEvents (what is left `new`) — timed phase by phase, with the process's peak RSS.
// Then, untimed, what the store holds is checked against the generator's answers.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { attributeNewEvents } from '../../src/abuse/attribute-events.js';
import { receiveReport } from '../../src/abuse/receive-report.js';
import type { Progress } from '../../src/jobs/run.js';
import { sqliteHandle } from '../../src/store/open.js';
import type { Database } from '../../src/store/schema.js';
import { OUTCOMES, type Outcome, type SinkholeTruth } from '../gen/shadowserver-csv.js';
import {
  AGGREGATION_DAYS,
  fmt,
  log,
  OWN_PREFIXES,
  REPORT_FILE,
  TRUTH_FILE,
  type AbuseJob,
  type Check,
  type IntakeOutcome,
} from './abuse-jobs.js';
import { openBenchStore, storeConfig } from './abuse-prepare.js';

export async function intake(job: Extract<AbuseJob, { mode: 'intake' }>): Promise<IntakeOutcome> {
  const file = join(job.dir, REPORT_FILE);
  const inputBytes = statSync(file).size;
  const store = await openBenchStore(job.store);
  const phaseRssKiB = { receive: 0, attribute: 0 };
  try {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const attributionOptions = {
      skewMs: job.skewMs,
      ownPrefixes: OWN_PREFIXES,
      windowDays: () => AGGREGATION_DAYS,
      audit: { actor: { kind: 'system', component: 'abuse' } } as const,
    };
    const report = await receiveReport(
      // As `serve` and `mizugiwa abuse import` set it up (loadAbuseContext): each batch attributed as it goes in.
      {
        db: store.db,
        dataDir: job.dataDir,
        attribution: attributionOptions,
        reader: { store: storeConfig(job.store), deterministicNat: [] },
      },
      createReadStream(file, { highWaterMark: 256 * 1024 }),
      { transport: 'cli', origin: file, fileName: REPORT_FILE },
      loggingProgress(inputBytes),
    );
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    phaseRssKiB.receive = process.resourceUsage().maxRSS;
    log(`    receiveReport: ${fmt(report.events)} events in ${((t1 - t0) / 1000).toFixed(1)} s; attributing`);
    // What the import command runs next: events left `new` (none here, which the check confirms).
    const backlog = await attributeNewEvents(store.db, attributionOptions);
    const inline = report.attribution ?? { attributed: 0, unassigned: 0, casesOpened: 0 };
    const attribution = {
      attributed: inline.attributed + backlog.attributed,
      unassigned: inline.unassigned + backlog.unassigned,
      casesOpened: inline.casesOpened + backlog.casesOpened,
    };
    const t2 = performance.now();
    const c2 = process.cpuUsage();
    const maxRssKiB = process.resourceUsage().maxRSS;
    phaseRssKiB.attribute = maxRssKiB;
    log(`    attributeNewEvents: ${((t2 - t1) / 1000).toFixed(1)} s; checking against the generator`);
    const truth = JSON.parse(readFileSync(join(job.dir, TRUTH_FILE), 'utf8')) as SinkholeTruth;
    return {
      mode: 'intake',
      inputBytes,
      receiveMs: t1 - t0,
      attributeMs: t2 - t1,
      receiveCpuMs: cpuMs(c0, c1),
      attributeCpuMs: cpuMs(c1, c2),
      report,
      attribution,
      maxRssKiB,
      phaseRssKiB,
      check: await check(store.db, report.reportId, truth),
    };
  } finally {
    await store.close();
  }
}

const cpuMs = (from: NodeJS.CpuUsage, to: NodeJS.CpuUsage) => (to.user - from.user + to.system - from.system) / 1000;

function loggingProgress(total: number): Progress {
  let done = 0;
  let reported = performance.now();
  return {
    setTotal: () => undefined,
    advance(by = 1) {
      done += by;
      if (performance.now() - reported > 30_000) {
        reported = performance.now();
        log(`    parsed ${((done / total) * 100).toFixed(0)} % of the report`);
      }
    },
    set: (d) => void (done = d),
    message: () => undefined,
    signal: new AbortController().signal,
  };
}

const outcomeOf = (state: string, reason: string | null): Outcome | 'other' =>
  state === 'attributed'
    ? 'attributed'
    : (OUTCOMES as readonly string[]).includes(reason ?? '')
      ? (reason as Outcome)
      : 'other';

/** Every row's outcome counted, every case compared, and the sampled rows one by one. */
async function check(db: Kysely<Database>, reportId: number, truth: SinkholeTruth): Promise<Check> {
  const raw = db.withoutPlugins();
  // Statistics for the checking queries' plans (the table was empty when last analysed; autovacuum may be off).
  if (!sqliteHandle(db)) await sql`analyze abuse_events, abuse_cases`.execute(raw);
  const stored: Record<Outcome, number> = {
    attributed: 0,
    'no-lease': 0,
    'outside-prefixes': 0,
    'no-subscriber-record': 0,
  };
  const examples: string[] = [];
  const counted = await sql<{ state: string; reason: string | null; n: number | string }>`
    select state, unassigned_reason as reason, count(*) as n from abuse_events where report_id = ${reportId}
    group by state, unassigned_reason`.execute(raw);
  for (const r of counted.rows) {
    const o = outcomeOf(r.state, r.reason);
    if (o === 'other') examples.push(`${r.n} events ${r.state} (${r.reason ?? 'no reason'})`);
    else stored[o] += Number(r.n);
  }

  const caseRows = await sql<{ id: number | string; subscriber_id: string; type: string; event_count: number }>`
    select id, subscriber_id, type, event_count from abuse_cases`.execute(raw);
  const caseOf = new Map<number, string>();
  let wrongCounts = 0;
  let extra = 0;
  const seen = new Set<string>();
  for (const c of caseRows.rows) {
    caseOf.set(Number(c.id), c.subscriber_id);
    const expected = truth.eventsPerSubscriber[c.subscriber_id];
    if (expected === undefined || seen.has(c.subscriber_id) || c.type !== 'infected-system') extra++;
    else if (expected !== c.event_count) wrongCounts++;
    seen.add(c.subscriber_id);
    if ((expected === undefined || expected !== c.event_count) && examples.length < 5)
      examples.push(`case ${c.id} of ${c.subscriber_id}: ${c.event_count} events, expected ${expected ?? 'no case'}`);
  }
  const expectedCases = Object.keys(truth.eventsPerSubscriber).length;
  const wrongSubscriber = await sql<{ n: number | string }>`
    select count(*) as n from abuse_events e join abuse_cases c on c.id = e.case_id
    where e.report_id = ${reportId} and c.subscriber_id <> e.subscriber_id`.execute(raw);
  const withoutCase = await sql<{ n: number | string }>`
    select count(*) as n from abuse_events where report_id = ${reportId} and state = 'attributed' and case_id is null`.execute(
    raw,
  );

  let sampleWrong = 0;
  for (let i = 0; i < truth.sample.length; i += 1000) {
    const part = truth.sample.slice(i, i + 1000);
    const rows = await db
      .selectFrom('abuseEvents')
      .select([
        'seq',
        'state',
        'unassignedReason',
        'subscriberId',
        'caseId',
        'sourceAddress',
        'sourcePort',
        'occurredAt',
      ])
      .where('reportId', '=', reportId)
      .where(
        'seq',
        'in',
        part.map((s) => s.seq),
      )
      .execute();
    const bySeq = new Map(rows.map((r) => [Number(r.seq), r]));
    for (const s of part) {
      const r = bySeq.get(s.seq);
      const got = r && {
        outcome: outcomeOf(r.state, r.unassignedReason),
        subscriberId: r.subscriberId,
        caseSubscriber: r.caseId === null ? null : (caseOf.get(Number(r.caseId)) ?? '?'),
      };
      const ok =
        got !== undefined &&
        r!.sourceAddress === s.address &&
        r!.sourcePort === s.port &&
        Date.parse(r!.occurredAt) === s.atMs &&
        got.outcome === s.outcome &&
        (s.outcome === 'attributed'
          ? got.subscriberId === s.subscriberId && got.caseSubscriber === s.subscriberId
          : got.caseSubscriber === null);
      if (!ok) {
        sampleWrong++;
        if (examples.length < 10)
          examples.push(
            `row ${s.seq} (${s.kind} ${s.address}:${s.port} at ${new Date(s.atMs).toISOString()}): expected ${s.outcome} ${s.subscriberId ?? ''}, got ${got ? `${got.outcome} ${got.subscriberId ?? ''} case of ${got.caseSubscriber ?? 'none'}` : 'no event'}`,
          );
      }
    }
  }
  return {
    byOutcome: { expected: truth.byOutcome, stored },
    cases: {
      expected: expectedCases,
      stored: caseRows.rows.length,
      wrongCounts,
      wrongSubscriber: Number(wrongSubscriber.rows[0]?.n ?? 0),
      extra,
    },
    attributedWithoutCase: Number(withoutCase.rows[0]?.n ?? 0),
    sampled: truth.sample.length,
    sampleWrong,
    examples,
  };
}

/** Whether the check found nothing wrong. */
export function checkPassed(c: Check): boolean {
  return (
    OUTCOMES.every((o) => c.byOutcome.expected[o] === c.byOutcome.stored[o]) &&
    c.cases.expected === c.cases.stored &&
    c.cases.wrongCounts === 0 &&
    c.cases.wrongSubscriber === 0 &&
    c.cases.extra === 0 &&
    c.attributedWithoutCase === 0 &&
    c.sampleWrong === 0 &&
    c.examples.length === 0
  );
}
