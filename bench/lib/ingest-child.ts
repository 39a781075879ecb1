// One measured run of the intel-ingest bench, in a process of its own so that its peak RSS is its own:
//   node --import tsx bench/lib/ingest-child.ts '<json IngestJob>'
// Prints one line `RESULT <json IngestOutcome>` on stdout. Started by bench/intel-ingest.bench.ts.
import { createReadStream } from 'node:fs';
import { sql } from 'kysely';
import { isRejected } from '../../src/domain/format.js';
import { BUILTIN_NAMES, BUILTIN_NETWORKS, ownNetworkAllowlist } from '../../src/intel/allowlist/builtin.js';
import { compileAllowlists } from '../../src/intel/allowlist/check.js';
import { intelFormat } from '../../src/intel/formats/registry.js';
import { ingest, type IngestResult } from '../../src/intel/ingest.js';
import { DEFAULT_SOURCE_DEFAULTS, type SourceSpec } from '../../src/intel/source.js';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres, openSqlite, type Store } from '../../src/store/open.js';

export type IngestJob =
  | { mode: 'parse'; file: string }
  | { mode: 'sqlite'; file: string; dbFile: string }
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

const job = JSON.parse(process.argv[2] ?? '') as IngestJob;
const outcome = await run(job);
process.stdout.write(`RESULT ${JSON.stringify(outcome)}\n`);
