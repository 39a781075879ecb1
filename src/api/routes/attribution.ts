import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '../../audit/append.js';
import { parseAddressPort } from '../../attribute/address-port.js';
import { importLeaseFile } from '../../attribute/import-leases.js';
import { importSubscriberFile } from '../../attribute/import-subscribers.js';
import { LEASE_FORMAT_NAMES } from '../../attribute/lease-format.js';
import { addLegalHold, listLegalHolds, releaseLegalHold } from '../../attribute/legal-holds.js';
import { lookupOptionsFor } from '../../attribute/lookup-options.js';
import { attributionStatus } from '../../attribute/status.js';
import { whoHeld } from '../../attribute/who-held.js';
import { inputName } from '../../config/observe-schema.js';
import { PURPOSE_KINDS } from '../../domain/purpose.js';
import { roleHas } from '../../domain/roles.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import { startJob } from '../../jobs/run.js';
import { auditContext } from '../context.js';
import type { AppDeps } from '../deps.js';
import { purposeChoices, purposeOf } from '../purpose.js';
import { purposeQuery } from './subscribers.js';

const MAX_CONTENT = 50 * 1024 * 1024;

const link = z.object({
  kind: z.enum(['lease', 'cgnat', 'deterministic-nat']),
  source: z.string(),
  address: z.string(),
  ports: z.tuple([z.number(), z.number()]).optional(),
  inside: z.string().optional(),
  subscriberKey: z.string().optional(),
  keyKind: z.string().optional(),
  session: z.string().optional(),
  start: z.string(),
  end: z.string().nullable(),
  endEstimated: z.boolean(),
  evidence: z.string(),
  detail: z.record(z.string(), z.string()).optional(),
});

const candidate = z.object({
  subscriberKey: z.string().optional(),
  keyKind: z.string().optional(),
  subscriberId: z.string().optional(),
  confidence: z.number(),
  notes: z.array(z.string()),
  links: z.array(link),
  directoryError: z.string().optional(),
  subscriber: z
    .object({
      id: z.string(),
      name: z.string(),
      nameKana: z.string().nullable(),
      email: z.string().nullable(),
      phone: z.string().nullable(),
      address: z.string().nullable(),
      contract: z.string().nullable(),
      plan: z.string().nullable(),
      status: z.string().nullable(),
      from: z.enum(['store', 'directory']),
    })
    .optional(),
});

