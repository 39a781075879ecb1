import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { OPEN_CASE_STATES } from '../../domain/abuse-case.js';
import { roleHas } from '../../domain/roles.js';
import { observeStatus } from '../../observe/status.js';
import { CASE_AGE_BUCKETS, openCaseCounts } from '../../store/dashboard-cases.js';
import { pendingDeadLettersBySource } from '../../store/dashboard-dead-letters.js';
import { sightingsPerHour, topIndicators, topSubscribers } from '../../store/dashboard-sightings.js';
import { categorySeries, DASHBOARD_RANGES, timeAxis } from '../dashboard-buckets.js';
import { enforcementStatus, feedHealth } from '../dashboard-status.js';
import type { AppDeps } from '../deps.js';

// The dashboard in one request: every part is an aggregate over an index range or a few rows, run
// side by side, so the whole answers well under a second at a million indicators, 100,000 sightings and
// 10,000 cases (bench/dashboard.bench.ts). Counts are not traffic data, so `system.read` (a viewer)
// gets them; the top subscribers and top indicators say who reached what, which is sightings data:
// they come back null for a role without `sightings.read`.

const TOP = 10;

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const pointVersion = z.object({
  version: z.number(),
  status: z.string(),
  entries: z.number(),
  at: z.string().nullable(),
});
const ageCounts = z.object(
  Object.fromEntries(CASE_AGE_BUCKETS.map((b) => [b, z.number()])) as {
    [K in (typeof CASE_AGE_BUCKETS)[number]]: z.ZodNumber;
  },
);

const dashboard = z.object({
  generatedAt: z.string(),
  range: z.enum(DASHBOARD_RANGES),
  timeZone: z.string(),
  sightings: z.object({
    bucket: z.enum(['hour', 'day']),
    /** The start of each bucket, oldest first. */
    starts: z.array(z.string()),
    series: z.array(z.object({ category: z.string(), counts: z.array(z.number()), total: z.number() })),
  }),
  /** Null: the caller may not read sightings (no sightings.read). */
  topIndicators: z
    .array(
      z.object({
        type: z.string(),
        value: z.string(),
        categories: z.array(z.string()),
        sightings: z.number(),
        hits: z.number(),
        clients: z.number(),
      }),
    )
    .nullable(),
  topSubscribers: z
    .array(z.object({ subscriber: z.string(), sightings: z.number(), hits: z.number(), indicators: z.number() }))
    .nullable(),
  cases: z.object({
    open: z.number(),
    byState: z.array(z.object({ state: z.enum(OPEN_CASE_STATES), total: z.number(), byAge: ageCounts })),
    byAge: ageCounts,
  }),
  feeds: z.array(
    z.object({
      name: z.string(),
      format: z.string(),
      mode: z.string(),
      configured: z.boolean(),
      lastRunAt: z.string().nullable(),
      status: z.enum(['never', 'error', 'held', 'ok']),
      error: z.string().nullable(),
      total: z.number().nullable(),
      rejected: z.number().nullable(),
      held: z.object({ wouldRetire: z.number(), of: z.number() }).nullable(),
      deadLetters: z.number(),
    }),
  ),
  enforcement: z.array(
    z.object({
      point: z.string(),
      enabled: z.boolean(),
      monitor: z.boolean(),
      live: pointVersion.nullable(),
      pending: pointVersion.nullable(),
    }),
  ),
  deadLetters: z.number(),
  /** Observation over the last hour, per input, from the stored per-minute counts. */
  observation: z.array(
    z.object({ input: z.string(), observed: z.number(), rejected: z.number(), dropped: z.number() }),
  ),
});
export type DashboardView = z.output<typeof dashboard>;

export const dashboardRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.store.db;

    app.get(
      '/api/dashboard',
      {
        config: { permission: 'system.read' },
        schema: {
          tags: ['system'],
          summary:
            'The dashboard: sightings per category over time, top indicators and subscribers (with sightings.read), open cases by state and age, feed health, enforcement, dead letters, observation drops',
          querystring: z.object({
            range: z.enum(DASHBOARD_RANGES).default('24h').describe('24h: by the hour; 30d: by the day'),
            tz: z
              .string()
              .refine(isTimeZone, {
                error: (iss) =>
                  `expected an IANA time zone such as Asia/Tokyo or UTC; got ${JSON.stringify(iss.input)}`,
              })
              .optional()
              .describe("The zone whose calendar days the 30d chart counts by (default: the server's ui.timezone)"),
          }),
          response: { 200: dashboard },
        },
      },
      async (request): Promise<DashboardView> => {
        const now = new Date();
        const { range } = request.query;
        const timeZone = request.query.tz ?? deps.config.ui.timezone;
        const axis = timeAxis(range, timeZone, now);
        const mayReadSightings = roleHas(request.principal!.role, 'sightings.read');
        const [hours, indicators, subscribers, cases, deadLetters, enforcement, observed] = await Promise.all([
          sightingsPerHour(db, axis.since),
          mayReadSightings ? topIndicators(db, axis.since, TOP) : null,
          mayReadSightings ? topSubscribers(db, axis.since, TOP) : null,
          openCaseCounts(db, now),
          pendingDeadLettersBySource(db),
          enforcementStatus(db, deps.config),
          observeStatus(db, deps.config, now.getTime()),
        ]);
        const byAge = Object.fromEntries(
          CASE_AGE_BUCKETS.map((b) => [b, cases.reduce((sum, c) => sum + c.byAge[b], 0)]),
        ) as DashboardView['cases']['byAge'];
        return {
          generatedAt: now.toISOString(),
          range,
          timeZone,
          sightings: { bucket: axis.bucket, starts: axis.starts, series: categorySeries(axis, hours) },
          topIndicators: indicators,
          topSubscribers: subscribers,
          cases: { open: cases.reduce((sum, c) => sum + c.total, 0), byState: cases, byAge },
          feeds: await feedHealth(db, deps.config, deadLetters),
          enforcement,
          deadLetters: [...deadLetters.values()].reduce((sum, n) => sum + n, 0),
          observation: observed.inputs.map((i) => ({
            input: i.input,
            observed: i.lastHour.observed,
            rejected: i.lastHour.rejected,
            dropped: i.lastHour.dropped,
          })),
        };
      },
    );
  };
