import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { enabledPoint } from '../../enforce/cycle.js';
import { pointModes, readPointModes, setPointMode } from '../../enforce/point-modes.js';
import type { PublishOutcome } from '../../enforce/publish.js';
import { POINT_NAMES } from '../../enforce/snapshot.js';
import { message, pickLocale, type MessageKey } from '../../i18n/messages.js';
import { openAlerts } from '../../store/alerts.js';
import { auditContext } from '../context.js';
import type { AppDeps } from '../deps.js';

const check = z.object({ name: z.string(), ok: z.boolean(), detail: z.string() });
const diff = z.object({
  before: z.number(),
  after: z.number(),
  added: z.number(),
  removed: z.number(),
  addedExamples: z.array(z.string()),
  removedExamples: z.array(z.string()),
});
const outcome = z.object({
  point: z.string(),
  status: z.enum(['unchanged', 'live', 'held', 'failed']),
  version: z.number().nullable(),
  serial: z.number().nullable(),
  entries: z.number(),
  diff,
  checks: z.array(check),
  error: z.string().optional(),
});
const version = z.object({
  version: z.number(),
  status: z.string(),
  entries: z.number(),
  added: z.number(),
  removed: z.number(),
  serial: z.number().nullable(),
  checks: z.array(check),
  error: z.string().nullable(),
  createdAt: z.string(),
  publishedAt: z.string().nullable(),
  approvedBy: z.string().nullable(),
});
const point = z.object({ point: z.string() });
const modeName = z.enum(['block', 'monitor'], {
  error: (iss) => `expected "block" or "monitor" (shadow: log only), got ${JSON.stringify(iss.input)}`,
});
const override = z.object({ mode: modeName, reason: z.string(), changedBy: z.string(), changedAt: z.string() });
/** A point's effective mode and where it comes from (enforce.monitor, enforce.<point>.monitor, the console). */
const modeView = z.object({
  mode: modeName,
  origin: z.enum(['config-all', 'config', 'console']),
  configured: modeName,
  override: override.nullable(),
});
const modeChange = z.object({
  mode: modeName,
  reason: z
    .string()
    .trim()
    .min(1, 'say why the point is switched (the reason is kept in the audit log)')
    .max(500, 'keep the reason under 500 characters'),
});

const view = (o: PublishOutcome): z.output<typeof outcome> => {
  const { artifact: _artifact, ...rest } = o;
  return rest;
};

