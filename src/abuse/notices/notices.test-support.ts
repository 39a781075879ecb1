import type { Kysely } from 'kysely';
import { configSchema } from '../../config/schema.js';
import type { AbuseNoticesConfig } from '../../config/abuse-notices-schema.js';
import type { AbuseEvent } from '../../domain/abuse-event.js';
import type { AuditContext } from '../../domain/actor.js';
import type { Database } from '../../store/schema.js';
import { upsertSubscriber } from '../../store/subscribers.js';
import { groupBatchIntoCases, writeAttribution } from '../attribution-batch.js';
import { eventRow } from '../event-row.js';
import type { NoticeSender, OutgoingNotice, SendOutcome } from './send.js';

// Shared by the notice tests: subscribers, events grouped into cases as attribution would, the notices
// config, and a sender that records what it was given (and can be told to fail).

export const DESK: AuditContext = { actor: { kind: 'cli', osUser: 'desk' } };

export function noticesConfig(over: Record<string, unknown> = {}): AbuseNoticesConfig {
  return configSchema.parse({
    abuse: {
      notices: {
        contact: {
          name_ja: 'みずぎわネット サポートセンター',
          name_en: 'Mizugiwa Net Support',
          mail: 'support@isp.example.jp',
          phone: '0120-000-000',
          web: 'https://www.isp.example.jp/security/',
          hours_ja: '平日 9:00～18:00',
          hours_en: 'weekdays 9:00-18:00 JST',
        },
        smtp: { host: '127.0.0.1', port: 2525, from: 'Mizugiwa Net <abuse@isp.example.jp>' },
        classes: { copyright: { interval_hours: 168, remind_after_days: 14 } },
        ...over,
      },
    },
  }).abuse.notices;
}

export async function addSubscriber(
  db: Kysely<Database>,
  id: string,
  over: {
    name?: string;
    email?: string | null;
    locale?: string | null;
    phone?: string | null;
    address?: string | null;
  } = {},
): Promise<void> {
  await upsertSubscriber(db, DESK, {
    id,
    name: over.name ?? `Subscriber ${id}`,
    email: over.email === undefined ? `${id.toLowerCase()}@example.jp` : over.email,
    phone: over.phone ?? null,
    address: over.address ?? null,
    contract: null,
    locale: over.locale ?? null,
  });
}

let reports = 0;

/** Events of a subscriber, grouped into its cases as attribution does; returns the case ids, in event order. */
export async function addEvents(
  db: Kysely<Database>,
  subscriberId: string,
  events: (Partial<AbuseEvent> & { time: string })[],
): Promise<number[]> {
  const report = await db
    .insertInto('abuseReports')
    .values({
      sha256: `test-${process.pid}-${++reports}-${Math.random()}`,
      sizeBytes: 1,
      transport: 'cli',
      origin: 'test',
      receivedAt: new Date().toISOString(),
      format: 'shadowserver',
      reportType: null,
      mappingName: null,
      subject: null,
      sender: null,
      messageId: null,
      state: 'parsed',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const now = new Date().toISOString();
  const rows = events.map((e, i) => ({
    ...eventRow(
      {
        type: 'infected-system',
        reporter: 'shadowserver',
        reportType: 'event4_sinkhole',
        evidence: `test.csv:${i + 2}`,
        source: { address: '203.0.113.5', port: 50000 + i },
        ...e,
      },
      Number(report.id),
      i,
      now,
    ),
    state: 'attributed',
    subscriberId,
    subscriberKey: subscriberId,
  }));
  const ids = await db.insertInto('abuseEvents').values(rows).returning(['id', 'type', 'occurredAt']).execute();
  const attributed = ids.map((r) => ({
    id: Number(r.id),
    subscriberId,
    type: r.type,
    occurredAt: r.occurredAt,
    key: subscriberId,
  }));
  await db.transaction().execute(async (trx) => {
    const cases = await groupBatchIntoCases(db, trx, attributed, () => 30);
    await writeAttribution(db, trx, cases, attributed, [], now);
  });
  const cases = await db
    .selectFrom('abuseEvents')
    .select('caseId')
    .where(
      'id',
      'in',
      ids.map((r) => r.id),
    )
    .orderBy('id')
    .execute();
  return cases.map((c) => Number(c.caseId));
}

/** The case the events went to (all of them, when they are of one class). */
export async function addCase(
  db: Kysely<Database>,
  subscriberId: string,
  events: (Partial<AbuseEvent> & { time: string })[],
): Promise<number> {
  return (await addEvents(db, subscriberId, events))[0]!;
}

/** Bytes as intake takes them. */
export async function* bytesOf(...parts: Uint8Array[]): AsyncIterable<Uint8Array> {
  yield* parts;
}

export type RecordingSender = NoticeSender & {
  sent: OutgoingNotice[];
  /** What the next sends to an address answer, in turn; then success. */
  outcomes: Map<string, SendOutcome[]>;
};

export function recordingSender(): RecordingSender {
  const sender: RecordingSender = {
    sent: [],
    outcomes: new Map(),
    async send(notice) {
      sender.sent.push(notice);
      return sender.outcomes.get(notice.to)?.shift() ?? { ok: true, response: '250 2.0.0 Ok: queued' };
    },
    close() {},
  };
  return sender;
}

export const iso = (ms: number) => new Date(ms).toISOString();
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
