import type { Locale } from '../../i18n/messages.js';
import type { AbuseEventRow } from '../../store/schema.js';
import { reporterLabel, serviceLabel, typeLabel } from './labels.js';
import { noticeDate, noticeTime, zoneName } from './time-format.js';

// What a template can say about a case, as plain values: the facts of its events written for the
// subscriber (times in the ISP's zone, services by name, reporters by who they are, addresses that are
// a phishing site's written so nobody clicks them). Every key is present, null when unknown: Mustache
// would otherwise look a missing key up in the view around it and print the wrong thing.

export type NoticeKind = 'notice' | 'reminder';

/** A case as a notice covers it: what the digest renders one section from. */
export type CaseForNotice = {
  id: number;
  type: string;
  firstEventAt: string;
  lastEventAt: string;
  eventCount: number;
  kind: NoticeKind;
  /** When the subscriber was last told about this case (reminders). */
  previousNoticeAt: string | null;
  /** Events that happened after that. */
  eventsSinceNotice: number;
  /** The most recent events, at most abuse.notices.max_events_listed of them, in any order. */
  events: AbuseEventRow[];
  /** Everyone who reported the case's events. */
  reporters: string[];
};

export type NoticeContact = { name: string; mail: string; phone: string; web: string; hours: string };

export type ViewSettings = { zone: string; contact: NoticeContact };

export type EventView = {
  time: string;
  address: string;
  port: number | null;
  service: string | null;
  protocol: string | null;
  identifier: string | null;
  device: string | null;
  targetAddress: string | null;
  targetPort: number | null;
  targetService: string | null;
  url: string | null;
  hostname: string | null;
  work: string | null;
  fileName: string | null;
  subject: string | null;
};

export type SectionView = {
  heading: string;
  typeLabel: string;
  notice: boolean;
  reminder: boolean;
  previousNotice: string | null;
  eventsSinceNotice: number;
  case: {
    id: number;
    reference: string;
    type: string;
    firstSeen: string;
    lastSeen: string;
    eventCount: number;
  };
  events: EventView[];
  moreEvents: number;
  reporters: string;
  identifiers: string;
  zoneName: string;
  contact: NoticeContact;
};

export function sectionView(c: CaseForNotice, locale: Locale, settings: ViewSettings): Omit<SectionView, 'heading'> {
  const listed = [...c.events].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || Number(a.id) - Number(b.id));
  const events = listed.map((e) => eventView(e, locale, settings.zone));
  const join = (values: string[]) => values.join(locale === 'ja' ? '、' : ', ');
  const identifiers = [...new Set(listed.map((e) => e.identifier).filter((i): i is string => !!i))];
  const reporters = [...new Set(c.reporters.length > 0 ? c.reporters : listed.map((e) => e.reporter))];
  return {
    typeLabel: typeLabel(c.type, locale),
    notice: c.kind === 'notice',
    reminder: c.kind === 'reminder',
    previousNotice: c.previousNoticeAt ? noticeDate(c.previousNoticeAt, locale, settings.zone) : null,
    eventsSinceNotice: c.eventsSinceNotice,
    case: {
      id: c.id,
      reference: String(c.id),
      type: c.type,
      firstSeen: noticeTime(c.firstEventAt, locale, settings.zone),
      lastSeen: noticeTime(c.lastEventAt, locale, settings.zone),
      eventCount: c.eventCount,
    },
    events,
    moreEvents: Math.max(0, c.eventCount - events.length),
    reporters: join(reporters.map((r) => reporterLabel(r, locale))),
    identifiers: join(identifiers),
    zoneName: zoneName(settings.zone, locale),
    contact: settings.contact,
  };
}

function eventView(e: AbuseEventRow, locale: Locale, zone: string): EventView {
  const detail = parseObject(e.detail);
  const destination = parseObject(e.destination);
  const text = (key: string): string | null => {
    const v = detail[key];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
  };
  // ACNS lists one line per file; a notice shows them on one.
  const lines = (key: string): string | null => text(key)?.split('\n').filter(Boolean).join(' / ') ?? null;
  const device = [text('device_vendor'), text('device_model')].filter(Boolean).join(' ') || text('device_type');
  const targetPort = typeof destination.port === 'number' ? destination.port : null;
  return {
    time: noticeTime(e.occurredAt, locale, zone),
    address: e.sourceAddress ?? (locale === 'ja' ? '（不明）' : '(unknown)'),
    port: e.sourcePort,
    service: serviceLabel(e.sourcePort, locale) ?? null,
    protocol: e.protocol,
    identifier: e.identifier,
    device,
    targetAddress: typeof destination.address === 'string' ? destination.address : null,
    targetPort,
    targetService: serviceLabel(targetPort, locale) ?? null,
    url: e.sourceUrl ? defang(e.sourceUrl) : null,
    hostname: e.sourceHostname ? defang(e.sourceHostname) : null,
    work: lines('title'),
    fileName: lines('file_name'),
    subject: text('original_subject'),
  };
}

/** `hxxps://bad[.]example[.]com/login`: readable, not a link a mail program would make clickable. */
export function defang(value: string): string {
  return value.replace(/^http/i, (m) => `${m[0]}xx${m.slice(3)}`).replace(/\./g, '[.]');
}

function parseObject(json: string | null): Record<string, unknown> {
  if (!json) return {};
  try {
    const v: unknown = JSON.parse(json);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
