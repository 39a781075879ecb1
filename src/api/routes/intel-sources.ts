import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audited } from '../../audit/append.js';
import { CLAIM_MODES } from '../../domain/indicator.js';
import { UserFacingError } from '../../domain/user-facing-error.js';

import { approveHeldSnapshot, type IngestResult } from '../../intel/ingest.js';
import { intelStats } from '../../intel/stats.js';
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
  lastRunAt: z.string().nullable(),
  lastResult: lastResult.nullable(),
});
export type SourceView = z.output<typeof sourceView>;

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

function parseLastResult(row: IntelSourceRow | undefined): IngestResult | null {
  return row?.lastResult ? (JSON.parse(row.lastResult) as IngestResult) : null;
}

/** A source as the API shows it: what the config says it is, what the database says it last did. */
function toSourceView(configured: SourceConfig | undefined, row: IntelSourceRow | undefined): SourceView {
  return {
    name: (configured?.name ?? row?.name) as string,
    format: configured?.format ?? (row?.format as string),
    location: configured ? (configured.url ?? configured.file ?? null) : (row?.location ?? null),
    snapshot: (configured?.snapshot ?? row?.snapshot) as SourceView['snapshot'],
    mode: (configured?.mode ?? row?.mode) as SourceView['mode'],
    configured: configured !== undefined,
    schedule: configured?.schedule ?? null,
    lastRunAt: row?.lastRunAt ?? null,
    lastResult: parseLastResult(row),
  };
}

export const intelSourceRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.store.db;
    const configuredSources = deps.config.intel.sources;

    async function findSource(name: string): Promise<SourceView | undefined> {
      const configured = configuredSources.find((s) => s.name === name);
      const row = await db.selectFrom('intelSources').selectAll().where('name', '=', name).executeTakeFirst();
      return configured || row ? toSourceView(configured, row) : undefined;
    }

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
        return {
          items: names.map((name) =>
            toSourceView(
              configuredSources.find((s) => s.name === name),
              known.get(name),
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
        const source = await findSource(name);
        if (!source) throw sourceNotFound(name);
        // intelStats counts every source; one source's share is small next to reading its claims.
        const stats = (await intelStats(db, new Date().toISOString()))
          .filter((s) => s.source === name)
          .map(({ source: _source, ...rest }) => rest);
        return { ...source, stats };
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
        ).then((r) => ({ source: name, ...r }));
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
