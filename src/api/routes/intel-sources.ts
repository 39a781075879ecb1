import { Cron } from 'croner';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audited, recordAudit } from '../../audit/append.js';
import { CLAIM_MODES } from '../../domain/indicator.js';
import { UserFacingError } from '../../domain/user-facing-error.js';

import { runningFetch, startFetchJob } from '../../intel/fetch-job.js';
import { heldDiff } from '../../intel/held-diff.js';
import { approveHeldSnapshot, type IngestResult } from '../../intel/ingest.js';
import { intelStats, type SourceStats } from '../../intel/stats.js';
import type { IntelSourceRow } from '../../store/schema.js';
import type { SourceConfig } from '../../config/intel-schema.js';
import type { AppDeps } from '../deps.js';
import { auditContext } from '../context.js';

const lastResult = z.object({
  generation: z.number(),
  accepted: z.number(),
  rejected: z.number(),
  suppressed: z.number(),
  flagged: z.number(),
  total: z.number(),
  retired: z.number(),
  held: z.object({ wouldRetire: z.number(), of: z.number(), share: z.number() }).nullable(),
});

const sourceView = z.object({
  name: z.string(),
  format: z.string(),
  location: z.string().nullable(),
  snapshot: z.enum(['full', 'delta']),
  mode: z.enum(CLAIM_MODES),
  /** In the config file (fetched or read on its schedule) or only known from an import. */
  configured: z.boolean(),
  /** Cron expression; configured sources only. */
  schedule: z.string().nullable(),
  /** The next scheduled run (UTC); configured sources only. */
  nextRunAt: z.string().nullable(),
  lastRunAt: z.string().nullable(),
  /** The last successful run's result; null before the first, and after a run that failed. */
  lastResult: lastResult.nullable(),
  /** Why the last run failed (download, format check, file), when it did. */
  lastError: z.string().nullable(),
  /** The job fetching it now in this server, if any. */
  runningJob: z.number().nullable(),
  /** Its claims now, over all types. */
  counts: z.object({
    total: z.number(),
    effective: z.number(),
    expired: z.number(),
    suppressed: z.number(),
    review: z.number(),
  }),
  /** Records of it that could not be read, kept in the dead letters. */
  deadLetters: z.number(),
  /** Its latest failed fetch jobs, newest first. */
  recentFailures: z.array(z.object({ job: z.number(), at: z.string(), error: z.string() })),
});
export type SourceView = z.output<typeof sourceView>;

const retireCandidate = z.object({
  type: z.string(),
  value: z.string(),
  category: z.string(),
  lastSeen: z.string(),
  validUntil: z.string(),
});
const heldDiffView = z.object({
  source: z.string(),
  runAt: z.string().nullable(),
  generation: z.number(),
  held: z.object({ wouldRetire: z.number(), of: z.number(), share: z.number() }),
  listed: z.number(),
  added: z.number().nullable(),
  removed: z.number(),
  removedItems: z.array(retireCandidate),
});

const typeStats = z.object({
  type: z.string(),
  total: z.number(),
  effective: z.number(),
  expired: z.number(),
  suppressed: z.number(),
  review: z.number(),
});

/** The two 4xx an intel route may give about a source; the detail is English (see the report on message keys). */
export function sourceNotFound(name: string): UserFacingError {
  return new UserFacingError(404, 'intel.source_not_found', { name });
}

/** A failed run leaves `{ error }` in place of the result (run-source.ts, recordFailure). */
function parseLastRun(row: IntelSourceRow | undefined): { result: IngestResult | null; error: string | null } {
  if (!row?.lastResult) return { result: null, error: null };
  const parsed = JSON.parse(row.lastResult) as IngestResult | { error: string };
  return 'error' in parsed ? { result: null, error: parsed.error } : { result: parsed, error: null };
}

function nextRun(cron: string): string | null {
  const job = new Cron(cron, { timezone: 'UTC', paused: true });
  const next = job.nextRun();
  job.stop();
  return next ? next.toISOString() : null;
}

/** What a source is doing besides its config and last run: counts, dead letters, failures, a running job. */
type SourceActivity = {
  stats: SourceStats[];
  deadLetters: Map<string, number>;
  failures: Map<string, SourceView['recentFailures']>;
};

