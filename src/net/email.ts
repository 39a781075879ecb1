import type { Normalised } from './result.js';
import { invalid } from './result.js';
import { normaliseDomain } from './domain.js';

/** local@domain with the domain normalised (lower case, A-labels); the local part is kept as written (RFC 5321: it may be case-sensitive). */
export function normaliseEmail(input: string): Normalised {
  const text = input.trim().replace(/^mailto:/i, '');
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) return invalid(`"${input}" is not an email address (local@domain)`);
  const local = text.slice(0, at);
  if (local.length > 64 || /[\s<>()[\],;:@"]/.test(local))
    return invalid(`"${input}": the part before @ is not a plain mailbox name`);
  const domain = normaliseDomain(text.slice(at + 1));
  if (!domain.ok) return invalid(`"${input}": ${domain.reason}`);
  return { ok: true, indicator: { type: 'email', value: `${local}@${domain.indicator.value}` } };
}
