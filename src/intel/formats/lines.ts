// Streams text lines out of a byte stream without holding the whole input: a 1,000,000-row feed is
// read in chunks. Handles \n and \r\n, a final line without a newline, a UTF-8 BOM, and multi-byte
// characters split across chunks (lines are cut on bytes, decoded whole).

export type Line = {
  /** 1-based line number. */
  number: number;
  /** The line's text without its line ending. */
  text: string;
  /** The line's bytes without its line ending, for dead letters. */
  raw: Uint8Array;
};

const NEWLINE = 0x0a;
const CR = 0x0d;
const decoder = new TextDecoder('utf-8', { fatal: false });

export async function* readLines(input: AsyncIterable<Uint8Array>): AsyncIterable<Line> {
  let carry: Uint8Array = new Uint8Array(0);
  let number = 0;
  let first = true;
  for await (const chunk of input) {
    let buffer = carry.length ? concat(carry, chunk) : chunk;
    if (first && buffer.length >= 3) {
      first = false;
      if (buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) buffer = buffer.subarray(3);
    }
    let start = 0;
    for (let i = buffer.indexOf(NEWLINE, start); i !== -1; i = buffer.indexOf(NEWLINE, start)) {
      const end = i > start && buffer[i - 1] === CR ? i - 1 : i;
      const raw = buffer.slice(start, end);
      yield { number: ++number, text: decoder.decode(raw), raw };
      start = i + 1;
    }
    carry = buffer.slice(start);
  }
  if (first && carry.length >= 3 && carry[0] === 0xef && carry[1] === 0xbb && carry[2] === 0xbf)
    carry = carry.subarray(3);
  if (carry.length > 0) {
    const end = carry[carry.length - 1] === CR ? carry.length - 1 : carry.length;
    const raw = carry.slice(0, end);
    yield { number: number + 1, text: decoder.decode(raw), raw };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Bytes of a string, for tests and for raw fields of records built from parsed text. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}
const encoder = new TextEncoder();

/** The bytes of several lines joined with \n: the raw record of a multi-line entry. */
export function joinLines(lines: Line[]): Uint8Array {
  if (lines.length === 1) return lines[0]!.raw;
  let size = lines.length - 1;
  for (const l of lines) size += l.raw.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (let i = 0; i < lines.length; i++) {
    if (i > 0) out[at++] = 0x0a;
    out.set(lines[i]!.raw, at);
    at += lines[i]!.raw.length;
  }
  return out;
}
