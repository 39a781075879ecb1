// Subscriber lookup in the ISP's billing system, for ISPs that keep their customers there rather than export
// them: one GET per key, answered in JSON, read through the paths the config gives. Errors are for the
// operator who wrote the config: what the billing system answered and which setting to check.

import { VERSION } from '../../version.js';
import {
  DEFAULT_TIMEOUT_MS,
  httpDirectoryConfigProblems,
  type HttpDirectoryConfig,
  type HttpDirectoryFields,
} from './http-directory-config.js';
import { parseJsonPath, readJsonPath, type JsonPath } from './json-path.js';
import type { SubscriberKey, SubscriberRecord, SubscriberStatus } from './subscriber-record.js';
import { normaliseKey, normaliseSubscriberEmail, parseSubscriberStatus, STATUS_HELP } from './subscriber-values.js';

export type { HttpDirectoryConfig } from './http-directory-config.js';

export type HttpDirectory = {
  /** The subscriber the billing system holds for this key; undefined when it has none (404, 204, JSON null, or an empty list where fields.id goes). */
  lookup(key: SubscriberKey): Promise<SubscriberRecord | undefined>;
};

/** A lookup that failed in a way the operator has to look at (the billing system, or the config). */
export class DirectoryLookupError extends Error {
  override readonly name = 'DirectoryLookupError';
}

/** One subscriber's answer is small; anything this large is a list of all of them, or not the API at all. */
const MAX_ANSWER_BYTES = 1 << 20;

type FieldName = keyof HttpDirectoryFields;
const TEXT_FIELDS = ['nameKana', 'phone', 'postalAddress', 'contract', 'plan'] as const;

/** Throws, with every problem of the config, when the config is wrong; see httpDirectoryConfigProblems. */
export function httpDirectory(config: HttpDirectoryConfig): HttpDirectory {
  const problems = httpDirectoryConfigProblems(config);
  if (problems.length > 0) throw new Error(`the billing system directory config is wrong: ${problems.join(' ')}`);

  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const where = `the billing system at ${describeUrl(config.url)}`;
  const headers = { accept: 'application/json', 'user-agent': `mizugiwa/${VERSION}`, ...config.headers };
  const paths = new Map<FieldName, JsonPath>();
  for (const [field, path] of Object.entries(config.fields) as [FieldName, string | undefined][]) {
    const parsed = path === undefined ? undefined : parseJsonPath(path.trim());
    if (parsed?.ok) paths.set(field, parsed.path);
  }
  const statusValues = new Map(Object.entries(config.statusValues ?? {}));

  // Values that must never reach a log, should the billing system echo them back in an error page.
  const secrets = [...Object.values(config.headers ?? {}), ...queryValues(config.url)].filter((v) => v.length >= 4);
  const scrub = (text: string): string => secrets.reduce((t, secret) => t.replaceAll(secret, '[redacted]'), text);

  return {
    async lookup(key) {
      try {
        return await lookupOnce(key);
      } catch (error) {
        if (error instanceof DirectoryLookupError)
          throw new DirectoryLookupError(scrub(error.message), { cause: error.cause });
        throw error;
      }
    },
  };

  async function lookupOnce(key: SubscriberKey): Promise<SubscriberRecord | undefined> {
    const url = config.url
      .replaceAll('{key}', encodeURIComponent(key.value))
      .replaceAll('{kind}', encodeURIComponent(key.kind));
    const asking = `${where}, asked for a ${key.kind} key,`;
    const signal = AbortSignal.timeout(timeoutMs);
    let status: number;
    let body: string;
    let contentType: string;
    try {
      // Redirects are not followed: the credentials in headers are for this host, and a login page is no answer.
      const response = await fetch(url, { headers, redirect: 'manual', signal });
      status = response.status;
      contentType = response.headers.get('content-type') ?? 'no content type';
      if (status === 404 || status === 204) {
        await response.body?.cancel();
        return undefined;
      }
      if (status < 200 || status > 299) {
        const text = await readBody(response, 2000, asking).catch(() => '');
        throw new DirectoryLookupError(
          `${asking} answered ${status} ${response.statusText}${excerpt(text, contentType)}; ${statusHint(status, response.headers.get('location'))}`,
        );
      }
      body = await readBody(response, MAX_ANSWER_BYTES, asking);
    } catch (error) {
      if (error instanceof DirectoryLookupError) throw error;
      throw new DirectoryLookupError(`${asking} ${networkProblem(error, timeoutMs)}`, { cause: error });
    }

    let answer: unknown;
    try {
      answer = JSON.parse(body);
    } catch {
      throw new DirectoryLookupError(
        `${asking} answered ${status} with ${contentType} that is not JSON${excerpt(body, contentType)}; check that url is the JSON API and not a web page`,
      );
    }
    if (answer === null) return undefined;
    return toRecord(answer, key);
  }

  function toRecord(answer: unknown, key: SubscriberKey): SubscriberRecord | undefined {
    const read = (field: FieldName): string | undefined => {
      const path = paths.get(field);
      if (!path) return undefined;
      const found = readJsonPath(answer, path);
      if (!found.found) {
        if (field !== 'id' && field !== 'name') return undefined;
        throw new DirectoryLookupError(
          `${where} answered without ${found.missing} (fields.${field} is "${config.fields[field]}"); check fields.${field} against the answer${answerShape(answer)}`,
        );
      }
      const value = found.value;
      if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw new DirectoryLookupError(
        `${where} answered with ${Array.isArray(value) ? 'a list' : 'an object'} at ${config.fields[field]}, not a value; check fields.${field}: it should point at the ${field} itself${answerShape(answer)}`,
      );
    };

    // A search endpoint says "nobody" with an empty list: that is not found, not a wrong path.
    const idAt = readJsonPath(answer, paths.get('id')!);
    if (!idAt.found && idAt.emptyList) return undefined;
    const id = read('id');
    if (id === undefined)
      throw new DirectoryLookupError(`${where} answered with an empty ${config.fields.id}; check fields.id`);
    const name = read('name');
    if (name === undefined)
      throw new DirectoryLookupError(
        `${where} answered with an empty ${config.fields.name} for subscriber ${id}; fill in the name in the billing system, or check fields.name`,
      );
    const asked = normaliseKey(key.kind, key.value);
    const record: SubscriberRecord = {
      id,
      name,
      keys: [{ kind: key.kind, value: asked.ok ? asked.value : key.value }],
    };
    for (const field of TEXT_FIELDS) {
      const value = read(field);
      if (value !== undefined) record[field] = value;
    }
    const email = read('email');
    if (email !== undefined) {
      const checked = normaliseSubscriberEmail(email);
      if (!checked.ok)
        throw new DirectoryLookupError(
          `${where} holds an email for subscriber ${id} that is not an address: ${checked.problem}; correct it in the billing system, or check that fields.email points at the email`,
        );
      record.email = checked.value;
    }
    const statusText = read('status');
    if (statusText !== undefined) {
      const status = statusValues.get(statusText) ?? statusOf(statusText);
      if (status === undefined)
        throw new DirectoryLookupError(
          `${where} gives subscriber ${id} the status "${statusText}", which is none of ${STATUS_HELP}; map it in statusValues (e.g. "${statusText}": active), or check fields.status`,
        );
      record.status = status;
    }
    return record;
  }
}

