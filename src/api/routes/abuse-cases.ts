import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assignEvent } from '../../abuse/assign-event.js';
import { caseSightingWindow } from '../../abuse/case-sightings.js';
import {
  addCaseNote,
  CASE_SORTS,
  caseNotices,
  caseTimeline,
  type CaseNoticeEntry,
  type CaseTimelineEntry,
  countCases,
  listCases,
  moveCase,
  moveCases,
} from '../../abuse/cases.js';
import { notifyCaseNow } from '../../abuse/notices/notify-case.js';
import { smtpSender } from '../../abuse/notices/send.js';
import { abuseRuntimeOf } from '../../abuse/desk.js';
import { caseView, listEventPage } from '../../abuse/queries.js';
import { retryUnassigned, unassignedCounts } from '../../abuse/unassigned.js';
import { CASE_STATES, UNASSIGNED_REASONS } from '../../domain/abuse-case.js';
import { RSIT_TYPES } from '../../domain/abuse-event.js';
import { SEVERITIES } from '../../domain/abuse-severity.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import { message } from '../../i18n/messages.js';
import { normaliseIp } from '../../net/ip.js';
import { listSightings, MAX_SIGHTINGS_PAGE } from '../../store/sightings.js';
import { auditContext, requestLocale } from '../context.js';
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
  severity: z.enum(SEVERITIES).describe("its class's severity (low, medium, high, critical)"),
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
  z.object({
    at: z.string(),
    kind: z.literal('notice'),
    noticeId: z.number(),
    noticeKind: z.string(),
    status: z.string(),
    channel: z.string(),
    subject: z.string(),
    createdBy: z.string(),
  }),
]);

