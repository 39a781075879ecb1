import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '../../audit/append.js';
import { sourceSchema } from '../../config/intel-schema.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import type { Format } from '../../domain/format.js';
import { startJob, type Progress } from '../../jobs/run.js';
import { loadAllowlists } from '../../intel/allowlist/load.js';
import type { ClaimRecord } from '../../intel/claim-record.js';
import { countClaims } from '../../intel/claims-store.js';
import { intelFormat } from '../../intel/formats/registry.js';
import { INTEL_FORMAT_NAMES } from '../../intel/formats/names.js';
import { ingest } from '../../intel/ingest.js';
import { ingestSummary } from '../../intel/ingest-summary.js';
import { sourceSpecFromConfig } from '../../intel/source-config.js';
import { DEFAULT_SOURCE_DEFAULTS, type SourceSpec } from '../../intel/source.js';
import type { AppDeps } from '../deps.js';
import { auditContext } from '../context.js';

const MAX_CONTENT = 10 * 1024 * 1024;
/** Read the content in pieces of this size, so the job shows progress and can be cancelled between them. */
const CHUNK = 256 * 1024;

function invalid(detail: string): UserFacingError {
  return new UserFacingError(400, 'request.invalid', { detail });
}

export const intelImportRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.store.db;

    app.post(
      '/api/intel/import',
      {
        // Importing changes what is blocked: an operator's action, like starting any other job.
        config: { permission: 'system.operate' },
        // JSON escaping makes the body somewhat larger than the content it carries.
        bodyLimit: MAX_CONTENT + 1024 * 1024,
        schema: {
          tags: ['intel'],
          summary: 'Import feed text into a source (created as a local source if new) as a job; poll /api/jobs/{jobId}',
          body: z.strictObject({
            source: sourceSchema.shape.name,
            format: z.enum(INTEL_FORMAT_NAMES),
            /** The feed itself, as text (up to 10 MB). */
            content: z.string().max(MAX_CONTENT),
            /** The content only adds and updates: do not retire what it lacks. New sources only. */
            delta: z.boolean().optional(),
            /** Format options (csv columns, plain type, rpz origin). New sources only. */
            options: z.record(z.string(), z.unknown()).optional(),
          }),
          response: { 202: z.object({ jobId: z.number() }) },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const configured = deps.config.intel.sources.find((s) => s.name === body.source);
        const known = await db
          .selectFrom('intelSources')
          .select(['format', 'location', 'mode'])
          .where('name', '=', body.source)
          .executeTakeFirst();

        let spec: SourceSpec;
        let options: Record<string, unknown>;
        if (configured) {
          // A configured source is defined by the config file; the request may not redefine it.
          if (configured.format !== body.format) {
            throw invalid(`source ${body.source} is configured with format ${configured.format}, not ${body.format}`);
          }
          if (body.options !== undefined) {
            throw invalid(`source ${body.source} is configured; its format options come from the config file`);
          }
          if (body.delta !== undefined && body.delta !== (configured.snapshot === 'delta')) {
            throw invalid(`source ${body.source} is configured as a ${configured.snapshot} snapshot`);
          }
          spec = sourceSpecFromConfig(configured);
          options = configured.options;
        } else {
          // One source is one feed: claims in another format belong in another source.
          if (known && known.format !== body.format) {
            throw invalid(`source ${body.source} holds ${known.format} imports, not ${body.format}`);
          }
          spec = {
            name: body.source,
            format: body.format,
            location: known?.location ?? 'api upload',
            snapshot: body.delta ? 'delta' : 'full',
            mode: known?.mode === 'monitor' ? 'monitor' : 'block',
            defaults: DEFAULT_SOURCE_DEFAULTS,
            maxRetireShare: 0.5,
          };
          options = body.options ?? {};
        }

        let format: Format<ClaimRecord>;
        try {
          format = intelFormat(body.format, options);
        } catch (err) {
          throw invalid((err as Error).message);
        }
        // Loaded per import, so an edited allowlist file counts from the next import on. A list that
        // cannot be read fails the request: importing without it would let through what it protects.
        const { checker, problems } = loadAllowlists(deps.config.intel, deps.configDir);
        for (const p of problems) request.log.warn({ problem: p }, 'allowlist entry not used');

        const content = Buffer.from(body.content, 'utf8');
        const ctx = auditContext(request);
        const job = await startJob(
          db,
          {
            kind: 'intel.import',
            // `before` lets the held diff say how many claims the import added.
            params: {
              source: spec.name,
              format: body.format,
              bytes: content.length,
              before: await countClaims(db, spec.name),
            },
            actor: ctx.actor,
            log: request.log,
          },
          async (progress) => {
            progress.setTotal(content.length);
            async function* chunks(): AsyncIterable<Uint8Array> {
              for (let at = 0; at < content.length; at += CHUNK) {
                if (progress.signal.aborted) return;
                const piece = content.subarray(at, at + CHUNK);
                yield piece;
                progress.advance(piece.length);
              }
            }
            // ingest advances per record; progress here is in bytes, so it gets only the cancel signal.
            const ingestProgress: Progress = {
              setTotal: () => undefined,
              advance: () => undefined,
              set: () => undefined,
              message: () => undefined,
              signal: progress.signal,
            };
            const result = await ingest(
              db,
              spec,
              format.parse(chunks(), { source: spec.name, input: 'upload', now: new Date() }),
              { allow: checker, progress: ingestProgress },
            );
            progress.message(ingestSummary(result));
            return result;
          },
        );
        await recordAudit(db, ctx, {
          action: 'intel.import',
          target: `source:${spec.name}`,
          detail: { job: job.id, format: body.format, bytes: content.length, snapshot: spec.snapshot },
        });
        return reply.status(202).send({ jobId: job.id });
      },
    );
  };
