import { NOTICE_MESSAGE_ID } from './send.js';

// Delivery status notifications (RFC 3464): a `multipart/report; report-type=delivery-status` mail whose
// `message/delivery-status` part holds one block of per-message fields and one block per recipient
// (Final-Recipient, Action, Status, Diagnostic-Code), usually followed by the returned message or its
// headers, which carry the Message-ID of what bounced. Read from the raw MIME, since mailparser folds a
// returned message into the report's own body. Never throws: what it cannot read, it says.

export type DsnRecipient = {
  /** The address as the reporting MTA wrote it, without its `rfc822;` type. */
  finalRecipient: string | undefined;
  originalRecipient: string | undefined;
  /** failed, delayed, delivered, relayed, expanded. */
  action: string;
  /** The enhanced status code (RFC 3463): 5.1.1. */
  status: string | undefined;
  /** What the remote server said, without its `smtp;` type. */
  diagnostic: string | undefined;
  remoteMta: string | undefined;
};

export type Dsn = {
  reportingMta: string | undefined;
  recipients: DsnRecipient[];
  /** The Message-ID of the message that could not be delivered, with its angle brackets. */
  originalMessageId: string | undefined;
};

export type DsnRead = { ok: true; dsn: Dsn } | { ok: false; problem: string };

type Field = { name: string; value: string };
type ContentType = { value: string; params: Map<string, string> };

/** Whether the first bytes of a mail are a DSN's headers. */
export function isDeliveryStatusReport(head: Uint8Array): boolean {
  let text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('latin1');
  if (text.startsWith('From ')) text = text.slice(text.indexOf('\n') + 1); // an mbox separator line
  return isDsnType(contentType(fields(headerBlock(text))));
}

export function readDsn(raw: Uint8Array): DsnRead {
  let text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
  if (text.startsWith('From ')) text = text.slice(text.indexOf('\n') + 1);
  if (!isDsnType(contentType(fields(headerBlock(text)))))
    return {
      ok: false,
      problem: 'not a delivery status notification: the mail is not multipart/report; report-type=delivery-status',
    };
  const found: { status?: string; original?: string } = {};
  walk(text, 0, found);
  if (found.status === undefined)
    return {
      ok: false,
      problem: 'the report has no message/delivery-status part, so it does not say which recipient failed or why',
    };
  const groups = found.status
    .replace(/\r\n/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((g) => fields(g))
    .filter((g) => g.length > 0);
  const perMessage = groups[0] ?? [];
  const recipients = groups.slice(1).map(recipientOf);
  if (recipients.length === 0 || recipients.some((r) => r.action === ''))
    return { ok: false, problem: 'the delivery-status part has no per-recipient block with an Action field' };
  return {
    ok: true,
    dsn: {
      reportingMta: typed(get(perMessage, 'reporting-mta')),
      recipients,
      originalMessageId: messageIdOf(found.original) ?? quotedNoticeId(text),
    },
  };
}

function recipientOf(group: Field[]): DsnRecipient {
  return {
    finalRecipient: typed(get(group, 'final-recipient')),
    originalRecipient: typed(get(group, 'original-recipient')),
    action: (get(group, 'action') ?? '').toLowerCase().split(/[\s(]/)[0] ?? '',
    status: /\d\.\d{1,3}\.\d{1,3}/.exec(get(group, 'status') ?? '')?.[0],
    diagnostic: typed(get(group, 'diagnostic-code')),
    remoteMta: typed(get(group, 'remote-mta')),
  };
}

/** Finds the delivery-status part and the returned message (or headers) in a MIME tree. */
function walk(entity: string, depth: number, found: { status?: string; original?: string }): void {
  const split = /\r?\n\r?\n/.exec(entity);
  const head = split ? entity.slice(0, split.index) : entity;
  const body = split ? entity.slice(split.index + split[0].length) : '';
  const own = fields(head);
  const type = contentType(own);
  const encoding = get(own, 'content-transfer-encoding')?.toLowerCase();
  if (type.value === 'message/delivery-status' || type.value === 'message/global-delivery-status') {
    found.status ??= decode(body, encoding);
    return;
  }
  if (['message/rfc822', 'text/rfc822-headers', 'message/global', 'message/global-headers'].includes(type.value)) {
    found.original ??= headerBlock(decode(body, encoding));
    return;
  }
  const boundary = type.params.get('boundary');
  if (!type.value.startsWith('multipart/') || boundary === undefined || depth > 4) return;
  for (const part of parts(body, boundary)) walk(part, depth + 1, found);
}

/** The body parts between `--boundary` lines (RFC 2046 5.1.1); a report cut short still gives its last part. */
function parts(body: string, boundary: string): string[] {
  const out: string[] = [];
  let current: string[] | undefined;
  for (const line of body.split('\n')) {
    const bare = line.replace(/[ \t\r]+$/, '');
    if (bare === `--${boundary}` || bare === `--${boundary}--`) {
      if (current) out.push(current.join('\n'));
      current = bare === `--${boundary}` ? [] : undefined;
      if (current === undefined) return out;
      continue;
    }
    current?.push(line);
  }
  if (current) out.push(current.join('\n'));
  return out;
}

function decode(body: string, encoding: string | undefined): string {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('latin1');
  if (encoding === 'quoted-printable')
    return body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return body;
}

function messageIdOf(headers: string | undefined): string | undefined {
  if (headers === undefined) return undefined;
  const value = get(fields(headers), 'message-id');
  const id = value ? /<[^<>\s]+>/.exec(value)?.[0] : undefined;
  return id ?? (value?.trim() ? `<${value.trim().replace(/^<|>$/g, '')}>` : undefined);
}

/** A notice's Message-ID quoted anywhere (a bounce that returns the message as text): the last resort. */
function quotedNoticeId(text: string): string | undefined {
  const m = NOTICE_MESSAGE_ID.exec(text.slice(headerBlock(text).length));
  return m ? `<${m[1]}>` : undefined;
}

/** `rfc822; taro@example.jp` → `taro@example.jp`; `smtp; 550 …` → `550 …`. */
function typed(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const semi = value.indexOf(';');
  const rest = (semi >= 0 ? value.slice(semi + 1) : value).trim();
  return rest === '' ? undefined : rest;
}

function get(list: Field[], name: string): string | undefined {
  return list.find((f) => f.name === name)?.value;
}

function headerBlock(text: string): string {
  const end = /\r?\n\r?\n/.exec(text);
  return end ? text.slice(0, end.index) : text;
}

/** Header fields with folded lines joined (RFC 5322 2.2.3); lines that are no field are skipped. */
function fields(block: string): Field[] {
  const out: Field[] = [];
  for (const line of block.split(/\r?\n/)) {
    const last = out[out.length - 1];
    if (/^[ \t]/.test(line)) {
      if (last) last.value = `${last.value} ${line.trim()}`.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || /\s/.test(line.slice(0, colon).trim())) continue;
    out.push({ name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).trim() });
  }
  return out;
}

function contentType(list: Field[]): ContentType {
  const text = get(list, 'content-type') ?? '';
  const params = new Map<string, string>();
  for (const m of text.matchAll(/;\s*([\w.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/g))
    params.set(m[1]!.toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!);
  return { value: (/^[^;\s]*/.exec(text)?.[0] ?? '').toLowerCase(), params };
}

function isDsnType(type: ContentType): boolean {
  return type.value === 'multipart/report' && type.params.get('report-type')?.toLowerCase() === 'delivery-status';
}
