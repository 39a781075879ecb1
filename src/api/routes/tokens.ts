import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createToken, parseExpiry, revokeToken } from '../../auth/tokens.js';
import { ROLES } from '../../domain/roles.js';
import { listTokens } from '../../store/tokens.js';
import type { AppDeps } from '../deps.js';
import { auditContext } from '../context.js';

const tokenView = z.object({
  id: z.number(),
  name: z.string(),
  role: z.enum(ROLES),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});

export const tokenRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.store.db;
    const config = { permission: 'users.manage' as const };

    app.get(
      '/api/tokens',
      {
        config,
        schema: {
          tags: ['tokens'],
          summary: 'List API tokens (never their secrets)',
          response: { 200: z.object({ items: z.array(tokenView) }) },
        },
      },
      async () => ({ items: await listTokens(db) }),
    );

    app.post(
      '/api/tokens',
      {
        config,
        schema: {
          tags: ['tokens'],
          summary: 'Create an API token; the secret is in this response only',
          body: z.object({
            name: z.string().min(1).max(100),
            role: z.enum(ROLES),
            expires: z.string().optional().describe('ISO 8601 time, or a duration such as 90d; omit for no expiry'),
          }),
          response: { 201: z.object({ token: tokenView, secret: z.string() }) },
        },
      },
      async (request, reply) => {
        const { name, role, expires } = request.body;
        const created = await createToken(db, auditContext(request), { name, role, expiresAt: parseExpiry(expires) });
        return reply.status(201).send(created);
      },
    );

    app.delete(
      '/api/tokens/:id',
      {
        config,
        schema: {
          tags: ['tokens'],
          summary: 'Revoke an API token',
          params: z.object({ id: z.coerce.number().int() }),
          response: { 200: tokenView },
        },
      },
      async (request) => revokeToken(db, auditContext(request), request.params.id),
    );
  };
