import { sql, type Kysely } from 'kysely';
import { Gauge, type Registry } from 'prom-client';
import type { AbuseIntakeStatus } from '../abuse/desk.js';
import type { Database } from '../store/schema.js';

// The abuse desk in /metrics. What the store holds (reports by transport and format, events by state,
// the unassigned queue by reason, cases by class and state) is read at scrape time, so it is right
// after a restart and whichever process wrote it; what the running intake did since start (mails
// stored, refused, failed; each transport's counters) comes from `serve`. Alert on
// mizugiwa_abuse_intake_received{outcome="failed"} rising (a report the store could not take) and on
// a growing unassigned queue.

export function installAbuseMetrics(
  registry: Registry,
  db: Kysely<Database>,
  live?: { status(): AbuseIntakeStatus },
): void {
  new Gauge({
    name: 'mizugiwa_abuse_reports',
    help: 'Abuse reports received, by transport, format and state (parsed, partial, unreadable, triage)',
    labelNames: ['transport', 'format', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('abuseReports')
        .select((eb) => ['transport', 'format', 'state', eb.fn.countAll().as('n')])
        .groupBy(['transport', 'format', 'state'])
        .execute();
      for (const r of rows)
        this.set({ transport: r.transport, format: r.format ?? 'unknown', state: r.state }, Number(r.n));
    },
  });
  new Gauge({
    name: 'mizugiwa_abuse_report_events',
    help: 'Events parsed out of abuse reports, and records rejected to dead letters, by transport and format',
    labelNames: ['transport', 'format', 'kind'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('abuseReports')
        .select((eb) => [
          'transport',
          'format',
          eb.fn.sum<number>('events').as('events'),
          eb.fn.sum<number>('rejected').as('rejected'),
        ])
        .groupBy(['transport', 'format'])
        .execute();
      for (const r of rows) {
        const labels = { transport: r.transport, format: r.format ?? 'unknown' };
        this.set({ ...labels, kind: 'event' }, Number(r.events ?? 0));
        this.set({ ...labels, kind: 'rejected' }, Number(r.rejected ?? 0));
      }
    },
  });
  new Gauge({
    name: 'mizugiwa_abuse_events',
    help: 'Abuse events by state: new (not yet attributed), attributed, unassigned',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      // The two queues are counted from their partial indexes (migration 0015); the attributed events, nine
      // in ten, are what is left of the total, which the smallest index answers.
      const events = () => db.selectFrom('abuseEvents');
      const count = (q: ReturnType<typeof events>) =>
        q
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
          .then((r) => Number(r.n));
      const [total, waiting, unassigned] = await Promise.all([
        count(events()),
        count(events().where('state', '=', sql.lit('new'))),
        count(events().where('state', '=', sql.lit('unassigned'))),
      ]);
      if (waiting > 0) this.set({ state: 'new' }, waiting);
      if (unassigned > 0) this.set({ state: 'unassigned' }, unassigned);
      if (total - waiting - unassigned > 0) this.set({ state: 'attributed' }, total - waiting - unassigned);
    },
  });
  new Gauge({
    name: 'mizugiwa_abuse_unassigned',
    help: 'Events in the unassigned queue, by reason (no-lease, outside-prefixes, ambiguous, …)',
    labelNames: ['reason'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('abuseEvents')
        .select((eb) => ['unassignedReason', eb.fn.countAll().as('n')])
        .where('state', '=', 'unassigned')
        .groupBy('unassignedReason')
        .execute();
      for (const r of rows) this.set({ reason: r.unassignedReason ?? 'unknown' }, Number(r.n));
    },
  });
  new Gauge({
    name: 'mizugiwa_abuse_cases',
    help: 'Cases opened, by class (RSIT type) and state',
    labelNames: ['type', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('abuseCases')
        .select((eb) => ['type', 'state', eb.fn.countAll().as('n')])
        .groupBy(['type', 'state'])
        .execute();
      for (const r of rows) this.set({ type: r.type, state: r.state }, Number(r.n));
    },
  });

  if (!live) return;
  new Gauge({
    name: 'mizugiwa_abuse_intake_received',
    help: 'Reports handed to intake since start, by transport and outcome (stored, duplicate, failed: not stored)',
    labelNames: ['transport', 'outcome'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const r of live.status().received) this.set({ transport: r.transport, outcome: r.outcome }, r.count);
    },
  });
  new Gauge({
    name: 'mizugiwa_abuse_intake_input',
    help: "Each intake input's counters since start (SMTP connections and refusals, Maildir scans, IMAP polls, …)",
    labelNames: ['transport', 'input', 'counter'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const input of live.status().inputs) {
        for (const [counter, value] of Object.entries(input.counters)) {
          this.set({ transport: input.transport, input: input.input, counter }, value);
        }
      }
    },
  });
  new Gauge({
    name: 'mizugiwa_abuse_attribution',
    help: 'Attribution runs of new abuse events since start, and what they did (runs, failures, attributed, unassigned, casesOpened)',
    labelNames: ['counter'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [counter, value] of Object.entries(live.status().attribution)) this.set({ counter }, value);
    },
  });
}
