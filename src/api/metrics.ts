import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { InputStatus } from '../observe/pipeline/input-stats.js';
import type { Database } from '../store/schema.js';
import { countDeadLetters } from '../store/dead-letters.js';
import { countRunningJobs } from '../store/jobs.js';

/** Prometheus metrics for one server: request counts and latency, plus figures read from the store at scrape time. */
export function installMetrics(
  app: FastifyInstance,
  db: Kysely<Database>,
  observation?: { status(): InputStatus[] },
): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'mizugiwa_' });

  const requests = new Counter({
    name: 'mizugiwa_http_requests_total',
    help: 'HTTP requests answered, by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'mizugiwa_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: 'mizugiwa_dead_letters',
    help: 'Records parsers could not read, by source, format and state (pending or replayed)',
    labelNames: ['source', 'format', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await countDeadLetters(db)) {
        this.set({ source: row.source, format: row.format, state: 'pending' }, row.pending);
        this.set({ source: row.source, format: row.format, state: 'replayed' }, row.replayed);
      }
    },
  });
  new Gauge({
    name: 'mizugiwa_jobs_running',
    help: 'Jobs running now',
    registers: [registry],
    async collect() {
      this.set(await countRunningJobs(db));
    },
  });
  new Gauge({
    name: 'mizugiwa_audit_entries',
    help: 'Entries in the audit chain',
    registers: [registry],
    async collect() {
      const head = await db.selectFrom('auditHead').select('seq').where('id', '=', 1).executeTakeFirst();
      this.set(Number(head?.seq ?? 0));
    },
  });

  new Gauge({
    name: 'mizugiwa_enforce_live_entries',
    help: 'Entries in the live version of each enforcement point',
    labelNames: ['point'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const live = await db
        .selectFrom('enforceVersions')
        .select(['point', 'entries'])
        .where('status', '=', 'live')
        .execute();
      for (const row of live) this.set({ point: row.point }, row.entries);
    },
  });
  new Gauge({
    name: 'mizugiwa_alerts_open',
    help: 'Open alerts by kind (enforce.held, enforce.failed, …): alert on any above zero',
    labelNames: ['kind'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('alerts')
        .select(['kind', (eb) => eb.fn.countAll<number>().as('n')])
        .where('resolvedAt', 'is', null)
        .groupBy('kind')
        .execute();
      for (const row of rows) this.set({ kind: row.kind }, Number(row.n));
    },
  });

  // The running pipeline's counters since start, per input. Drops are what a datagram source (UDP
  // syslog) could not hand over while the workers were full: alert on any increase.
  const observed = (name: string, help: string, pick: (s: InputStatus) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['input', 'format'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const s of observation?.status() ?? []) this.set({ input: s.input, format: s.format }, pick(s));
      },
    });
  observed('mizugiwa_observe_read', 'Lines or dnstap frames read since start, by input', (s) => s.units);
  observed(
    'mizugiwa_observe_matched',
    'Observations that matched an indicator since start, by input',
    (s) => s.matched,
  );
  observed(
    'mizugiwa_observe_rejected',
    'Unreadable lines or frames (dead-lettered) since start, by input',
    (s) => s.rejected,
  );
  observed('mizugiwa_observe_dropped', 'Messages a datagram input had to drop since start, by input', (s) => s.dropped);

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  return registry;
}
