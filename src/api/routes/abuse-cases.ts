import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addCaseNote, caseTimeline, listCases, moveCase } from '../../abuse/cases.js';
import { abuseRuntimeOf } from '../../abuse/desk.js';
import { caseView, listEventPage } from '../../abuse/queries.js';
import { retryUnassigned, unassignedCounts } from '../../abuse/unassigned.js';
import { CASE_STATES, UNASSIGNED_REASONS } from '../../domain/abuse-case.js';
import { RSIT_TYPES } from '../../domain/abuse-event.js';
import { normaliseIp } from '../../net/ip.js';
import { auditContext } from '../context.js';
import type { AppDeps } from '../deps.js';

// The desk's daily work: events (what the reports said, and whom attribution gave them to), the
// unassigned queue with its reasons, and cases — one per subscriber and class — with their timeline,
// moves and notes. A case names its subscriber by id only; contact details are the subscriber
// route's, which needs subscriber.read and a purpose.

const isoTime = z.iso
  .datetime({
    offset: true,
    error: (iss) =>
      `expected an ISO 8601 time with a zone, such as 2026-11-24T09:00:00Z; got ${JSON.stringify(iss.input)}`,
  })
  .transform((v) => new Date(v).toISOString());

/** Addresses are stored in normal form (RFC 5952 for IPv6), so the filter is normalised the same way. */
const address = z.string().transform((v, ctx) => {
  const n = normaliseIp(v);
  if (n.ok) return n.indicator.value;
  ctx.addIssue({ code: 'custom', message: `expected an IPv4 or IPv6 address; ${n.reason}` });
  return z.NEVER;
});

const rsitType = z.enum(RSIT_TYPES as [string, ...string[]]);
const eventState = z.enum(['new', 'attributed', 'unassigned']);
const reason = z.enum(UNASSIGNED_REASONS);
const limit = z.coerce.number().int().min(1).max(500).default(100);
const before = z.coerce.number().int().min(1).optional().describe('the `next` of the previous page');

const endpoint = z.object({
  address: z.string().optional(),
  port: z.number().optional(),
  hostname: z.string().optional(),
  url: z.string().optional(),
  asn: z.number().optional(),
});

export const eventSchema = z.object({
  id: z.number(),
  reportId: z.number(),
  seq: z.number(),
  type: z.string(),
  identifier: z.string().nullable(),
  occurredAt: z.string(),
  source: z.object({
    address: z.string().nullable(),
    port: z.number().nullable(),
    hostname: z.string().nullable(),
    url: z.string().nullable(),
  }),
  destination: endpoint.nullable(),
  protocol: z.string().nullable(),
  reporter: z.string(),
  reportType: z.string(),
  evidence: z.string(),
  detail: z.record(z.string(), z.string()).nullable(),
  needsReview: z.boolean(),
  state: z.string(),
  unassignedReason: z.string().nullable(),
  subscriberKey: z.string().nullable(),
  subscriberId: z.string().nullable(),
  caseId: z.number().nullable(),
  createdAt: z.string(),
});

export const caseSchema = z.object({
  id: z.number(),
  subscriberId: z.string(),
  type: z.string(),
  state: z.string(),
  openedAt: z.string(),
  updatedAt: z.string(),
  firstEventAt: z.string(),
  lastEventAt: z.string(),
  eventCount: z.number(),
});

const timelineEntry = z.union([
  z.object({
    at: z.string(),
    kind: z.literal('event'),
    id: z.number(),
    type: z.string(),
    reportType: z.string(),
    reporter: z.string(),
    address: z.string().nullable(),
    port: z.number().nullable(),
    evidence: z.string(),
  }),
  z.object({
    at: z.string(),
    kind: z.literal('state'),
    actor: z.string(),
    from: z.string().nullable(),
    to: z.string(),
    reason: z.string(),
  }),
  z.object({ at: z.string(), kind: z.literal('note'), author: z.string(), text: z.string() }),
]);

const attributionResult = z.object({ attributed: z.number(), unassigned: z.number(), casesOpened: z.number() });

