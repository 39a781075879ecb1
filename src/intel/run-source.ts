import { createReadStream, readFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { join, resolve } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Kysely } from 'kysely';
import type { SourceConfig } from '../config/intel-schema.js';
import type { Format, ParseContext, Rejected } from '../domain/format.js';
import type { Progress } from '../jobs/run.js';
import type { Database } from '../store/schema.js';
import type { AllowChecker } from './allowlist/check.js';
import type { ClaimRecord } from './claim-record.js';
import { mispFeedEventFiles } from './formats/misp-feed.js';
import { intelFormat } from './formats/registry.js';
import { ingest, type IngestResult } from './ingest.js';
import { sourceSpecFromConfig } from './source-config.js';
import { checkHead } from './transport/head-check.js';
import { download, type DownloadOptions, type Validators } from './transport/http.js';

export type SourceRun = { status: 'not-modified' } | { status: 'ingested'; result: IngestResult };

/**
 * One run of a configured source: download (conditionally) or read its file, refuse it if it does not
 * look like its format, ingest it, and remember the validators for the next conditional request. A
 * failure is recorded on the source (visible in `intel sources` and the API) and rethrown; nothing is
 * retired by a failed run.
 */
export async function runSource(
  db: Kysely<Database>,
  source: SourceConfig,
  context: {
    baseDir: string;
    /** Where downloads are written before they are parsed (inside data_dir). */
    spoolDir: string;
    allow: AllowChecker;
    progress?: Progress;
    now?: Date;
  },
): Promise<SourceRun> {
  const now = context.now ?? new Date();
  const spec = sourceSpecFromConfig(source);
  const format = intelFormat(source.format, source.options);
  const parseContext = (input: string): ParseContext => ({ source: source.name, input, now });
  try {
    if (source.format === 'misp-feed') {
      const records = mispFeedRecords(source, format, context.baseDir, parseContext);
      return {
        status: 'ingested',
        result: await ingest(db, spec, records, { now, allow: context.allow, progress: context.progress }),
      };
    }
    let body: AsyncIterable<Uint8Array>;
    let validators: Validators | undefined;
    let spooled: string | undefined;
    if (source.url) {
      const last = await db
        .selectFrom('intelSources')
        .select(['etag', 'lastModified'])
        .where('name', '=', source.name)
        .executeTakeFirst();
      const got = await download(
        source.url,
        { etag: last?.etag ?? null, lastModified: last?.lastModified ?? null },
        downloadOptions(source, context.baseDir),
      );
      if (got.status === 'not-modified') {
        await db
          .updateTable('intelSources')
          .set({ lastRunAt: now.toISOString() })
          .where('name', '=', source.name)
          .execute();
        return { status: 'not-modified' };
      }
      // Spooled to disk first, so a download that breaks off (a cut gzip, a dropped connection) is
      // refused before a single row is applied; memory stays bounded whatever the feed's size.
      spooled = await spool(got.body, context.spoolDir, source.name);
      body = createReadStream(spooled);
      validators = got.validators;
    } else {
      const path = resolve(context.baseDir, source.file as string);
      const stream = createReadStream(path);
      body = path.endsWith('.gz') ? stream.pipe(createGunzip()) : stream;
    }
    const where = source.url ?? resolve(context.baseDir, source.file as string);
    let result: IngestResult;
    try {
      const checked = await checkHead(body, format, `source ${source.name} (${where})`);
      result = await ingest(db, spec, format.parse(checked, parseContext(where)), {
        now,
        allow: context.allow,
        progress: context.progress,
      });
    } finally {
      if (spooled) await rm(spooled, { force: true });
    }
    if (validators) {
      await db
        .updateTable('intelSources')
        .set({ etag: validators.etag, lastModified: validators.lastModified })
        .where('name', '=', source.name)
        .execute();
    }
    return { status: 'ingested', result };
  } catch (err) {
    await recordFailure(db, source, now, err);
    throw err;
  }
}

function downloadOptions(source: SourceConfig, baseDir: string): DownloadOptions {
  return {
    headers: source.headers,
    timeoutSeconds: source.timeout_seconds,
    maxBytes: source.max_bytes,
    ca: source.ca_file ? readFileSync(resolve(baseDir, source.ca_file)) : undefined,
  };
}

/** A MISP feed is a manifest plus one file per event, from a directory or a base URL; one run reads them all. */
async function* mispFeedRecords(
  source: SourceConfig,
  format: Format<ClaimRecord>,
  baseDir: string,
  parseContext: (input: string) => ParseContext,
): AsyncIterable<ClaimRecord | Rejected> {
  const base = source.url
    ? source.url.endsWith('/')
      ? source.url
      : `${source.url}/`
    : resolve(baseDir, source.file as string);
  const read = async (name: string): Promise<AsyncIterable<Uint8Array>> => {
    if (!source.url) return createReadStream(join(base, name));
    const got = await download(
      new URL(name, base).href,
      { etag: null, lastModified: null },
      downloadOptions(source, baseDir),
    );
    if (got.status !== 'ok') throw new Error(`${name}: unexpected "not modified" for an unconditional request`);
    return got.body;
  };
  const manifestChunks: Uint8Array[] = [];
  if (source.url) for await (const c of await read('manifest.json')) manifestChunks.push(c);
  const manifest = source.url ? Buffer.concat(manifestChunks) : await readFile(join(base, 'manifest.json'));
  for (const event of mispFeedEventFiles(manifest)) {
    yield* format.parse(await read(event.file), parseContext(event.file));
  }
}

async function recordFailure(db: Kysely<Database>, source: SourceConfig, now: Date, err: unknown): Promise<void> {
  const message = err instanceof Error ? err.message : String(err);
  const iso = now.toISOString();
  await db
    .insertInto('intelSources')
    .values({
      name: source.name,
      format: source.format,
      location: source.url ?? source.file ?? null,
      snapshot: source.snapshot,
      mode: source.mode,
      generation: 0,
      createdAt: iso,
      updatedAt: iso,
      lastRunAt: iso,
      lastResult: JSON.stringify({ error: message }),
    })
    .onConflict((oc) =>
      oc.column('name').doUpdateSet({ lastRunAt: iso, lastResult: JSON.stringify({ error: message }), updatedAt: iso }),
    )
    .execute()
    .catch(() => undefined);
}

async function spool(body: AsyncIterable<Uint8Array>, dir: string, name: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.${process.pid}.${Date.now()}.download`);
  try {
    await pipeline(Readable.from(body), createWriteStream(path));
  } catch (err) {
    await rm(path, { force: true });
    throw err;
  }
  return path;
}
