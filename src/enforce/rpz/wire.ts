// Reading DNS messages (RFC 1035 §4) as the transfer server receives them: every field bounds-checked,
// so a hostile or truncated packet is a WireError and never an exception from a Buffer read. The server
// needs offsets (where the TSIG record starts, the question's raw bytes) that dns-packet does not give.

export const TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, AAAA: 28, OPT: 41, TSIG: 250, IXFR: 251, AXFR: 252 } as const;
export const CLASS = { IN: 1, ANY: 255 } as const;
export const OPCODE = { QUERY: 0, NOTIFY: 4 } as const;
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, NOTAUTH: 9 } as const;
export const FLAG = { QR: 0x8000, AA: 0x0400, TC: 0x0200, RD: 0x0100 } as const;

export class WireError extends Error {}

export type Header = {
  id: number;
  flags: number;
  qr: boolean;
  opcode: number;
  rcode: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
};

export type Question = {
  /** Lower case, absolute, with the trailing dot. */
  name: string;
  type: number;
  class: number;
  /** The question section as received (name, type, class), for copying into the answer. */
  raw: Buffer;
};

export type ResourceRecord = {
  name: string;
  type: number;
  class: number;
  ttl: number;
  /** Offset of the record's first byte (its owner name) in the message. */
  start: number;
  rdataStart: number;
  rdlength: number;
};

export type Message = {
  header: Header;
  question: Question | undefined;
  answers: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[];
};

export function readHeader(buf: Buffer): Header {
  if (buf.length < 12) throw new WireError(`message of ${buf.length} bytes is shorter than a DNS header`);
  const flags = buf.readUInt16BE(2);
  return {
    id: buf.readUInt16BE(0),
    flags,
    qr: (flags & FLAG.QR) !== 0,
    opcode: (flags >> 11) & 0xf,
    rcode: flags & 0xf,
    qdcount: buf.readUInt16BE(4),
    ancount: buf.readUInt16BE(6),
    nscount: buf.readUInt16BE(8),
    arcount: buf.readUInt16BE(10),
  };
}

/**
 * The name at `offset`, following compression pointers (only backwards, as RFC 1035 §4.1.4 allows,
 * so a pointer loop is impossible), lower-cased, with `.` and unprintable bytes inside labels escaped
 * so two different wire names never read the same. `end` is where the name ends at `offset`; `wire` is
 * the name uncompressed, in the case it was sent.
 */
export function readName(buf: Buffer, offset: number): { name: string; end: number; wire: Buffer } {
  let name = '';
  const labels: Buffer[] = [];
  let pos = offset;
  let end = -1;
  let wireLength = 0;
  let limit = offset; // a pointer must point before the label it is found in
  for (;;) {
    if (pos >= buf.length) throw new WireError(`name at ${offset} runs past the end of the message`);
    const len = buf[pos]!;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) throw new WireError(`name at ${offset} has a truncated pointer`);
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (target >= limit) throw new WireError(`name at ${offset} has a pointer that does not point backwards`);
      if (end < 0) end = pos + 2;
      pos = target;
      limit = target;
      continue;
    }
    if ((len & 0xc0) !== 0) throw new WireError(`name at ${offset} has an unknown label type 0x${len.toString(16)}`);
    if (pos + 1 + len > buf.length) throw new WireError(`name at ${offset} has a label past the end of the message`);
    wireLength += len + 1;
    if (wireLength > 254) throw new WireError(`name at ${offset} is longer than 255 bytes`);
    labels.push(buf.subarray(pos, pos + 1 + len));
    for (let i = pos + 1; i <= pos + len; i++) {
      const c = buf[i]!;
      if (c >= 0x41 && c <= 0x5a) name += String.fromCharCode(c + 32);
      else if (c === 0x2e || c === 0x5c) name += `\\${String.fromCharCode(c)}`;
      else if (c > 0x20 && c < 0x7f) name += String.fromCharCode(c);
      else name += `\\${c.toString().padStart(3, '0')}`;
    }
    name += '.';
    pos += len + 1;
  }
  labels.push(Buffer.of(0));
  return { name: name === '' ? '.' : name, end, wire: Buffer.concat(labels) };
}

function readRecord(buf: Buffer, offset: number): { rr: ResourceRecord; end: number } {
  const { name, end: nameEnd } = readName(buf, offset);
  if (nameEnd + 10 > buf.length) throw new WireError(`record at ${offset} is truncated`);
  const rdlength = buf.readUInt16BE(nameEnd + 8);
  const rdataStart = nameEnd + 10;
  if (rdataStart + rdlength > buf.length) throw new WireError(`record at ${offset} has rdata past the end`);
  return {
    rr: {
      name,
      type: buf.readUInt16BE(nameEnd),
      class: buf.readUInt16BE(nameEnd + 2),
      ttl: buf.readUInt32BE(nameEnd + 4),
      start: offset,
      rdataStart,
      rdlength,
    },
    end: rdataStart + rdlength,
  };
}

/** The whole message; throws WireError when any part of it cannot be read or bytes are left over. */
export function readMessage(buf: Buffer): Message {
  const header = readHeader(buf);
  let pos = 12;
  let question: Question | undefined;
  if (header.qdcount > 1) throw new WireError(`${header.qdcount} questions; a DNS message has at most one`);
  if (header.qdcount === 1) {
    const { name, end } = readName(buf, pos);
    if (end + 4 > buf.length) throw new WireError('question is truncated');
    question = { name, type: buf.readUInt16BE(end), class: buf.readUInt16BE(end + 2), raw: buf.subarray(pos, end + 4) };
    pos = end + 4;
  }
  const section = (count: number) => {
    const records: ResourceRecord[] = [];
    for (let i = 0; i < count; i++) {
      const { rr, end } = readRecord(buf, pos);
      records.push(rr);
      pos = end;
    }
    return records;
  };
  const answers = section(header.ancount);
  const authority = section(header.nscount);
  const additional = section(header.arcount);
  if (pos !== buf.length) throw new WireError(`${buf.length - pos} bytes after the last record`);
  return { header, question, answers, authority, additional };
}

/** The serial of an SOA record's rdata (after MNAME and RNAME). */
export function readSoaSerial(buf: Buffer, rr: ResourceRecord): number {
  const end = rr.rdataStart + rr.rdlength;
  const mname = readName(buf, rr.rdataStart);
  const rname = readName(buf, mname.end);
  if (rname.end + 20 !== end) throw new WireError(`SOA rdata at ${rr.start} has the wrong length`);
  return buf.readUInt32BE(rname.end);
}

/** A name in uncompressed wire form (RFC 1035 §3.1), lower-cased: the form TSIG digests. */
export function nameToWire(name: string): Buffer {
  const labels = name === '.' ? [] : name.replace(/\.$/, '').split('.');
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label.toLowerCase(), 'utf8');
    if (bytes.length < 1 || bytes.length > 63) throw new Error(`label "${label}" of ${name} is not 1 to 63 bytes`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const wire = Buffer.concat(parts);
  if (wire.length > 255) throw new Error(`${name} is longer than 255 bytes`);
  return wire;
}