/** A source as the API shows it: what the config says it is, what the database says it last did. */
function toSourceView(
  configured: SourceConfig | undefined,
  row: IntelSourceRow | undefined,
  activity: SourceActivity,
): SourceView {
  const name = (configured?.name ?? row?.name) as string;
  const last = parseLastRun(row);
  const mine = activity.stats.filter((s) => s.source === name);
  const sum = (key: 'total' | 'effective' | 'expired' | 'suppressed' | 'review') =>
    mine.reduce((n, s) => n + s[key], 0);
  return {
    name,
    format: configured?.format ?? (row?.format as string),
    location: configured ? (configured.url ?? configured.file ?? null) : (row?.location ?? null),
    snapshot: (configured?.snapshot ?? row?.snapshot) as SourceView['snapshot'],
    mode: (configured?.mode ?? row?.mode) as SourceView['mode'],
    configured: configured !== undefined,
    schedule: configured?.schedule ?? null,
    nextRunAt: configured ? nextRun(configured.schedule) : null,
    lastRunAt: row?.lastRunAt ?? null,
    lastResult: last.result,
    lastError: last.error,
    runningJob: runningFetch(name) ?? null,
    counts: {
      total: sum('total'),
      effective: sum('effective'),
      expired: sum('expired'),
      suppressed: sum('suppressed'),
      review: sum('review'),
    },
    deadLetters: activity.deadLetters.get(name) ?? 0,
    recentFailures: activity.failures.get(name) ?? [],
  };
}

/** How many failed fetches of each source to show. */
const FAILURES_SHOWN = 3;

