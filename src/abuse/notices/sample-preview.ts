import type { Kysely } from 'kysely';
import type { AbuseNoticesConfig } from '../../config/abuse-notices-schema.js';
import { isRsitType } from '../../domain/abuse-event.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import type { Locale } from '../../i18n/messages.js';
import type { AbuseEventRow, Database } from '../../store/schema.js';
import { isNoticeLocale, isTemplateName } from './builtin-templates.js';
import { digestOptions } from './digests.js';
import type { CaseForNotice, NoticeKind } from './notice-view.js';
import { templatesWithDraft } from './preview.js';
import { renderDigest } from './render.js';

// A template (the saved one, or a draft not saved yet) rendered against made-up facts: a sample
// subscriber with one case of the class and a few events of the kind that class is reported with.
// Nobody's data is read, so the template editor can preview on every keystroke without an audited read
// (a preview against a real case is preview.ts).

export const SAMPLE_SUBSCRIBER_ID = 'SAMPLE-0001';
const SAMPLE_NAME: Record<Locale, string> = { ja: '見本 太郎', en: 'Taro Sample' };
/** The class a digest template is previewed with: its sections need one. */
const DIGEST_SAMPLE_CLASS = 'vulnerable-system';
const FIRST = '2026-11-19T01:15:03.000Z';
const SECOND = '2026-11-20T12:40:10.000Z';
const NOTICED = '2026-11-21T00:00:00.000Z';

export type SamplePreviewRequest = {
  name: string;
  locale: string;
  /** A draft to render instead of the saved template. */
  source?: string | undefined;
  kind?: NoticeKind | undefined;
};

export type SamplePreview = { subject: string; body: string; locale: Locale; subscriberId: string; caseType: string };

export async function previewWithSample(
  db: Kysely<Database>,
  config: AbuseNoticesConfig,
  request: SamplePreviewRequest,
): Promise<SamplePreview> {
  const { name, locale } = request;
  if (!isTemplateName(name)) throw new UserFacingError(404, 'abuse.template_unknown', { name });
  if (!isNoticeLocale(locale)) throw new UserFacingError(400, 'abuse.template_locale', { locale });
  const templates = await templatesWithDraft(db, name, locale, request.source);
  const caseType = name === 'digest' || name === 'generic' ? DIGEST_SAMPLE_CLASS : name;
  const sample = sampleCase(caseType, request.kind ?? 'notice');
  const rendered = renderDigest(
    { subscriber: { id: SAMPLE_SUBSCRIBER_ID, name: SAMPLE_NAME[locale] }, locale, cases: [sample] },
    templates,
    { ...digestOptions(config), sectionTemplate: name === 'digest' ? undefined : name },
  );
  return { ...rendered, locale, subscriberId: SAMPLE_SUBSCRIBER_ID, caseType };
}

/** One case of a class with three events, two of them listed, as the notifier would hand it to the templates. */
export function sampleCase(type: string, kind: NoticeKind): CaseForNotice {
  const events = [sampleEvent(1, type, FIRST), sampleEvent(2, type, SECOND)];
  return {
    id: 1234,
    type,
    firstEventAt: FIRST,
    lastEventAt: SECOND,
    eventCount: 3,
    kind,
    previousNoticeAt: kind === 'reminder' ? NOTICED : null,
    eventsSinceNotice: kind === 'reminder' ? 2 : 0,
    events,
    reporters: [events[0]!.reporter],
  };
}

type Facts = Partial<
  Pick<
    AbuseEventRow,
    'sourcePort' | 'sourceHostname' | 'sourceUrl' | 'protocol' | 'identifier' | 'reporter' | 'destination' | 'detail'
  >
>;

/** What reports of each kind of problem usually say, so every template's fields have something to show. */
function factsOf(type: string): Facts {
  const json = (value: object) => JSON.stringify(value);
  switch (type) {
    case 'phishing':
    case 'malware-distribution':
    case 'malware-configuration':
      return {
        sourcePort: 443,
        sourceHostname: 'login.example.com',
        sourceUrl: 'https://login.example.com/account/verify',
        protocol: 'tcp',
        reporter: 'phishing-reporter.example',
      };
    case 'copyright':
      return {
        sourcePort: 6881,
        protocol: 'bittorrent',
        identifier: 'BitTorrent',
        reporter: 'example-rights-council',
        detail: json({ title: 'Sample Work', file_name: 'Sample.Work.2026.1080p.mkv' }),
      };
    case 'spam':
      return {
        sourcePort: 25,
        protocol: 'smtp',
        reporter: 'fbl.example.net',
        detail: json({ original_subject: 'Special offer for you' }),
      };
    case 'infected-system':
    case 'c2-server':
    case 'system-compromise':
      return {
        sourcePort: 49822,
        protocol: 'tcp',
        identifier: 'mirai',
        reporter: 'shadowserver',
        destination: json({ address: '198.51.100.200', port: 443 }),
      };
    case 'scanner':
    case 'brute-force':
    case 'exploit':
    case 'ids-alert':
      return {
        protocol: 'tcp',
        reporter: 'shadowserver',
        identifier: type === 'brute-force' ? 'ssh' : null,
        destination: json({ address: '198.51.100.7', port: type === 'brute-force' ? 22 : 23 }),
      };
    case 'ddos-amplifier':
    case 'vulnerable-system':
    case 'potentially-unwanted-accessible':
    case 'weak-crypto':
    case 'information-disclosure':
      return {
        sourcePort: 123,
        protocol: 'udp',
        identifier: 'ntp',
        reporter: 'shadowserver',
        detail: json({ device_vendor: 'Example', device_model: 'Router 100' }),
      };
    default:
      return { sourcePort: 80, protocol: 'tcp', reporter: 'shadowserver' };
  }
}

function sampleEvent(id: number, type: string, at: string): AbuseEventRow {
  const facts = factsOf(type);
  return {
    id,
    reportId: 0,
    seq: id,
    type: isRsitType(type) ? type : 'undetermined',
    identifier: facts.identifier ?? null,
    occurredAt: at,
    sourceAddress: '192.0.2.10',
    sourcePort: facts.sourcePort ?? null,
    sourceHostname: facts.sourceHostname ?? null,
    sourceUrl: facts.sourceUrl ?? null,
    destination: facts.destination ?? null,
    protocol: facts.protocol ?? null,
    reporter: facts.reporter ?? 'shadowserver',
    reportType: 'sample',
    evidence: `sample:${id}`,
    detail: facts.detail ?? null,
    needsReview: 0,
    state: 'attributed',
    unassignedReason: null,
    subscriberKey: null,
    subscriberId: SAMPLE_SUBSCRIBER_ID,
    caseId: 1234,
    createdAt: at,
  };
}
