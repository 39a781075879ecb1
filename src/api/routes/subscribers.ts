import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
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
  createdAt: z.string(),
  updatedAt: z.string(),
});

const purpose = z
  .string()
  .describe('Why you read this (case number, legal request, ticket); recorded in the audit trail');

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
          querystring: z.object({ purpose }),
          response: { 200: subscriberView },
        },
      },
      async (request) =>
        requireSubscriber(db, { ...auditContext(request), purpose: request.query.purpose }, request.params.id),
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
            purpose,
            limit: z.coerce.number().int().min(1).max(200).default(20),
          }),
          response: { 200: z.object({ items: z.array(subscriberView) }) },
        },
      },
      async (request) => ({
        items: await readSubscribers(
          db,
          { ...auditContext(request), purpose: request.query.purpose },
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
