// ARF, the Abuse Reporting Format (RFC 5965, with RFC 6591 auth-failure and RFC 6692 Source-Port): one
// multipart/report mail from a feedback loop or an abuse desk becomes one AbuseEvent. Real loops bend the RFC
// (no Source-IP, the historic Received-Date, only the original's headers, no human-readable part), so what the
// report leaves out is taken from the original message where it can be, and the event says where it came from.

import ipaddr from 'ipaddr.js';
import type { AbuseEvent, RsitType } from '../../domain/abuse-event.js';
import type { Format, Rejected } from '../../domain/format.js';
import { normaliseDomain } from '../../net/domain.js';
import { normaliseIp } from '../../net/ip.js';
import { mailDateToIso } from './mail-date.js';
import { collect, partsOfType, readMail, type MailMessage } from './mail-message.js';

/** One header field, unfolded; the name in lower case. */
type Field = { name: string; value: string };

const TYPES: Record<string, RsitType> = {
  abuse: 'spam',
  fraud: 'phishing',
  // The subscriber's machine sent a virus: it is the infected one.
  virus: 'infected-system',
  'auth-failure': 'masquerade',
};

export const arfFormat: Format<AbuseEvent> = {
  name: 'arf',
  sniff(head) {
    let text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('latin1');
    if (text.startsWith('From ')) text = text.slice(text.indexOf('\n') + 1); // an mbox separator line
    const type = readContentType(readFields(headerBlock(text)));
    return isFeedbackReportType(type);
  },
  async *parse(input, ctx): AsyncIterable<AbuseEvent | Rejected> {
    const raw = await collect(input);
    let mail: MailMessage;
    try {
      mail = await readMail(raw, ctx.input);
    } catch (error) {
      yield {
        rejected: true,
        reason: `not a readable mail (${(error as Error).message}); an ARF report is one RFC 5322 message`,
        position: `message in ${ctx.input}`,
        raw,
      };
      return;
    }
    yield await readReport(mail);
  },
};

async function readReport(mail: MailMessage): Promise<AbuseEvent | Rejected> {
  const reject = (reason: string): Rejected => ({ rejected: true, reason, position: mail.position, raw: mail.raw });
  const headers = readFields(mail.parsed.headerLines.map((h) => h.line).join('\n'));
  const part = partsOfType(mail, 'message/feedback-report')[0];
  if (part === undefined) {
    const type = readContentType(headers);
    return reject(
      isFeedbackReportType(type)
        ? 'the mail says multipart/report; report-type=feedback-report but has no message/feedback-report part ' +
            '(an old-style loop that sends only the original?); triage it by hand or read it with the mail format'
        : `not a feedback report: the mail is ${type.value || 'text/plain'}, not multipart/report; ` +
            'report-type=feedback-report (RFC 5965), and has no message/feedback-report part; read it with the mail format',
    );
  }
  const report = readFields(part.content.toString('utf8'));
  const first = (name: string): string | undefined => report.find((f) => f.name === name && f.value !== '')?.value;

  const feedbackType = /^[\w.-]+/.exec(first('feedback-type') ?? '')?.[0]?.toLowerCase() ?? 'unknown';
  if (feedbackType === 'not-spam')
    return reject(
      'Feedback-Type is not-spam: the reporter says the message was wrongly taken for spam (RFC 6430); ' +
        'that corrects an earlier report and is not a complaint, so no event was made',
    );
  const original = await readOriginal(mail.raw);
  let needsReview = !(feedbackType in TYPES);

  const sourceIp = first('source-ip');
  let address: string | undefined;
  if (sourceIp !== undefined) {
    const n = normaliseIp(sourceIp.replace(/^\[(?:IPv6:)?|\]$/gi, ''));
    if (n.ok) address = n.indicator.value;
  }
  const fromSourceIp = address !== undefined;
  address ??= original && sourceFromReceived(original.fields);
  if (address === undefined)
    return reject(
      `no usable source address: ${sourceIp === undefined ? 'the report has no Source-IP' : `Source-IP "${sourceIp}" is not an IP address`}, and ` +
        (original
          ? 'no Received header of the original message names an outside address in its from clause'
          : 'the report carries no original message or headers (message/rfc822, text/rfc822-headers) to find it in'),
    );
  const sourcePort = first('source-port');
  let port: number | undefined;
  if (sourcePort !== undefined) {
    if (/^\d{1,5}$/.test(sourcePort) && Number(sourcePort) >= 1 && Number(sourcePort) <= 65535)
      port = Number(sourcePort);
    else needsReview = true; // kept in detail as the reporter wrote it; attribution behind CGNAT needs a person
  }

  const time = reportTime(first, original, headers);
  if ('reason' in time) return reject(time.reason);

  const from = mail.parsed.from?.value[0]?.address;
  const detail: Record<string, string> = {};
  // What became the event's own properties is not repeated; a Source-IP or Source-Port that could not be used
  // stays, as the reporter wrote it.
  const mapped = new Set(['feedback-type', 'arrival-date', 'received-date', 'version']);
  if (fromSourceIp) mapped.add('source-ip');
  if (port !== undefined) mapped.add('source-port');
  for (const f of report) {
    if (mapped.has(f.name) || f.value === '') continue;
    const key = f.name.replace(/-/g, '_');
    const value = /^(original-mail-from|original-rcpt-to)$/.test(f.name) ? unbracket(f.value) : f.value;
    const separator = f.name === 'reported-uri' ? ' ' : f.name === 'authentication-results' ? '; ' : ', ';
    detail[key] = detail[key] === undefined ? value : `${detail[key]}${separator}${value}`;
  }
  if (original?.subject) detail.original_subject = original.subject;
  if (from) detail.reporter_from = from;
  if (!fromSourceIp) detail.source_address_from = 'original Received header';
  if (time.source) detail.time_source = time.source;

  const recipientDomain = domainOf(first('original-rcpt-to')) ?? domainOf(original?.to);
  const event: AbuseEvent = {
    type: TYPES[feedbackType] ?? 'spam',
    identifier: feedbackType,
    time: time.iso,
    source: port === undefined ? { address } : { address, port },
    protocol: 'smtp',
    reporter: userAgentProduct(first('user-agent')) ?? domainOf(from) ?? 'unknown',
    reportType: `arf:${feedbackType}`,
    evidence: mail.position,
    detail,
  };
  if (recipientDomain !== undefined) event.destination = { hostname: recipientDomain };
  if (needsReview) event.needsReview = true;
  return event;
}

