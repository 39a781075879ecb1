import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audited, recordAudit } from '../../audit/append.js';
import { abuseRuntimeOf } from '../../abuse/desk.js';
import { evidencePath } from '../../abuse/evidence.js';
import { ABUSE_FORMAT_NAMES, type AbuseFormatName } from '../../abuse/formats/registry.js';
import { listReportPage, reportEventStates, reportView } from '../../abuse/queries.js';
import { receiveReport, type ReportIntake, type ReportOutcome } from '../../abuse/receive-report.js';
import { addSummaries, emptySummary, type EventAttributionSummary } from '../../abuse/attribute-events.js';
import { actorLabel } from '../../domain/actor.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import { startJob, type Progress } from '../../jobs/run.js';
import { auditContext } from '../context.js';
import type { AppDeps } from '../deps.js';
import { formBoundary, readForm } from '../multipart-file.js';

// Reports into the desk by hand (a file a partner sent as an attachment, a list from the police), the
// reports received by every path, and their evidence. An upload is the raw report as the request
// body, or the `file` field of a form; it is saved to disk while it arrives, then goes the one intake
// path every report takes (receive-report.ts). A small one is answered with what came of it; a large
// one runs as a job with progress. The CSV column mappings are abuse-mappings.ts.

/** Bigger reports are imported on the server (`mizugiwa abuse import`), not pushed through HTTP. */
export const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;
/** Up to this size the upload is parsed while the request waits; beyond it, it is a job. */
export const INLINE_UPLOAD_BYTES = 2 * 1024 * 1024;

const isoTime = z.iso
  .datetime({
    offset: true,
    error: (iss) =>
      `expected an ISO 8601 time with a zone, such as 2026-11-24T09:00:00Z; got ${JSON.stringify(iss.input)}`,
  })
  .transform((v) => new Date(v).toISOString());

export const mappingName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected a name of letters, digits, ".", "_" or "-" (up to 64)');

const uploadOptions = z.object({
  format: z.enum(ABUSE_FORMAT_NAMES).optional().describe('default: recognised from the content'),
  mapping: mappingName.optional().describe('csv: the saved column mapping to read the list with'),
  report_type: z
    .string()
    .regex(/^[a-z0-9_]{1,100}$/, 'expected a Shadowserver report type such as scan_ssh')
    .optional()
    .describe('shadowserver: the report type, when the file name does not carry it'),
  filename: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe('raw body: the file name (Shadowserver names carry the type)'),
});

const attributionView = z.object({ attributed: z.number(), unassigned: z.number(), casesOpened: z.number() });
export const outcomeView = z.object({
  reportId: z.number(),
  duplicate: z.boolean(),
  format: z.string().nullable(),
  state: z.string(),
  events: z.number(),
  rejected: z.number(),
  suggestions: z.number(),
  attribution: attributionView,
});

export const reportSchema = z.object({
  id: z.number(),
  sha256: z.string(),
  sizeBytes: z.number(),
  transport: z.string(),
  origin: z.string(),
  receivedAt: z.string(),
  format: z.string().nullable(),
  reportType: z.string().nullable(),
  mappingName: z.string().nullable(),
  subject: z.string().nullable(),
  sender: z.string().nullable(),
  messageId: z.string().nullable(),
  state: z.string(),
  events: z.number(),
  rejected: z.number(),
  suggestions: z.number(),
  parsedAt: z.string().nullable(),
  error: z.string().nullable(),
});

const suggestionView = z.object({ kind: z.string(), value: z.string(), context: z.string(), evidence: z.string() });

/** What the evidence is, for the download's Content-Type and file name. */
const EVIDENCE_TYPES: Record<string, [string, string]> = {
  shadowserver: ['text/csv; charset=utf-8', 'csv'],
  csv: ['text/csv', 'csv'],
};