function statusOf(text: string): SubscriberStatus | undefined {
  const checked = parseSubscriberStatus(text);
  return checked.ok ? checked.value : undefined;
}

/** Reads the body as text, failing past `max` bytes instead of holding whatever the server sends. */
async function readBody(response: Response, max: number, asking: string): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel();
      if (max < MAX_ANSWER_BYTES) break; // an error page: its beginning is enough
      throw new DirectoryLookupError(
        `${asking} answered with more than ${MAX_ANSWER_BYTES} bytes, more than one subscriber's record: check that url looks up one subscriber`,
      );
    }
    parts.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(parts));
}

/** The start of an answer, on one line, for an error message; HTML (an error page) without its tags. */
function excerpt(body: string, contentType: string): string {
  let text = /html/i.test(contentType) || /^\s*</.test(body) ? body.replace(/<[^>]*>/g, ' ') : body;
  text = text.replace(/\s+/g, ' ').trim();
  if (text === '') return '';
  return ` ("${text.length > 200 ? `${text.slice(0, 200)}…` : text}")`;
}

function statusHint(status: number, location: string | null): string {
  if (status >= 300 && status < 400)
    return location
      ? `it redirects to ${describeUrl(location)}: if that is the lookup, put it in url`
      : 'check url: the billing system redirects it';
  if (status === 401 || status === 403)
    return 'check headers: the billing system did not accept the credentials (Authorization)';
  if (status === 400 || status === 405 || status === 422)
    return 'check url: the billing system did not understand the request (is {key} in the right place?)';
  if (status === 429) return 'the billing system is limiting requests: try again later, or ask for a higher limit';
  if (status >= 500) return 'the billing system failed: try again later, or ask its administrator';
  return 'check url';
}

function networkProblem(error: unknown, timeoutMs: number): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError')
    return `did not answer within ${timeoutMs} ms: check that it is up, or raise timeoutMs`;
  const cause = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error);
  return `could not be reached (${cause}): check url, and that this host can connect to it`;
}

/** The query values of the url that it does not fill itself: often an API key. */
function queryValues(url: string): string[] {
  const q = url.indexOf('?');
  if (q === -1) return [];
  return url
    .slice(q + 1)
    .split('&')
    .filter((pair) => !pair.includes('{') && pair.includes('='))
    .flatMap((pair) => {
      const value = pair.slice(pair.indexOf('=') + 1);
      try {
        return [value, decodeURIComponent(value)];
      } catch {
        return [value];
      }
    });
}

/**
 * The url for messages: its path and the query names, but not query values it does not fill itself, which may be
 * an API key.
 */
function describeUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => (pair.includes('{') || !pair.includes('=') ? pair : `${pair.slice(0, pair.indexOf('='))}=…`));
  return `${url.slice(0, q)}?${query.join('&')}`;
}

/** The answer's top-level names, to compare with the paths: names only, since the values are personal data. */
function answerShape(answer: unknown): string {
  if (Array.isArray(answer)) return ` (the answer is a list of ${answer.length})`;
  if (answer !== null && typeof answer === 'object') {
    const names = Object.keys(answer).slice(0, 20);
    return names.length > 0 ? ` (its top-level names are ${names.join(', ')})` : ' (the answer is an empty object)';
  }
  return ` (the answer is ${typeof answer === 'string' ? 'a string' : String(answer)})`;
}
