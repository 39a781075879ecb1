// One run of the abuse intake bench, in a process of its own so that its peak RSS is its own:
//   node --import tsx bench/lib/abuse-child.ts '<json AbuseJob>'
// Progress goes to stderr; the last stdout line is `RESULT <json>`. Started by bench/abuse-intake.bench.ts.
//  - prepare: leases, subscribers, the report and its answers (abuse-prepare.ts), untimed;
//  - intake: the measured import and attribution, then the check (abuse-intake.ts);
//  - parts: the intake's two store-free steps alone — the evidence copy, and parsing into event rows —
//    to show how much of the time is the store's.
import { createReadStream, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { storeEvidence } from '../../src/abuse/evidence.js';
import { shadowserverFormat } from '../../src/abuse/formats/shadowserver.js';
import { eventRow } from '../../src/abuse/event-row.js';
import { isRejected } from '../../src/domain/format.js';
import { REPORT_FILE, type AbuseJob, type AbuseOutcome, type PartsOutcome } from './abuse-jobs.js';
import { intake } from './abuse-intake.js';
import { prepare } from './abuse-prepare.js';

async function parts(job: Extract<AbuseJob, { mode: 'parts' }>): Promise<PartsOutcome> {
  const file = join(job.dir, REPORT_FILE);
  const read = () => createReadStream(file, { highWaterMark: 256 * 1024 });
  const t0 = performance.now();
  const evidence = await storeEvidence(job.dataDir, read());
  const evidenceMs = performance.now() - t0;
  rmSync(evidence.path);
  const now = new Date().toISOString();
  let events = 0;
  let rejected = 0;
  let seq = 0;
  const t1 = performance.now();
  for await (const record of shadowserverFormat().parse(read(), {
    source: 'bench',
    input: REPORT_FILE,
    now: new Date(),
  })) {
    if (isRejected(record)) rejected++;
    else {
      eventRow(record, 1, seq++, now);
      events++;
    }
  }
  const parseMs = performance.now() - t1;
  return {
    mode: 'parts',
    inputBytes: statSync(file).size,
    evidenceMs,
    parseMs,
    events,
    rejected,
    maxRssKiB: process.resourceUsage().maxRSS,
  };
}

async function run(job: AbuseJob): Promise<AbuseOutcome> {
  if (job.mode === 'prepare') return prepare(job);
  if (job.mode === 'intake') return intake(job);
  return parts(job);
}

const job = JSON.parse(process.argv[2] ?? '') as AbuseJob;
const outcome = await run(job);
process.stdout.write(`RESULT ${JSON.stringify(outcome)}\n`);
