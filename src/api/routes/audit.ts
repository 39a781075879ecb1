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
          summary: 'Audit entries, newest first',
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(1000).default(100),
            beforeId: z.coerce.number().int().optional(),
            actor: z.string().optional(),
            action: z.string().optional().describe('prefix, e.g. "subscriber." or "auth.login"'),
            target: z.string().optional(),
          }),
          response: { 200: z.object({ items: z.array(entryView) }) },
        },
      },
      async (request) => ({ items: await listAudit(db, request.query) }),
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