type ReportTime = { iso: string; source?: string } | { reason: string };

/** Arrival-Date (or its historic alias Received-Date), else the original's Date, else the report mail's Date. */
function reportTime(
  first: (name: string) => string | undefined,
  original: Original | undefined,
  headers: Field[],
): ReportTime {
  for (const [name, label] of [
    ['arrival-date', 'Arrival-Date'],
    ['received-date', 'Received-Date'],
  ] as const) {
    const value = first(name);
    if (value === undefined) continue;
    const iso = mailDateToIso(value);
    return iso !== undefined
      ? { iso }
      : {
          reason: `${label} "${value}" is not a date: expected RFC 5322 with a zone, like "Tue, 24 Nov 2026 01:05:09 +0000" (or ISO 8601 with a zone)`,
        };
  }
  const tried: string[] = [];
  for (const [fields, label] of [
    [original?.fields, 'original Date'],
    [headers, 'report Date'],
  ] as const) {
    const value = fields?.find((f) => f.name === 'date')?.value;
    if (value === undefined) continue;
    const iso = mailDateToIso(value);
    if (iso !== undefined) return { iso, source: label };
    tried.push(`the ${label} "${value}" is not a date`);
  }
  return {
    reason: `no time: the report has no Arrival-Date or Received-Date${tried.length ? `, and ${tried.join(', and ')}` : ', and no Date to fall back on'}`,
  };
}

type Original = { fields: Field[]; subject?: string | undefined; to?: string | undefined };

/**
 * The original message's header fields, from its `message/rfc822` or `text/rfc822-headers` part. mailparser folds an
 * inline message/rfc822 into the report's own body (it is then in no attachment, and its Received lines are gone), so
 * the part is found in the raw MIME here; mailparser then decodes its header block (RFC 2047 subjects, charsets).
 */
