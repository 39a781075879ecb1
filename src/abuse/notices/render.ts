import type { Locale } from '../../i18n/messages.js';
import type { TemplateResolver } from './notice-templates.js';
import { sectionView, type CaseForNotice, type NoticeContact, type ViewSettings } from './notice-view.js';
import { renderText } from './template-source.js';
import { zoneName } from './time-format.js';

// One digest: the mail a subscriber gets, covering every case of theirs that is due, each case a section
// from its class's template, all inside the `digest` template. Pure: the same cases, templates and settings
// give the same text, so a dry run shows exactly what would be sent.

export type DigestInput = {
  subscriber: { id: string; name: string };
  locale: Locale;
  cases: CaseForNotice[];
};

export type RenderedDigest = { subject: string; body: string };

export type DigestOptions = {
  zone: string;
  contact: Record<Locale, NoticeContact>;
  /** Renders the section of this template for every case (a preview of one class's template). */
  sectionTemplate?: string | undefined;
};

export function renderDigest(input: DigestInput, templates: TemplateResolver, options: DigestOptions): RenderedDigest {
  const { locale } = input;
  const settings: ViewSettings = { zone: options.zone, contact: options.contact[locale] };
  // Notices before reminders, then oldest case first: the most pressing news comes first.
  const cases = [...input.cases].sort((a, b) =>
    a.kind === b.kind ? a.firstEventAt.localeCompare(b.firstEventAt) || a.id - b.id : a.kind === 'notice' ? -1 : 1,
  );
  const headings: string[] = [];
  const sections = cases.map((c) => {
    const { template } = templates(options.sectionTemplate ?? c.type, locale);
    const view = { ...sectionView(c, locale, settings), subscriber: input.subscriber };
    const heading = oneLine(renderText(template.meta.title ?? '', view));
    headings.push(heading);
    return tidy(renderText(template.body, { ...view, heading }));
  });
  const digest = templates('digest', locale).template;
  const view = {
    subscriber: input.subscriber,
    contact: settings.contact,
    zoneName: zoneName(options.zone, locale),
    caseCount: cases.length,
    allReminders: cases.length > 0 && cases.every((c) => c.kind === 'reminder'),
    hasReminders: cases.some((c) => c.kind === 'reminder'),
    hasNotices: cases.some((c) => c.kind === 'notice'),
    headings: headings.join(locale === 'ja' ? '、' : ', '),
    sections: sections.join('\n\n'),
  };
  return {
    subject: oneLine(renderText(digest.meta.subject ?? '', view)),
    body: tidy(renderText(digest.body, view)),
  };
}

/** No trailing spaces, no runs of blank lines that empty sections leave, one newline at the end. */
function tidy(text: string): string {
  return `${text
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
