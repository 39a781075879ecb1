import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  approveRestriction,
  listRestrictions,
  releaseRestriction,
  requestRestriction,
  restrictionDetail,
  RESTRICTION_STATES,
  type Restriction,
} from '../../abuse/restrictions/index.js';
import { addCaseNote } from '../../abuse/cases.js';
import { auditContext } from '../context.js';
import type { AppDeps } from '../deps.js';

// The walled garden over HTTP: the desk asks for a case's subscriber to be restricted (abuse.write),
// someone else approves or declines it (abuse.restrict), and it is lifted by an operator
// (abuse.restrict), on its own after a quiet period, or when the case is resolved. Each change pokes
// enforcement, so the resolvers have it within seconds.

const restriction = z.object({
  id: z.number(),
  caseId: z.number(),
  subscriberId: z.string(),
  type: z.string(),
  state: z.enum(RESTRICTION_STATES),
  reason: z.string(),
  requestedBy: z.string(),
  requestedAt: z.string(),
  approvedBy: z.string().nullable(),
  approvedAt: z.string().nullable(),
  releasedBy: z.string().nullable(),
  releasedAt: z.string().nullable(),
  releaseKind: z.string().nullable(),
  releaseReason: z.string().nullable(),
  addresses: z.array(z.string()).describe('the addresses and prefixes restricted now (active only)'),
});

const skipped = z.array(
  z.object({
    address: z.string(),
    reason: z.enum(['shared-port-block', 'too-wide']),
  }),
);

const view = (r: Restriction): z.output<typeof restriction> => ({
  id: r.id,
  caseId: r.caseId,
  subscriberId: r.subscriberId,
  type: r.type,
  state: r.state,
  reason: r.reason,
  requestedBy: r.requestedBy,
  requestedAt: r.requestedAt,
  approvedBy: r.approvedBy,
  approvedAt: r.approvedAt,
  releasedBy: r.releasedBy,
  releasedAt: r.releasedAt,
  releaseKind: r.releaseKind,
  releaseReason: r.releaseReason,
  addresses: r.addresses,
});

const reasonBody = z.object({
  reason: z.string().trim().min(3).max(2000).describe('why: kept on the restriction, the case and the audit trail'),
});
const idParam = z.object({ id: z.coerce.number().int().min(1) });

export const abuseRestrictionRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.store.db;
    const publishSoon = () => deps.enforcer?.poke();

    app.get(
      '/api/abuse/restrictions',
      {
        config: { permission: 'abuse.read' },
        schema: {
          tags: ['abuse'],
          summary: 'Restrictions (the walled garden), newest first, with the addresses each restricts now',
          querystring: z.object({
            state: z.enum(RESTRICTION_STATES).optional(),
            case: z.coerce.number().int().min(1).optional().describe('case id'),
            subscriber: z.string().min(1).max(200).optional().describe('subscriber id'),
            limit: z.coerce.number().int().min(1).max(500).default(100),
            offset: z.coerce.number().int().min(0).default(0),
          }),
          response: { 200: z.object({ items: z.array(restriction) }) },
        },
      },
      async (request) => {
        const q = request.query;
        const rows = await listRestrictions(
          db,
          { state: q.state, caseId: q.case, subscriberId: q.subscriber },
          { limit: q.limit, offset: q.offset },
        );
        return { items: rows.map(view) };
      },
    );

    app.get(
      '/api/abuse/restrictions/:id',
      {
        config: { permission: 'abuse.read' },
        schema: {
          tags: ['abuse'],
          summary: 'One restriction, and every address it has covered and when (the subscriber followed)',
          params: idParam,
          response: {
            200: z.object({
              restriction,
              history: z.array(z.object({ address: z.string(), since: z.string(), until: z.string().nullable() })),
            }),
          },
        },
      },
      async (request) => {
        const { restriction: r, history } = await restrictionDetail(db, request.params.id);
        return { restriction: view(r), history };
      },
    );

    app.post(
      '/api/abuse/cases/:id/restriction',
      {
        config: { permission: 'abuse.write' },
        schema: {
          tags: ['abuse'],
          summary:
            "Ask for the case's subscriber to be restricted to the walled garden; pending until someone else approves",
          params: idParam,
          body: reasonBody,
          response: { 201: restriction },
        },
      },
      async (request, reply) => {
        const r = await requestRestriction(db, auditContext(request), request.params.id, request.body.reason);
        return reply.code(201).send(view(r));
      },
    );

    app.post(
      '/api/abuse/restrictions/:id/approve',
      {
        config: { permission: 'abuse.restrict' },
        schema: {
          tags: ['abuse'],
          summary:
            "Approve a pending restriction: the subscriber's current addresses go into the walled garden and the case becomes restricted. An optional reason (why the approver agrees) becomes a note on the case",
          params: idParam,
          body: z
            .strictObject({
              reason: z
                .string()
                .trim()
                .min(3)
                .max(2000)
                .optional()
                .describe("the approver's reason, noted on the case"),
            })
            .nullish()
            .transform((b) => b ?? {}),
          response: { 200: restriction.extend({ skipped }) },
        },
      },
      async (request) => {
        const audit = auditContext(request);
        const r = await approveRestriction(db, audit, request.params.id, {
          allowSelfApproval: deps.config.abuse.escalation.allow_self_approval,
        });
        publishSoon();
        if (request.body.reason)
          await addCaseNote(db, audit, r.caseId, `Restriction ${r.id} approved: ${request.body.reason}`);
        return { ...view(r), skipped: r.skipped };
      },
    );

    app.post(
      '/api/abuse/restrictions/:id/release',
      {
        config: { permission: 'abuse.restrict' },
        schema: {
          tags: ['abuse'],
          summary: 'Lift an active restriction (its case is resolved), or decline a pending one',
          params: idParam,
          body: reasonBody,
          response: { 200: restriction },
        },
      },
      async (request) => {
        const r = await releaseRestriction(db, auditContext(request), request.params.id, request.body.reason);
        publishSoon();
        return view(r);
      },
    );
  };
