import type { Kysely } from 'kysely';
import type { AuditContext } from '../../domain/actor.js';
import type { Locale } from '../../i18n/messages.js';
import type { Database } from '../../store/schema.js';
import { readSubscribers, type Subscriber } from '../../store/subscribers.js';
import type { AbuseNoticesConfig } from '../../config/abuse-notices-schema.js';
import type { DueCase } from './due.js';
import type { TemplateResolver } from './notice-templates.js';
import type { CaseForNotice, NoticeContact } from './notice-view.js';
import { renderDigest, type DigestOptions } from './render.js';
import { isNoticeLocale } from './builtin-templates.js';

// Due cases become digests: one per subscriber, in the subscriber's language, covering all their due
// cases. The subscriber records are read through readSubscribers with the purpose abuse-notice, so every
// notifier run, dry run and export leaves its audit entry.

export type Digest = {
  subscriber: Subscriber;
  locale: Locale;
  /** The address the notice goes to; null: no e-mail address on record (the CSV export's). */
  recipient: string | null;
  subject: string;
  body: string;
  cases: (DueCase & { firstEventAt: string; lastEventAt: string; eventCount: number })[];
};

const SUBSCRIBER_CHUNK = 100;

export async function buildDigests(
  db: Kysely<Database>,
  config: AbuseNoticesConfig,
  templates: TemplateResolver,
  due: DueCase[],
  access: AuditContext & { reason: string },
): Promise<Digest[]> {
  const bySubscriber = new Map<string, DueCase[]>();
  for (const d of due) bySubscriber.set(d.subscriberId, [...(bySubscriber.get(d.subscriberId) ?? []), d]);
  const ids = [...bySubscriber.keys()].sort();
  const subscribers = new Map<string, Subscriber>();
  for (let i = 0; i < ids.length; i += SUBSCRIBER_CHUNK) {
    const rows = await readSubscribers(
      db,
      { actor: access.actor, requestId: access.requestId, purpose: { kind: 'abuse-notice', text: access.reason } },
      { ids: ids.slice(i, i + SUBSCRIBER_CHUNK) },
    );
    for (const s of rows) subscribers.set(s.id, s);
  }
  const options = digestOptions(config);
  const digests: Digest[] = [];
  for (const id of ids) {
    const subscriber = subscribers.get(id);
    // A case whose subscriber record is gone stays due; the desk sees it in the case list.
    if (!subscriber) continue;
    const locale = subscriberLocale(subscriber, config);
    const cases = await casesForNotice(db, bySubscriber.get(id)!, config.max_events_listed);
    const rendered = renderDigest(
      { subscriber: { id: subscriber.id, name: subscriber.name }, locale, cases: cases.map((c) => c.forNotice) },
      templates,
      options,
    );
    digests.push({
      subscriber,
      locale,
      recipient: subscriber.email?.trim() || null,
      ...rendered,
      cases: cases.map((c) => ({
        ...c.due,
        firstEventAt: c.forNotice.firstEventAt,
        lastEventAt: c.forNotice.lastEventAt,
        eventCount: c.forNotice.eventCount,
      })),
    });
  }
  return digests;
}

export function subscriberLocale(subscriber: Subscriber, config: AbuseNoticesConfig): Locale {
  const own = subscriber.locale?.trim().toLowerCase();
  return own && isNoticeLocale(own) ? own : config.default_locale;
}

export function digestOptions(config: AbuseNoticesConfig): DigestOptions {
  const c = config.contact;
  const contact = (locale: Locale): NoticeContact => ({
    name: locale === 'ja' ? c.name_ja : c.name_en,
    mail: c.mail,
    phone: c.phone,
    web: c.web,
    hours: locale === 'ja' ? c.hours_ja : c.hours_en,
  });
  return { zone: config.timezone, contact: { ja: contact('ja'), en: contact('en') } };
}

/** The case rows and their latest events, as a section is rendered from them. */
export async function casesForNotice(
  db: Kysely<Database>,
  due: DueCase[],
  maxEvents: number,
): Promise<{ due: DueCase; forNotice: CaseForNotice }[]> {
  const out: { due: DueCase; forNotice: CaseForNotice }[] = [];
  for (const d of due) {
    const row = await db.selectFrom('abuseCases').selectAll().where('id', '=', d.caseId).executeTakeFirst();
    if (!row) continue;
    const [events, reporters, since] = await Promise.all([
      db
        .selectFrom('abuseEvents')
        .selectAll()
        .where('caseId', '=', d.caseId)
        .orderBy('occurredAt', 'desc')
        .orderBy('id', 'desc')
        .limit(maxEvents)
        .execute(),
      db.selectFrom('abuseEvents').select('reporter').distinct().where('caseId', '=', d.caseId).execute(),
      d.previousNoticeAt
        ? db
            .selectFrom('abuseEvents')
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .where('caseId', '=', d.caseId)
            .where('occurredAt', '>', d.previousNoticeAt)
            .executeTakeFirst()
        : undefined,
    ]);
    out.push({
      due: d,
      forNotice: {
        id: Number(row.id),
        type: row.type,
        firstEventAt: row.firstEventAt,
        lastEventAt: row.lastEventAt,
        eventCount: row.eventCount,
        kind: d.kind,
        previousNoticeAt: d.previousNoticeAt,
        eventsSinceNotice: Number(since?.n ?? 0),
        events,
        reporters: reporters.map((r) => r.reporter).sort(),
      },
    });
  }
  return out;
}
