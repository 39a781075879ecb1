import Mustache from 'mustache';
import { parse as parseYaml } from 'yaml';

// A notice template as an admin writes it: a short YAML front matter (`title:` for a class, `subject:` for
// the digest around the classes) between `---` lines, then the plain-text body, both Mustache. Notices are
// plain text, so nothing is HTML-escaped. A template that cannot work is refused when it is saved, with
// what to fix, rather than failing the night's notices.

export type NoticeTemplate = {
  /** `title` (a class: the heading of its section) or `subject` (the digest: the mail's subject). */
  meta: { title?: string | undefined; subject?: string | undefined };
  body: string;
};

export type TemplateCheck = { ok: true; template: NoticeTemplate } | { ok: false; problem: string };

/** `digest` is the mail around the sections; every other name is a class's section. */
export type TemplateRole = 'digest' | 'section';

const FRONT_MATTER = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

export function parseTemplateSource(source: string, role: TemplateRole): TemplateCheck {
  const match = FRONT_MATTER.exec(source);
  if (!match)
    return {
      ok: false,
      problem:
        role === 'digest'
          ? 'the template must begin with a front matter block: a line "---", a line "subject: …", and a line "---"'
          : 'the template must begin with a front matter block: a line "---", a line "title: …", and a line "---"',
    };
  let meta: unknown;
  try {
    meta = parseYaml(match[1]!);
  } catch (error) {
    return { ok: false, problem: `the front matter is not valid YAML: ${(error as Error).message.split('\n')[0]}` };
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta))
    return { ok: false, problem: 'the front matter must be "key: value" lines (title, subject)' };
  const fields = meta as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => k !== 'title' && k !== 'subject');
  if (unknown.length > 0)
    return { ok: false, problem: `the front matter knows only title and subject, not ${unknown.join(', ')}` };
  for (const key of ['title', 'subject'] as const)
    if (fields[key] !== undefined && typeof fields[key] !== 'string')
      return { ok: false, problem: `${key} must be text (put it in quotes)` };
  const template: NoticeTemplate = {
    meta: { title: fields.title as string | undefined, subject: fields.subject as string | undefined },
    body: source.slice(match[0].length).replace(/\r\n/g, '\n'),
  };
  const needed = role === 'digest' ? 'subject' : 'title';
  if (!template.meta[needed]?.trim())
    return {
      ok: false,
      problem:
        role === 'digest'
          ? 'the front matter needs a subject: the subject line of the mail'
          : 'the front matter needs a title: the heading of the section and a name for the problem',
    };
  for (const [what, text] of [
    [needed, template.meta[needed]!],
    ['body', template.body],
  ] as const) {
    const problem = mustacheProblem(text);
    if (problem) return { ok: false, problem: `${what}: ${problem}` };
  }
  if (role === 'digest' && !mentions(template.body, 'sections'))
    return {
      ok: false,
      problem: 'the digest body must contain {{{sections}}}, where the sections about each case go',
    };
  if (role === 'section' && !mentions(template.body, 'events'))
    return {
      ok: false,
      problem: 'the section must list what was seen: put {{#events}} … {{/events}} in the body',
    };
  return { ok: true, template };
}

/** Renders a template text without HTML escaping: a notice is plain text. */
export function renderText(text: string, view: object): string {
  return Mustache.render(text, view, {}, { escape: (value: unknown) => String(value) });
}

function mustacheProblem(text: string): string | undefined {
  try {
    Mustache.parse(text);
    return undefined;
  } catch (error) {
    return `${(error as Error).message} (check that every {{#name}} has its {{/name}})`;
  }
}

type Token = [string, string, number, number, Token[]?, ...unknown[]];

/** Whether a template uses a name anywhere (as a value or a section). */
function mentions(text: string, name: string): boolean {
  const walk = (tokens: Token[]): boolean =>
    tokens.some((t) => (t[0] !== 'text' && t[1] === name) || (Array.isArray(t[4]) && walk(t[4])));
  return walk(Mustache.parse(text) as unknown as Token[]);
}
