import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { VERSION } from '../version.js';
import { UserFacingError } from '../domain/user-facing-error.js';
import type { AppDeps } from './deps.js';
import { installAuth } from './auth-hook.js';
import { installErrorHandling } from './errors.js';
import { installMetrics } from './metrics.js';
import { installWebUi } from './web-ui.js';
import { systemRoutes } from './routes/system.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { authRoutes } from './routes/auth.js';
import { userRoutes } from './routes/users.js';
import { tokenRoutes } from './routes/tokens.js';
import { auditRoutes } from './routes/audit.js';
import { jobRoutes } from './routes/jobs.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { subscriberRoutes } from './routes/subscribers.js';
import { intelSourceRoutes } from './routes/intel-sources.js';
import { intelImportRoutes } from './routes/intel-import.js';
import { intelIndicatorRoutes } from './routes/intel-indicators.js';
import { intelAllowlistRoutes } from './routes/intel-allowlists.js';
import { enforceRoutes } from './routes/enforce.js';
import { attributionRoutes } from './routes/attribution.js';
import { sightingRoutes } from './routes/sightings.js';
import { abuseNoticeRoutes } from './routes/abuse-notices.js';
import { abuseReportRoutes } from './routes/abuse-reports.js';
import { abuseCaseRoutes } from './routes/abuse-cases.js';
import { abuseMappingRoutes } from './routes/abuse-mappings.js';
import { abuseIntakeRoutes } from './routes/abuse-intake.js';
import { installAbuseMetrics } from './abuse-metrics.js';
import { abuseRestrictionRoutes } from './routes/abuse-restrictions.js';
import { policyRoutes } from './routes/policy.js';
import { createEnforcer } from '../enforce/service.js';

/** The HTTP server: API, docs, metrics and the web UI. Not listening yet; the caller decides where. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    genReqId: () => randomUUID(),
    trustProxy: deps.config.http.trust_proxy,
    bodyLimit: 10 * 1024 * 1024,
    // One line per request (the onResponse hook below) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    // The path and the names of the query parameters, not their values: those can be a client address
    // (sightings, which are traffic data) or a subscriber's name (search), and an info log is kept and
    // shipped far more widely than the audit trail.
    const mark = request.url.indexOf('?');
    const path = mark < 0 ? request.url : request.url.slice(0, mark);
    const query = mark < 0 ? undefined : request.url.slice(mark + 1);
    request.log.info(
      {
        method: request.method,
        url: path,
        ...(query !== undefined && { query: [...new URLSearchParams(query).keys()] }),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  });

  await app.register(cookie);
  // Security headers for the UI and API: the UI loads only its own files and talks only to this server.
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    // HSTS belongs to the TLS proxy in front, which knows whether the site is HTTPS-only.
    strictTransportSecurity: false,
  });
  // Off by default; routes that need it (sign-in) say so in their config.
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new UserFacingError(429, 'auth.too_many_attempts', { seconds: Math.ceil(context.ttl / 1000) }),
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Mizugiwa API',
        version: VERSION,
        description:
          'Threat-defence and abuse-desk platform for ISPs. Authenticate with `Authorization: Bearer <token>` ' +
          '(create one with `mizugiwa token create`) or a session cookie from /api/auth/login plus `x-csrf-token` on writes.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'mizugiwa_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });

  installAuth(app, deps.store.db, deps.config.http.session_hours);
  installErrorHandling(app, await installWebUi(app));
  const metrics = installMetrics(app, deps.store.db, deps.observation);
  installAbuseMetrics(metrics, deps.store.db, deps.abuse);

  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  await app.register(systemRoutes(deps, metrics));
  await app.register(dashboardRoutes(deps));
  await app.register(authRoutes(deps));
  await app.register(userRoutes(deps));
  await app.register(tokenRoutes(deps));
  await app.register(auditRoutes(deps));
  await app.register(jobRoutes(deps));
  await app.register(deadLetterRoutes(deps));
  await app.register(subscriberRoutes(deps));
  await app.register(sightingRoutes(deps));
  await app.register(attributionRoutes(deps));
  await app.register(abuseNoticeRoutes(deps));
  await app.register(abuseReportRoutes(deps));
  await app.register(abuseCaseRoutes(deps));
  await app.register(abuseMappingRoutes(deps));
  await app.register(abuseIntakeRoutes(deps));
  await app.register(policyRoutes(deps));
  const withEnforcer: AppDeps = deps.enforcer
    ? deps
    : {
        ...deps,
        enforcer: createEnforcer({ db: deps.store.db, config: deps.config, configDir: deps.configDir, log: deps.log }),
      };
  for (const routes of [
    intelSourceRoutes,
    intelImportRoutes,
    intelIndicatorRoutes,
    intelAllowlistRoutes,
    enforceRoutes,
  ]) {
    await app.register(routes(withEnforcer));
  }
  await app.register(abuseRestrictionRoutes(withEnforcer));
  return app;
}