async function readOriginal(raw: Uint8Array): Promise<Original | undefined> {
  const block = findOriginalHeaders(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1'), 0);
  if (block === undefined || block.trim() === '') return undefined;
  const fields = readFields(block);
  try {
    const { parsed } = await readMail(Buffer.from(`${block}\r\n\r\n`, 'latin1'), 'original');
    const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
    return { fields, subject: parsed.subject, to: to?.value[0]?.address };
  } catch {
    return { fields };
  }
}

function findOriginalHeaders(entity: string, depth: number): string | undefined {
  const split = /\r?\n\r?\n/.exec(entity);
  const head = split ? entity.slice(0, split.index) : entity;
  const body = split ? entity.slice(split.index + split[0].length) : '';
  const fields = readFields(head);
  const type = readContentType(fields);
  if (type.value === 'message/rfc822' || type.value === 'text/rfc822-headers') {
    const encoding = fields.find((f) => f.name === 'content-transfer-encoding')?.value.toLowerCase();
    return headerBlock(decodeBody(body, encoding));
  }
  const boundary = type.params.get('boundary');
  if (!type.value.startsWith('multipart/') || boundary === undefined || depth > 4) return undefined;
  for (const part of multipartParts(body, boundary)) {
    const found = findOriginalHeaders(part, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The body parts of a multipart entity, between `--boundary` lines (RFC 2046 section 5.1.1). */
function multipartParts(body: string, boundary: string): string[] {
  const parts: string[] = [];
  let current: string[] | undefined;
  for (const line of body.split('\n')) {
    const bare = line.replace(/[ \t\r]+$/, '');
    if (bare === `--${boundary}` || bare === `--${boundary}--`) {
      if (current) parts.push(current.join('\n'));
      current = bare === `--${boundary}` ? [] : undefined;
      if (current === undefined) return parts;
      continue;
    }
    current?.push(line);
  }
  if (current) parts.push(current.join('\n')); // a report cut short still gives its last part
  return parts;
}

function decodeBody(body: string, encoding: string | undefined): string {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('latin1');
  if (encoding === 'quoted-printable')
    return body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return body;
}

/** The text before the first empty line: a message's header section. */
function headerBlock(text: string): string {
  const end = /\r?\n\r?\n/.exec(text);
  return end ? text.slice(0, end.index) : text;
}

/** Header fields with folded lines joined (RFC 5322 section 2.2.3); lines that are no field are skipped. */
function readFields(block: string): Field[] {
  const fields: Field[] = [];
  for (const line of block.split(/\r?\n/)) {
    const last = fields[fields.length - 1];
    if (/^[ \t]/.test(line)) {
      if (last) last.value = `${last.value} ${line.trim()}`.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || /\s/.test(line.slice(0, colon).trim())) continue;
    fields.push({ name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).trim() });
  }
  return fields;
}

type ContentType = { value: string; params: Map<string, string> };

function readContentType(fields: Field[]): ContentType {
  const text = fields.find((f) => f.name === 'content-type')?.value ?? '';
  const params = new Map<string, string>();
  for (const m of text.matchAll(/;\s*([\w.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/g))
    params.set(m[1]!.toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!);
  return { value: (/^[^;\s]*/.exec(text)?.[0] ?? '').toLowerCase(), params };
}

function isFeedbackReportType(type: ContentType): boolean {
  return type.value === 'multipart/report' && type.params.get('report-type')?.toLowerCase() === 'feedback-report';
}

/** Ranges no outside sender connects from: a Received hop naming one is a hop inside the reporter's network. */
const INTERNAL = new Set(
  'private loopback linkLocal uniqueLocal unspecified carrierGradeNat broadcast multicast'.split(' '),
);

/**
 * The address the reporter's server received the original from: the first Received header (counting from the top,
 * the newest hop) whose from clause names an outside address. The address the receiving server saw is in the
 * comment (Postfix, Sendmail: `from helo (host [192.0.2.1])`); a bracketed literal outside it is the HELO name,
 * which the sender chooses, except with Exim (`from [192.0.2.1] (helo=x)`); qmail writes it bare (`(192.0.2.1)`).
 */
function sourceFromReceived(fields: Field[]): string | undefined {
  for (const field of fields) {
    if (field.name !== 'received') continue;
    const clause = fromClause(field.value);
    if (clause === undefined) continue;
    const bracketed = /\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]/gi;
    const candidates = [
      ...[...clause.comments.matchAll(bracketed)].map((m) => m[1]!),
      ...[...clause.outside.matchAll(bracketed)].map((m) => m[1]!),
      ...[...clause.comments.matchAll(/\((?:IPv6:)?([0-9A-Fa-f:.]+)\)/gi)].map((m) => m[1]!),
    ];
    for (const candidate of candidates) {
      const n = normaliseIp(candidate);
      if (!n.ok) continue;
      if (isInternal(n.indicator.value)) break; // this hop is inside the reporter's network: look further down
      return n.indicator.value;
    }
  }
  return undefined;
}

function isInternal(address: string): boolean {
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return INTERNAL.has(parsed.range());
}

/** The from clause of a Received value, split into its comments (in parentheses) and the rest. */
function fromClause(value: string): { comments: string; outside: string } | undefined {
  const m = /^\s*from\s+/i.exec(value);
  if (!m) return undefined;
  let depth = 0;
  let comments = '';
  let outside = '';
  for (let i = m[0].length; i < value.length; i++) {
    const c = value[i]!;
    if (depth === 0 && /\s/.test(c) && /^\s+by\s/i.test(value.slice(i))) break;
    if (c === '(') depth++;
    if (depth > 0) comments += c;
    else outside += c;
    if (c === ')' && depth > 0) {
      depth--;
      if (depth === 0) comments += ' ';
    }
  }
  return { comments, outside };
}

/** `Yahoo!-Mail-Feedback/2.0` → `Yahoo!-Mail-Feedback`: the first product token of a User-Agent field. */
function userAgentProduct(userAgent: string | undefined): string | undefined {
  return userAgent === undefined ? undefined : /^[^\s/()]+/.exec(userAgent.trim())?.[0];
}

function unbracket(address: string): string {
  return address.replace(/^<(.+)>$/, '$1');
}

function domainOf(address: string | undefined): string | undefined {
  const domain = address === undefined ? undefined : /@([^\s<>@]+?)>?$/.exec(address.trim())?.[1];
  if (domain === undefined) return undefined;
  const n = normaliseDomain(domain);
  return n.ok ? n.indicator.value : undefined;
}