export const intelSourceRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.store.db;
    const configuredSources = deps.config.intel.sources;

    async function activity(only?: string): Promise<SourceActivity> {
      // intelStats counts every source; one source's share is small next to reading its claims.
      const stats = await intelStats(db, new Date().toISOString());
      let dead = db
        .selectFrom('deadLetters')
        .select(['source', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('source');
      if (only !== undefined) dead = dead.where('source', '=', only);
      const deadLetters = new Map((await dead.execute()).map((r) => [r.source, Number(r.n)]));
      const failed = await db
        .selectFrom('jobs')
        .select(['id', 'params', 'finishedAt', 'updatedAt', 'error'])
        .where('kind', '=', 'intel.fetch')
        .where('state', '=', 'failed')
        .orderBy('id', 'desc')
        .limit(200)
        .execute();
      const failures = new Map<string, SourceView['recentFailures']>();
      for (const job of failed) {
        const source = job.params ? (JSON.parse(job.params) as { source?: string }).source : undefined;
        if (!source) continue;
        const list = failures.get(source) ?? [];
        if (list.length < FAILURES_SHOWN)
          list.push({ job: Number(job.id), at: job.finishedAt ?? job.updatedAt, error: job.error ?? '' });
        failures.set(source, list);
      }
      return { stats, deadLetters, failures };
    }

    async function findSource(name: string): Promise<SourceView | undefined> {
      const configured = configuredSources.find((s) => s.name === name);
      const row = await db.selectFrom('intelSources').selectAll().where('name', '=', name).executeTakeFirst();
      return configured || row ? toSourceView(configured, row, await activity(name)) : undefined;
    }

    /** The running server follows new claims at once: matcher rebuilt, enforcement publishes soon. */
    const takeEffect = async () => {
      await deps.matcher?.rebuild();
      deps.enforcer?.poke();
    };

    app.get(
      '/api/intel/sources',
      {
        config: { permission: 'system.read' },
        schema: {
          tags: ['intel'],
          summary: 'Configured and imported intel sources with their last run',
          response: { 200: z.object({ items: z.array(sourceView) }) },
        },
      },
      async () => {
        const rows = await db.selectFrom('intelSources').selectAll().execute();
        const known = new Map(rows.map((r) => [r.name, r]));
        const names = [...new Set([...configuredSources.map((s) => s.name), ...known.keys()])].sort();
        const now = await activity();
        return {
          items: names.map((name) =>
            toSourceView(
              configuredSources.find((s) => s.name === name),
              known.get(name),
              now,
            ),
          ),
        };
      },
    );

    app.get(
      '/api/intel/sources/:name',
      {
        config: { permission: 'system.read' },
        schema: {
          tags: ['intel'],
          summary: 'One intel source with its claim counts per indicator type',
          params: z.object({ name: z.string() }),
          response: { 200: sourceView.extend({ stats: z.array(typeStats) }) },
        },
      },
      async (request) => {
        const { name } = request.params;
        const configured = configuredSources.find((s) => s.name === name);
        const row = await db.selectFrom('intelSources').selectAll().where('name', '=', name).executeTakeFirst();
        if (!configured && !row) throw sourceNotFound(name);
        const now = await activity(name);
        const stats = now.stats.filter((s) => s.source === name).map(({ source: _source, ...rest }) => rest);
        return { ...toSourceView(configured, row, now), stats };
      },
    );

    app.post(
      '/api/intel/sources/:name/approve',
      {
        // Retiring indicators changes what is blocked: an operator's decision, like replaying dead letters.
        config: { permission: 'system.operate' },
        schema: {
          tags: ['intel'],
          summary: 'Apply a held full snapshot: retire the indicators its last run no longer listed',
          params: z.object({ name: z.string() }),
          response: { 200: z.object({ source: z.string(), retired: z.number(), total: z.number() }) },
        },
      },
      async (request) => {
        const { name } = request.params;
        const source = await findSource(name);
        if (!source) throw sourceNotFound(name);
        if (!source.lastResult?.held) throw new UserFacingError(409, 'intel.not_held', { name });
        return audited(
          db,
          auditContext(request),
          (r: { retired: number; total: number }) => ({
            action: 'intel.approve',
            target: `source:${name}`,
            detail: { held: source.lastResult?.held, ...r },
          }),
          (trx) => approveHeldSnapshot(trx, name),
        ).then(async (r) => {
          await takeEffect();
          return { source: name, ...r };
        });
      },
    );

    app.get(
      '/api/intel/sources/:name/held',
      {
        config: { permission: 'system.read' },
        schema: {
          tags: ['intel'],
          summary:
            "A held snapshot's diff: what the run listed and added, and page by page the claims approving would retire",
          params: z.object({ name: z.string() }),
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(500).default(20),
            offset: z.coerce.number().int().min(0).default(0),
          }),
          response: { 200: z.object({ diff: heldDiffView.nullable() }) },
        },
      },
      async (request) => {
        const { name } = request.params;
        if (!(await findSource(name))) throw sourceNotFound(name);
        return { diff: (await heldDiff(db, name, request.query)) ?? null };
      },
    );

    app.post(
      '/api/intel/sources/:name/fetch',
      {
        // Fetching changes what is blocked, like an import: an operator's action.
        config: { permission: 'system.operate' },
        schema: {
          tags: ['intel'],
          summary: 'Fetch a configured source now, as a job (poll /api/jobs/{jobId} for its progress)',
          params: z.object({ name: z.string() }),
          response: { 202: z.object({ jobId: z.number() }) },
        },
      },
      async (request, reply) => {
        const { name } = request.params;
        const configured = configuredSources.find((s) => s.name === name);
        if (!configured) {
          if (await findSource(name)) throw new UserFacingError(409, 'intel.source_not_configured', { name });
          throw sourceNotFound(name);
        }
        const ctx = auditContext(request);
        const job = await startFetchJob(db, deps.config, deps.configDir, configured, {
          actor: ctx.actor,
          log: deps.log,
          afterIngest: takeEffect,
        });
        if (!job) throw new UserFacingError(409, 'intel.fetch_running', { name, job: runningFetch(name) ?? '?' });
        await recordAudit(db, ctx, { action: 'intel.fetch', target: `source:${name}`, detail: { job: job.id } });
        return reply.status(202).send({ jobId: job.id });
      },
    );

    app.get(
      '/api/intel/stats',
      {
        config: { permission: 'system.read' },
        schema: {
          tags: ['intel'],
          summary: 'Claims per source and type now: effective, expired, suppressed by an allowlist, flagged for review',
          response: {
            200: z.object({
              at: z.string(),
              items: z.array(typeStats.extend({ source: z.string() })),
            }),
          },
        },
      },
      async () => {
        const at = new Date().toISOString();
        return { at, items: await intelStats(db, at) };
      },
    );
  };
