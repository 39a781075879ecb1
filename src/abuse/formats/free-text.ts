// The fallback for a mail no format recognised (a police enquiry, a partner's prose, a pasted log): the addresses,
// URLs, defanged hostnames and times in its text, offered to the person triaging it. Never events: prose does not
// say which of its addresses is the subscriber's, so a person decides.
//
// The text is NFKC-normalised first, so the full-width digits and punctuation of Japanese mail
// (`１９８．５１．１００．４２`, `：`, `（`) read like their ASCII forms; contexts show that normalised text.

import ipaddr from 'ipaddr.js';
import type { TriageSuggestion } from '../../domain/abuse-event.js';
import type { Format, Rejected } from '../../domain/format.js';
import { normaliseDomain } from '../../net/domain.js';
import { isIpv4, normaliseIpv6 } from '../../net/ip.js';
import { normaliseUrl } from '../../net/url.js';
import { utcIso, zoneOffset } from './mail-date.js';
import { collect, plainText, readMail, type MailMessage } from './mail-message.js';

export const freeTextFormat: Format<TriageSuggestion> = {
  name: 'mail',
  async *parse(input, ctx): AsyncIterable<TriageSuggestion | Rejected> {
    const raw = await collect(input);
    let mail: MailMessage;
    try {
      mail = await readMail(raw, ctx.input);
    } catch (error) {
      yield {
        rejected: true,
        reason: `not a readable mail (${(error as Error).message})`,
        position: `message in ${ctx.input}`,
        raw,
      };
      return;
    }
    yield* suggestionsIn(mailText(mail), mail.position);
  },
};

/** The subject, the text/plain body, and the HTML body rendered to text (its link targets included). */
function mailText(mail: MailMessage): string {
  const { parsed } = mail;
  const pieces: string[] = [];
  if (parsed.subject) pieces.push(parsed.subject);
  // With no text/plain part, mailparser's text is its rendering of the HTML, which runs table cells together
  // (`203.0.113.77` then `2026-…` reads `203.0.113.772026-…`): the HTML is rendered here instead.
  const html = typeof parsed.html === 'string' ? parsed.html : undefined;
  const latin1 = Buffer.from(mail.raw.buffer, mail.raw.byteOffset, mail.raw.byteLength).toString('latin1');
  if (html === undefined || /^content-type:[ \t]*text\/plain/im.test(latin1)) pieces.push(plainText(mail));
  if (html !== undefined) pieces.push(htmlToText(html));
  return pieces.join('\n\n');
}

type Found = { kind: TriageSuggestion['kind']; value: string; start: number; end: number; note?: string };

/** A dot, or one of the ways reports defang it: `[.]`, `(.)`, `{.}`, `[dot]`, `(dot)`. */
const DOT = String.raw`(?:\.|\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\))`;
const DEFANGED_DOT = /\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)/gi;
const LABEL = String.raw`[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?`;

