// ACNS (Automated Copyright Notice System) notices: the copyright complaints rights holders and their agents send
// about peer-to-peer sharing. A human letter carries an XML block, <Infringement xmlns="http://www.acns.net/ACNS">,
// in the text body (often inside a PGP clear-signature), in an .xml attachment, or both. Each notice becomes one
// `copyright` event for the address and port the complainant saw, at the time it saw them.

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { AbuseEvent } from '../../domain/abuse-event.js';
import type { Format, Rejected } from '../../domain/format.js';
import { normaliseIp } from '../../net/ip.js';
import { collect, plainText, readMail } from './mail-message.js';

/** The current namespace, and the one ACNS 1.0 notices (still sent by some agents) use. */
const NAMESPACE = /(?:acns\.net|movielabs\.com)\/ACNS/i;
/** `<Infringement` or `<acns:Infringement`, the start of a notice wherever it sits in a letter. */
const START = /<(?:[A-Za-z_][\w.-]*:)?Infringement[\s>/]/g;

/** A notice's XML as found, with where it was found (the position of what it yields). */
type Block = { xml: string; where: string; closed: boolean };
type Node = Record<string, unknown>;

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  // Case IDs, ports and sizes stay text: "007" and 4294967296 must survive as written.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  htmlEntities: false,
});

export const acnsFormat: Format<AbuseEvent> = {
  name: 'acns',
  sniff,
  async *parse(input, ctx) {
    const raw = await collect(input);
    if (raw.length === 0) {
      yield reject('empty input: expected a mail or an ACNS XML notice', ctx.input, raw);
      return;
    }
    let texts: { text: string; where: string }[];
    let position = ctx.input;
    if (isXml(raw)) {
      texts = [{ text: decodeXml(raw), where: ctx.input }];
    } else {
      try {
        const mail = await readMail(raw, ctx.input);
        position = mail.position;
        texts = [{ text: plainText(mail), where: mail.position }];
        for (const a of mail.parsed.attachments) {
          const name = a.filename ?? a.contentType;
          if (/xml/i.test(a.contentType) || /\.xml$/i.test(a.filename ?? '') || /^text\/plain$/i.test(a.contentType))
            texts.push({ text: decodeXml(a.content), where: `${mail.position} attachment ${name}` });
        }
      } catch (error) {
        yield reject(`not a readable mail: ${(error as Error).message}`, ctx.input, raw);
        return;
      }
    }
    const blocks = texts.flatMap(({ text, where }) => findBlocks(text, where));
    if (blocks.length === 0) {
      yield reject(
        'no ACNS notice found: the mail has no <Infringement> XML block in its text or in an .xml attachment; ' +
          'if it is a copyright complaint in prose, triage it by hand',
        position,
        raw,
      );
      return;
    }
    // A notice in the body and again as an attachment is one notice: per case ID, the first copy that reads
    // well wins, and a broken copy is only reported when no copy of that case could be read.
    const byCase = new Map<string, (AbuseEvent | Rejected)[]>();
    for (const block of blocks) {
      const key = caseIdOf(block.xml) ?? block.xml.replace(/\s+/g, ' ');
      const results = byCase.get(key) ?? [];
      results.push(readNotice(block));
      byCase.set(key, results);
    }
    for (const results of byCase.values()) yield results.find((r) => !('rejected' in r)) ?? results[0]!;
  },
};

/** Does this look like an ACNS notice: a mail or XML with the ACNS namespace, also inside QP or base64 parts. */
function sniff(head: Uint8Array): boolean {
  const text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('latin1');
  if (NAMESPACE.test(text)) return true;
  // Quoted-printable soft line breaks can cut the namespace in two.
  if (NAMESPACE.test(text.replace(/=\r?\n/g, ''))) return true;
  const base64Part = /Content-Transfer-Encoding:[ \t]*base64[ \t]*\r?\n(?:[^\r\n]+\r?\n)*?\r?\n([A-Za-z0-9+/=\r\n]+)/gi;
  for (const m of text.matchAll(base64Part)) {
    if (NAMESPACE.test(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64').toString('latin1'))) return true;
  }
  return false;
}

function isXml(raw: Uint8Array): boolean {
  let i = raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? 3 : 0;
  while (i < raw.length && (raw[i] === 0x20 || raw[i] === 0x09 || raw[i] === 0x0d || raw[i] === 0x0a)) i++;
  return raw[i] === 0x3c; // '<': a mail starts with a header name, never with markup
}

/** XML bytes as text, in the encoding its declaration names (UTF-8 when it names none or one we cannot decode). */
function decodeXml(bytes: Uint8Array): string {
  const declared = /^\s*<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)["']/.exec(
    Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 200)).toString('latin1'),
  )?.[1];
  if (declared) {
    try {
      return new TextDecoder(declared).decode(bytes);
    } catch {
      // An unknown label: fall through to UTF-8, the encoding ACNS uses.
    }
  }
  return new TextDecoder('utf-8').decode(bytes);
}