export const abuseReportRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.store.db;

    // Its own context: the body is the report itself, whatever its type (a mail, a CSV, X-ARF JSON),
    // handed on as the raw stream instead of being parsed as JSON or text.
    await app.register(async (context) => {
      context.removeAllContentTypeParsers();
      context.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
      const upload = context.withTypeProvider<ZodTypeProvider>();
      upload.post(
        '/api/abuse/reports',
        {
          config: { permission: 'abuse.write' },
          schema: {
            tags: ['abuse'],
            summary:
              'Upload a report (the raw body, or the "file" field of a multipart form, with format/mapping/report_type as query or form fields). The same bytes twice are one report. Up to 2 MiB: answered with the outcome; larger: a job (poll /api/jobs/{jobId})',
            querystring: uploadOptions,
            response: {
              200: outcomeView.describe('already received: the report it was'),
              201: outcomeView.describe('a new report'),
              202: z.object({ jobId: z.number() }),
            },
          },
        },
        async (request, reply) => {
          const runtime = await abuseRuntimeOf(deps);
          const dir = join(runtime.context.dataDir, 'uploads');
          const saved = join(dir, `abuse-${process.pid}-${randomBytes(6).toString('hex')}`);
          await mkdir(dir, { recursive: true, mode: 0o700 });
          let handedOver = false;
          try {
            const size = await saveBody(request.body as Readable | undefined, saved);
            const upload = await describeUpload(saved, size, request.headers['content-type'], request.query);
            if (upload.format === 'csv' && !upload.mapping)
              throw new UserFacingError(400, 'abuse.mapping_required', {});
            const ctx = auditContext(request);
            const intake: ReportIntake = {
              transport: 'upload',
              // The last path segment is what parsing names positions by, and what carries a Shadowserver type.
              origin: `upload by ${actorLabel(ctx.actor)}/${upload.fileName}`,
              fileName: upload.fileName,
              format: upload.format,
              mappingName: upload.mapping,
              reportType: upload.reportType,
            };
            const body = () => createReadStream(saved, { start: upload.start, end: upload.end - 1 });
            const receive = async (progress?: Progress, jobId?: Promise<number>) => {
              const outcome = await receiveReport(runtime.context, body(), intake, progress);
              // The report's events were attributed as they went in; the run after takes any left `new`.
              const backlog = await runtime.attribution.run();
              const result = {
                ...outcome,
                attribution: attributionOf(addSummaries(outcome.attribution ?? emptySummary(), backlog)),
              };
              await recordAudit(db, ctx, {
                action: 'abuse.import',
                target: `abuse-report:${outcome.reportId}`,
                // A job names itself last, so GET /api/abuse/imports/{jobId} finds what came of it once it ends.
                detail: { file: upload.fileName, transport: 'upload', ...result, ...(jobId && { job: await jobId }) },
              });
              return result;
            };

            if (upload.end - upload.start <= INLINE_UPLOAD_BYTES) {
              const result = await receive();
              return reply.code(result.duplicate ? 200 : 201).send(result);
            }
            let started: (id: number) => void = () => undefined;
            const jobId = new Promise<number>((resolve) => (started = resolve));
            const job = await startJob(
              db,
              {
                kind: 'abuse.import',
                params: { file: upload.fileName, format: upload.format ?? 'auto', bytes: upload.end - upload.start },
                actor: ctx.actor,
                log: request.log,
              },
              async (progress) => {
                try {
                  const result = await receive(progress, jobId);
                  progress.message(summary(result));
                  return result;
                } finally {
                  await rm(saved, { force: true });
                }
              },
            );
            handedOver = true;
            started(job.id);
            return reply.code(202).send({ jobId: job.id });
          } finally {
            if (!handedOver) await rm(saved, { force: true });
          }
        },
      );
    });

    app.get(
      '/api/abuse/reports',
      {
        config: { permission: 'abuse.read' },
        schema: {
          tags: ['abuse'],
          summary: 'The reports received by every path, newest first, a page at a time',
          querystring: z.object({
            state: z.enum(['received', 'parsed', 'partial', 'unreadable', 'triage']).optional(),
            format: z.enum(ABUSE_FORMAT_NAMES).optional(),
            transport: z.enum(['smtp', 'imap', 'maildir', 'upload', 'cli', 'shadowserver-api']).optional(),
            from: isoTime.optional().describe('received at or after'),
            to: isoTime.optional().describe('received before'),
            limit: z.coerce.number().int().min(1).max(500).default(50),
            before: z.coerce.number().int().min(1).optional().describe('the `next` of the previous page'),
          }),
          response: { 200: z.object({ items: z.array(reportSchema), next: z.number().nullable() }) },
        },
      },
      async (request) => {
        const { limit, before, ...filter } = request.query;
        return listReportPage(db, filter, { limit, before });
      },
    );

    app.get(
      '/api/abuse/reports/:id',
      {
        config: { permission: 'abuse.read' },
        schema: {
          tags: ['abuse'],
          summary:
            'One report: its events by state, the records filed as dead letters, and the suggestions of a free-text mail',
          params: z.object({ id: z.coerce.number().int() }),
          response: {
            200: z.object({
              report: reportSchema,
              events: z.record(z.string(), z.number()),
              deadLetters: z.number(),
              suggestions: z.array(suggestionView),
            }),
          },
        },
      },
      async (request) => {
        const id = request.params.id;
        const row = await db.selectFrom('abuseReports').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) throw new UserFacingError(404, 'abuse.report_not_found', { id });
        const [events, letters, suggestions] = await Promise.all([
          reportEventStates(db, id),
          db
            .selectFrom('deadLetters')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('source', '=', `abuse-report:${id}`)
            .executeTakeFirst(),
          db
            .selectFrom('triageSuggestions')
            .select(['kind', 'value', 'context', 'evidence'])
            .where('reportId', '=', id)
            .orderBy('id')
            .limit(500)
            .execute(),
        ]);
        return { report: reportView(row), events, deadLetters: Number(letters?.n ?? 0), suggestions };
      },
    );

    app.get(
      '/api/abuse/reports/:id/evidence',
      {
        config: { permission: 'abuse.read' },
        schema: {
          tags: ['abuse'],
          summary: 'The report exactly as received (its SHA-256 is on the report); the download is audited',
          params: z.object({ id: z.coerce.number().int() }),
        },
      },
      async (request, reply) => {
        const id = request.params.id;
        // Evidence holds what the reporter saw of the subscriber's traffic: who read it is recorded.
        const row = await audited(
          db,
          auditContext(request),
          { action: 'abuse.evidence.read', target: `abuse-report:${id}` },
          (trx) => trx.selectFrom('abuseReports').selectAll().where('id', '=', id).executeTakeFirst(),
        );
        if (!row) throw new UserFacingError(404, 'abuse.report_not_found', { id });
        const runtime = await abuseRuntimeOf(deps);
        const path = evidencePath(runtime.context.dataDir, row.sha256);
        if (!existsSync(path)) throw new UserFacingError(404, 'abuse.evidence_missing', { id, sha256: row.sha256 });
        const [type, extension] = EVIDENCE_TYPES[row.format ?? ''] ?? evidenceTypeOf(row);
        return reply
          .type(type)
          .header('content-disposition', `attachment; filename="report-${id}.${extension}"`)
          .header('x-content-sha256', row.sha256)
          .send(createReadStream(path));
      },
    );
  };

