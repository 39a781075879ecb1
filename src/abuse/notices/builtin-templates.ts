import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RSIT_TYPES } from '../../domain/abuse-event.js';
import type { Locale } from '../../i18n/messages.js';

// The templates shipped with Mizugiwa: data files `templates/<name>.<ja|en>.mustache` beside this module,
// so rewording one is an edit to a text file, not to code. An admin's own version is kept in the database
// (notice-templates.ts) and wins over these.

export const NOTICE_LOCALES: readonly Locale[] = ['ja', 'en'];

/** `digest` (the mail around the sections), `generic` (a class without its own template), and every class. */
export const TEMPLATE_NAMES: readonly string[] = ['digest', 'generic', ...RSIT_TYPES];

export function isTemplateName(name: string): boolean {
  return TEMPLATE_NAMES.includes(name);
}

export function isNoticeLocale(value: string): value is Locale {
  return (NOTICE_LOCALES as readonly string[]).includes(value);
}

/** The templates folder beside this module: the source tree under tsx, the copy `npm run build` makes in dist. */
function templateDir(): string {
  const dir = fileURLToPath(new URL('./templates/', import.meta.url));
  if (existsSync(`${dir}digest.ja.mustache`)) return dir;
  throw new Error(
    `the built-in notice templates were not found in ${dir}: run \`npm run build\` (it copies src/abuse/notices/templates there)`,
  );
}

let cache: Map<string, string> | undefined;

function builtIns(): Map<string, string> {
  if (cache) return cache;
  const dir = templateDir();
  const found = new Map<string, string>();
  for (const file of readdirSync(dir)) {
    const m = /^([a-z0-9-]+)\.(ja|en)\.mustache$/.exec(file);
    if (m) found.set(`${m[1]}.${m[2]}`, readFileSync(`${dir}${file}`, 'utf8'));
  }
  cache = found;
  return found;
}

/** The shipped text of a template, or undefined when Mizugiwa ships none of that name (a class using `generic`). */
export function builtInTemplate(name: string, locale: Locale): string | undefined {
  return builtIns().get(`${name}.${locale}`);
}

/** The names Mizugiwa ships a template for (in both languages). */
export function builtInTemplateNames(): string[] {
  return TEMPLATE_NAMES.filter((n) => NOTICE_LOCALES.every((l) => builtIns().has(`${n}.${l}`)));
}
