import { createHash } from 'node:crypto';
import type { EnforceConfig } from '../../config/enforce-schema.js';
import { CATEGORIES, type Category } from '../../domain/indicator.js';
import { TEXTS, type TextKey } from './texts.js';

// The block page as one self-contained HTML document: the subscriber's browser reached us instead of
// a threat, so nothing may be loaded from anywhere (the page must work offline-from-the-internet and
// give the blocked site no way in). The Host header it names is attacker-controlled: every value that
// is not a fixed text goes through escapeHtml, and the CSP forbids scripts even if one got through.

export type PageLanguage = 'ja' | 'en';
export type SinkholeContact = EnforceConfig['sinkhole']['contact'];

export type BlockPageInput = {
  /** The blocked name as the browser asked for it (no port); '' when the request named none. */
  host: string;
  /** From the live matcher, most common first; undefined when the name is not (or no longer) listed. */
  categories: readonly Category[] | undefined;
  reference: string;
  contact: SinkholeContact;
  /** In display order: ['ja'], ['en'] or ['ja', 'en']. */
  languages: readonly PageLanguage[];
};

const STYLE = `
:root{color-scheme:light dark;--fg:#1b1b1f;--muted:#5a5f66;--bg:#f3f4f6;--card:#fff;--accent:#b3261e;--line:#c9ced6}
@media (prefers-color-scheme:dark){:root{--fg:#eceff1;--muted:#aab1b8;--bg:#121416;--card:#1e2226;--accent:#ff8a80;--line:#4a525a}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.75 system-ui,-apple-system,"Hiragino Sans","Hiragino Kaku Gothic ProN","Noto Sans JP","Noto Sans CJK JP","Yu Gothic",Meiryo,sans-serif}
main{max-width:42rem;margin:0 auto;padding:1rem}
section{background:var(--card);border-top:6px solid var(--accent);border-radius:8px;padding:1.25rem 1.25rem .75rem;margin:0 0 1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.45rem;line-height:1.4;margin:0 0 .75rem;color:var(--accent)}
h2{font-size:1.05rem;margin:1.25rem 0 .25rem}
p,ul,dl{margin:.25rem 0 .75rem}
ul{padding-left:1.4rem}
li{margin:.2rem 0}
.host{font-weight:700;overflow-wrap:anywhere;word-break:break-all}
.category{font-weight:700}
.refbox{border:2px dashed var(--line);border-radius:6px;padding:.5rem .75rem;margin:1rem 0}
.ref{display:block;font:700 1.35rem/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.08em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .9rem}
dt{color:var(--muted)}
dd{margin:0;overflow-wrap:anywhere}
a{color:inherit}
footer{color:var(--muted);font-size:.85rem;border-top:1px solid var(--line);padding-top:.5rem}
@media (max-width:30rem){main{padding:.5rem}section{padding:1rem .9rem .5rem}h1{font-size:1.25rem}}
`;

/**
 * The CSP sent with the page: nothing but this exact stylesheet (by hash, so not even an injected
 * `<style>` would apply), no scripts, no frames, no forms, no base URL changes.
 */
export const BLOCK_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** For text and for double- or single-quoted attribute values alike. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/**
 * Which languages to show for an Accept-Language header: the one the browser ranks higher; both
 * (Japanese first) when it ranks them equally, names neither, or sends no header at all.
 */
export function pageLanguages(acceptLanguage: string | undefined): PageLanguage[] {
  const q = { ja: -1, en: -1 };
  let wildcard = -1;
  for (const item of (acceptLanguage ?? '').split(',').slice(0, 64)) {
    const [tag = '', ...params] = item.split(';');
    const lang = tag.trim().toLowerCase().split('-')[0] ?? '';
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=(.*)$/i.exec(p);
      // RFC 9110 qvalue; an item with a q that is not one is ignored rather than trusted as q=1.
      if (m) weight = /^\s*(0(\.\d{0,3})?|1(\.0{0,3})?)\s*$/.test(m[1] as string) ? Number(m[1]) : NaN;
    }
    if (Number.isNaN(weight)) continue;
    if (lang === 'ja' || lang === 'en') q[lang] = Math.max(q[lang], weight);
    else if (lang === '*') wildcard = Math.max(wildcard, weight);
  }
  const ja = q.ja >= 0 ? q.ja : Math.max(wildcard, 0);
  const en = q.en >= 0 ? q.en : Math.max(wildcard, 0);
  if (ja > en) return ['ja'];
  if (en > ja) return ['en'];
  return ['ja', 'en'];
}

