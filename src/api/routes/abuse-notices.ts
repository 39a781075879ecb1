import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getTemplate, listTemplates, revertTemplate, setTemplate } from '../../abuse/notices/notice-templates.js';
import { getNotice, listNotices, NOTICE_STATUSES } from '../../abuse/notices/notices.js';
import { runNotifier } from '../../abuse/notices/notify.js';
import { previewTemplate } from '../../abuse/notices/preview.js';
import { previewWithSample } from '../../abuse/notices/sample-preview.js';
import { PURPOSE_KINDS } from '../../domain/purpose.js';
import { roleHas } from '../../domain/roles.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import { auditContext } from '../context.js';
import type { AppDeps } from '../deps.js';
import { purposeOf } from '../purpose.js';

// Notices to subscribers and their templates. The list says who was told what kind of thing and how it
// ended; a notice's text and recipient are subscriber data, given with a purpose to roles that may read
// subscribers, and audited. Templates are an admin's (abuse.templates); the dry run is the desk's.

const noticeSummary = z.object({
  id: z.number(),
  subscriberId: z.string(),
  locale: z.string(),
  kind: z.string(),
  channel: z.string(),
  subject: z.string(),
  messageId: z.string().nullable(),
  status: z.string(),
  error: z.string().nullable(),
  attempts: z.number(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  sentAt: z.string().nullable(),
  bouncedAt: z.string().nullable(),
  bounceStatus: z.string().nullable(),
  bounceDiagnostic: z.string().nullable(),
  cases: z.array(z.object({ caseId: z.number(), kind: z.string() })),
});

const templateSummary = z.object({
  name: z.string(),
  locale: z.string(),
  builtIn: z.boolean(),
  overridden: z.boolean(),
  updatedBy: z.string().nullable(),
  updatedAt: z.string().nullable(),
});

const templateParams = z.object({ name: z.string(), locale: z.string() });

export const abuseNoticeRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.store.db;
    const config = () => deps.config.abuse.notices;

    app.get(
      '/api/abuse/notices',
      {
        config: { permission: 'abuse.read' },
        schema: {
          tags: ['abuse'],
          summary: 'Notices to subscribers, newest first: to whom, which cases, status (without text or recipient)',
          querystring: z.object({
            status: z.enum(NOTICE_STATUSES).optional(),
            subscriber: z.string().optional(),
            case: z.coerce.number().int().optional(),
            limit: z.coerce.number().int().min(1).max(500).default(50),
            offset: z.coerce.number().int().min(0).default(0),
          }),
          response: { 200: z.object({ items: z.array(noticeSummary) }) },
        },
      },
      async (request) => {
        const q = request.query;
        return {
          items: await listNotices(
            db,
            { status: q.status, subscriberId: q.subscriber, caseId: q.case },
            { limit: q.limit, offset: q.offset },
          ),
        };
      },
    );

    app.get(
      '/api/abuse/notices/:id',
      {
        config: { permission: 'abuse.read' },
        schema: {
          tags: ['abuse'],
          summary:
            'One notice. With a purpose (and the subscriber.read permission) also its recipient and text; that read is audited',
          params: z.object({ id: z.coerce.number().int() }),
          querystring: z.object({
            purpose: z.enum(PURPOSE_KINDS).optional(),
            reference: z.string().max(500).optional(),
          }),
          response: {
            200: noticeSummary.extend({ recipient: z.string().nullable(), body: z.string().nullable() }),
          },
        },
      },
      async (request) => {
        const principal = request.principal!;
        if (request.query.purpose === undefined) return getNotice(db, request.params.id);
        if (!roleHas(principal.role, 'subscriber.read'))
          throw new UserFacingError(403, 'auth.forbidden', { role: principal.role, permission: 'subscriber.read' });
        return getNotice(db, request.params.id, { ...auditContext(request), purpose: purposeOf(request.query) });
      },
    );

    app.post(
      '/api/abuse/notify/dry-run',
      {
        config: { permission: 'abuse.write' },
        schema: {
          tags: ['abuse'],
          summary: 'The digests the notifier would send now, rendered; nothing is sent or changed (an audited read)',
          response: {
            200: z.object({
              digests: z.array(
                z.object({
                  subscriberId: z.string(),
                  locale: z.string(),
                  channel: z.string(),
                  recipient: z.string().nullable(),
                  subject: z.string(),
                  body: z.string(),
                  cases: z.array(z.object({ id: z.number(), type: z.string(), kind: z.string() })),
                }),
              ),
              awaitingExport: z.number(),
            }),
          },
        },
      },
      async (request) => {
        const result = await runNotifier({ db, config: config(), audit: auditContext(request) }, { dryRun: true });
        return {
          digests: result.digests.map(({ noticeId: _n, status: _s, error: _e, ...d }) => d),
          awaitingExport: result.awaitingExport,
        };
      },
    );

    app.get(
      '/api/abuse/templates',
      {
        config: { permission: 'abuse.templates' },
        schema: {
          tags: ['abuse'],
          summary: 'Notice templates in both languages, and which an admin has changed',
          response: { 200: z.object({ items: z.array(templateSummary) }) },
        },
      },
      async () => ({ items: await listTemplates(db) }),
    );

    app.get(
      '/api/abuse/templates/:name/:locale',
      {
        config: { permission: 'abuse.templates' },
        schema: {
          tags: ['abuse'],
          summary: 'A template: the text in use and the built-in text',
          params: templateParams,
          response: {
            200: templateSummary.extend({
              source: z.string(),
              builtInSource: z.string().nullable(),
              usesTemplate: z.string(),
            }),
          },
        },
      },
      async (request) => getTemplate(db, request.params.name, request.params.locale),
    );

    app.put(
      '/api/abuse/templates/:name/:locale',
      {
        config: { permission: 'abuse.templates' },
        schema: {
          tags: ['abuse'],
          summary: 'Use this text instead of the built-in template; checked first, audited with the text replaced',
          params: templateParams,
          body: z.strictObject({ source: z.string().min(1).max(100_000) }),
        },
      },
      async (request, reply) => {
        const { name, locale } = request.params;
        await setTemplate(db, auditContext(request), name, locale, request.body.source);
        return reply.code(204).send();
      },
    );

    app.post(
      '/api/abuse/templates/:name/:locale/preview',
      {
        config: { permission: 'abuse.templates' },
        schema: {
          tags: ['abuse'],
          summary:
            "Render the template (or a draft sent as source) against a real case, as its subscriber would get it (an audited read); without caseId, against sample facts (nobody's data is read)",
          params: templateParams,
          body: z.strictObject({
            caseId: z.number().int().optional().describe('default: a made-up subscriber and case of the class'),
            source: z.string().min(1).max(100_000).optional(),
            kind: z.enum(['notice', 'reminder']).default('notice'),
          }),
          response: {
            200: z.object({
              subject: z.string(),
              body: z.string(),
              locale: z.string(),
              subscriberId: z.string(),
              caseType: z.string(),
            }),
          },
        },
      },
      async (request) => {
        const { name, locale } = request.params;
        const { caseId, source, kind } = request.body;
        if (caseId === undefined) return previewWithSample(db, config(), { name, locale, source, kind });
        return previewTemplate(db, config(), auditContext(request), { name, locale, caseId, source, kind });
      },
    );

    app.post(
      '/api/abuse/templates/:name/:locale/revert',
      {
        config: { permission: 'abuse.templates' },
        schema: {
          tags: ['abuse'],
          summary: 'Go back to the built-in template; audited with the text removed',
          params: templateParams,
        },
      },
      async (request, reply) => {
        await revertTemplate(db, auditContext(request), request.params.name, request.params.locale);
        return reply.code(204).send();
      },
    );
  };
