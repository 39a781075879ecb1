import { isIPv4 } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { DeltaRecord } from './journal.js';
import { CLASS, TYPE, nameToWire } from './wire.js';
import type { Soa } from './zone.js';

// Records in wire form, encoded once per zone version and copied into transfer messages as they are.
// Every owner name is written relative to the zone origin and ends in a compression pointer to offset
// 12 — where the question, which names the origin, sits in every message this server sends (RFC 5936
// §2.2.1 lets each message of a transfer repeat the question) — so one record's bytes are valid in any
// message, and a million-record AXFR is a few thousand Buffer copies rather than a million encodes.

/** Where the question's name starts: right after the 12-byte header. */
export const ORIGIN_POINTER = 0xc00c;

/** Records back to back; record i is bytes[offsets[i], offsets[i + 1]). */
export type Packed = {
  bytes: Buffer;
  offsets: Uint32Array;
  count: number;
  /** The whole allocations behind bytes and offsets, which a later version may write into again. */
  storage: Storage;
};

export type Storage = { bytes: Buffer; offsets: Uint32Array };

type PackRecord = DeltaRecord;

/** Encodes records in order; append() may be called in slices so a big zone can yield to the event loop. */
export class Packer {
  private bytes: Buffer;
  private offsets: Uint32Array;
  private used = 0;
  private count = 0;
  // Type, class, TTL, rdlength and rdata: a policy zone has a handful of distinct ones (the sinkhole's
  // A and AAAA, the CNAME actions), so a short list compared field by field finds them without
  // building a key string per record.
  private readonly tails: { type: string; ttl: number; data: string; bytes: Buffer }[] = [];
  private readonly moreTails = new Map<string, Buffer>();
  private readonly suffix: string;

  /**
   * `bytes`: what the records will take, when known. The buffer is allocated once at that size:
   * each large allocation counts against V8's external memory and can cost a full GC of the zone.
   */
  constructor(
    readonly origin: string,
    expected: number,
    bytes = expected * 40,
    reuse?: Storage,
  ) {
    this.suffix = `.${origin}`;
    const fits = reuse && reuse.bytes.length >= bytes && reuse.offsets.length >= expected + 1;
    this.bytes = fits ? reuse.bytes : Buffer.allocUnsafe(Math.max(1024, bytes));
    this.offsets = fits ? reuse.offsets : new Uint32Array(expected + 1);
    this.offsets[0] = 0;
  }

  /** A packer sized exactly for `records` (ASCII names; others grow the buffer). */
  static for(origin: string, records: readonly PackRecord[]): Packer {
    const sizing = new Packer(origin, 0, 0);
    let bytes = 0;
    for (const r of records) bytes += sizing.sizeOf(r);
    // Slack for the last name, which is written whole before it is cut to its relative part.
    return new Packer(origin, records.length, bytes + 512);
  }

  append(records: readonly PackRecord[], start = 0, end = records.length): void {
    for (let i = start; i < end; i++) this.add(records[i]!);
  }

  add(record: PackRecord): void {
    const tail = this.tail(record);
    const { name } = record;
    let relative: number;
    if (name === this.origin) relative = 0;
    else if (name.endsWith(this.suffix)) relative = name.length - this.suffix.length;
    else throw new Error(`record ${name} ${record.type} is not under the zone ${this.origin}`);
    // Room for the whole name (written whole below, then cut), the pointer and the tail.
    this.reserve(name.length + 3 + tail.length);
    const begin = this.used;
    let pos = begin;
    if (relative > 0) {
      pos = writeLabels(this.bytes, pos, name, relative);
      if (pos < 0) {
        this.reserve(Buffer.byteLength(name) + 3 + tail.length);
        pos = writeLabelsSlowly(this.bytes, begin, name, relative);
      }
    }
    if (pos - begin + this.origin.length + 1 > 255) throw new Error(`${name} is longer than 255 bytes`);
    const buf = this.bytes;
    buf.writeUInt16BE(ORIGIN_POINTER, pos);
    pos += 2;
    buf.set(tail, pos);
    pos += tail.length;
    this.used = pos;
    if (this.count + 1 >= this.offsets.length) this.growOffsets();
    this.count++;
    this.offsets[this.count] = pos;
  }

