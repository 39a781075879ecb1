import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { INDICATOR_TYPES, type Indicator, type IndicatorType } from '../../domain/indicator.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import { indicatorEnforcement } from '../../enforce/indicator-points.js';
import { configWithPointModes } from '../../enforce/point-modes.js';
import { POINT_NAMES } from '../../enforce/snapshot.js';
import { consoleListPath, consoleVerdictText, readConsoleEntries } from '../../intel/allowlist/console-list.js';
import { loadAllowlists } from '../../intel/allowlist/load.js';
import type { AllowVerdict } from '../../intel/allowlist/entry.js';
import { claimsFor } from '../../intel/claims-store.js';
import { searchIndicatorsByPrefix, summarise, type SearchCursor } from '../../intel/indicator-search.js';
import { normaliseAny } from '../../net/normalise.js';
import type { ClaimRow } from '../../store/schema.js';
import type { AppDeps } from '../deps.js';

// Looking indicators up: search by value, what every source says about one and where it is enforced,
// the claims of a source page by page, and "would this be blocked?" before an operator adds it
// somewhere. All reads: `system.read`.

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

const pointView = z.object({
  point: z.enum(POINT_NAMES),
  enabled: z.boolean(),
  categories: z.array(z.string()),
  action: z.enum(['block', 'monitor']).nullable(),
  notCarried: z
    .enum(['point-disabled', 'type-not-carried', 'no-effective-claim', 'category-not-carried', 'allowlisted'])
    .nullable(),
  monitorReason: z.enum(['monitor-all', 'point-monitor', 'claim-monitor']).nullable(),
  stoppedBy: z.string().nullable(),
});

/** A console allowlist entry a verdict or a claim names, with why it is there and until when. */
const consoleEntryRef = z.object({
  verdict: z.string(),
  id: z.string(),
  reason: z.string(),
  expiresAt: z.string().nullable(),
  addedBy: z.string(),
  addedAt: z.string(),
});

const matchView = z.object({
  type: z.enum(INDICATOR_TYPES),
  value: z.string(),
  sources: z.number(),
  categories: z.array(z.string()),
  effective: z.boolean(),
  suppressed: z.boolean(),
  validUntil: z.string(),
});

/** A page cursor as text: `type:value` (a type holds no colon). */
function encodeCursor(c: SearchCursor): string {
  return `${c.type}:${c.value}`;
}

function decodeCursor(text: string): SearchCursor {
  const at = text.indexOf(':');
  const type = text.slice(0, at);
  if (at < 0 || !(INDICATOR_TYPES as readonly string[]).includes(type)) {
    throw new UserFacingError(400, 'request.invalid', {
      detail: `after: "${text}" is not a cursor from a previous page`,
    });
  }
  return { type: type as IndicatorType, value: text.slice(at + 1) };
}

/** The host part of a prefix in lower case, as stored values have it; a URL's path keeps its case. */
function prefixText(q: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)?([^/]*)(.*)$/is.exec(q.trim()) as RegExpExecArray;
  return `${(m[1] ?? '') + (m[2] ?? '')}`.toLowerCase() + (m[3] ?? '');
}

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
      '/api/intel/indicators',
      {
        config: { permission: 'system.read' },
        schema: {
          tags: ['intel'],
          summary:
            'Find indicators: exact (the value normalised, as ingest stores it) or by the start of the value, a page at a time',
          querystring: z.object({
            q: z.string().trim().min(1).max(2048),
            match: z.enum(['exact', 'prefix']).default('prefix'),
            type: z.enum(INDICATOR_TYPES).optional(),
            limit: z.coerce.number().int().min(1).max(100).default(25),
            /** The `next` of the previous page. */
            after: z.string().max(4096).optional(),
          }),
          response: {
            200: z.object({
              /** The query as ingest would store it, when it is a valid indicator (exact matches look for this). */
              normalised: indicatorView.nullable(),
              items: z.array(matchView),
              next: z.string().nullable(),
            }),
          },
        },
      },
      async (request) => {
        const { q, match, type, limit, after } = request.query;
        const now = new Date().toISOString();
        const n = normaliseAny(q, type);
        if (match === 'exact') {
          if (!n.ok) throw new UserFacingError(400, 'request.invalid', { detail: n.reason });
          const items = (await summarise(db, [n.indicator], now)).filter((i) => i.sources > 0);
          return { normalised: n.indicator, items, next: null };
        }
        const page = await searchIndicatorsByPrefix(db, prefixText(q), {
          type,
          limit,
          after: after === undefined ? undefined : decodeCursor(after),
          now,
        });
        return {
          normalised: n.ok ? n.indicator : null,
          items: page.items,
          next: page.next ? encodeCursor(page.next) : null,
        };
      },
    );

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
              /** Each enforcement point: whether it carries the indicator now, and blocks or only logs it. */
              enforcement: z.array(pointView),
              /** The console allowlist entries that the verdict or a claim's suppression names. */
              consoleEntries: z.array(consoleEntryRef),
            }),
          },
        },
      },
      async (request) => {
        const indicator = indicatorOf(request.params.value, request.query.type);
        const now = new Date().toISOString();
        const claims = (await claimsFor(db, indicator)).map((c) => toClaimView(c, now));
        const { checker } = loadAllowlists(deps.config.intel, deps.configDir);
        const allowlisted = checker.check(indicator) ?? null;
        const named = new Set<string>(claims.flatMap((c) => (c.suppressedBy ? [c.suppressedBy] : [])));
        if (allowlisted) named.add(`${allowlisted.list} / ${allowlisted.entry}`);
        const consoleEntries = readConsoleEntries(consoleListPath(deps.config.intel, deps.configDir))
          .map((e) => ({ verdict: consoleVerdictText(deps.config.intel, e), ...e }))
          .filter((e) => named.has(e.verdict))
          .map(({ verdict, id, reason, expiresAt, addedBy, addedAt }) => ({
            verdict,
            id,
            reason,
            expiresAt,
            addedBy,
            addedAt,
          }));
        return {
          indicator,
          effective: claims.some((c) => c.effective),
          allowlisted,
          claims,
          enforcement: indicatorEnforcement(
            await configWithPointModes(deps.store.db, deps.config),
            indicator,
            claims.filter((c) => c.effective),
            checker,
          ),
          consoleEntries,
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
