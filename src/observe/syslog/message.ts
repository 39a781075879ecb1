import type { LineContext } from '../line-format.js';
import { readStructuredData, type SdElement } from './structured-data.js';
import { readBsdStamp, readIsoStamp } from './timestamp.js';

/** One syslog message as a sender meant it, whichever of the two RFC forms it came in. */
export type SyslogMessage = {
  format: 'rfc5424' | 'rfc3164';
  /** 0–23 (RFC 5424 §6.2.1): 3 daemon, 4 auth, 16–23 local0–local7. */
  facility: number;
  /** 0 emergency … 7 debug. */
  severity: number;
  /** ms since the epoch; a message without a stamp takes the time it was received (ctx.now). */
  time: number;
  /** The originator; when the message names none, the address it came from (ctx.fromHost), else `-`. */
  host: string;
  /** APP-NAME or the RFC 3164 TAG (`named`, `postfix/smtpd`); `-` when the message names none. */
  app: string;
  /** PROCID or the `[pid]` after the tag. */
  pid?: string;
  /** RFC 5424 only, when not `-`. */
  msgid?: string;
  /** RFC 5424 only, when not `-`. */
  structuredData?: SdElement[];
  /** The free-form text, without a byte-order mark or the line end some senders append. */
  msg: string;
};

/** What parsing may know besides the bytes: the clock and zone of the input, and who sent the message. */
export type MessageContext = LineContext & {
  /** The sender's address, used as the host when the message carries none (as rsyslog's %fromhost% does). */
  fromHost?: string;
};

const SP = 32;
const LT = 60;
const BOM = 0xfeff;
// RFC 3164 §4.3.3: a message without a PRI is taken as user.notice.
const DEFAULT_PRI = 13;
// RFC 3164 caps a TAG at 32 characters; real ones (`postfix/submission/smtpd`) are longer, but a "tag" past this
// is a sentence that happens to have a colon in it, not a program name.
const MAX_TAG = 64;
const MAX_PID = 128;

/**
 * Reads one syslog message: RFC 5424 (`<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG`) or RFC 3164
 * (`<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[pid]: MSG`) with the deviations real senders have: no HOSTNAME, an RFC 3339
 * stamp instead of the BSD one (rsyslog), no PRI, no stamp. Never throws: a message it cannot read is a reason.
 */
export function parseSyslogMessage(bytes: Uint8Array, ctx: MessageContext): SyslogMessage | string {
  const s = trimLineEnd(decode(bytes));
  if (s.length === 0) return 'empty message';
  let pri = DEFAULT_PRI;
  let i = 0;
  if (s.charCodeAt(0) === LT) {
    const close = s.indexOf('>', 1);
    const digits = close < 0 ? '' : s.slice(1, close);
    if (!/^\d{1,3}$/.test(digits) || Number(digits) > 191) {
      return `PRI ${JSON.stringify(s.slice(0, close < 0 ? 5 : close + 1))} is not <0> to <191>`;
    }
    pri = Number(digits);
    i = close + 1;
    if (s.charCodeAt(i) === 49 && s.charCodeAt(i + 1) === SP) return readRfc5424(s, i + 2, pri, ctx);
  }
  return readRfc3164(s, i, pri, i === 0, ctx);
}

/** The header after `<PRI>1 ` (RFC 5424 §6): every field is present, `-` when the sender has no value. */
function readRfc5424(s: string, at: number, pri: number, ctx: MessageContext): SyslogMessage | string {
  let i = at;
  let time = ctx.now;
  if (s.charCodeAt(i) === 45 && s.charCodeAt(i + 1) === SP) i += 2;
  else {
    const stamp = readIsoStamp(s, i, ctx);
    if (stamp === undefined)
      return `RFC 5424 TIMESTAMP ${JSON.stringify(s.slice(i, s.indexOf(' ', i)))} is not RFC 3339`;
    if (typeof stamp === 'string') return stamp;
    time = stamp.time;
    i = stamp.end + 1;
  }
  const fields: string[] = [];
  for (const name of ['HOSTNAME', 'APP-NAME', 'PROCID', 'MSGID']) {
    const end = s.indexOf(' ', i);
    if (end < 0) return `RFC 5424 header ends before the space after ${name}`;
    if (end === i) return `RFC 5424 ${name} is empty (two spaces in a row)`;
    fields.push(s.slice(i, end));
    i = end + 1;
  }
  const [host, app, procid, msgid] = fields as [string, string, string, string];
  const message: SyslogMessage = {
    format: 'rfc5424',
    facility: pri >> 3,
    severity: pri & 7,
    time,
    host: host === '-' ? (ctx.fromHost ?? '-') : host,
    app,
    msg: '',
  };
  if (procid !== '-') message.pid = procid;
  if (msgid !== '-') message.msgid = msgid;
  if (s.charCodeAt(i) === 45) i++;
  else {
    const sd = readStructuredData(s, i);
    if (typeof sd === 'string') return sd;
    if (sd.elements.length === 0) return `RFC 5424 STRUCTURED-DATA is neither "-" nor [ at ${i}`;
    message.structuredData = sd.elements;
    i = sd.end;
  }
  if (i < s.length) {
    if (s.charCodeAt(i) !== SP) return `expected a space after STRUCTURED-DATA at ${i}`;
    // §6.4: a MSG in UTF-8 starts with a BOM; it tells us the encoding and is not part of the text.
    message.msg = s.charCodeAt(i + 1) === BOM ? s.slice(i + 2) : s.slice(i + 1);
  }
  return message;
}

