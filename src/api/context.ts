import type { FastifyRequest } from 'fastify';
import type { Actor, AuditContext } from '../domain/actor.js';
import type { Permission, Role } from '../domain/roles.js';
import type { User } from '../store/users.js';
import { pickLocale, type Locale } from '../i18n/messages.js';

/** Who made a request, as the auth hook found out. */
export type Principal = {
  actor: Actor;
  role: Role;
  /** Present when the request came with a session cookie (the UI), absent for API tokens. */
  session?: { id: string; user: User; csrfToken: string };
};

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission a route needs. Every route has this, or `public: true`; startup fails otherwise. */
    permission?: Permission;
    public?: boolean;
    /** Reachable by a user who still has to change a one-time password (me, password, logout). */
    beforePasswordChange?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export function auditContext(request: FastifyRequest): AuditContext {
  if (!request.principal) throw new Error(`route ${request.routeOptions.url} used the principal but is public`);
  return { actor: request.principal.actor, requestId: request.id };
}

export function requestLocale(request: FastifyRequest): Locale {
  return pickLocale(request.headers['accept-language']);
}