function findBlocks(text: string, where: string): Block[] {
  const blocks: Block[] = [];
  for (let from = 0; ;) {
    START.lastIndex = from;
    const start = START.exec(text);
    if (!start) break;
    const prefix = /^<([A-Za-z_][\w.-]*:)?/.exec(start[0])![1] ?? '';
    const close = new RegExp(`</${prefix.replace(/\./g, '\\.')}Infringement\\s*>`, 'g');
    close.lastIndex = start.index;
    const end = close.exec(text);
    if (!end) {
      blocks.push({ xml: text.slice(start.index), where, closed: false });
      break;
    }
    blocks.push({ xml: text.slice(start.index, end.index + end[0].length), where, closed: true });
    from = end.index + end[0].length;
  }
  return blocks;
}

function caseIdOf(xml: string): string | undefined {
  return /<(?:[\w.-]+:)?Case\b[^>]*>[\s\S]*?<(?:[\w.-]+:)?ID\b[^>]*>\s*([^<]*?)\s*</.exec(xml)?.[1] || undefined;
}

function readNotice(block: Block): AbuseEvent | Rejected {
  const caseId = caseIdOf(block.xml);
  const label = caseId ? `notice ${caseId}` : 'notice';
  const bad = (reason: string): Rejected => reject(`${label}: ${reason}`, block.where, utf8(block.xml));
  if (!block.closed)
    return bad('<Infringement> is never closed: the notice XML was cut off; ask the complainant to resend it');

  // Some senders write "&" in titles without escaping it ("Law & Order"): escaped here rather than lost.
  const xml = block.xml.replace(/&(?![A-Za-z][\w.-]*;|#\d+;|#x[0-9A-Fa-f]+;)/g, '&amp;');
  const valid = XMLValidator.validate(xml);
  if (valid !== true)
    return bad(
      `the XML is not well-formed: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col} of the notice); ` +
        'ask the complainant to resend it, or correct the XML and replay it',
    );
  const root = node((xmlParser.parse(xml) as Node).Infringement);
  const source = node(root?.Source);
  if (!root || !source) return bad('no <Source> element: the notice does not say which address was seen');

  const complainant = node(root.Complainant);
  const contactEmail = text(complainant?.Email);
  const ask = contactEmail ? `ask the complainant (${contactEmail})` : 'ask the complainant';

  const ipText = text(source.IP_Address);
  if (!ipText)
    return bad(
      `no <Source><IP_Address>: the notice cannot be attributed to a subscriber without it; ${ask} for the address`,
    );
  const ip = normaliseIp(ipText);
  if (!ip.ok) return bad(`<Source><IP_Address>: ${ip.reason}`);

  const portText = text(source.Port);
  let port: number | undefined;
  if (portText) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) return bad(`<Source><Port> "${portText}" is not a port number from 1 to 65535`);
  }

  const items = list(node(root.Content)?.Item)
    .map(node)
    .filter((i): i is Node => i !== undefined);
  // Source TimeStamp is when the source was seen; a notice without it falls back to its first item's.
  const timeText = text(source.TimeStamp) ?? text(items[0]?.TimeStamp);
  if (!timeText) return bad(`no <Source><TimeStamp>: attribution needs the time the address was used; ${ask}`);
  const time = instant(timeText);
  if (time === 'no zone')
    return bad(
      `<Source><TimeStamp> "${timeText}" has no time zone (Z or ±hh:mm): behind CGNAT a guessed zone finds the ` +
        `wrong subscriber; ${ask} for the time in UTC`,
    );
  if (time === undefined)
    return bad(`<Source><TimeStamp> "${timeText}" is not an ISO 8601 time such as 2026-11-18T15:42:07Z`);

  const reporter = text(complainant?.Entity) ?? text(complainant?.Contact) ?? contactEmail;
  if (!reporter) return bad('no <Complainant><Entity>: the notice does not say who complains');

  const type = text(source.Type);
  const subType = node(source.SubType);
  const subProtocol = attribute(subType, 'Protocol');
  const identifier = type
    ? subProtocol && subProtocol.toLowerCase() !== type.toLowerCase()
      ? `${type}/${subProtocol}`.toLowerCase()
      : type.toLowerCase()
    : (subProtocol ?? attribute(subType, 'BaseType'))?.toLowerCase();

  const hostname = text(source.DNS_Name);
  const protocol = (subProtocol ?? type)?.toLowerCase();
  // Keys without a value are left out, so events compare (and serialise) the same however they were built.
  const event: AbuseEvent = {
    type: 'copyright',
    ...(identifier && { identifier }),
    time,
    source: { address: ip.indicator.value, ...(port && { port }), ...(hostname && { hostname }) },
    ...(protocol && { protocol }),
    reporter,
    reportType: 'acns',
    evidence: block.where,
  };

  const detail: Record<string, string> = {};
  const put = (key: string, value: string | undefined) => {
    if (value) detail[key] = value;
  };
  const kase = node(root.Case);
  put('case_id', caseId);
  put('case_status', text(kase?.Status));
  put('case_severity', text(kase?.Severity));
  put('complainant_contact', text(complainant?.Contact));
  put('complainant_email', contactEmail);
  put('number_files', text(source.Number_Files));
  put('deja_vu', text(source.Deja_Vu));
  // One line per item, in the same order in every key, so file_name[i], file_size[i] and hash[i] belong together.
  const column = (read: (item: Node) => string | undefined) =>
    items.some((i) => read(i)) ? items.map((i) => read(i) ?? '').join('\n') : undefined;
  put('title', [...new Set(items.map((i) => text(i.Title)).filter((t) => t))].join('\n'));
  put(
    'file_name',
    column((i) => text(i.FileName)),
  );
  put(
    'file_size',
    column((i) => text(i.FileSize)),
  );
  put(
    'hash',
    column((i) => hashOf(i.Hash)),
  );
  put('content_type', [...new Set(items.map((i) => text(i.Type)).filter((t) => t))].join('\n'));
  if (Object.keys(detail).length > 0) event.detail = detail;
  return event;
}