/** Everything after the PRI of a message that is not RFC 5424: RFC 3164 and what real senders make of it. */
function readRfc3164(s: string, at: number, pri: number, noPri: boolean, ctx: MessageContext): SyslogMessage | string {
  let i = at;
  while (s.charCodeAt(i) === SP) i++;
  const c = s.charCodeAt(i);
  const stamp = c >= 48 && c <= 57 ? readIsoStamp(s, i, ctx) : readBsdStamp(s, i, ctx);
  if (typeof stamp === 'string') return stamp;
  // Without a PRI the stamp is all that says "this is syslog"; binary or an unrelated protocol stops here.
  if (stamp === undefined && noPri) return 'neither a <PRI> nor a timestamp at the start: not a syslog message';
  let host = ctx.fromHost ?? '-';
  if (stamp !== undefined) {
    i = stamp.end;
    while (s.charCodeAt(i) === SP) i++;
    // §4.1.2 wants a HOSTNAME here, but many senders (the kernel via some relays, appliances) go straight to the
    // tag: a word that ends in `:` then a space (`named[53]: `) is a tag, not a host (a host is never followed by
    // `: `; an IPv6 host such as `fe80::1` does not end in `: `).
    if (i < s.length && readTag(s, i, true) === undefined) {
      const end = s.indexOf(' ', i);
      host = s.slice(i, end < 0 ? s.length : end);
      i = end < 0 ? s.length : end + 1;
    }
  }
  const message: SyslogMessage = {
    format: 'rfc3164',
    facility: pri >> 3,
    severity: pri & 7,
    time: stamp === undefined ? ctx.now : stamp.time,
    host,
    app: '-',
    msg: s.slice(i),
  };
  const tag = readTag(s, i, false);
  if (tag !== undefined) {
    message.app = tag.app;
    if (tag.pid !== undefined) message.pid = tag.pid;
    message.msg = s.slice(tag.msgStart);
  }
  return message;
}

type Tag = { app: string; pid?: string; msgStart: number };

/**
 * The RFC 3164 TAG at `at`: `name:`, `name[pid]:` and, unless strict, `name[pid]` without the colon. Strict (used
 * to tell a tag from a host) also wants a space or the end after the colon. Undefined when there is no tag: the
 * rest is then all message.
 */
function readTag(s: string, at: number, strict: boolean): Tag | undefined {
  let i = at;
  let c = 0;
  for (; i < s.length && i - at <= MAX_TAG; i++) {
    c = s.charCodeAt(i);
    if (c === 58 || c === 91 || c === SP) break;
  }
  if (i >= s.length || i - at > MAX_TAG || c === SP || (c === 91 && i === at)) return undefined;
  // An empty name before `:` (Cisco ASA's `host : %ASA-…`) is a tag that names no program.
  const app = i === at ? '-' : s.slice(at, i);
  let pid: string | undefined;
  if (c === 91) {
    const close = s.indexOf(']', i + 1);
    if (close < 0 || close - i - 1 > MAX_PID || close === i + 1) return undefined;
    pid = s.slice(i + 1, close);
    if (pid.includes(' ')) return undefined;
    i = close + 1;
    const after = s.charCodeAt(i);
    if (after === 58) i++;
    else if (strict || (i < s.length && after !== SP)) return undefined;
  } else {
    i++; // the colon
  }
  if (strict && i < s.length && s.charCodeAt(i) !== SP) return undefined;
  if (s.charCodeAt(i) === SP) i++;
  return pid === undefined ? { app, msgStart: i } : { app, pid, msgStart: i };
}

/**
 * The message as one log line in the form syslog-prefix.ts reads (`2026-11-24T01:00:00.123Z host app[pid]: msg`),
 * so files, replays and this server all feed the line formats the same way. Line breaks in MSG become spaces
 * (one message, one line); characters that would end the host or the tag early become `_`.
 */
export function toLogLine(m: SyslogMessage): string {
  const host = m.host.length === 0 ? '-' : m.host.replace(UNSAFE_IN_HOST, '_');
  const app = m.app.length === 0 ? '-' : m.app.replace(UNSAFE_IN_TAG, '_');
  const pid = m.pid === undefined ? '' : `[${m.pid.replace(UNSAFE_IN_PID, '_')}]`;
  return `${isoTime(m.time)} ${host} ${app}${pid}: ${m.msg.replace(LINE_BREAK, ' ')}`;
}

// Messages come in bursts from the same second; formatting a Date for each was a quarter of the server's time.
let cachedSecond = Number.NaN;
let cachedSecondText = '';

/** `2026-11-24T01:00:00.123Z`, as Date.prototype.toISOString writes it. */
function isoTime(time: number): string {
  const ms = Math.floor(time);
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedSecondText = new Date(second * 1000).toISOString().slice(0, 20);
    cachedSecond = second;
  }
  const fraction = ms - second * 1000;
  return `${cachedSecondText}${fraction < 10 ? '00' : fraction < 100 ? '0' : ''}${fraction}Z`;
}

// syslog-prefix.ts ends the host at a space and the tag at the first `:` (or `[` for the pid).
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_HOST = /[\x00-\x20\x7f]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_TAG = /[\x00-\x20\x7f:[\]]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_PID = /[\x00-\x20\x7f:\]]/g;
const LINE_BREAK = /\r\n|[\r\n]/g;

function decode(bytes: Uint8Array): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buffer.toString('utf8');
}

/** Without the LF, CRLF or NUL some senders put after a message even when the transport already frames it. */
function trimLineEnd(s: string): string {
  let end = s.length;
  while (end > 0) {
    const c = s.charCodeAt(end - 1);
    if (c !== 10 && c !== 13 && c !== 0) break;
    end--;
  }
  return end === s.length ? s : s.slice(0, end);
}
