import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PURPOSE_KINDS } from '../../domain/purpose.js';
import { purposeOf } from '../purpose.js';
import { readSubscribers, requireSubscriber, upsertSubscriber } from '../../store/subscribers.js';
import type { AppDeps } from '../deps.js';
import { auditContext } from '../context.js';

const subscriberView = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  address: z.string().nullable(),
  contract: z.string().nullable(),
  nameKana: z.string().nullable(),
  plan: z.string().nullable(),
  status: z.string().nullable(),
  source: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** Why the data is read, from the fixed list, and a reference (case number; the reason, for `other`). */
export const purposeQuery = {
  purpose: z.enum(PURPOSE_KINDS).describe('Why you read this; recorded in the audit trail'),
  reference: z.string().max(500).optional().describe('Case number or request id; for "other", the reason in words'),
};

export const subscriberRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.store.db;

    app.get(
      '/api/subscribers/:id',
      {
        config: { permission: 'subscriber.read' },
        schema: {
          tags: ['subscribers'],
          summary: 'One subscriber record; needs a purpose and is audited',
          params: z.object({ id: z.string() }),
          querystring: z.object(purposeQuery),
          response: { 200: subscriberView },
        },
      },
      async (request) =>
        requireSubscriber(db, { ...auditContext(request), purpose: purposeOf(request.query) }, request.params.id),
    );

    app.get(
      '/api/subscribers',
      {
        config: { permission: 'subscriber.read' },
        schema: {
          tags: ['subscribers'],
          summary: 'Search subscribers by id, name or email; needs a purpose and is audited',
          querystring: z.object({
            search: z.string().min(2),
            ...purposeQuery,
            limit: z.coerce.number().int().min(1).max(200).default(20),
          }),
          response: { 200: z.object({ items: z.array(subscriberView) }) },
        },
      },
      async (request) => ({
        items: await readSubscribers(
          db,
          { ...auditContext(request), purpose: purposeOf(request.query) },
          { search: request.query.search, limit: request.query.limit },
        ),
      }),
    );

    app.put(
      '/api/subscribers/:id',
      {
        config: { permission: 'subscriber.write' },
        schema: {
          tags: ['subscribers'],
          summary: 'Create or replace a subscriber record',
          params: z.object({ id: z.string().min(1).max(200) }),
          body: z.object({
            name: z.string().min(1).max(500),
            email: z.email().nullable().default(null),
            phone: z.string().max(100).nullable().default(null),
            address: z.string().max(1000).nullable().default(null),
            contract: z.string().max(200).nullable().default(null),
          }),
        },
      },
      async (request, reply) => {
        await upsertSubscriber(db, auditContext(request), { id: request.params.id, ...request.body });
        return reply.status(204).send();
      },
    );
  };
