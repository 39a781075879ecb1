import type { DeltaRecord, ZoneDelta } from './journal.js';
import { packRecords, packSoa, type Packed } from './pack.js';
import { FLAG } from './wire.js';
import type { RpzZone } from './zone.js';

// What an AXFR or IXFR answer carries (RFC 5936, RFC 1995) as runs of packed records, and how those
// runs are cut into messages. The records are already wire bytes (pack.ts), so a message is a header,
// the question and a few contiguous slices.

/** A zone version ready to serve. */
export type LiveZone = { zone: RpzZone; soa: Packed; ns: Packed; records: Packed };

/** Records [start, end) of a packed list. */
export type Span = { packed: Packed; start: number; end: number };

export type PackedDelta = { from: Packed; to: Packed; deleted: Packed; added: Packed; records: number };

/** Room for the TSIG record a message may still get, so a signed message stays under the bound. */
const TSIG_ROOM = 512;
/** Messages up to this size: large enough that a million records is a few thousand messages. */
export const MAX_MESSAGE_BYTES = 16_384;

const whole = (packed: Packed): Span => ({ packed, start: 0, end: packed.count });

/** AXFR (and an IXFR answered with the whole zone): SOA, NS, every record, SOA again. */
export function axfrSpans(live: LiveZone): Span[] {
  return [whole(live.soa), whole(live.ns), whole(live.records), whole(live.soa)];
}

/**
 * The condensed IXFR answer (RFC 1995 §4): the current SOA, then per version step the old SOA, what it
 * deleted, the step's new SOA and what it added, and the current SOA again to close.
 */
export function ixfrSpans(live: LiveZone, deltas: readonly PackedDelta[]): Span[] {
  const spans = [whole(live.soa)];
  for (const d of deltas) spans.push(whole(d.from), whole(d.deleted), whole(d.to), whole(d.added));
  spans.push(whole(live.soa));
  return spans;
}

export function packDelta(origin: string, delta: ZoneDelta, soaTtl: number): PackedDelta {
  return {
    from: packSoa(delta.from, soaTtl),
    to: packSoa(delta.to, soaTtl),
    deleted: packRecords(origin, delta.deleted as DeltaRecord[]),
    added: packRecords(origin, delta.added as DeltaRecord[]),
    records: delta.deleted.length + delta.added.length,
  };
}

/** Header fields of a response: the request's ID, opcode and RD bit, and the question as received. */
export type ResponseHead = { id: number; opcode: number; rd: boolean; question: Buffer | undefined };

export function responseHeader(head: ResponseHead, rcode: number, counts: [number, number, number, number]): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(head.id, 0);
  const aa = rcode === 0 ? FLAG.AA : 0;
  header.writeUInt16BE(FLAG.QR | (head.opcode << 11) | aa | (head.rd ? FLAG.RD : 0) | (rcode & 0xf), 2);
  counts.forEach((n, i) => header.writeUInt16BE(n, 4 + i * 2));
  return header;
}

/** A one-message response: the question (when there is one), answer records and additional records. */
export function singleResponse(
  head: ResponseHead,
  rcode: number,
  answers: Packed[] = [],
  additional: Buffer[] = [],
): Buffer {
  const ancount = answers.reduce((n, p) => n + p.count, 0);
  const header = responseHeader(head, rcode, [head.question ? 1 : 0, ancount, 0, additional.length]);
  return Buffer.concat([
    header,
    ...(head.question ? [head.question] : []),
    ...answers.map((p) => p.bytes),
    ...additional,
  ]);
}

/** The EDNS OPT record of a response (RFC 6891): 1232-byte payload, the extended RCODE bits. */
export function optRecord(extendedRcode = 0): Buffer {
  const opt = Buffer.alloc(11);
  opt.writeUInt16BE(41, 1);
  opt.writeUInt16BE(1232, 3);
  opt[5] = extendedRcode;
  return opt;
}

/**
 * Cuts the spans into messages of at most `maxBytes` (before TSIG), each with the question, records
 * in order. The question must name the zone origin: the packed owners point at it.
 */
export function* transferMessages(
  head: ResponseHead & { question: Buffer },
  spans: readonly Span[],
  maxBytes = MAX_MESSAGE_BYTES,
): Generator<Buffer> {
  const budget = maxBytes - TSIG_ROOM - 12 - head.question.length;
  let parts: Buffer[] = [];
  let size = 0;
  let count = 0;
  const flush = () => {
    const header = responseHeader(head, 0, [1, count, 0, 0]);
    const message = Buffer.concat([header, head.question, ...parts], 12 + head.question.length + size);
    parts = [];
    size = 0;
    count = 0;
    return message;
  };
  for (const { packed, start, end } of spans) {
    const { offsets, bytes } = packed;
    let i = start;
    while (i < end) {
      const j = lastFitting(offsets, i, end, offsets[i]! + budget - size, 0xffff - count);
      if (j === i) {
        if (count === 0) throw new Error(`a record of ${offsets[i + 1]! - offsets[i]!} bytes does not fit a message`);
        yield flush();
        continue;
      }
      parts.push(bytes.subarray(offsets[i]!, offsets[j]!));
      size += offsets[j]! - offsets[i]!;
      count += j - i;
      i = j;
      if (i < end) yield flush();
    }
  }
  if (count > 0) yield flush();
}

/** The largest j in [i, end] with offsets[j] ≤ limit and j - i ≤ maxCount (binary search: offsets rise). */
function lastFitting(offsets: Uint32Array, i: number, end: number, limit: number, maxCount: number): number {
  let lo = i;
  let hi = Math.min(end, i + maxCount);
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (offsets[mid]! <= limit) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
