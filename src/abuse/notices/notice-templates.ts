import type { Kysely } from 'kysely';
import { appendAudit } from '../../audit/append.js';
import { actorLabel, type AuditContext } from '../../domain/actor.js';
import { nowIso } from '../../domain/time.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import type { Locale } from '../../i18n/messages.js';
import type { Database } from '../../store/schema.js';
import {
  builtInTemplate,
  isNoticeLocale,
  isTemplateName,
  NOTICE_LOCALES,
  TEMPLATE_NAMES,
} from './builtin-templates.js';
import { parseTemplateSource, type NoticeTemplate, type TemplateRole } from './template-source.js';

// The templates notices are rendered from: an admin's version (table notice_templates) where there is one,
// else the shipped one; a class with neither uses `generic`. Saving checks the template first; saving and
// reverting are audited with the text, so what subscribers were sent on any day can be reconstructed.

export type ResolvedTemplate = {
  /** The template actually used: the class's own, or `generic`. */
  name: string;
  template: NoticeTemplate;
  overridden: boolean;
};

/** Finds the template for a name and language, from what was loaded once for a run. */
export type TemplateResolver = (name: string, locale: Locale) => ResolvedTemplate;

export function templateRole(name: string): TemplateRole {
  return name === 'digest' ? 'digest' : 'section';
}

/**
 * Loads the admin's templates once. `draft` stands in for one template (a preview of an edit not saved yet).
 * A stored template that no longer parses (written by an older version) falls back to the shipped one.
 */
export async function loadTemplates(
  db: Kysely<Database>,
  draft?: { name: string; locale: Locale; source: string },
): Promise<TemplateResolver> {
  const rows = await db.selectFrom('noticeTemplates').select(['name', 'locale', 'source']).execute();
  const stored = new Map(rows.map((r) => [`${r.name}.${r.locale}`, r.source]));
  if (draft) stored.set(`${draft.name}.${draft.locale}`, draft.source);
  return templateResolver(stored, draft);
}

/** Resolves from the admin's texts given (`name.locale` → text) and the shipped ones. */
export function templateResolver(
  stored: ReadonlyMap<string, string> = new Map(),
  draft?: { name: string; locale: Locale },
): TemplateResolver {
  const parsed = new Map<string, ResolvedTemplate | undefined>();
  const find = (name: string, locale: Locale): ResolvedTemplate | undefined => {
    const key = `${name}.${locale}`;
    if (parsed.has(key)) return parsed.get(key);
    let found: ResolvedTemplate | undefined;
    const own = stored.get(key);
    if (own !== undefined) {
      const check = parseTemplateSource(own, templateRole(name));
      if (check.ok) found = { name, template: check.template, overridden: true };
      else if (draft && draft.name === name && draft.locale === locale)
        throw new UserFacingError(400, 'abuse.template_invalid', { name, locale, problem: check.problem });
    }
    if (!found) {
      const shipped = builtInTemplate(name, locale);
      if (shipped !== undefined) {
        const check = parseTemplateSource(shipped, templateRole(name));
        if (!check.ok) throw new Error(`built-in notice template ${key} is broken: ${check.problem}`);
        found = { name, template: check.template, overridden: false };
      }
    }
    parsed.set(key, found);
    return found;
  };
  return (name, locale) => {
    const found = find(name, locale) ?? (name === 'digest' ? undefined : find('generic', locale));
    if (!found) throw new Error(`no notice template ${name}.${locale} and no generic one`);
    return found;
  };
}

export type TemplateSummary = {
  name: string;
  locale: Locale;
  /** Mizugiwa ships a template of this name. */
  builtIn: boolean;
  overridden: boolean;
  updatedBy: string | null;
  updatedAt: string | null;
};

