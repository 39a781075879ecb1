// One measured run of the intel-ingest bench, in a process of its own so that its peak RSS is its own:
//   node --import tsx bench/lib/ingest-child.ts '<json IngestJob>'
// Prints one line `RESULT <json IngestOutcome>` on stdout. Started by bench/intel-ingest.bench.ts.
import { createReadStream, rmSync } from 'node:fs';
import { sql } from 'kysely';
import { isRejected } from '../../src/domain/format.js';
import { BUILTIN_NAMES, BUILTIN_NETWORKS, ownNetworkAllowlist } from '../../src/intel/allowlist/builtin.js';
import { compileAllowlists } from '../../src/intel/allowlist/check.js';
import { intelFormat } from '../../src/intel/formats/registry.js';
import { claimWriter, type NewClaim } from '../../src/intel/claims-store.js';
import { ingest, type IngestResult } from '../../src/intel/ingest.js';
import { DEFAULT_SOURCE_DEFAULTS, type SourceSpec } from '../../src/intel/source.js';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres, openSqlite, type Store } from '../../src/store/open.js';

export type IngestJob =
  | { mode: 'parse'; file: string }
  | { mode: 'sqlite'; file: string; dbFile: string }
  /** The claims of a first ingest read back into memory, then timed: only claimWriter into a fresh file. */
  | { mode: 'store-only'; file: string; dbFile: string }
  | { mode: 'postgres'; file: string; url: string; schema: string; poolSize: number };

export type IngestOutcome = {
  mode: IngestJob['mode'];
  /** Wall time of the measured part: parse drained, or ingest() from first byte to its result. */
  wallMs: number;
  /** process.resourceUsage().maxRSS at the end, in KiB: the process's peak resident set. */
  maxRssKiB: number;
  /** parse only: records and Rejecteds the format yielded. */
  parsed?: { records: number; rejected: number };
  result?: IngestResult;
  /** store-only: the rows written. */
  written?: number;
  /** What the store holds afterwards, read back with count(*). */
  stored?: { claims: number; deadLetters: number };
};

const SOURCE: SourceSpec = {
  name: 'threatfox',
  format: 'threatfox-csv',
  snapshot: 'full',
  mode: 'block',
  defaults: DEFAULT_SOURCE_DEFAULTS,
  maxRetireShare: 0.5,
};

async function run(job: IngestJob): Promise<IngestOutcome> {
  const format = intelFormat('threatfox-csv', {});
  const ctx = { source: SOURCE.name, input: job.file, now: new Date() };
  if (job.mode === 'parse') {
    const parsed = { records: 0, rejected: 0 };
    const started = performance.now();
    for await (const record of format.parse(createReadStream(job.file), ctx)) {
      if (isRejected(record)) parsed.rejected++;
      else parsed.records++;
    }
    const wallMs = performance.now() - started;
    return { mode: job.mode, wallMs, maxRssKiB: process.resourceUsage().maxRSS, parsed };
  }

  if (job.mode === 'store-only') return storeOnly(job, format, ctx);

  const store: Store =
    job.mode === 'sqlite' ? openSqlite(job.dbFile) : await openPostgres(job.url, job.schema, job.poolSize);
  try {
    await migrate(store);
    // What `mizugiwa intel import` checks against with an empty intel config: the built-in lists.
    const { checker } = compileAllowlists([
      BUILTIN_NETWORKS,
      BUILTIN_NAMES,
      ownNetworkAllowlist({ domains: [], prefixes: [] }),
    ]);
    const started = performance.now();
    const result = await ingest(store.db, SOURCE, format.parse(createReadStream(job.file), ctx), {
      now: ctx.now,
      allow: checker,
    });
    const wallMs = performance.now() - started;
    const maxRssKiB = process.resourceUsage().maxRSS;
    const count = async (table: 'claims' | 'deadLetters') =>
      Number(
        (
          await store.db
            .selectFrom(table)
            .select(sql<number>`count(*)`.as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const stored = { claims: await count('claims'), deadLetters: await count('deadLetters') };
    return { mode: job.mode, wallMs, maxRssKiB, result, stored };
  } finally {
    await store.close();
  }
}

async function storeOnly(
  job: Extract<IngestJob, { mode: 'store-only' }>,
  format: ReturnType<typeof intelFormat>,
  ctx: { source: string; input: string; now: Date },
): Promise<IngestOutcome> {
  let rows: NewClaim[];
  const first = openSqlite(`${job.dbFile}.first`);
  try {
    await migrate(first);
    await ingest(first.db, SOURCE, format.parse(createReadStream(job.file), ctx), { now: ctx.now });
    rows = await first.db.selectFrom('claims').selectAll().execute();
  } finally {
    await first.close();
    rmSync(`${job.dbFile}.first`, { force: true });
  }
  // Back into the feed's order (by ThreatFox id), not the key order the read-back gives: ingest
  // writes in feed order.
  const id = (row: NewClaim) => Number(/(\d+)\/$/.exec(row.reference ?? '')?.[1] ?? 0);
  rows.sort((a, b) => id(a) - id(b));
  const store = openSqlite(job.dbFile);
  try {
    await migrate(store);
    const started = performance.now();
    const writer = claimWriter(store.db);
    for (let i = 0; i < rows.length; i += 20_000) await writer.add(rows.slice(i, i + 20_000));
    await writer.close();
    const wallMs = performance.now() - started;
    return { mode: job.mode, wallMs, maxRssKiB: process.resourceUsage().maxRSS, written: rows.length };
  } finally {
    await store.close();
  }
}

const job = JSON.parse(process.argv[2] ?? '') as IngestJob;
const outcome = await run(job);
process.stdout.write(`RESULT ${JSON.stringify(outcome)}\n`);
