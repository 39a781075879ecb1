import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createUser, setPassword, setUserDisabled, setUserRole } from '../../auth/users.js';
import { ROLES } from '../../domain/roles.js';
import { findUserByName, listUsers, toUser } from '../../store/users.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import type { AppDeps } from '../deps.js';
import { auditContext } from '../context.js';

const userFull = z.object({
  id: z.number(),
  username: z.string(),
  displayName: z.string().nullable(),
  role: z.enum(ROLES),
  mustChangePassword: z.boolean(),
  createdAt: z.string(),
  disabledAt: z.string().nullable(),
  lastLoginAt: z.string().nullable(),
});

export const userRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.store.db;
    const config = { permission: 'users.manage' as const };

    app.get(
      '/api/users',
      {
        config,
        schema: { tags: ['users'], summary: 'List users', response: { 200: z.object({ items: z.array(userFull) }) } },
      },
      async () => ({ items: await listUsers(db) }),
    );

    app.post(
      '/api/users',
      {
        config,
        schema: {
          tags: ['users'],
          summary: 'Add a user; the password is one-time and must be changed at first sign-in',
          body: z.object({
            username: z.string(),
            role: z.enum(ROLES),
            password: z.string(),
            displayName: z.string().max(200).optional(),
          }),
          response: { 201: userFull },
        },
      },
      async (request, reply) => {
        const user = await createUser(db, auditContext(request), { ...request.body, mustChangePassword: true });
        return reply.status(201).send(user);
      },
    );

    app.patch(
      '/api/users/:username',
      {
        config,
        schema: {
          tags: ['users'],
          summary: 'Change a role, disable or enable, or reset the password (one-time)',
          params: z.object({ username: z.string() }),
          body: z
            .object({
              role: z.enum(ROLES).optional(),
              disabled: z.boolean().optional(),
              password: z.string().optional(),
            })
            .refine((b) => Object.keys(b).length > 0, 'give at least one of role, disabled, password'),
          response: { 200: userFull },
        },
      },
      async (request) => {
        const ctx = auditContext(request);
        const { username } = request.params;
        const { role, disabled, password } = request.body;
        if (password !== undefined) await setPassword(db, ctx, username, password, true);
        if (role !== undefined) await setUserRole(db, ctx, username, role);
        if (disabled !== undefined) await setUserDisabled(db, ctx, username, disabled);
        const row = await findUserByName(db, username);
        if (!row) throw new UserFacingError(404, 'user.not_found', { username });
        return toUser(row);
      },
    );
  };
