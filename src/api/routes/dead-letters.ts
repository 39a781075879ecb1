import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audited, recordAudit } from '../../audit/append.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import { replayDeadLetters } from '../../deadletter/replay.js';
import { startJob } from '../../jobs/run.js';
import { deleteDeadLetters, getDeadLetter, listDeadLetters } from '../../store/dead-letters.js';
import type { AppDeps } from '../deps.js';
import { auditContext } from '../context.js';

const summary = z.object({
  id: z.number(),
  receivedAt: z.string(),
  source: z.string(),
  format: z.string(),
  reason: z.string(),
  position: z.string(),
  size: z.number(),
  replayCount: z.number(),
  replayedAt: z.string().nullable(),
  lastError: z.string().nullable(),
});

// The list shows where and why a record failed; the raw bytes may hold subscriber traffic (a log line
// with a client address), so reading them takes an operator's permission and is audited.
export const deadLetterRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.store.db;

    app.get(
      '/api/deadletters',
      {
        config: { permission: 'system.read' },
        schema: {
          tags: ['dead letters'],
          summary: 'Records that parsers could not read, newest first (without their raw bytes)',
          querystring: z.object({
            source: z.string().optional(),
            format: z.string().optional(),
            limit: z.coerce.number().int().min(1).max(500).default(50),
            offset: z.coerce.number().int().min(0).default(0),
          }),
          response: { 200: z.object({ total: z.number(), items: z.array(summary) }) },
        },
      },
      async (request) => listDeadLetters(db, request.query),
    );

    app.get(
      '/api/deadletters/:id',
      {
        config: { permission: 'system.operate' },
        schema: {
          tags: ['dead letters'],
          summary: 'One dead letter with its raw bytes (base64); the read is audited',
          params: z.object({ id: z.coerce.number().int() }),
          response: { 200: summary.extend({ raw: z.string(), rawText: z.string() }) },
        },
      },
      async (request) => {
        const { id } = request.params;
        const letter = await audited(
          db,
          auditContext(request),
          { action: 'deadletter.read', target: `deadletter:${id}` },
          (trx) => getDeadLetter(trx, id),
        );
        if (!letter) throw new UserFacingError(404, 'deadletter.not_found', { id });
        const raw = Buffer.from(letter.raw);
        return { ...letter, id: Number(letter.id), raw: raw.toString('base64'), rawText: raw.toString('utf8') };
      },
    );

    app.post(
      '/api/deadletters/replay',
      {
        config: { permission: 'system.operate' },
        schema: {
          tags: ['dead letters'],
          summary: 'Replay dead letters through their parser as a job',
          body: z.object({ ids: z.array(z.number().int()).min(1).max(100_000) }),
          response: { 202: z.object({ jobId: z.number() }) },
        },
      },
      async (request, reply) => {
        const { ids } = request.body;
        const ctx = auditContext(request);
        const job = await startJob(
          db,
          { kind: 'deadletter.replay', params: { count: ids.length }, actor: ctx.actor, log: request.log },
          (progress) => replayDeadLetters(db, ids, progress),
        );
        await recordAudit(db, ctx, { action: 'deadletter.replay', target: `job:${job.id}`, detail: { ids } });
        return reply.status(202).send({ jobId: job.id });
      },
    );

    app.post(
      '/api/deadletters/purge',
      {
        config: { permission: 'system.operate' },
        schema: {
          tags: ['dead letters'],
          summary: 'Delete dead letters: by id, all received before a time, or all replayed',
          body: z.union([
            z.object({ ids: z.array(z.number().int()).min(1) }),
            z.object({ receivedBefore: z.iso.datetime() }),
            z.object({ replayed: z.literal(true) }),
          ]),
          response: { 200: z.object({ deleted: z.number() }) },
        },
      },
      async (request) => {
        const deleted = await audited(
          db,
          auditContext(request),
          (n: number) => ({ action: 'deadletter.purge', detail: { ...request.body, deleted: n } }),
          (trx) => deleteDeadLetters(trx, request.body),
        );
        return { deleted };
      },
    );
  };