  /** Copies records [start, end) of an earlier pack as they are: the unchanged part of a new version. */
  copy(from: Packed, start: number, end: number): void {
    if (end <= start) return;
    const first = from.offsets[start]!;
    const length = from.offsets[end]! - first;
    this.reserve(length);
    this.bytes.set(from.bytes.subarray(first, first + length), this.used);
    const shift = this.used - first;
    while (this.count + (end - start) >= this.offsets.length) this.growOffsets();
    for (let i = start + 1; i <= end; i++) this.offsets[++this.count] = from.offsets[i]! + shift;
    this.used += length;
  }

  finish(): Packed {
    return {
      bytes: this.bytes.subarray(0, this.used),
      offsets: this.offsets.subarray(0, this.count + 1),
      count: this.count,
      storage: { bytes: this.bytes, offsets: this.offsets },
    };
  }

  private reserve(extra: number): void {
    if (this.used + extra <= this.bytes.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + extra));
    this.bytes.copy(bigger, 0, 0, this.used);
    this.bytes = bigger;
  }

  private growOffsets(): void {
    const bigger = new Uint32Array(this.offsets.length * 2 + 16);
    bigger.set(this.offsets);
    this.offsets = bigger;
  }

  /** The bytes `record` takes when its name is ASCII. */
  sizeOf(record: PackRecord): number {
    const relative = record.name.length - this.origin.length;
    return (relative > 0 ? relative : 0) + 2 + this.tail(record).length;
  }

  private tail(record: PackRecord): Buffer {
    for (const t of this.tails) {
      if (t.data === record.data && t.type === record.type && t.ttl === record.ttl) return t.bytes;
    }
    if (this.tails.length < 16) {
      const bytes = encodeTail(record);
      this.tails.push({ type: record.type, ttl: record.ttl, data: record.data, bytes });
      return bytes;
    }
    const key = `${record.type} ${record.ttl} ${record.data}`;
    let tail = this.moreTails.get(key);
    if (!tail) {
      tail = encodeTail(record);
      // A zone whose every record has its own address would fill the cache for nothing.
      if (this.moreTails.size < 10_000) this.moreTails.set(key, tail);
    }
    return tail;
  }
}

/**
 * Writes the first `length` characters of `name` as labels; returns the position after them. The
 * native string write does the copying; the loop only turns dots into label lengths. -1 when the
 * name is not ASCII (its UTF-8 is longer than its characters): writeLabelsSlowly takes those.
 */
function writeLabels(buf: Buffer, pos: number, name: string, length: number): number {
  const written = buf.write(name, pos + 1, 'utf8');
  if (written !== name.length) return -1;
  const end = pos + 1 + length;
  let lengthAt = pos;
  for (let i = pos + 1; i < end; i++) {
    if (buf[i] === 0x2e) {
      closeLabel(buf, lengthAt, lengthAt + 1, i, name);
      lengthAt = i;
    }
  }
  closeLabel(buf, lengthAt, lengthAt + 1, end, name);
  return end;
}

/** The same for a name with non-ASCII characters, whose UTF-8 is longer than its length in characters. */
function writeLabelsSlowly(buf: Buffer, pos: number, name: string, length: number): number {
  const labels = name.slice(0, length).split('.');
  for (const label of labels) {
    const bytes = Buffer.from(label, 'utf8');
    closeLabel(buf, pos, 0, bytes.length, name);
    buf.set(bytes, pos + 1);
    pos += 1 + bytes.length;
  }
  return pos;
}

function closeLabel(buf: Buffer, lengthAt: number, start: number, end: number, name: string): void {
  const length = end - start;
  if (length < 1 || length > 63) throw new Error(`${name} has a label that is not 1 to 63 bytes long`);
  buf[lengthAt] = length;
}

function encodeTail(record: PackRecord): Buffer {
  const rdata = encodeRdata(record);
  const tail = Buffer.allocUnsafe(10 + rdata.length);
  tail.writeUInt16BE(TYPE[record.type], 0);
  tail.writeUInt16BE(CLASS.IN, 2);
  tail.writeUInt32BE(record.ttl >>> 0, 4);
  tail.writeUInt16BE(rdata.length, 8);
  rdata.copy(tail, 10);
  return tail;
}