const caseSighting = z.object({
  id: z.number(),
  indicatorType: z.string(),
  indicatorValue: z.string(),
  point: z.string(),
  client: z.string(),
  windowStart: z.string(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  count: z.number(),
  blockedCount: z.number(),
  categories: z.array(z.string()),
  sources: z.array(z.string()),
  input: z.string(),
  detail: z.string().nullable(),
  subscriber: z.string().nullable(),
  attributedAt: z.string().nullable(),
});

const attributionResult = z.object({ attributed: z.number(), unassigned: z.number(), casesOpened: z.number() });

export const abuseCaseRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.store.db;
    const windowDays = (type: string) =>
      deps.config.abuse.classes[type]?.aggregation_days ?? deps.config.abuse.aggregation_days;

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

    app.post(
      '/api/abuse/unassigned/:id/assign',
      {
        config: { permission: 'abuse.write' },
        schema: {
          tags: ['abuse'],
          summary:
            "Give an unassigned event to a subscriber by hand: it joins the subscriber's open case of its class, or opens one; recorded with the reason",
          params: z.object({ id: z.coerce.number().int() }),
          body: z.strictObject({ subscriber: z.string().trim().min(1).max(200), reason: z.string().max(2000) }),
          response: {
            200: z.object({
              eventId: z.number(),
              subscriberId: z.string(),
              caseId: z.number(),
              caseOpened: z.boolean(),
            }),
          },
        },
      },
      async (request) =>
        assignEvent(
          db,
          auditContext(request),
          request.params.id,
          request.body.subscriber,
          request.body.reason,
          windowDays,
        ),
    );

    app.get(
      '/api/abuse/cases',
      {
        config: { permission: 'abuse.read' },
        schema: {
          tags: ['abuse'],
          summary:
            'Cases, a page at a time: most recently changed first, or oldest / newest opened, or worst class first (severity)',
          querystring: z.object({
            state: z.enum(CASE_STATES).optional(),
            subscriber: z.string().min(1).max(200).optional().describe('subscriber id'),
            type: rsitType.optional(),
            q: z
              .string()
              .trim()
              .max(200)
              .optional()
              .describe('case number, part of the subscriber id, or a reported address, host name, URL or identifier'),
            sort: z.enum(CASE_SORTS).default('updated'),
            limit,
            offset: z.coerce.number().int().min(0).default(0),
          }),
          response: { 200: z.object({ items: z.array(caseSchema), total: z.number() }) },
        },
      },
      async (request) => {
        const { state, subscriber, type, q, sort, limit: size, offset } = request.query;
        const filter = { state, subscriberId: subscriber, type, text: q };
        const [rows, total] = await Promise.all([
          listCases(db, filter, { limit: size, offset, sort }),
          countCases(db, filter),
        ]);
        return { items: rows.map(caseView), total };
      },
    );

    app.post(
      '/api/abuse/cases/move',
      {
        config: { permission: 'abuse.write' },
        schema: {
          tags: ['abuse'],
          summary:
            'Move several cases to one state for one reason; each is moved and audited on its own, and each refusal is reported',
          body: z.strictObject({
            ids: z.array(z.number().int().min(1)).min(1).max(500),
            state: z.enum(CASE_STATES),
            reason: z.string().max(2000),
          }),
          response: {
            200: z.object({
              moved: z.number(),
              failed: z.number(),
              results: z.array(
                z.object({
                  id: z.number(),
                  ok: z.boolean(),
                  state: z.string().optional(),
                  code: z.string().optional(),
                  message: z.string().optional(),
                }),
              ),
            }),
          },
        },
      },
      async (request) => {
        const locale = requestLocale(request);
        const { ids, state, reason: why } = request.body;
        const results = await moveCases(db, auditContext(request), ids, state, why, (e) =>
          message(e.key, locale, e.params),
        );
        return {
          moved: results.filter((r) => r.ok).length,
          failed: results.filter((r) => !r.ok).length,
          results: results.map((r) => (r.ok ? r : { id: r.id, ok: false, code: r.code, message: r.message })),
        };
      },
    );

    app.get(
      '/api/abuse/cases/:id',
      {
        config: { permission: 'abuse.read' },
        schema: {
          tags: ['abuse'],
          summary:
            'One case and its timeline: events (when they happened), changes of state, notes, and the notices that covered it',
          params: z.object({ id: z.coerce.number().int() }),
          querystring: z.object({
            events: z
              .enum(['true', 'false'])
              .default('true')
              .transform((v) => v === 'true')
              .describe('false: without the events (page through them with /api/abuse/events?case=)'),
          }),
          response: { 200: z.object({ case: caseSchema, timeline: z.array(timelineEntry) }) },
        },
      },
      async (request) => {
        const { case: row, timeline } = await caseTimeline(db, request.params.id, { events: request.query.events });
        const entries: (CaseTimelineEntry | CaseNoticeEntry)[] = [
          ...timeline.map((t) =>
            t.kind === 'event' ? { ...t, id: Number(t.id), port: t.port === null ? null : Number(t.port) } : t,
          ),
          ...(await caseNotices(db, request.params.id)),
        ];
        // A notice and the move it caused can share a millisecond: the notice comes first. Otherwise the sort is
        // stable, so what happened at one moment keeps the timeline's order.
        const rank = (e: { kind: string }) => (e.kind === 'notice' ? 0 : 1);
        entries.sort((a, b) => a.at.localeCompare(b.at) || rank(a) - rank(b));
        return { case: caseView(row), timeline: entries };
      },
    );

    app.get(
      '/api/abuse/cases/:id/sightings',
      {
        config: { permission: 'sightings.read' },
        schema: {
          tags: ['abuse'],
          summary:
            "Sightings attributed to the case's subscriber in the case's window (its first event less the class's aggregation window, to its last event plus that window, or now while open), newest first",
          params: z.object({ id: z.coerce.number().int() }),
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(MAX_SIGHTINGS_PAGE).default(50), before }),
          response: {
            200: z.object({
              window: z.object({ from: z.string(), to: z.string().nullable() }),
              sightings: z.array(caseSighting),
              next: z.number().nullable(),
            }),
          },
        },
      },
      async (request) => {
        const row = await db
          .selectFrom('abuseCases')
          .selectAll()
          .where('id', '=', request.params.id)
          .executeTakeFirst();
        if (!row) throw new UserFacingError(404, 'abuse.case_not_found', { id: request.params.id });
        const window = caseSightingWindow(row, windowDays(row.type));
        const page = await listSightings(
          db,
          { subscriber: row.subscriberId, from: window.from, to: window.to ?? undefined },
          { limit: request.query.limit, before: request.query.before },
        );
        return { window, ...page };
      },
    );

    app.post(
      '/api/abuse/cases/:id/notify',
      {
        config: { permission: 'abuse.write' },
        schema: {
          tags: ['abuse'],
          summary:
            "Tell the case's subscriber now: a notice for a new case, a reminder for a notified or reminded one, by e-mail through abuse.notices.smtp, as the notifier would (the case moves on when the relay has it)",
          params: z.object({ id: z.coerce.number().int() }),
          body: z.strictObject({ reason: z.string().max(2000) }),
          response: {
            200: z.object({
              noticeId: z.number(),
              kind: z.enum(['notice', 'reminder']),
              status: z.enum(['sent', 'failed', 'bounced']),
              error: z.string().nullable(),
              subject: z.string(),
              problems: z.array(z.object({ caseId: z.number(), problem: z.string() })),
            }),
          },
        },
      },
      async (request) => {
        const notices = deps.config.abuse.notices;
        return notifyCaseNow(
          db,
          notices,
          () => smtpSender(notices.smtp, deps.configDir),
          auditContext(request),
          request.params.id,
          request.body.reason,
        );
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
