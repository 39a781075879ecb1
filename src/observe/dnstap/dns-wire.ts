// The facts a dnstap DNS message contributes to an observation: the question (name, type), the rcode
// and the A/AAAA addresses in the answer section. Nothing else of the message is read.
//
// Why not dns-packet's decode(): measured on the bench generator's stream (one question, 1–3 answers,
// EDNS), its full decode reads ~0.75 M messages/s on one core, question.decode + answer.decode ~0.9 M/s,
// while this reader does ~1.9 M/s. The full decode builds an object for every record (OPT options,
// flags, classes) that is thrown away; at the 500 k/s the pipeline must take on two cores it would eat
// most of a core. So dns-packet reads what is worth sharing (the question name, with its compression
// pointer and length checks, and the type and rcode mnemonics), and the answer section is walked by
// hand: each record's owner name is skipped, not decoded, and only A/AAAA data is turned into text.
import { createRequire } from 'node:module';
import dnsPacket from 'dns-packet';
import { ipv4Text, ipv6Text } from './ip-text.js';

/** dns-packet pieces its typings leave out (present in dns-packet 5: index.js, types.js, rcodes.js). */
type NameDecode = ((buf: Buffer, offset: number) => string) & { bytes: number };
const nameDecode = (dnsPacket as unknown as { name: { decode: NameDecode } }).name.decode;
const require = createRequire(import.meta.url);
const dnsTypes = require('dns-packet/types.js') as { toString(type: number): string };
const dnsRcodes = require('dns-packet/rcodes.js') as { toString(rcode: number): string };

/** Types dns-packet 5 does not name (it says UNKNOWN_n); the rest become RFC 3597's TYPEn. */
const MORE_TYPE_NAMES: Record<number, string> = {
  53: 'SMIMEA',
  61: 'OPENPGPKEY',
  62: 'CSYNC',
  63: 'ZONEMD',
  64: 'SVCB',
  65: 'HTTPS',
  108: 'EUI48',
  109: 'EUI64',
  256: 'URI',
};

const typeNames = new Map<number, string>();
/** A qtype's mnemonic (A, AAAA, HTTPS) or TYPE65534 for one without a name; cached, as types repeat. */
export function dnsTypeName(type: number): string {
  let name = typeNames.get(type);
  if (name === undefined) {
    const known = dnsTypes.toString(type);
    name = known.startsWith('UNKNOWN_') ? (MORE_TYPE_NAMES[type] ?? `TYPE${type}`) : known;
    typeNames.set(type, name);
  }
  return name;
}

const RCODE_NAMES: string[] = [];
for (let rcode = 0; rcode < 16; rcode++) RCODE_NAMES.push(dnsRcodes.toString(rcode));

export type DnsFacts = {
  /** Lower case, no trailing dot; `.` for the root; undefined when the message has no question. */
  qname: string | undefined;
  qtype: string | undefined;
  /** The header's 4-bit rcode (NOERROR, NXDOMAIN, SERVFAIL …). */
  rcode: string;
  /** A and AAAA data in the answer section, in message order (responses only; empty for queries). */
  answers: string[];
};

const TYPE_A = 1;
const TYPE_AAAA = 28;
const CLASS_IN = 1;
const HEADER_BYTES = 12;
/** Labels in a name can be at most 127 (255 bytes, 2 per label); more means a loop or garbage. */
const MAX_LABELS = 128;

/**
 * Reads a DNS message's question, rcode and (when `withAnswers`) answer addresses. A string says why
 * the message cannot be read; never throws.
 */
export function readDnsFacts(wire: Uint8Array, withAnswers: boolean): DnsFacts | string {
  if (wire.length < HEADER_BYTES) return `DNS message of ${wire.length} bytes is shorter than its header`;
  const buf = Buffer.isBuffer(wire) ? wire : Buffer.from(wire.buffer, wire.byteOffset, wire.byteLength);
  const rcode = RCODE_NAMES[buf[3]! & 0x0f]!;
  const questions = (buf[4]! << 8) | buf[5]!;
  const answerCount = (buf[6]! << 8) | buf[7]!;
  let qname: string | undefined;
  let qtype: string | undefined;
  let at = HEADER_BYTES;
  if (questions > 0) {
    try {
      qname = nameDecode(buf, at).toLowerCase();
    } catch (err) {
      return `DNS question name unreadable: ${(err as Error).message}`;
    }
    at += nameDecode.bytes;
    if (at + 4 > buf.length) return 'DNS question ends before its type and class';
    qtype = dnsTypeName((buf[at]! << 8) | buf[at + 1]!);
    at += 4;
    // Further questions (no server sends them) are skipped on the way to the answers.
    for (let q = 1; q < questions && withAnswers; q++) {
      at = skipName(buf, at);
      if (at < 0 || at + 4 > buf.length) return `DNS question ${q + 1} of ${questions} runs past the message`;
      at += 4;
    }
  }
  const answers: string[] = [];
  if (!withAnswers) return { qname, qtype, rcode, answers };
  for (let i = 0; i < answerCount; i++) {
    at = skipName(buf, at);
    if (at < 0 || at + 10 > buf.length) return `DNS answer ${i + 1} of ${answerCount} runs past the message`;
    const type = (buf[at]! << 8) | buf[at + 1]!;
    const klass = (buf[at + 2]! << 8) | buf[at + 3]!;
    const rdlength = (buf[at + 8]! << 8) | buf[at + 9]!;
    at += 10;
    if (at + rdlength > buf.length) return `DNS answer ${i + 1} of ${answerCount}: data runs past the message`;
    if (klass === CLASS_IN) {
      if (type === TYPE_A && rdlength === 4) answers.push(ipv4Text(buf, at));
      else if (type === TYPE_AAAA && rdlength === 16) answers.push(ipv6Text(buf, at));
    }
    at += rdlength;
  }
  return { qname, qtype, rcode, answers };
}

/** The offset after the name at `at` (labels ending in a root label or a compression pointer); -1 if bad. */
function skipName(buf: Uint8Array, at: number): number {
  for (let labels = 0; labels < MAX_LABELS; labels++) {
    if (at >= buf.length) return -1;
    const length = buf[at]!;
    if (length === 0) return at + 1;
    if ((length & 0xc0) === 0xc0) return at + 2 <= buf.length ? at + 2 : -1;
    if (length & 0xc0) return -1; // 0x40 and 0x80: extended label types, obsolete
    at += 1 + length;
  }
  return -1;
}