function encodeRdata(record: PackRecord): Buffer {
  switch (record.type) {
    case 'A':
      if (!isIPv4(record.data)) throw new Error(`A record ${record.name} has no IPv4 address: ${record.data}`);
      return Buffer.from(record.data.split('.').map(Number));
    case 'AAAA':
      if (!ipaddr.IPv6.isValid(record.data))
        throw new Error(`AAAA record ${record.name} has no IPv6 address: ${record.data}`);
      return Buffer.from(ipaddr.IPv6.parse(record.data).toByteArray());
    case 'CNAME':
    case 'NS':
      return nameToWire(record.data);
  }
}

export function packRecords(origin: string, records: readonly PackRecord[]): Packed {
  const packer = Packer.for(origin, records);
  packer.append(records);
  return packer.finish();
}

/** Packs a large list in slices, yielding to the event loop between them so transfers keep flowing. */
export async function packRecordsAsync(
  origin: string,
  records: readonly PackRecord[],
  slice = 50_000,
): Promise<Packed> {
  const packer = Packer.for(origin, records);
  for (let start = 0; start < records.length; start += slice) {
    packer.append(records, start, Math.min(records.length, start + slice));
    if (start + slice < records.length) await new Promise((resolve) => setImmediate(resolve));
  }
  return packer.finish();
}

/**
 * The next version from the previous one's wire form: runs of unchanged records are copied as they
 * are, and only the added ones are encoded — a thousand-record change to a million-record zone costs
 * a few thousand copies. The indices come from diffZonesIndexed (sorted, into each version's records).
 * `reuse`: the storage of a version nothing reads any more, so no new allocation (and no full GC of
 * a heap holding the zone) is needed.
 */
export function repackRecords(
  origin: string,
  previous: Packed,
  records: readonly PackRecord[],
  deletedIndex: readonly number[],
  addedIndex: readonly number[],
  reuse?: Storage,
): Packed {
  const sizing = new Packer(origin, 0, 0);
  let bytes = previous.bytes.length;
  for (const i of deletedIndex) bytes -= previous.offsets[i + 1]! - previous.offsets[i]!;
  for (const j of addedIndex) bytes += sizing.sizeOf(records[j]!);
  const packer = new Packer(origin, records.length, bytes + 512, reuse);
  let i = 0; // the next record of `previous` not yet copied or skipped
  let d = 0; // the next entry of deletedIndex
  let j = 0; // the next record of `records` not yet written
  for (const stop of [...addedIndex, records.length]) {
    // records[j, stop) are unchanged: the same records of `previous`, in order, minus the deleted ones.
    let keep = stop - j;
    while (keep > 0) {
      while (d < deletedIndex.length && deletedIndex[d] === i) {
        i++;
        d++;
      }
      const run = Math.min(keep, (deletedIndex[d] ?? Infinity) - i);
      packer.copy(previous, i, i + run);
      i += run;
      keep -= run;
    }
    if (stop < records.length) packer.add(records[stop]!);
    j = stop + 1;
  }
  const packed = packer.finish();
  if (packed.count !== records.length) throw new Error(`repacked ${packed.count} records of ${records.length}`);
  return packed;
}

/** The apex SOA record (its owner is the pointer to the question, like every other record's). */
export function packSoa(soa: Soa, ttl: number): Packed {
  const mname = nameToWire(soa.mname);
  const rname = nameToWire(soa.rname);
  const rdata = Buffer.allocUnsafe(mname.length + rname.length + 20);
  mname.copy(rdata, 0);
  rname.copy(rdata, mname.length);
  let pos = mname.length + rname.length;
  for (const n of [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum]) {
    rdata.writeUInt32BE(n >>> 0, pos);
    pos += 4;
  }
  const bytes = Buffer.allocUnsafe(2 + 10 + rdata.length);
  bytes.writeUInt16BE(ORIGIN_POINTER, 0);
  bytes.writeUInt16BE(TYPE.SOA, 2);
  bytes.writeUInt16BE(CLASS.IN, 4);
  bytes.writeUInt32BE(ttl >>> 0, 6);
  bytes.writeUInt16BE(rdata.length, 10);
  rdata.copy(bytes, 12);
  const offsets = Uint32Array.of(0, bytes.length);
  return { bytes, offsets, count: 1, storage: { bytes, offsets } };
}
