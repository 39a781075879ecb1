import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { generatePassword } from '../../auth/password.js';
import { createUser, setPassword, setUserDisabled, setUserRole } from '../../auth/users.js';
import { PERMISSIONS, ROLES, roleHas } from '../../domain/roles.js';
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

/** A user with the one-time password the server chose: in this response only, never stored in clear. */
const userWithPassword = userFull.extend({
  oneTimePassword: z.string().optional().describe('set when the server generated the password; shown once'),
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

    app.get(
      '/api/roles',
      {
        config,
        schema: {
          tags: ['users'],
          summary: 'The roles a user or API token can have, each with the permissions it grants',
          response: {
            200: z.object({
              items: z.array(z.object({ role: z.enum(ROLES), permissions: z.array(z.enum(PERMISSIONS)) })),
            }),
          },
        },
      },
      async () => ({
        items: ROLES.map((role) => ({ role, permissions: PERMISSIONS.filter((p) => roleHas(role, p)) })),
      }),
    );

    app.post(
      '/api/users',
      {
        config,
        schema: {
          tags: ['users'],
          summary:
            'Add a user; the password is one-time and must be changed at first sign-in. Without a password the server generates one and returns it once',
          body: z.object({
            username: z.string(),
            role: z.enum(ROLES),
            password: z.string().optional(),
            displayName: z.string().max(200).optional(),
          }),
          response: { 201: userWithPassword },
        },
      },
      async (request, reply) => {
        const generated = request.body.password === undefined ? generatePassword() : undefined;
        const user = await createUser(db, auditContext(request), {
          ...request.body,
          password: request.body.password ?? (generated as string),
          mustChangePassword: true,
        });
        return reply.status(201).send({ ...user, ...(generated !== undefined && { oneTimePassword: generated }) });
      },
    );

    app.patch(
      '/api/users/:username',
      {
        config,
        schema: {
          tags: ['users'],
          summary:
            'Change a role, disable or enable, or reset the password (one-time: given, or generated with resetPassword and returned once)',
          params: z.object({ username: z.string() }),
          body: z
            .object({
              role: z.enum(ROLES).optional(),
              disabled: z.boolean().optional(),
              password: z.string().optional(),
              resetPassword: z.literal(true).optional().describe('generate a one-time password'),
            })
            .refine((b) => Object.keys(b).length > 0, 'give at least one of role, disabled, password, resetPassword')
            .refine((b) => !(b.password !== undefined && b.resetPassword), 'give password or resetPassword, not both'),
          response: { 200: userWithPassword },
        },
      },
      async (request) => {
        const ctx = auditContext(request);
        const { username } = request.params;
        const { role, disabled, resetPassword } = request.body;
        const generated = resetPassword ? generatePassword() : undefined;
        const password = request.body.password ?? generated;
        if (password !== undefined) await setPassword(db, ctx, username, password, true);
        if (role !== undefined) await setUserRole(db, ctx, username, role);
        if (disabled !== undefined) await setUserDisabled(db, ctx, username, disabled);
        const row = await findUserByName(db, username);
        if (!row) throw new UserFacingError(404, 'user.not_found', { username });
        return { ...toUser(row), ...(generated !== undefined && { oneTimePassword: generated }) };
      },
    );
  };