/** `SHA1:5e2b…`: the hash with its Type attribute, so an info-hash is not mistaken for a file hash. */
function hashOf(value: unknown): string | undefined {
  const hash = text(value);
  if (!hash) return undefined;
  const type = attribute(node(value), 'Type');
  return type ? `${type}:${hash}` : hash;
}

const ZONED = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** An xs:dateTime as ISO 8601 UTC; 'no zone' when it has none, undefined when it is not a time at all. */
function instant(textValue: string): string | 'no zone' | undefined {
  const m = ZONED.exec(textValue);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const date = new Date(wall);
  if (date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59)
    return undefined;
  if (Number(s) > 59) return undefined;
  if (!zone) return 'no zone';
  let offset = 0;
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.replace(':', '');
    offset = (digits.startsWith('-') ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
  }
  const ms = frac ? Math.round(Number(frac) * 1000) : 0;
  return new Date(wall + ms - offset * 60_000).toISOString();
}

function node(value: unknown): Node | undefined {
  if (Array.isArray(value)) return node(value[0]);
  return typeof value === 'object' && value !== null ? (value as Node) : undefined;
}

function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** An element's text, whether it came as a string or as an object with attributes; undefined when empty. */
function text(value: unknown): string | undefined {
  if (Array.isArray(value)) return text(value[0]);
  const t =
    typeof value === 'string' ? value : typeof value === 'object' && value ? (value as Node)['#text'] : undefined;
  if (typeof t !== 'string' && typeof t !== 'number') return undefined;
  const s = String(t).trim();
  return s === '' ? undefined : s;
}

function attribute(element: Node | undefined, name: string): string | undefined {
  const v = element?.[`@_${name}`];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function reject(reason: string, position: string, raw: Uint8Array): Rejected {
  return { rejected: true, reason, position, raw };
}

const encoder = new TextEncoder();
function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}