export const attributionRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.store.db;
    const uploads = resolve(deps.config.data_dir, 'uploads');

    app.get(
      '/api/attribution/who',
      {
        config: { permission: 'attribution.lookup' },
        schema: {
          tags: ['attribution'],
          summary:
            'Who held an address (and port) at a time: every candidate with its evidence. Needs a purpose and is audited; contact details only for roles that may read subscribers',
          querystring: z.object({
            address: z.string().describe('192.0.2.7, 192.0.2.7:51234, 2001:db8::1 or [2001:db8::1]:443'),
            port: z.coerce.number().int().min(0).max(65535).optional(),
            at: z.iso.datetime({ offset: true }).describe('ISO 8601 with a zone'),
            skew: z.coerce.number().min(0).max(600).optional().describe('seconds; default attribute.skew_seconds'),
            ...purposeQuery,
          }),
          response: {
            200: z.object({
              address: z.string(),
              port: z.number().optional(),
              at: z.string(),
              skewMs: z.number(),
              candidates: z.array(candidate),
            }),
          },
        },
      },
      async (request) => {
        const q = request.query;
        const purpose = purposeOf(q);
        const target = parseAddressPort(q.address);
        if (!target) throw new UserFacingError(400, 'attribute.bad_address', { address: q.address });
        const principal = request.principal!;
        return whoHeld(
          db,
          { ...auditContext(request), purpose },
          {
            address: target.address,
            port: q.port ?? target.port,
            atMs: Date.parse(q.at),
            skewMs: (q.skew ?? deps.config.attribute.skew_seconds) * 1000,
          },
          { ...lookupOptionsFor(deps.config), contact: roleHas(principal.role, 'subscriber.read') },
        );
      },
    );

    app.get(
      '/api/attribution/purposes',
      {
        config: { permission: 'system.read' },
        schema: {
          tags: ['attribution'],
          summary:
            'The purposes a read of subscriber data may give (the look-up, subscriber reads), and which need a reference in words',
          response: {
            200: z.object({
              items: z.array(z.object({ kind: z.enum(PURPOSE_KINDS), referenceRequired: z.boolean() })),
            }),
          },
        },
      },
      async () => ({ items: purposeChoices() }),
    );

    app.get(
      '/api/attribution/status',
      {
        config: { permission: 'system.read' },
        schema: {
          tags: ['attribution'],
          summary: 'Each lease source: open sessions, intervals kept, newest end, position',
          response: {
            200: z.object({
              sources: z.array(
                z.object({
                  source: z.string(),
                  type: z.string().optional(),
                  open: z.number(),
                  closed: z.number(),
                  lastEnd: z.string().optional(),
                  position: z.string().optional(),
                }),
              ),
            }),
          },
        },
      },
      async () => attributionStatus(db, deps.config),
    );

    app.post(
      '/api/attribution/imports',
      {
        config: { permission: 'system.operate' },
        bodyLimit: MAX_CONTENT + 1024 * 1024,
        schema: {
          tags: ['attribution'],
          summary: 'Import a lease file (sent as text) as a job; poll /api/jobs/{jobId}',
          body: z.strictObject({
            source: inputName,
            format: z.enum(LEASE_FORMAT_NAMES),
            content: z.string().max(MAX_CONTENT),
            /** IANA zone of stamps written without one; default the UI's. */
            timezone: z.string().optional(),
          }),
          response: { 202: z.object({ jobId: z.number() }) },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const file = await keepUpload(uploads, body.source, body.content);
        const ctx = auditContext(request);
        const job = await startJob(
          db,
          {
            kind: 'attribute.import',
            params: { source: body.source, format: body.format },
            actor: ctx.actor,
            log: request.log,
          },
          async (progress) => {
            const result = await importLeaseFile(
              db,
              {
                file,
                format: body.format,
                source: body.source,
                zone: body.timezone ?? deps.config.ui.timezone,
                staleIntervals: deps.config.attribute.stale_after_intervals,
              },
              { log: request.log, progress },
            );
            await recordAudit(db, ctx, { action: 'attribute.import', target: `source:${body.source}`, detail: result });
            progress.message(`${result.events} events, ${result.closed} intervals, ${result.rejected} rejected`);
            return result;
          },
        );
        return reply.code(202).send({ jobId: job.id });
      },
    );

    app.post(
      '/api/subscribers/import',
      {
        config: { permission: 'subscriber.write' },
        bodyLimit: MAX_CONTENT + 1024 * 1024,
        schema: {
          tags: ['subscribers'],
          summary: 'Import a subscriber CSV (sent as text) as a job; bad rows go to dead letters',
          body: z.strictObject({ content: z.string().max(MAX_CONTENT) }),
          response: { 202: z.object({ jobId: z.number() }) },
        },
      },
      async (request, reply) => {
        const file = await keepUpload(uploads, 'subscribers', request.body.content);
        const ctx = auditContext(request);
        const job = await startJob(
          db,
          { kind: 'subscribers.import', actor: ctx.actor, log: request.log },
          async (progress) => {
            const result = await importSubscriberFile(db, ctx, file, progress);
            progress.message(`${result.imported} imported, ${result.rejected} rejected`);
            return result;
          },
        );
        return reply.code(202).send({ jobId: job.id });
      },
    );

    const hold = z.object({
      id: z.number(),
      subject: z.string(),
      fromAt: z.string(),
      untilAt: z.string(),
      reason: z.string(),
      createdBy: z.string(),
      createdAt: z.string(),
      releasedAt: z.string().nullable(),
    });
    app.get(
      '/api/attribution/holds',
      {
        config: { permission: 'audit.read' },
        schema: {
          tags: ['attribution'],
          summary: 'Legal holds',
          response: { 200: z.object({ items: z.array(hold) }) },
        },
      },
      async () => ({ items: (await listLegalHolds(db)).map((h) => ({ ...h, id: Number(h.id) })) }),
    );
    app.post(
      '/api/attribution/holds',
      {
        config: { permission: 'audit.read' },
        schema: {
          tags: ['attribution'],
          summary: 'Keep the intervals of an address, prefix or subscriber key in a time range past retention',
          body: z.strictObject({
            subject: z.string().min(1).max(200),
            from: z.iso.datetime({ offset: true }),
            until: z.iso.datetime({ offset: true }),
            reason: z.string().min(3).max(1000),
          }),
          response: { 201: z.object({ id: z.number() }) },
        },
      },
      async (request, reply) =>
        reply.code(201).send({ id: await addLegalHold(db, auditContext(request), request.body) }),
    );
    app.delete(
      '/api/attribution/holds/:id',
      {
        config: { permission: 'audit.read' },
        schema: {
          tags: ['attribution'],
          summary: 'Release a legal hold',
          params: z.object({ id: z.coerce.number().int() }),
        },
      },
      async (request, reply) => {
        await releaseLegalHold(db, auditContext(request), request.params.id);
        return reply.code(204).send();
      },
    );
  };

/** Uploaded content as a file, so the import reads it like any other (and keeps it as evidence). */
async function keepUpload(dir: string, name: string, content: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.txt`);
  await writeFile(file, content, { mode: 0o600 });
  return file;
}
