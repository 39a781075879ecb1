import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listAudit, verifyAuditChain } from '../../audit/index.js';
import { startJob } from '../../jobs/run.js';
import type { AppDeps } from '../deps.js';

const entryView = z.object({
  id: z.number(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  purpose: z.string().nullable(),
  requestId: z.string().nullable(),
  detail: z.unknown(),
});

export const auditRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.store.db;
    const config = { permission: 'audit.read' as const };

    app.get(
      '/api/audit',
      {
        config,
        schema: {
          tags: ['audit'],
          summary: "Audit entries, newest first, filtered; page with beforeId = the previous page's next",
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(1000).default(100),
            beforeId: z.coerce.number().int().optional(),
            actor: z.string().max(300).optional().describe('exactly, e.g. "user:admin" or "token:7:ci-export"'),
            action: z.string().max(200).optional().describe('prefix, e.g. "subscriber." or "auth.login"'),
            target: z
              .string()
              .max(500)
              .optional()
              .describe('exactly, e.g. "user:3"; ending in * for a prefix, e.g. "address:192.0.2.5*"'),
            purpose: z
              .string()
              .max(600)
              .optional()
              .describe('prefix, e.g. "abuse-notice" (any reference) or "abuse-notice: CASE-9"'),
          }),
          response: {
            200: z.object({
              items: z.array(entryView),
              next: z.number().nullable().describe('beforeId for the next (older) page; null on the last page'),
            }),
          },
        },
      },
      async (request) => {
        const { limit } = request.query;
        // One more than asked tells whether an older page exists without counting the whole trail.
        const rows = await listAudit(db, { ...request.query, limit: limit + 1 });
        const items = rows.slice(0, limit);
        return { items, next: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
      },
    );

    app.post(
      '/api/audit/verify',
      {
        config,
        schema: {
          tags: ['audit'],
          summary: 'Walk the hash chain and report the first broken link',
          response: {
            200: z.object({
              ok: z.boolean(),
              checked: z.number(),
              jobId: z.number(),
              firstBroken: z.object({ id: z.number(), problem: z.string() }).nullable(),
            }),
          },
        },
      },
      async (request) => {
        const job = await startJob(
          db,
          { kind: 'audit.verify', actor: request.principal!.actor, log: request.log },
          (progress) =>
            verifyAuditChain(db, (checked, total) => {
              progress.setTotal(total);
              progress.set(checked);
            }),
        );
        return { ...(await job.result), jobId: job.id };
      },
    );
  };
