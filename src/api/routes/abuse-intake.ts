import { basename } from 'node:path';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { abuseRuntimeOf } from '../../abuse/desk.js';
import { ABUSE_FORMAT_NAMES } from '../../abuse/formats/registry.js';
import { casesOfReport, importOutcomeOfJob } from '../../abuse/import-result.js';
import { previewReport, PREVIEW_MAX_BYTES } from '../../abuse/report-preview.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import { getJob } from '../../store/jobs.js';
import type { AppDeps } from '../deps.js';
import { mappingName, outcomeView } from './abuse-reports.js';
import { jobView } from './jobs.js';

// What the Reports intake screen asks around an upload (abuse-reports.ts): a preview of what importing a
// file would give, read by the import's own parser and mapping without storing anything; what came of an
// upload that ran as a job; and the cases a report's events went to.

const reportTypeOption = z.string().regex(/^[a-z0-9_]{1,100}$/, 'expected a Shadowserver report type such as scan_ssh');

const previewBody = z.strictObject({
  fileName: z.string().min(1).max(255).describe('the file name (Shadowserver names carry the report type)'),
  content: z
    .base64({ error: 'expected the first bytes of the file, base64-encoded' })
    .max(Math.ceil(PREVIEW_MAX_BYTES / 3) * 4, `send at most the first ${PREVIEW_MAX_BYTES} bytes of the file`),
  complete: z.boolean().describe('true when content is the whole file; else its last, cut line is left out'),
  format: z.enum(ABUSE_FORMAT_NAMES).optional().describe('default: recognised from the content'),
  mapping: z.record(z.string(), z.unknown()).optional().describe('csv: a mapping being written (not saved)'),
  mappingName: mappingName.optional().describe('csv: a saved mapping'),
  reportType: reportTypeOption.optional(),
  limit: z.number().int().min(1).max(200).default(20),
});

const previewView = z.object({
  format: z.enum(ABUSE_FORMAT_NAMES).nullable(),
  detected: z.boolean(),
  matchingMappings: z.array(z.string()),
  csv: z
    .object({ columns: z.array(z.string()), rows: z.array(z.array(z.string())), problems: z.array(z.string()) })
    .nullable(),
  counts: z.object({ events: z.number(), rejected: z.number(), suggestions: z.number() }),
  events: z.array(
    z.object({
      position: z.string(),
      type: z.string(),
      time: z.string(),
      address: z.string().nullable(),
      port: z.number().nullable(),
      hostname: z.string().nullable(),
      url: z.string().nullable(),
      destinationAddress: z.string().nullable(),
      destinationPort: z.number().nullable(),
      protocol: z.string().nullable(),
      identifier: z.string().nullable(),
      reporter: z.string(),
      reportType: z.string(),
      needsReview: z.boolean(),
      detail: z.record(z.string(), z.string()).nullable(),
    }),
  ),
  rejected: z.array(z.object({ reason: z.string(), position: z.string(), raw: z.string() })),
  partial: z.boolean(),
});

export const abuseIntakeRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.store.db;

    app.post(
      '/api/abuse/reports/preview',
      {
        config: { permission: 'abuse.write' },
        bodyLimit: 2 * PREVIEW_MAX_BYTES,
        schema: {
          tags: ['abuse'],
          summary:
            'What importing a report would give, from its first bytes (base64), read with the same parser and mapping as the import; nothing is stored. For a CSV list also the cells of the first rows and the problems of a mapping being written',
          body: previewBody,
          response: { 200: previewView },
        },
      },
      async (request) => {
        const body = request.body;
        const runtime = await abuseRuntimeOf(deps);
        return previewReport(
          db,
          {
            bytes: Buffer.from(body.content, 'base64'),
            complete: body.complete,
            fileName: basename(body.fileName),
            format: body.format,
            mapping: body.mapping,
            mappingName: body.mappingName,
            reportType: body.reportType,
            limit: body.limit,
          },
          { shadowserverSchema: runtime.context.shadowserverSchema },
        );
      },
    );

    app.get(
      '/api/abuse/imports/:jobId',
      {
        config: { permission: 'abuse.read' },
        schema: {
          tags: ['abuse'],
          summary:
            'An upload that ran as a job: the job, and once it has ended well, what came of it (as a small upload is answered)',
          params: z.object({ jobId: z.coerce.number().int() }),
          response: { 200: z.object({ job: jobView, outcome: outcomeView.nullable() }) },
        },
      },
      async (request) => {
        const id = request.params.jobId;
        const job = await getJob(db, id);
        if (!job || job.kind !== 'abuse.import') throw new UserFacingError(404, 'job.not_found', { id });
        return { job, outcome: (await importOutcomeOfJob(db, job)) ?? null };
      },
    );

    app.get(
      '/api/abuse/reports/:id/cases',
      {
        config: { permission: 'abuse.read' },
        schema: {
          tags: ['abuse'],
          summary: "The cases a report's events went to, with how many of its events each got",
          params: z.object({ id: z.coerce.number().int() }),
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  id: z.number(),
                  type: z.string(),
                  state: z.string(),
                  subscriberId: z.string(),
                  events: z.number(),
                }),
              ),
              total: z.number(),
            }),
          },
        },
      },
      async (request) => {
        const id = request.params.id;
        const row = await db.selectFrom('abuseReports').select('id').where('id', '=', id).executeTakeFirst();
        if (!row) throw new UserFacingError(404, 'abuse.report_not_found', { id });
        return casesOfReport(db, id, request.query.limit);
      },
    );
  };
