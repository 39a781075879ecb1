import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { UserFacingError } from '../domain/user-facing-error.js';
import { resumeSession } from '../auth/sessions.js';
import { authenticateToken } from '../auth/tokens.js';
import { roleHas, type Permission } from '../domain/roles.js';
import type { Database } from '../store/schema.js';
import type { Principal } from './context.js';

/** Every route with who may call it, for the table-driven authorisation test and the docs. */
export type DeclaredRoute = { method: string; url: string; permission: Permission | undefined; public: boolean };

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: DeclaredRoute[];
  }
}

export const SESSION_COOKIE = 'mizugiwa_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The API documentation's own routes (registered by @fastify/swagger-ui) are public. */
const PUBLIC_PREFIXES = ['/api/docs'];

/**
 * Authentication and authorisation for every route. A route must say which permission it needs or
 * that it is public; a route that says neither stops the server from starting, so no route can be
 * added without deciding who may call it.
 */
export function installAuth(app: FastifyInstance, db: Kysely<Database>, sessionHours: number): void {
  app.decorateRequest('principal', null);
  const routeTable: DeclaredRoute[] = [];
  app.decorate('routeTable', routeTable);

  app.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as { permission?: string; public?: boolean };
    // Outside /api live the UI's static files and the health/metrics endpoints: public unless a
    // route says otherwise. Under /api every route must decide.
    const declared = Boolean(config.permission || config.public);
    if (!declared && (!route.url.startsWith('/api') || PUBLIC_PREFIXES.some((p) => route.url.startsWith(p)))) {
      route.config = { ...config, public: true } as typeof route.config;
    } else if (!config.permission && !config.public) {
      throw new Error(`route ${route.method} ${route.url} declares neither config.permission nor config.public`);
    }
    const final = route.config as { permission?: Permission; public?: boolean };
    for (const method of [route.method].flat()) {
      routeTable.push({ method, url: route.url, permission: final.permission, public: final.public === true });
    }
  });

  // onRequest, before the body is parsed or validated: an anonymous caller learns nothing, not even
  // whether its body would have been valid.
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    // No route matched: the not-found handler answers (the UI page for a deep link, or a JSON 404).
    if (config.public || request.is404) return;
    const principal = await identify(request, db, sessionHours);
    if (!principal) throw new UserFacingError(401, 'auth.required');
    request.principal = principal;

    if (principal.session && !SAFE_METHODS.has(request.method)) {
      if (request.headers['x-csrf-token'] !== principal.session.csrfToken) throw new UserFacingError(403, 'auth.csrf');
    }
    if (principal.session?.user.mustChangePassword && !config.beforePasswordChange) {
      throw new UserFacingError(403, 'auth.must_change_password');
    }
    const permission = config.permission;
    if (permission && !roleHas(principal.role, permission)) {
      throw new UserFacingError(403, 'auth.forbidden', { role: principal.role, permission });
    }
  });
}

async function identify(
  request: FastifyRequest,
  db: Kysely<Database>,
  sessionHours: number,
): Promise<Principal | null> {
  const header = request.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const token = m ? await authenticateToken(db, m[1] as string) : undefined;
    if (!token) throw new UserFacingError(401, 'auth.invalid_token');
    return { actor: { kind: 'token', tokenId: token.id, name: token.name, role: token.role }, role: token.role };
  }
  const sessionId = request.cookies[SESSION_COOKIE];
  if (!sessionId) return null;
  const session = await resumeSession(db, sessionId, sessionHours);
  if (!session) throw new UserFacingError(401, 'auth.session_expired');
  const user = session.user;
  return {
    actor: { kind: 'user', userId: user.id, username: user.username, role: user.role },
    role: user.role,
    session: { id: sessionId, user, csrfToken: session.csrfToken },
  };
}