/** The whole page; pure: the same input gives the same bytes. */
export function renderBlockPage(input: BlockPageInput): string {
  const languages: readonly PageLanguage[] = input.languages.length > 0 ? input.languages : ['ja', 'en'];
  return htmlDocument(
    languages,
    languages.map((l) => TEXTS[l].title).join(' / '),
    languages.map((l) => section(l, input)),
  );
}

/**
 * A page of ours around its sections: the one stylesheet (which BLOCK_PAGE_CSP allows by hash), no
 * scripts, nothing loaded from anywhere. Every page the sinkhole serves is built with it.
 */
export function htmlDocument(languages: readonly PageLanguage[], title: string, sections: string[]): string {
  const first = languages[0] ?? 'ja';
  return [
    '<!doctype html>',
    `<html lang="${first}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    ...sections,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function section(lang: PageLanguage, input: BlockPageInput): string {
  const t = (key: TextKey) => escapeHtml(TEXTS[lang][key]);
  const host = displayHost(input.host);
  const lead = host
    ? // A replacer function: a string replacement would interpret `$&` or `$'` inside the host.
      t('lead').replace('{host}', () => `<span class="host">${escapeHtml(host)}</span>`)
    : t('lead_no_host');
  return [
    `<section lang="${lang}" id="block-${lang}">`,
    `<h1 id="heading-${lang}">${t('heading')}</h1>`,
    `<p id="lead-${lang}">${lead}</p>`,
    `<p>${t('category_label')}</p>`,
    `<ul id="categories-${lang}">`,
    ...categoryKeys(input.categories).map((key) => `<li class="category">${t(key)}</li>`),
    '</ul>',
    `<h2>${t('why_heading')}</h2>`,
    `<p>${t('why_body')}</p>`,
    `<h2>${t('todo_heading')}</h2>`,
    '<ul>',
    `<li>${t('todo_password')}</li>`,
    `<li>${t('todo_scan')}</li>`,
    `<li>${t('todo_contact')}</li>`,
    '</ul>',
    `<p>${t('mistake')}</p>`,
    '<div class="refbox">',
    `${t('reference_label')}`,
    `<span class="ref" id="reference-${lang}">${escapeHtml(input.reference)}</span>`,
    `${t('reference_hint')}`,
    '</div>',
    `<h2>${t('contact_heading')}</h2>`,
    contactBlock(lang, input.contact),
    `<footer>${t('footer')}</footer>`,
    '</section>',
  ].join('\n');
}

/** Up to three categories, known ones only; the generic text when the matcher has nothing to say. */
function categoryKeys(categories: readonly Category[] | undefined): TextKey[] {
  const known = [...new Set(categories ?? [])].filter((c) => (CATEGORIES as readonly string[]).includes(c));
  return known.length > 0 ? known.slice(0, 3).map((c) => `category.${c}` as const) : ['category.unknown'];
}

/** The ISP's contact from the sinkhole config: name, phone, e-mail, web (links only where safe). */
export function contactBlock(lang: PageLanguage, contact: SinkholeContact): string {
  const t = TEXTS[lang];
  const name = (lang === 'ja' ? contact.name_ja : contact.name_en) || contact.name_ja || contact.name_en;
  const rows: string[] = [];
  const phone = contact.phone.trim();
  if (phone) {
    const dial = phone.replace(/[^0-9+]/g, '');
    const shown = escapeHtml(phone);
    rows.push(row(t.contact_phone, dial ? `<a href="tel:${escapeHtml(dial)}">${shown}</a>` : shown));
  }
  const email = contact.email.trim();
  if (email) {
    const linkable = /^[^\s@<>"'()]+@[^\s@<>"'()]+$/.test(email);
    const shown = escapeHtml(email);
    rows.push(row(t.contact_email, linkable ? `<a href="mailto:${escapeHtml(email)}">${shown}</a>` : shown));
  }
  const url = contact.url.trim();
  if (url) {
    const shown = escapeHtml(url);
    rows.push(row(t.contact_web, isWebUrl(url) ? `<a href="${escapeHtml(url)}">${shown}</a>` : shown));
  }
  return [
    name ? `<p><strong>${escapeHtml(name)}</strong></p>` : '',
    rows.length > 0 ? `<dl>\n${rows.join('\n')}\n</dl>` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

function row(label: string, valueHtml: string): string {
  return `<dt>${escapeHtml(label)}</dt><dd>${valueHtml}</dd>`;
}

/** Only http(s) becomes a link: a javascript: or data: URL in the config must not become clickable. */
function isWebUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The name as the subscriber would recognise it; control characters could hide or reorder it. */
function displayHost(host: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = host.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
  return clean.length > 253 ? `${clean.slice(0, 253)}…` : clean;
}
