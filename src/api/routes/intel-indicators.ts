import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { INDICATOR_TYPES, type Indicator, type IndicatorType } from '../../domain/indicator.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import { loadAllowlists } from '../../intel/allowlist/load.js';
import type { AllowVerdict } from '../../intel/allowlist/entry.js';
import { claimsFor } from '../../intel/claims-store.js';
import { normaliseAny } from '../../net/normalise.js';
import type { ClaimRow } from '../../store/schema.js';
import type { AppDeps } from '../deps.js';

// Looking indicators up: what every source says about one, the claims of a source page by page, and
// "would this be blocked?" before an operator adds it somewhere. All reads: `system.read`.

const indicatorView = z.object({ type: z.enum(INDICATOR_TYPES), value: z.string() });
const verdictView = z.object({ list: z.string(), entry: z.string(), mode: z.enum(['block', 'inform']) }).nullable();

const claimView = z.object({
  source: z.string(),
  type: z.string(),
  value: z.string(),
  category: z.string(),
  confidence: z.number(),
  tags: z.array(z.string()),
  firstSeen: z.string(),
  lastSeen: z.string(),
  validUntil: z.string(),
  tlp: z.string(),
  reference: z.string().nullable(),
  mode: z.string(),
  attributes: z.record(z.string(), z.unknown()).nullable(),
  /** `list / entry` of the allowlist that suppressed it at ingest. */
  suppressedBy: z.string().nullable(),
  /** `list / entry` of an inform-mode allowlist that flagged it for review. */
  reviewBy: z.string().nullable(),
  updatedAt: z.string(),
  /** Counts now: not past valid_until and not suppressed. */
  effective: z.boolean(),
});

function toClaimView(row: ClaimRow, now: string): z.output<typeof claimView> {
  return {
    source: row.source,
    type: row.type,
    value: row.value,
    category: row.category,
    confidence: Number(row.confidence),
    tags: row.tags ? (JSON.parse(row.tags) as string[]) : [],
    firstSeen: row.firstSeen,
    lastSeen: row.lastSeen,
    validUntil: row.validUntil,
    tlp: row.tlp,
    reference: row.reference,
    mode: row.mode,
    attributes: row.attributes ? (JSON.parse(row.attributes) as Record<string, unknown>) : null,
    suppressedBy: row.suppressedBy,
    reviewBy: row.reviewBy,
    updatedAt: row.updatedAt,
    effective: row.validUntil > now && row.suppressedBy === null,
  };
}

/** The normalised indicator, or a 400 with the normaliser's reason (which says what is wrong with the value). */
function indicatorOf(value: string, type: IndicatorType | undefined): Indicator {
  const n = normaliseAny(value, type);
  if (!n.ok) throw new UserFacingError(400, 'request.invalid', { detail: n.reason });
  return n.indicator;
}

export const intelIndicatorRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.store.db;
    // Loaded per request, so the answer follows the allowlist files as they are now. A list that cannot
    // be read is a server error: answering "not allowlisted" without it would mislead.
    const allowVerdict = (indicator: Indicator): AllowVerdict | null =>
      loadAllowlists(deps.config.intel, deps.configDir).checker.check(indicator) ?? null;

    app.get(
      '/api/intel/indicators/:value',
      {
        config: { permission: 'system.read' },
        schema: {
          tags: ['intel'],
          summary:
            'Every claim on an indicator (value URL-encoded), whether each counts now, and the allowlist verdict now',
          params: z.object({ value: z.string().min(1) }),
          querystring: z.object({ type: z.enum(INDICATOR_TYPES).optional() }),
          response: {
            200: z.object({
              indicator: indicatorView,
              /** Some source's claim counts now. */
              effective: z.boolean(),
              /** The allowlist that covers it with the lists as they are now (claims keep the verdict of their ingest). */
              allowlisted: verdictView,
              claims: z.array(claimView),
            }),
          },
        },
      },
      async (request) => {
        const indicator = indicatorOf(request.params.value, request.query.type);
        const now = new Date().toISOString();
        const claims = (await claimsFor(db, indicator)).map((c) => toClaimView(c, now));
        return {
          indicator,
          effective: claims.some((c) => c.effective),
          allowlisted: allowVerdict(indicator),
          claims,
        };
      },
    );

    app.get(
      '/api/intel/claims',
      {
        config: { permission: 'system.read' },
        schema: {
          tags: ['intel'],
          summary: 'Claims, most recently updated first, by source, type and whether they count now',
          querystring: z.object({
            source: z.string().optional(),
            type: z.enum(INDICATOR_TYPES).optional(),
            effective: z
              .enum(['true', 'false'])
              .transform((v) => v === 'true')
              .optional(),
            limit: z.coerce.number().int().min(1).max(1000).default(100),
            offset: z.coerce.number().int().min(0).default(0),
          }),
          response: { 200: z.object({ total: z.number(), items: z.array(claimView) }) },
        },
      },
      async (request) => {
        const { source, type, effective, limit, offset } = request.query;
        const now = new Date().toISOString();
        let q = db.selectFrom('claims');
        if (source !== undefined) q = q.where('source', '=', source);
        if (type !== undefined) q = q.where('type', '=', type);
        if (effective === true) q = q.where('validUntil', '>', now).where('suppressedBy', 'is', null);
        if (effective === false) {
          q = q.where((eb) => eb.or([eb('validUntil', '<=', now), eb('suppressedBy', 'is not', null)]));
        }
        const { n } = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        const rows = await q
          .selectAll()
          .orderBy('updatedAt', 'desc')
          .orderBy('source')
          .orderBy('type')
          .orderBy('value')
          .limit(limit)
          .offset(offset)
          .execute();
        return { total: Number(n), items: rows.map((r) => toClaimView(r, now)) };
      },
    );

    app.post(
      '/api/intel/check',
      {
        // A read: POST only so that any value (a long URL with its own ? and #) travels in a body.
        config: { permission: 'system.read' },
        schema: {
          tags: ['intel'],
          summary: 'Would this indicator be blocked? The allowlist that covers it now, if any',
          body: z.object({ value: z.string().min(1).max(8192), type: z.enum(INDICATOR_TYPES).optional() }),
          response: {
            200: z.object({
              indicator: indicatorView,
              allowlisted: verdictView,
              /** Not covered by an allowlist, or only flagged by an inform list: a claim on it would count. */
              blockable: z.boolean(),
            }),
          },
        },
      },
      async (request) => {
        const indicator = indicatorOf(request.body.value, request.body.type);
        const allowlisted = allowVerdict(indicator);
        return { indicator, allowlisted, blockable: allowlisted === null || allowlisted.mode === 'inform' };
      },
    );
  };