const URL_PATTERN = new RegExp(
  String.raw`\b(?:h(?:tt|xx|xt|tx)ps?|fxp|ftp)(?::\/\/|\[:\]\/\/|:\[\/\/\]|\[:\/\/\])` +
    // A URL ends at white space, quotes, angle brackets, or Japanese text (which follows URLs without a space).
    String.raw`[^\s<>"'\u0060\u3000-\u9fff\uff00-\uffef]+`,
  'gi',
);
const HOSTNAME = new RegExp(String.raw`(?<![\w.-])(${LABEL}(?:${DOT}${LABEL})+)(?![\w-])`, 'gi');
// Four dotted numbers, not part of a longer dotted run (`1.2.3.4.5`, `v2.10.0.1` are versions, not addresses).
const IPV4 = new RegExp(String.raw`(?<![\w.])\d{1,3}(?:${DOT}\d{1,3}){3}(?!\w|\.\d)`, 'g');
const IPV6 = /(?<![\w:.])(\[)?(?:IPv6:)?((?:[0-9a-f]{1,4})?(?::[0-9a-f]{0,4}){2,7}(?:\.\d{1,3}){0,3})(\])?/gi;
/** `:8080` right after an address, or `port 443` / `(ポート 8443)` after it. */
const PORT_AFTER =
  /^(?::(\d{1,5})|\s*[,(]?\s*(?:(?:source|src)\s+)?(?:port|ポート(?:番号)?)\s*[:=]?\s*(\d{1,5}))(?!\d)/i;

const ZONE = String.raw`(?:[ \t]*(Z|[+-]\d{2}:?\d{2}|UTC|GMT|JST|UT|[ECMP][SD]T)\b)?`;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** Each pattern's groups, in order: year, month, day, hour, minute, second, zone (missing ones undefined). */
const TIMES: { pattern: RegExp; groups: (m: RegExpExecArray) => (string | undefined)[]; zone?: number }[] = [
  {
    // ISO 8601 and its space-separated form: 2026-11-24T01:05:00Z, 2026-11-24 10:05 +0900
    pattern: new RegExp(
      String.raw`(?<!\d)(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?${ZONE}`,
      'gi',
    ),
    groups: (m) => m.slice(1, 8),
  },
  {
    // 2026/11/24 10:05:00 JST
    pattern: new RegExp(String.raw`(?<!\d)(\d{4})/(\d{1,2})/(\d{1,2})[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?${ZONE}`, 'gi'),
    groups: (m) => m.slice(1, 8),
  },
  {
    // RFC 2822: Tue, 24 Nov 2026 01:45:10 +0000
    pattern: new RegExp(
      String.raw`(?:\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?[ \t]+)?\b(\d{1,2})[ \t]+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?[ \t]+(\d{4})[ \t]+(\d{1,2}):(\d{2})(?::(\d{2}))?${ZONE}`,
      'gi',
    ),
    groups: (m) => [m[3], String(MONTHS.indexOf(m[2]!.toLowerCase()) + 1), m[1], m[4], m[5], m[6], m[7]],
  },
  {
    // 2026年11月24日 10時05分, 2026年11月24日(火) 午後1時05分12秒, 2026年11月24日 10:05: Japanese local time
    pattern:
      /(\d{4})年\s*(\d{1,2})月\s*(\d{1,2})日(?:\s*\([月火水木金土日]\))?\s*(午前|午後)?\s*(\d{1,2})(?:時\s*(\d{1,2})分(?:\s*(\d{1,2})秒)?|:(\d{2})(?::(\d{2}))?)/g,
    groups: (m) => {
      const hour = Number(m[5]) + (m[4] === '午後' && Number(m[5]) < 12 ? 12 : 0);
      return [m[1], m[2], m[3], String(hour), m[6] ?? m[8], m[7] ?? m[9], undefined];
    },
    zone: 540,
  },
];
/** `(UTC)`, `(JST)` written after a time, overriding or supplying its zone. */
const ZONE_SUFFIX = /^\s*\(\s*(UTC|GMT|JST|Z)\s*\)/i;
const JAPANESE = /[\u3040-\u30ff\u4e00-\u9fff]/;

const NOT_PUBLIC: Record<string, string> = {
  private: 'private address',
  loopback: 'loopback address',
  linkLocal: 'link-local address',
  uniqueLocal: 'unique local address',
  carrierGradeNat: 'shared (CGNAT) address',
  unspecified: 'unspecified address',
  multicast: 'multicast address',
  broadcast: 'broadcast address',
};

/** Every suggestion in `text`, in the order they appear, each value once (the first place it appears gives context). */
export function suggestionsIn(input: string, evidence: string): TriageSuggestion[] {
  const text = input.normalize('NFKC');
  const found: Found[] = [];
  const urls: [number, number][] = [];
  const ipv6: [number, number][] = [];
  const inside = (spans: [number, number][], at: number) => spans.some(([s, e]) => at >= s && at < e);

  for (const m of text.matchAll(URL_PATTERN)) {
    const written = trimUrl(m[0]);
    const start = m.index;
    const end = start + written.length;
    const url = normaliseUrl(refangUrl(written));
    if (!url.ok) continue;
    urls.push([start, end]);
    found.push({ kind: 'url', value: url.indicator.value, start, end });
    const host = new URL(url.indicator.value).hostname;
    if (!host.startsWith('[') && !isIpv4(host)) found.push({ kind: 'hostname', value: host, start, end });
  }
  for (const m of text.matchAll(HOSTNAME)) {
    if (!m[1]!.match(DEFANGED_DOT) || inside(urls, m.index)) continue;
    const refanged = m[1]!.replace(DEFANGED_DOT, '.');
    if (isIpv4(refanged)) continue; // a defanged address: the IPv4 pass takes it
    const domain = normaliseDomain(refanged);
    if (domain.ok)
      found.push({ kind: 'hostname', value: domain.indicator.value, start: m.index, end: m.index + m[0].length });
  }
  for (const m of text.matchAll(IPV6)) {
    let candidate = m[2]!;
    if (candidate === '::') continue;
    let address = normaliseIpv6(candidate);
    if (!address.ok && candidate.endsWith(':') && !candidate.endsWith('::')) {
      candidate = candidate.slice(0, -1); // `2001:db8::1:` ending a clause
      address = normaliseIpv6(candidate);
    }
    if (!address.ok) continue;
    // Only `[address]` takes a `:port`: without brackets, a trailing `:443` is read as the last group.
    const bracketed = m[1] !== undefined && m[3] !== undefined && candidate === m[2];
    const end = bracketed
      ? m.index + m[0].length
      : m.index + m[0].length - (m[3] ? 1 : 0) - (m[2]!.length - candidate.length);
    const port = portAfter(text, end, bracketed);
    ipv6.push([m.index, port.end]);
    const value = port.port === undefined ? address.indicator.value : `[${address.indicator.value}]:${port.port}`;
    found.push({ kind: 'address', value, start: m.index, end: port.end, note: notPublic(address.indicator.value) });
  }
  for (const m of text.matchAll(IPV4)) {
    if (inside(ipv6, m.index)) continue;
    const address = m[0].replace(DEFANGED_DOT, '.');
    if (!isIpv4(address)) continue;
    const port = portAfter(text, m.index + m[0].length, true);
    const value = port.port === undefined ? address : `${address}:${port.port}`;
    found.push({ kind: 'address', value, start: m.index, end: port.end, note: notPublic(address) });
  }
  const assumed = JAPANESE.test(text) ? { offset: 540, name: 'JST' } : { offset: 0, name: 'UTC' };
  for (const { pattern, groups, zone } of TIMES) {
    for (const m of text.matchAll(pattern)) {
      const [y, mo, d, h, mi, s, written] = groups(m);
      let end = m.index + m[0].length;
      let offset = written !== undefined ? zoneOffset(written) : zone;
      const suffix = ZONE_SUFFIX.exec(text.slice(end));
      if (suffix) {
        offset = zoneOffset(suffix[1]!);
        end += suffix[0].length;
      }
      let note: string | undefined;
      if (offset === undefined) {
        offset = assumed.offset;
        note = `no time zone written: ${assumed.name} assumed`;
      }
      const iso = utcIso(+y!, +mo!, +d!, +h!, +mi!, +(s ?? 0), offset);
      if (iso !== undefined) found.push({ kind: 'time', value: iso, start: m.index, end, note });
    }
  }

  found.sort((a, b) => a.start - b.start);
  const seen = new Set<string>();
  const out: TriageSuggestion[] = [];
  for (const f of found) {
    const key = `${f.kind} ${f.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const context = contextAround(text, f.start, f.end);
    out.push({
      suggestion: true,
      kind: f.kind,
      value: f.value,
      context: f.note ? `[${f.note}] ${context}` : context,
      evidence,
    });
  }
  return out;
}

function portAfter(text: string, end: number, allowColon: boolean): { port?: number; end: number } {
  const m = PORT_AFTER.exec(text.slice(end, end + 40));
  if (!m || (m[1] !== undefined && !allowColon)) return { end };
  const port = Number(m[1] ?? m[2]);
  return port >= 1 && port <= 65535 ? { port, end: end + m[0].length } : { end };
}

function notPublic(address: string): string | undefined {
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return NOT_PUBLIC[parsed.range()];
}

/** A URL as written in prose, without the punctuation that ends the sentence or closes a bracket around it. */
function trimUrl(url: string): string {
  const count = (text: string, c: string) => text.split(c).length - 1;
  const opening: Record<string, string> = { ')': '(', ']': '[', '}': '{', '>': '<' };
  let u = url;
  for (;;) {
    const last = u.charAt(u.length - 1);
    const open = opening[last];
    if (last !== '' && '.,;:!?\'"'.includes(last)) u = u.slice(0, -1);
    else if (open !== undefined && count(u, open) < count(u, last)) u = u.slice(0, -1);
    else return u;
  }
}

function refangUrl(url: string): string {
  return url
    .replace(DEFANGED_DOT, '.')
    .replace(/^h(?:xx|xt|tx|tt)p/i, 'http')
    .replace(/^fxp/i, 'ftp')
    .replace(/^([a-z]+)(?:\[:\]\/\/|:\[\/\/\]|\[:\/\/\])/i, '$1://');
}

/** About 30 characters either side, on one line, `…` where cut. */
function contextAround(text: string, start: number, end: number): string {
  const from = Math.max(0, start - 30);
  const to = Math.min(text.length, end + 30);
  const context = text.slice(from, to).replace(/\s+/g, ' ').trim();
  return `${from > 0 ? '…' : ''}${context}${to < text.length ? '…' : ''}`;
}

/**
 * HTML as text, enough to find things in: blocks and table rows on lines of their own, cells apart, a link's target
 * in parentheses after its text (phishing mail hides the address there), and the common character references.
 */
function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head|title)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(
      /<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))[^>]*>([\s\S]*?)<\/a\s*>/gi,
      (_, dq?: string, sq?: string, bare?: string, inner = '') => `${inner} (${dq ?? sq ?? bare})`,
    )
    .replace(/<br\s*\/?>|<\/(?:p|div|tr|li|h[1-6]|table|blockquote|pre)\s*>/gi, '\n')
    .replace(/<\/t[dh]\s*>/gi, '  ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|nbsp);/gi, (_, ref: string) => {
      const r = ref.toLowerCase();
      if (r.startsWith('#x')) return String.fromCodePoint(parseInt(r.slice(2), 16));
      if (r.startsWith('#')) return String.fromCodePoint(Number(r.slice(1)));
      return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' }[r] ?? '';
    });
}