export const enforceRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.store.db;
    const enforcer = deps.enforcer!;
    const versions = async (name: string, limit: number) =>
      (
        await db
          .selectFrom('enforceVersions')
          .selectAll()
          .where('point', '=', name)
          .orderBy('version', 'desc')
          .limit(limit)
          .execute()
      ).map((v) => ({
        version: v.version,
        status: v.status,
        entries: v.entries,
        added: v.added,
        removed: v.removed,
        serial: v.serial,
        checks: (JSON.parse(v.guards) as { checks: z.output<typeof check>[] }).checks,
        error: v.error,
        createdAt: v.createdAt,
        publishedAt: v.publishedAt,
        approvedBy: v.approvedBy,
      }));

    app.get(
      '/api/enforce/status',
      {
        config: { permission: 'system.read' },
        schema: {
          tags: ['enforce'],
          summary: 'Each enforcement point: enabled, monitor mode, its live version and the latest if it is not live',
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  point: z.string(),
                  enabled: z.boolean(),
                  monitor: z.boolean(),
                  mode: modeView,
                  live: version.nullable(),
                  pending: version.nullable(),
                }),
              ),
            }),
          },
        },
      },
      async () => {
        const modes = pointModes(deps.config, await readPointModes(db));
        return {
          items: await Promise.all(
            POINT_NAMES.map(async (name, i) => {
              const recent = await versions(name, 20);
              const latest = recent[0];
              const { mode, origin, configured, override: o } = modes[i]!;
              return {
                point: name,
                enabled: deps.config.enforce[name].enabled,
                monitor: mode === 'monitor',
                mode: { mode, origin, configured, override: o && { ...o } },
                live: recent.find((v) => v.status === 'live') ?? null,
                pending: latest && latest.status !== 'live' && latest.status !== 'superseded' ? latest : null,
              };
            }),
          ),
        };
      },
    );

    app.get(
      '/api/enforce/:point/versions',
      {
        config: { permission: 'system.read' },
        schema: {
          tags: ['enforce'],
          summary: 'The versions kept for a point, newest first, with diff counts, guard results and approver',
          params: point,
          response: { 200: z.object({ items: z.array(version) }) },
        },
      },
      async (request) => ({ items: await versions(enabledPoint(deps.config, request.params.point), 1000) }),
    );

    app.get(
      '/api/enforce/:point/diff',
      {
        config: { permission: 'system.read' },
        schema: {
          tags: ['enforce'],
          summary: 'What the next publish of a point would add and remove, and what the guards keep out',
          params: point,
          response: {
            200: diff.extend({
              stopped: z.number(),
              stoppedExamples: z.array(z.object({ type: z.string(), value: z.string(), rule: z.string() })),
            }),
          },
        },
      },
      async (request) => {
        const { diff: d, stopped } = await enforcer.preview(enabledPoint(deps.config, request.params.point));
        return { ...d, stopped: stopped.length, stoppedExamples: stopped.slice(0, 20) };
      },
    );

    app.post(
      '/api/enforce/:point/publish',
      {
        config: { permission: 'system.operate' },
        schema: {
          tags: ['enforce'],
          summary: 'Publish a point now (guards apply: a large change is held, not published)',
          params: point,
          response: { 200: outcome },
        },
      },
      async (request) => {
        const name = enabledPoint(deps.config, request.params.point);
        const { outcomes } = await enforcer.publish(auditContext(request), name);
        return view(outcomes[0] as PublishOutcome);
      },
    );

    app.post(
      '/api/enforce/:point/approve',
      {
        // Approving a held change decides what every subscriber can reach: an operator's call.
        config: { permission: 'system.operate' },
        schema: {
          tags: ['enforce'],
          summary: 'Publish the held version of a point, if the change is still the one that was held',
          params: point,
          response: { 200: outcome },
        },
      },
      async (request) =>
        view(await enforcer.approve(auditContext(request), enabledPoint(deps.config, request.params.point))),
    );

    app.post(
      '/api/enforce/:point/mode',
      {
        // Shadow or block decides whether subscribers are protected or only watched: an operator's call.
        config: { permission: 'system.operate' },
        schema: {
          tags: ['enforce'],
          summary:
            'Switch a point to shadow (monitor: log only) or block, with a reason; publishes it at once. enforce.monitor in the config still puts every point in shadow.',
          params: point,
          body: modeChange,
          response: { 200: z.object({ mode: modeView, outcome }) },
        },
      },
      async (request) => {
        const name = enabledPoint(deps.config, request.params.point);
        const audit = auditContext(request);
        await setPointMode(db, audit, { point: name, mode: request.body.mode, reason: request.body.reason });
        const { outcomes } = await enforcer.publish(audit, name);
        const { point: _point, ...mode } = pointModes(deps.config, await readPointModes(db)).find(
          (m) => m.point === name,
        )!;
        return { mode, outcome: view(outcomes[0] as PublishOutcome) };
      },
    );

    app.get(
      '/api/alerts',
      {
        config: { permission: 'system.read' },
        schema: {
          tags: ['system'],
          summary: 'Open alerts (a held or failed publish…), in the language of Accept-Language',
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  id: z.number(),
                  kind: z.string(),
                  severity: z.string(),
                  subject: z.string(),
                  text: z.string(),
                  createdAt: z.string(),
                  updatedAt: z.string(),
                }),
              ),
            }),
          },
        },
      },
      async (request) => {
        const locale = pickLocale(request.headers['accept-language']);
        return {
          items: (await openAlerts(db)).map((a) => ({
            id: Number(a.id),
            kind: a.kind,
            severity: a.severity,
            subject: a.subject,
            text: message(a.messageKey as MessageKey, locale, JSON.parse(a.params) as Record<string, string>),
            createdAt: a.createdAt,
            updatedAt: a.updatedAt,
          })),
        };
      },
    );
  };