/** Streams the request body to `path`, refusing it past MAX_UPLOAD_BYTES; returns its size. */
async function saveBody(body: Readable | undefined, path: string): Promise<number> {
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > MAX_UPLOAD_BYTES) done(new UserFacingError(413, 'abuse.upload_too_large', { max: MAX_UPLOAD_BYTES }));
      else done(null, chunk);
    },
  });
  if (!body) throw new UserFacingError(400, 'abuse.upload_empty', {});
  await pipeline(body, count, createWriteStream(path, { mode: 0o600 }));
  return size;
}

type Upload = {
  start: number;
  end: number;
  fileName: string;
  format: AbuseFormatName | undefined;
  mapping: string | undefined;
  reportType: string | undefined;
};

/** Where the report lies in the saved body and what was said about it (query, then form fields). */
async function describeUpload(
  saved: string,
  size: number,
  contentType: string | undefined,
  query: z.output<typeof uploadOptions>,
): Promise<Upload> {
  const boundary = formBoundary(contentType);
  let start = 0;
  let end = size;
  let fileName = query.filename ? basename(query.filename) : undefined;
  let options = query;
  if (boundary) {
    const form = await readForm(saved, boundary);
    if ('problem' in form) throw new UserFacingError(400, 'abuse.upload_bad_form', { problem: form.problem });
    if (!form.file) throw new UserFacingError(400, 'abuse.upload_no_file', {});
    ({ start, end } = form.file);
    fileName ??= form.file.fileName;
    const fields = uploadOptions.safeParse(form.fields);
    if (!fields.success) {
      throw new UserFacingError(400, 'request.invalid', {
        detail: fields.error.issues.map((i) => `form field ${i.path.join('.')}: ${i.message}`).join('; '),
      });
    }
    options = { ...fields.data, ...dropUndefined(query) };
  }
  if (end <= start) throw new UserFacingError(400, 'abuse.upload_empty', {});
  return {
    start,
    end,
    fileName: fileName?.trim() || 'upload',
    format: options.format,
    mapping: options.mapping,
    reportType: options.report_type,
  };
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function evidenceTypeOf(row: {
  format: string | null;
  subject: string | null;
  messageId: string | null;
}): [string, string] {
  if (row.format && row.format !== 'xarf') return ['message/rfc822', 'eml'];
  // X-ARF comes as a mail or as bare JSON; a mail has a Message-ID or a Subject.
  if (row.format === 'xarf' && (row.messageId || row.subject)) return ['message/rfc822', 'eml'];
  if (row.format === 'xarf') return ['application/json', 'json'];
  return ['application/octet-stream', 'bin'];
}

function attributionOf(s: EventAttributionSummary): z.output<typeof attributionView> {
  return { attributed: s.attributed, unassigned: s.unassigned, casesOpened: s.casesOpened };
}

function summary(r: ReportOutcome & { attribution: z.output<typeof attributionView> }): string {
  if (r.duplicate) return `already received as report ${r.reportId} (${r.state}); nothing added`;
  return (
    `report ${r.reportId}, format ${r.format ?? 'unknown'}, ${r.state}: ${r.events} events, ${r.rejected} rejected ` +
    `(dead letters), ${r.suggestions} suggestions; ${r.attribution.attributed} given to subscribers ` +
    `(${r.attribution.casesOpened} new cases), ${r.attribution.unassigned} unassigned`
  );
}
