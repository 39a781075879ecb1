import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CATEGORIES } from '../../domain/indicator.js';
import { OBSERVATION_POINTS } from '../../domain/observation.js';
import { normaliseIp } from '../../net/ip.js';
import { normaliseAny } from '../../net/normalise.js';
import { observeStatus } from '../../observe/status.js';
import { listSightings, MAX_SIGHTINGS_PAGE } from '../../store/sightings.js';
import type { AppDeps } from '../deps.js';

// What observation recorded (sightings: which client reached which listed indicator, when) and how its
// inputs are doing. Sightings are traffic data under the secrecy of communications: reading them takes
// `sightings.read`, which viewers do not have. Listing them is an analyst's routine work, so it is not
// audited; the request log carries no query values (see server.ts), so filter values such as a client
// address stay out of it. Input status holds counts and file positions, no traffic: `system.read`.

const sightingView = z.object({
  id: z.number(),
  indicatorType: z.string(),
  indicatorValue: z.string(),
  point: z.string(),
  client: z.string(),
  windowStart: z.string(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  count: z.number(),
  /** How many of `count` the point blocked: 0 when it only watched (monitor mode, or a point that cannot block). */
  blockedCount: z.number(),
  categories: z.array(z.string()),
  sources: z.array(z.string()),
  input: z.string(),
  detail: z.string().nullable(),
  /** The subscriber key attribution found for `client` at first_seen; reading the record itself is audited elsewhere. */
  subscriber: z.string().nullable(),
  attributedAt: z.string().nullable(),
});

/** ISO 8601 with a zone, as UTC text: the store compares times as text, so every bound must look alike. */
const isoTime = z.iso
  .datetime({
    offset: true,
    error: (iss) =>
      `expected an ISO 8601 time with a zone, such as 2025-04-01T09:00:00Z or 2025-04-01T18:00:00+09:00; got ${JSON.stringify(iss.input)}`,
  })
  .transform((v) => new Date(v).toISOString());

/** Client addresses are stored in normal form (RFC 5952 for IPv6), so `2001:DB8::0:1` finds `2001:db8::1`. */
const clientAddress = z.string().transform((v, ctx) => {
  const n = normaliseIp(v);
  if (n.ok) return n.indicator.value;
  ctx.addIssue({ code: 'custom', message: `expected an IPv4 or IPv6 address; ${n.reason}` });
  return z.NEVER;
});

/** Indicators are stored normalised (lower-case names, canonical URLs), so the filter is normalised the same way. */
const indicatorValue = z.string().transform((v, ctx) => {
  const n = normaliseAny(v);
  if (n.ok) return n.indicator.value;
  ctx.addIssue({ code: 'custom', message: n.reason });
  return z.NEVER;
});

const sightingQuery = z
  .object({
    indicator: indicatorValue.optional(),
    client: clientAddress.optional(),
    subscriber: z.string().min(1).max(200).optional(),
    point: z.enum(OBSERVATION_POINTS).optional(),
    category: z.enum(CATEGORIES).optional(),
    input: z.string().min(1).max(200).optional(),
    from: isoTime.optional().describe('Sightings last seen at or after this time'),
    to: isoTime.optional().describe('Sightings first seen before this time'),
    limit: z.coerce.number().int().min(1).max(MAX_SIGHTINGS_PAGE).default(100),
    before: z.coerce.number().int().min(1).optional().describe('The `next` of the previous page'),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, {
    path: ['to'],
    message: 'must be later than from',
  });

const totals = z.object({ observed: z.number(), matched: z.number(), rejected: z.number(), dropped: z.number() });

const storedInputState = z.object({
  input: z.string(),
  type: z.string(),
  format: z.string(),
  position: z.object({ path: z.string(), offset: z.number(), line: z.number(), updatedAt: z.string() }).nullable(),
  behindBytes: z.number().nullable(),
  ratePerSecond: z.number(),
  lastHour: totals,
});

const liveInputStatus = totals.extend({
  input: z.string(),
  format: z.string(),
  units: z.number(),
  bytes: z.number(),
  rate: z.number(),
  position: z.object({ path: z.string(), offset: z.number(), line: z.number() }).nullable(),
  lastAt: z.string().nullable(),
});

export const sightingRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.store.db;

    app.get(
      '/api/sightings',
      {
        config: { permission: 'sightings.read' },
        schema: {
          tags: ['observe'],
          summary: 'Sightings (observations that matched an indicator), newest first, a page at a time',
          querystring: sightingQuery,
          response: { 200: z.object({ sightings: z.array(sightingView), next: z.number().nullable() }) },
        },
      },
      async (request) => {
        const { limit, before, ...filter } = request.query;
        return listSightings(db, filter, { limit, before });
      },
    );

    app.get(
      '/api/observe/status',
      {
        config: { permission: 'system.read' },
        schema: {
          tags: ['observe'],
          summary:
            "Each observation input: position, bytes behind, rate and last hour's counts from the store; live counters when this server runs the inputs",
          response: {
            200: z.object({ inputs: z.array(storedInputState), live: z.array(liveInputStatus).nullable() }),
          },
        },
      },
      async () => ({
        inputs: (await observeStatus(db, deps.config)).inputs,
        live: deps.observation?.status() ?? null,
      }),
    );
  };
