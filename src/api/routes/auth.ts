import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { login, logout } from '../../auth/sessions.js';
import { setPassword } from '../../auth/users.js';
import { verifyPassword } from '../../auth/password.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import { findUserById } from '../../store/users.js';
import { ROLES } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { SESSION_COOKIE } from '../auth-hook.js';
import { auditContext } from '../context.js';

export const userView = z.object({
  id: z.number(),
  username: z.string(),
  displayName: z.string().nullable(),
  role: z.enum(ROLES),
  mustChangePassword: z.boolean(),
});

const sessionView = z.object({ user: userView, csrfToken: z.string() });
const meView = z.object({
  user: userView.optional(),
  csrfToken: z.string().optional(),
  token: z.object({ id: z.number(), name: z.string(), role: z.enum(ROLES) }).optional(),
});

/** Sign-in for the UI: a session cookie (httpOnly, SameSite=Strict) plus a CSRF token for writes. */
export const authRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.store.db;
    const cookieOptions = {
      path: '/',
      httpOnly: true,
      sameSite: 'strict' as const,
      secure: deps.config.http.secure_cookies,
    };

    /** Checks the credentials, opens a session and hands the browser its cookie. */
    const openSession = async (
      request: FastifyRequest,
      reply: FastifyReply,
      credentials: { username: string; password: string },
    ) => {
      const hours = deps.config.http.session_hours;
      const session = await login(db, credentials, hours, {
        ip: request.ip,
        userAgent: request.headers['user-agent'],
        requestId: request.id,
      });
      reply.setCookie(SESSION_COOKIE, session.sessionId, { ...cookieOptions, maxAge: hours * 3600 });
      return session;
    };

    app.post(
      '/api/auth/login',
      {
        config: {
          public: true,
          rateLimit: { max: deps.config.http.login_attempts_per_minute, timeWindow: 60_000 },
        },
        schema: {
          tags: ['auth'],
          summary: 'Sign in with a user name and password; sets the session cookie',
          body: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) }),
          response: { 200: sessionView },
        },
      },
      async (request, reply) => {
        const session = await openSession(request, reply, request.body);
        return { user: session.user, csrfToken: session.csrfToken };
      },
    );

    app.get(
      '/api/auth/me',
      {
        config: { permission: 'system.read', beforePasswordChange: true },
        schema: { tags: ['auth'], summary: 'Who is signed in (or which token is used)', response: { 200: meView } },
      },
      async (request) => {
        const p = request.principal!;
        if (p.session) return { user: p.session.user, csrfToken: p.session.csrfToken };
        if (p.actor.kind === 'token') return { token: { id: p.actor.tokenId, name: p.actor.name, role: p.role } };
        return {};
      },
    );

    app.post(
      '/api/auth/logout',
      {
        config: { permission: 'system.read', beforePasswordChange: true },
        schema: { tags: ['auth'], summary: 'End the session' },
      },
      async (request, reply) => {
        const session = request.principal!.session;
        if (session) await logout(db, session.id, session.user, request.id);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.status(204).send();
      },
    );

    app.post(
      '/api/auth/password',
      {
        config: { permission: 'system.read', beforePasswordChange: true },
        schema: {
          tags: ['auth'],
          summary: "Change the signed-in user's own password",
          body: z.object({ currentPassword: z.string().min(1), newPassword: z.string().min(1).max(1024) }),
        },
      },
      async (request, reply) => {
        const session = request.principal!.session;
        if (!session)
          throw new UserFacingError(403, 'auth.forbidden', { role: request.principal!.role, permission: 'session' });
        const row = await findUserById(db, session.user.id);
        if (!row || !(await verifyPassword(request.body.currentPassword, row.passwordHash))) {
          throw new UserFacingError(400, 'auth.wrong_current_password');
        }
        await setPassword(db, auditContext(request), row.username, request.body.newPassword, false);
        // setPassword ended every session of the user; open a fresh one so this browser stays signed in.
        await openSession(request, reply, { username: row.username, password: request.body.newPassword });
        return reply.status(204).send();
      },
    );
  };
