import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Registry } from 'prom-client';
import { sql } from 'kysely';
import type { AppDeps } from '../deps.js';
import { countUsers } from '../../store/users.js';
import { countActiveTokens } from '../../store/tokens.js';
import { countRunningJobs } from '../../store/jobs.js';
import { VERSION } from '../../version.js';

/** Health, metrics, product metadata and the overview the home screen shows. */
export const systemRoutes =
  (deps: AppDeps, metrics: Registry): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/healthz',
      { config: { public: true }, schema: { tags: ['system'], summary: 'Liveness and database reachability' } },
      async (_request, reply) => {
        try {
          await sql`select 1`.execute(deps.store.db);
          return { status: 'ok', database: 'ok' };
        } catch (err) {
          return reply
            .status(503)
            .send({ status: 'degraded', database: err instanceof Error ? err.message : String(err) });
        }
      },
    );

    app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
      reply.header('content-type', metrics.contentType);
      return metrics.metrics();
    });

    app.get(
      '/api/meta',
      {
        config: { public: true },
        schema: {
          tags: ['system'],
          summary: 'Product name, version and UI defaults',
          response: {
            200: z.object({
              name: z.string(),
              version: z.string(),
              timezone: z.string(),
              locales: z.array(z.string()),
            }),
          },
        },
      },
      async () => ({ name: 'mizugiwa', version: VERSION, timezone: deps.config.ui.timezone, locales: ['ja', 'en'] }),
    );

    app.get(
      '/api/overview',
      {
        config: { permission: 'system.read' },
        schema: {
          tags: ['system'],
          summary: 'Counts for the home screen',
          response: {
            200: z.object({
              version: z.string(),
              database: z.enum(['sqlite', 'postgres']),
              counts: z.object({
                users: z.number(),
                activeTokens: z.number(),
                deadLetters: z.number(),
                auditEntries: z.number(),
                jobsRunning: z.number(),
              }),
            }),
          },
        },
      },
      async () => {
        const db = deps.store.db;
        const [users, activeTokens, jobsRunning, dead, head] = await Promise.all([
          countUsers(db),
          countActiveTokens(db, new Date().toISOString()),
          countRunningJobs(db),
          db
            .selectFrom('deadLetters')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('replayedAt', 'is', null)
            .executeTakeFirstOrThrow(),
          db.selectFrom('auditHead').select('seq').where('id', '=', 1).executeTakeFirstOrThrow(),
        ]);
        return {
          version: VERSION,
          database: deps.store.dialect,
          counts: { users, activeTokens, deadLetters: Number(dead.n), auditEntries: Number(head.seq), jobsRunning },
        };
      },
    );
  };