export const abuseCaseRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.store.db;

    app.get(
      '/api/abuse/events',
      {
        config: { permission: 'abuse.read' },
        schema: {
          tags: ['abuse'],
          summary: 'Events from the reports, newest first, a page at a time',
          querystring: z
            .object({
              state: eventState.optional(),
              type: rsitType.optional(),
              subscriber: z.string().min(1).max(200).optional().describe('subscriber id'),
              address: address.optional().describe('the reported (source) address'),
              reason: reason.optional().describe('why an unassigned event is unassigned'),
              report: z.coerce.number().int().optional().describe('report id'),
              case: z.coerce.number().int().optional().describe('case id'),
              review: z
                .enum(['true', 'false'])
                .transform((v) => v === 'true')
                .optional()
                .describe('only events marked (true) or not marked (false) for a person to check'),
              from: isoTime.optional().describe('happened at or after'),
              to: isoTime.optional().describe('happened before'),
              limit,
              before,
            })
            .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, {
              path: ['to'],
              message: 'must be later than from',
            }),
          response: { 200: z.object({ items: z.array(eventSchema), next: z.number().nullable() }) },
        },
      },
      async (request) => {
        const q = request.query;
        return listEventPage(
          db,
          {
            state: q.state,
            type: q.type,
            subscriberId: q.subscriber,
            address: q.address,
            reason: q.reason,
            reportId: q.report,
            caseId: q.case,
            needsReview: q.review,
            from: q.from,
            to: q.to,
          },
          { limit: q.limit, before: q.before },
        );
      },
    );

    app.get(
      '/api/abuse/unassigned',
      {
        config: { permission: 'abuse.read' },
        schema: {
          tags: ['abuse'],
          summary:
            'The unassigned queue: how many events wait for each reason, and the events themselves, newest first',
          querystring: z.object({ reason: reason.optional(), limit, before }),
          response: {
            200: z.object({
              reasons: z.array(
                z.object({
                  reason: z.string(),
                  count: z.number(),
                  firstReceivedAt: z.string(),
                  lastReceivedAt: z.string(),
                }),
              ),
              items: z.array(eventSchema),
              next: z.number().nullable(),
            }),
          },
        },
      },
      async (request) => {
        const { reason: why, limit: size, before: cursor } = request.query;
        const [reasons, page] = await Promise.all([
          unassignedCounts(db),
          listEventPage(db, { state: 'unassigned', reason: why }, { limit: size, before: cursor }),
        ]);
        return { reasons, ...page };
      },
    );

    app.post(
      '/api/abuse/unassigned/retry',
      {
        config: { permission: 'abuse.write' },
        schema: {
          tags: ['abuse'],
          summary:
            'Look unassigned events up again (after a lease log or a subscriber list arrived late): all, those of some reasons, or some events',
          body: z
            .strictObject({
              reasons: z.array(reason).min(1).optional(),
              ids: z.array(z.number().int()).min(1).max(100_000).optional(),
              received_since: isoTime.optional().describe('only events received at or after'),
            })
            // No body at all: every unassigned event.
            .nullish()
            .transform((b) => b ?? {}),
          response: { 200: attributionResult.extend({ retried: z.number() }) },
        },
      },
      async (request) => {
        const body = request.body;
        const runtime = await abuseRuntimeOf(deps);
        const retried = await retryUnassigned(
          db,
          { reasons: body.reasons, ids: body.ids, receivedSince: body.received_since },
          auditContext(request),
        );
        const s = await runtime.attribution.run();
        return { retried, attributed: s.attributed, unassigned: s.unassigned, casesOpened: s.casesOpened };
      },
    );

    app.get(
      '/api/abuse/cases',
      {
        config: { permission: 'abuse.read' },
        schema: {
          tags: ['abuse'],
          summary: 'Cases, most recently changed first',
          querystring: z.object({
            state: z.enum(CASE_STATES).optional(),
            subscriber: z.string().min(1).max(200).optional().describe('subscriber id'),
            type: rsitType.optional(),
            limit,
            offset: z.coerce.number().int().min(0).default(0),
          }),
          response: { 200: z.object({ items: z.array(caseSchema) }) },
        },
      },
      async (request) => {
        const { state, subscriber, type, limit: size, offset } = request.query;
        const rows = await listCases(db, { state, subscriberId: subscriber, type }, { limit: size, offset });
        return { items: rows.map(caseView) };
      },
    );

    app.get(
      '/api/abuse/cases/:id',
      {
        config: { permission: 'abuse.read' },
        schema: {
          tags: ['abuse'],
          summary: 'One case and its timeline: events (when they happened), changes of state, notes',
          params: z.object({ id: z.coerce.number().int() }),
          response: { 200: z.object({ case: caseSchema, timeline: z.array(timelineEntry) }) },
        },
      },
      async (request) => {
        const { case: row, timeline } = await caseTimeline(db, request.params.id);
        return {
          case: caseView(row),
          timeline: timeline.map((t) =>
            t.kind === 'event' ? { ...t, id: Number(t.id), port: t.port === null ? null : Number(t.port) } : t,
          ),
        };
      },
    );

    app.post(
      '/api/abuse/cases/:id/move',
      {
        config: { permission: 'abuse.write' },
        schema: {
          tags: ['abuse'],
          summary: 'Change the state of a case, for a reason (recorded in its history and the audit trail)',
          params: z.object({ id: z.coerce.number().int() }),
          body: z.strictObject({ state: z.enum(CASE_STATES), reason: z.string().max(2000) }),
          response: { 200: caseSchema },
        },
      },
      async (request) =>
        caseView(await moveCase(db, auditContext(request), request.params.id, request.body.state, request.body.reason)),
    );

    app.post(
      '/api/abuse/cases/:id/notes',
      {
        config: { permission: 'abuse.write' },
        schema: {
          tags: ['abuse'],
          summary: 'Add a note to a case',
          params: z.object({ id: z.coerce.number().int() }),
          body: z.strictObject({ text: z.string().trim().min(1).max(10_000) }),
          response: { 201: z.object({ caseId: z.number() }) },
        },
      },
      async (request, reply) => {
        await addCaseNote(db, auditContext(request), request.params.id, request.body.text);
        return reply.code(201).send({ caseId: request.params.id });
      },
    );
  };
