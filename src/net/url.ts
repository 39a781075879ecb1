import type { Normalised } from './result.js';
import { invalid } from './result.js';
import { normaliseDomain } from './domain.js';

const SCHEMES = new Set(['http:', 'https:', 'ftp:', 'ws:', 'wss:']);

/**
 * A URL as the WHATWG parser writes it (what browsers and proxies see): scheme and host lower case,
 * the host in A-labels, the default port dropped, the path percent-encoded; the fragment is dropped
 * because it never leaves the client.
 */
export function normaliseUrl(input: string): Normalised {
  const text = input.trim();
  if (/^(hxxps?|fxp):\/\//i.test(text) || /\[\.\]|\(\.\)|\{\.\}/.test(text)) {
    return invalid(`"${input}" is defanged (hxxp, [.]); give the feed's real URL`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return invalid(`"${input}" is not an absolute URL (scheme://host/path)`);
  }
  if (!SCHEMES.has(url.protocol))
    return invalid(`"${input}": the scheme ${url.protocol} is not one a network sees (http, https, ftp, ws, wss)`);
  if (url.hostname === '') return invalid(`"${input}" has no host`);
  if (!url.hostname.startsWith('[') && !/^[\d.]+$/.test(url.hostname)) {
    const host = normaliseDomain(url.hostname);
    if (!host.ok) return invalid(`"${input}": ${host.reason}`);
  }
  url.hash = '';
  return { ok: true, indicator: { type: 'url', value: url.href } };
}