/** Every template that exists (shipped or written by an admin), in both languages. */
export async function listTemplates(db: Kysely<Database>): Promise<TemplateSummary[]> {
  const rows = await db.selectFrom('noticeTemplates').selectAll().execute();
  const stored = new Map(rows.map((r) => [`${r.name}.${r.locale}`, r]));
  const out: TemplateSummary[] = [];
  for (const name of TEMPLATE_NAMES) {
    const shipped = NOTICE_LOCALES.some((l) => builtInTemplate(name, l) !== undefined);
    if (!shipped && !NOTICE_LOCALES.some((l) => stored.has(`${name}.${l}`))) continue;
    for (const locale of NOTICE_LOCALES) {
      const row = stored.get(`${name}.${locale}`);
      out.push({
        name,
        locale,
        builtIn: builtInTemplate(name, locale) !== undefined,
        overridden: row !== undefined,
        updatedBy: row?.updatedBy ?? null,
        updatedAt: row?.updatedAt ?? null,
      });
    }
  }
  return out;
}

export type TemplateDetail = TemplateSummary & {
  /** The text in use: the admin's, the shipped one, or (a class without either) `generic`'s. */
  source: string;
  builtInSource: string | null;
  /** The template `source` came from, when it is not this name's own (`generic`). */
  usesTemplate: string;
};

export async function getTemplate(db: Kysely<Database>, name: string, locale: string): Promise<TemplateDetail> {
  const checked = checkName(name, locale);
  const row = await db
    .selectFrom('noticeTemplates')
    .selectAll()
    .where('name', '=', name)
    .where('locale', '=', checked)
    .executeTakeFirst();
  const shipped = builtInTemplate(name, checked) ?? null;
  const fallback = row || shipped !== null ? name : 'generic';
  const source =
    row?.source ??
    shipped ??
    (
      await db
        .selectFrom('noticeTemplates')
        .select('source')
        .where('name', '=', 'generic')
        .where('locale', '=', checked)
        .executeTakeFirst()
    )?.source ??
    builtInTemplate('generic', checked)!;
  return {
    name,
    locale: checked,
    builtIn: shipped !== null,
    overridden: row !== undefined,
    updatedBy: row?.updatedBy ?? null,
    updatedAt: row?.updatedAt ?? null,
    source,
    builtInSource: shipped,
    usesTemplate: fallback,
  };
}

/** Saves an admin's template after checking it; the audit entry keeps the new text and the one it replaced. */
export async function setTemplate(
  db: Kysely<Database>,
  audit: AuditContext,
  name: string,
  locale: string,
  source: string,
): Promise<void> {
  const checked = checkName(name, locale);
  const check = parseTemplateSource(source, templateRole(name));
  if (!check.ok)
    throw new UserFacingError(400, 'abuse.template_invalid', { name, locale: checked, problem: check.problem });
  await db.transaction().execute(async (trx) => {
    const previous = await trx
      .selectFrom('noticeTemplates')
      .select('source')
      .where('name', '=', name)
      .where('locale', '=', checked)
      .executeTakeFirst();
    const at = nowIso();
    const by = actorLabel(audit.actor);
    await trx
      .insertInto('noticeTemplates')
      .values({ name, locale: checked, source, updatedBy: by, updatedAt: at })
      .onConflict((oc) => oc.columns(['name', 'locale']).doUpdateSet({ source, updatedBy: by, updatedAt: at }))
      .execute();
    await appendAudit(trx, audit, {
      action: 'abuse.template.set',
      target: `notice-template:${name}.${checked}`,
      detail: { source, previous: previous?.source ?? null },
    });
  });
}

/** Removes the admin's version: the shipped template (or `generic`) is used again. */
export async function revertTemplate(
  db: Kysely<Database>,
  audit: AuditContext,
  name: string,
  locale: string,
): Promise<void> {
  const checked = checkName(name, locale);
  await db.transaction().execute(async (trx) => {
    const removed = await trx
      .deleteFrom('noticeTemplates')
      .where('name', '=', name)
      .where('locale', '=', checked)
      .returning('source')
      .executeTakeFirst();
    if (!removed) throw new UserFacingError(404, 'abuse.template_not_overridden', { name, locale: checked });
    await appendAudit(trx, audit, {
      action: 'abuse.template.revert',
      target: `notice-template:${name}.${checked}`,
      detail: { removed: removed.source },
    });
  });
}

function checkName(name: string, locale: string): Locale {
  if (!isTemplateName(name)) throw new UserFacingError(404, 'abuse.template_unknown', { name });
  if (!isNoticeLocale(locale)) throw new UserFacingError(400, 'abuse.template_locale', { locale });
  return locale;
}
