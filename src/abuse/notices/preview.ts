import type { Kysely } from 'kysely';
import type { AbuseNoticesConfig } from '../../config/abuse-notices-schema.js';
import type { AuditContext } from '../../domain/actor.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import type { Locale } from '../../i18n/messages.js';
import type { Database } from '../../store/schema.js';
import { readSubscribers } from '../../store/subscribers.js';
import { isNoticeLocale, isTemplateName } from './builtin-templates.js';
import { casesForNotice, digestOptions, subscriberLocale } from './digests.js';
import { loadTemplates, templateRole, type TemplateResolver } from './notice-templates.js';
import type { NoticeKind } from './notice-view.js';
import { renderDigest, type RenderedDigest } from './render.js';
import { parseTemplateSource } from './template-source.js';

// A template (the saved one, or a draft not saved yet) rendered against a real case, as its subscriber
// would get it. The subscriber's name is read for it, so the preview is an audited read with the
// purpose abuse-notice.

export type PreviewRequest = {
  name: string;
  caseId: number;
  /** Default: the subscriber's language. */
  locale?: string | undefined;
  /** A draft to render instead of the saved template. */
  source?: string | undefined;
  kind?: NoticeKind | undefined;
};

export type Preview = RenderedDigest & { locale: Locale; subscriberId: string; caseType: string };

/**
 * The templates to render with: the saved ones, or with a draft of one template (in one language) in its place. A
 * draft that does not parse is refused with the problem, as saving it would be.
 */
export async function templatesWithDraft(
  db: Kysely<Database>,
  name: string,
  locale: Locale,
  source: string | undefined,
): Promise<TemplateResolver> {
  if (source === undefined) return loadTemplates(db);
  const check = parseTemplateSource(source, templateRole(name));
  if (!check.ok) throw new UserFacingError(400, 'abuse.template_invalid', { name, locale, problem: check.problem });
  return loadTemplates(db, { name, locale, source });
}

export async function previewTemplate(
  db: Kysely<Database>,
  config: AbuseNoticesConfig,
  access: AuditContext,
  request: PreviewRequest,
): Promise<Preview> {
  const { name } = request;
  if (!isTemplateName(name)) throw new UserFacingError(404, 'abuse.template_unknown', { name });
  if (request.locale !== undefined && !isNoticeLocale(request.locale))
    throw new UserFacingError(400, 'abuse.template_locale', { locale: request.locale });
  const row = await db.selectFrom('abuseCases').selectAll().where('id', '=', request.caseId).executeTakeFirst();
  if (!row) throw new UserFacingError(404, 'abuse.case_not_found', { id: request.caseId });
  const [subscriber] = await readSubscribers(
    db,
    { ...access, purpose: { kind: 'abuse-notice', text: `template preview, case ${request.caseId}` } },
    { id: row.subscriberId },
  );
  if (!subscriber) throw new UserFacingError(404, 'subscriber.not_found', { id: row.subscriberId });
  const locale = (request.locale as Locale | undefined) ?? subscriberLocale(subscriber, config);
  const templates = await templatesWithDraft(db, name, locale, request.source);
  const kind = request.kind ?? 'notice';
  const lastNotice = await db
    .selectFrom('noticeCases')
    .innerJoin('notices', 'notices.id', 'noticeCases.noticeId')
    .select((eb) => eb.fn.max('notices.createdAt').as('at'))
    .where('noticeCases.caseId', '=', request.caseId)
    .executeTakeFirst();
  const [forNotice] = await casesForNotice(
    db,
    [
      {
        caseId: Number(row.id),
        subscriberId: row.subscriberId,
        type: row.type,
        kind,
        previousNoticeAt: kind === 'reminder' ? (lastNotice?.at ?? row.firstEventAt) : null,
        round: 0,
      },
    ],
    config.max_events_listed,
  );
  const rendered = renderDigest(
    { subscriber: { id: subscriber.id, name: subscriber.name }, locale, cases: [forNotice!.forNotice] },
    templates,
    { ...digestOptions(config), sectionTemplate: name === 'digest' ? undefined : name },
  );
  return { ...rendered, locale, subscriberId: subscriber.id, caseType: row.type };
}
