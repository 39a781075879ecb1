// How to ask an ISP's billing system for a subscriber: where, with which credentials, and where in its JSON
// answer each field is. Checked once, when the config is loaded, so a typo shows then and not at the first abuse case.

import { SUBSCRIBER_STATUSES, type SubscriberStatus } from './subscriber-record.js';
import { parseJsonPath } from './json-path.js';

export type HttpDirectoryFields = {
  id: string;
  name: string;
  nameKana?: string;
  email?: string;
  phone?: string;
  postalAddress?: string;
  contract?: string;
  plan?: string;
  status?: string;
};

export type HttpDirectoryConfig = {
  /** `https://billing.example.jp/api/customers?{kind}={key}`: the key and its kind are URL-encoded into it. */
  url: string;
  /** Sent with every request, e.g. `Authorization`; never shown in errors. */
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Dotted JSON paths into the answer: `customer.contact.email`, `items[0].name`. */
  fields: HttpDirectoryFields;
  /**
   * The billing system's own status words, when they are not active / suspended / closed or 利用中 / 停止 / 解約:
   * `{ "1": "active", "9": "closed" }`.
   */
  statusValues?: Record<string, SubscriberStatus>;
};

export const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_TIMEOUT_MS = 120_000;

const FIELD_NAMES = ['id', 'name', 'nameKana', 'email', 'phone', 'postalAddress', 'contract', 'plan', 'status'];
const PLACEHOLDER = /\{([^{}]*)\}/g;
/** Stands in for the placeholders while the url is checked; a host name may hold it, so a placeholder there shows. */
const MARKER = 'mzgplaceholder';
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * What is wrong with a directory config, each as a sentence an operator can act on; empty when nothing is.
 * Takes what a config file held, so wrong types are said too, not trusted.
 */
export function httpDirectoryConfigProblems(config: HttpDirectoryConfig): string[] {
  const problems: string[] = [];
  const c = config as Partial<Record<keyof HttpDirectoryConfig, unknown>>;

  if (typeof c.url !== 'string' || c.url.trim() === '') {
    problems.push('url is missing: give the address of the billing system lookup, with {key} where the key goes.');
  } else {
    const url = c.url;
    const unknown = [...url.matchAll(PLACEHOLDER)].map((m) => m[1]).filter((name) => name !== 'key' && name !== 'kind');
    if (!url.includes('{key}'))
      problems.push(`url "${url}" has no {key}: put {key} where the subscriber's key goes (…/customers/{key}).`);
    if (unknown.length > 0)
      problems.push(
        `url has placeholders this lookup does not fill: ${unknown.map((n) => `{${n}}`).join(', ')}; only {key} and {kind} are filled in.`,
      );
    let parsed: URL | undefined;
    try {
      parsed = new URL(url.replace(PLACEHOLDER, MARKER));
    } catch {
      problems.push(
        `url "${url}" is not a URL: write it in full, like https://billing.example.jp/api/customers/{key}.`,
      );
    }
    if (parsed) {
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
        problems.push(`url must start with https:// (or http:// inside your own network), not ${parsed.protocol}//.`);
      if (parsed.username !== '' || parsed.password !== '')
        problems.push('url holds a user name or password: put credentials in headers (Authorization) instead.');
      if (parsed.host.includes(MARKER))
        problems.push('url has {key} or {kind} in its host name: put them in the path or query.');
    }
  }

  if (c.headers !== undefined) {
    if (c.headers === null || typeof c.headers !== 'object' || Array.isArray(c.headers)) {
      problems.push('headers must be a map of header names to values, like Authorization: Bearer ….');
    } else {
      for (const [name, value] of Object.entries(c.headers)) {
        if (!TOKEN.test(name)) problems.push(`headers: "${name}" is not a valid HTTP header name.`);
        // Never echo the value: it is usually a credential.
        if (typeof value !== 'string') problems.push(`headers: the value of ${name} must be text.`);
        else if (/[\r\n\0]/.test(value)) problems.push(`headers: the value of ${name} holds a line break; remove it.`);
      }
    }
  }

  if (c.timeoutMs !== undefined) {
    const t = c.timeoutMs;
    if (typeof t !== 'number' || !Number.isInteger(t) || t <= 0 || t > MAX_TIMEOUT_MS)
      problems.push(
        `timeoutMs must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS} (default ${DEFAULT_TIMEOUT_MS}).`,
      );
  }

  if (c.fields === null || typeof c.fields !== 'object' || Array.isArray(c.fields)) {
    problems.push(
      'fields is missing: say where in the answer id and name are, like id: customer.id, name: customer.name.',
    );
  } else {
    const fields = c.fields as Record<string, unknown>;
    for (const required of ['id', 'name'])
      if (fields[required] === undefined)
        problems.push(
          `fields.${required} is missing: say where in the billing system's answer the subscriber's ${required} is.`,
        );
    for (const [field, path] of Object.entries(fields)) {
      if (!FIELD_NAMES.includes(field)) {
        problems.push(`fields.${field} is not a subscriber field; the fields are ${FIELD_NAMES.join(', ')}.`);
        continue;
      }
      if (typeof path !== 'string' || path.trim() === '') {
        problems.push(`fields.${field} must be a path into the answer, like customer.${field}.`);
        continue;
      }
      const parsed = parseJsonPath(path.trim());
      if (!parsed.ok) problems.push(`fields.${field}: ${parsed.problem}.`);
    }
  }

  if (c.statusValues !== undefined) {
    if (c.statusValues === null || typeof c.statusValues !== 'object' || Array.isArray(c.statusValues)) {
      problems.push("statusValues must be a map of the billing system's status words to active, suspended or closed.");
    } else {
      for (const [word, status] of Object.entries(c.statusValues))
        if (!(SUBSCRIBER_STATUSES as readonly unknown[]).includes(status))
          problems.push(
            `statusValues: "${word}" must map to active, suspended or closed, not ${JSON.stringify(status)}.`,
          );
    }
  }
  return problems;
}
