import { contactBlock, escapeHtml, htmlDocument, type PageLanguage, type SinkholeContact } from './page.js';
import { problemGroup, RESTRICTED_TEXTS } from './restricted-texts.js';

// The notice page of the walled garden: what a restricted subscriber sees whatever name they open.
// It names the case (number, class, since when) and what to do, never the subscriber (anyone behind
// the address reads it). Built with the block page's document, so the same CSP and style apply.

/** What the sinkhole knows about a client in the walled garden (from the abuse desk's restrictions). */
export type RestrictedClient = {
  restrictionId: number;
  caseId: number;
  /** The case's class, an RSIT type (`infected-system`). */
  type: string;
  /** When the restriction was approved (ISO 8601 UTC). */
  since: string;
};

export type RestrictedPageInput = {
  client: RestrictedClient;
  reference: string;
  contact: SinkholeContact;
  languages: readonly PageLanguage[];
  /** The zone the date is shown in (the operator's, `ui.timezone`). */
  timeZone: string;
};

/** The whole page; pure: the same input gives the same bytes. */
export function renderRestrictedPage(input: RestrictedPageInput): string {
  const languages: readonly PageLanguage[] = input.languages.length > 0 ? input.languages : ['ja', 'en'];
  return htmlDocument(
    languages,
    languages.map((l) => RESTRICTED_TEXTS[l].title).join(' / '),
    languages.map((l) => section(l, input)),
  );
}

function section(lang: PageLanguage, input: RestrictedPageInput): string {
  const t = RESTRICTED_TEXTS[lang];
  const problem = t.problems[problemGroup(input.client.type)];
  const caseNumber = String(input.client.caseId);
  return [
    `<section lang="${lang}" id="restricted-${lang}">`,
    `<h1 id="heading-${lang}">${escapeHtml(t.heading)}</h1>`,
    `<p>${escapeHtml(t.lead)}</p>`,
    '<dl>',
    `<dt>${escapeHtml(t.case_label)}</dt><dd class="ref" id="case-${lang}">${escapeHtml(caseNumber)}</dd>`,
    `<dt>${escapeHtml(t.since_label)}</dt><dd>${escapeHtml(dateText(input.client.since, lang, input.timeZone))}</dd>`,
    '</dl>',
    `<h2>${escapeHtml(t.problem_heading)}</h2>`,
    `<p id="problem-${lang}">${escapeHtml(problem.what)}</p>`,
    `<h2>${escapeHtml(t.todo_heading)}</h2>`,
    `<ul id="steps-${lang}">`,
    ...problem.steps.map((s) => `<li>${escapeHtml(s)}</li>`),
    '</ul>',
    `<h2>${escapeHtml(t.after_heading)}</h2>`,
    `<p>${escapeHtml(t.after_body)}</p>`,
    '<div class="refbox">',
    escapeHtml(t.reference_label),
    `<span class="ref" id="reference-${lang}">${escapeHtml(input.reference)}</span>`,
    escapeHtml(t.reference_hint),
    '</div>',
    `<h2>${escapeHtml(t.contact_heading)}</h2>`,
    contactBlock(lang, input.contact),
    `<footer>${escapeHtml(t.footer)}</footer>`,
    '</section>',
  ].join('\n');
}

/** `2026年11月24日` / `24 November 2026` in the operator's zone; the raw text if it is not a time. */
function dateText(iso: string, lang: PageLanguage, timeZone: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', {
    timeZone,
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  }).format(at);
}
