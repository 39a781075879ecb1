import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cancelJob } from '../../jobs/run.js';
import { getJob, JOB_STATES, listJobs } from '../../store/jobs.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import { recordAudit } from '../../audit/append.js';
import type { AppDeps } from '../deps.js';
import { auditContext } from '../context.js';

export const jobView = z.object({
  id: z.number(),
  kind: z.string(),
  state: z.enum(JOB_STATES),
  params: z.unknown(),
  done: z.number(),
  total: z.number().nullable(),
  ratePerSecond: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  message: z.string().nullable(),
  createdBy: z.string(),
  startedAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
});

export const jobRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.store.db;

    app.get(
      '/api/jobs',
      {
        config: { permission: 'system.read' },
        schema: {
          tags: ['jobs'],
          summary: 'Jobs, newest first, with progress, rate and ETA',
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(500).default(50),
            state: z.enum(JOB_STATES).optional(),
            kind: z.string().optional(),
          }),
          response: { 200: z.object({ items: z.array(jobView) }) },
        },
      },
      async (request) => ({ items: await listJobs(db, request.query) }),
    );

    app.get(
      '/api/jobs/:id',
      {
        config: { permission: 'system.read' },
        schema: {
          tags: ['jobs'],
          summary: 'One job',
          params: z.object({ id: z.coerce.number().int() }),
          response: { 200: jobView },
        },
      },
      async (request) => {
        const job = await getJob(db, request.params.id);
        if (!job) throw new UserFacingError(404, 'job.not_found', { id: request.params.id });
        return job;
      },
    );

    app.post(
      '/api/jobs/:id/cancel',
      {
        config: { permission: 'system.operate' },
        schema: {
          tags: ['jobs'],
          summary: 'Ask a running job to stop',
          params: z.object({ id: z.coerce.number().int() }),
          response: { 202: z.object({ cancelling: z.boolean() }) },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        if (!(await getJob(db, id))) throw new UserFacingError(404, 'job.not_found', { id });
        const cancelling = cancelJob(id);
        await recordAudit(db, auditContext(request), {
          action: 'job.cancel',
          target: `job:${id}`,
          detail: { cancelling },
        });
        return reply.status(202).send({ cancelling });
      },
    );
  };
