// Frame Streams (fstrm), the framing dnstap travels in: a stream of frames, each a 32-bit big-endian
// length and that many bytes. A length of 0 is the escape that starts a control frame (START, STOP,
// READY, ACCEPT, FINISH with content-type fields); any other length starts a data frame. The format
// is the one libfstrm reads and writes (fstrm/control.c): control frames at most 512 bytes, content
// types at most 256, START with at most one content type, STOP and FINISH with none.
//
// The decoder is fed socket chunks as they come and never throws: a frame it cannot read becomes an
// error result, after which the stream is unusable (there is no way to find the next frame boundary)
// and the caller closes the connection. Lengths are checked before anything is buffered, so a hostile
// length costs nothing.

export const CONTROL_TYPES = { ACCEPT: 0x01, START: 0x02, STOP: 0x03, READY: 0x04, FINISH: 0x05 } as const;
export type ControlType = keyof typeof CONTROL_TYPES;
const CONTROL_NAMES: (ControlType | undefined)[] = [undefined, 'ACCEPT', 'START', 'STOP', 'READY', 'FINISH'];

/** The only control field type Frame Streams defines. */
const FIELD_CONTENT_TYPE = 0x01;
/** libfstrm's limits (FSTRM_CONTROL_FRAME_LENGTH_MAX, FSTRM_CONTROL_FIELD_CONTENT_TYPE_LENGTH_MAX). */
export const MAX_CONTROL_FRAME_BYTES = 512;
export const MAX_CONTENT_TYPE_BYTES = 256;
/** A dnstap message is a DNS message (≤ 64 KiB) with metadata; 1 MiB leaves room and bounds memory. */
export const DEFAULT_MAX_DATA_FRAME_BYTES = 1 << 20;

export type ControlFrame = { kind: 'control'; type: ControlType; contentTypes: string[] };

export type FrameStreamError = {
  kind: 'error';
  /** What is wrong, for a person: `data frame of 4294967295 bytes is over the 1048576-byte limit`. */
  reason: string;
  /** Byte offset in the stream where the unreadable frame starts. */
  offset: number;
  /** The first bytes of the unreadable frame (at most 64), for the dead-letter store. */
  raw: Uint8Array;
};

/** What `next()` yields: a data frame's payload (a view, not a copy), a control frame, or an error. */
export type Frame = Uint8Array | ControlFrame | FrameStreamError;

const RAW_KEPT = 64;

/**
 * Incremental Frame Streams decoder. `push()` a chunk, then call `next()` until it returns null (it
 * needs more bytes). Data frames are subarrays of the pushed chunks where a frame lies inside one chunk;
 * a frame split across chunks is copied once, when its last byte arrives.
 */
export class FrameStreamDecoder {
  private buf: Uint8Array = new Uint8Array(0);
  private pos = 0;
  /** Chunks pushed while `buf` still held an incomplete frame. */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Stream offset of `buf[0]`. */
  private base = 0;
  private failedAt: FrameStreamError | null = null;
  private readonly maxDataFrame: number;

  constructor(options: { maxDataFrameBytes?: number } = {}) {
    this.maxDataFrame = options.maxDataFrameBytes ?? DEFAULT_MAX_DATA_FRAME_BYTES;
  }

  /** Bytes consumed as whole frames so far. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Bytes received but not yet part of a whole frame (a frame cut off at the end so far). */
  get buffered(): number {
    return this.buf.length - this.pos + this.pendingBytes;
  }

  /** The error that stopped the decoder, if one did. */
  get error(): FrameStreamError | null {
    return this.failedAt;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0 || this.failedAt) return;
    if (this.pos === this.buf.length && this.pendingBytes === 0) {
      this.base += this.pos;
      this.buf = chunk;
      this.pos = 0;
    } else {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    }
  }

  /** The next whole frame, or null when more bytes are needed (or after an error was returned). */
  next(): Frame | null {
    if (this.failedAt) return null;
    for (;;) {
      const available = this.buf.length - this.pos;
      const need = this.frameBytes(available);
      if (typeof need !== 'number') return this.fail(need.reason);
      if (available >= need) return this.take(need);
      // Merge the pending chunks only once the whole frame (or a whole header) is there, so a large
      // frame arriving in many chunks is copied once rather than once per chunk.
      if (this.pendingBytes === 0 || available + this.pendingBytes < need) return null;
      this.merge();
    }
  }

  /**
   * At the end of the stream: an error when it stopped inside a frame, else null. A producer that
   * closes mid-frame lost data, which is worth a dead letter.
   */
  end(): FrameStreamError | null {
    if (this.failedAt) return null;
    const left = this.buffered;
    if (left === 0) return null;
    this.merge();
    return this.fail(`stream ended inside a frame (${left} bytes of an incomplete frame)`);
  }

  /** The bytes the next frame needs in total, header included; an error for a length out of bounds. */
  private frameBytes(available: number): number | { reason: string } {
    if (available < 4) return 4;
    const length = readU32(this.buf, this.pos);
    if (length !== 0) {
      if (length > this.maxDataFrame) {
        return { reason: `data frame of ${length} bytes is over the ${this.maxDataFrame}-byte limit` };
      }
      return 4 + length;
    }
    if (available < 8) return 8;
    const controlLength = readU32(this.buf, this.pos + 4);
    if (controlLength > MAX_CONTROL_FRAME_BYTES) {
      return { reason: `control frame of ${controlLength} bytes is over the ${MAX_CONTROL_FRAME_BYTES}-byte limit` };
    }
    if (controlLength < 4) return { reason: `control frame of ${controlLength} bytes is too short for its type` };
    return 8 + controlLength;
  }

  private take(need: number): Frame {
    const start = this.pos;
    const buf = this.buf;
    this.pos = start + need;
    if (readU32(buf, start) !== 0) return buf.subarray(start + 4, start + need);
    const control = parseControlFrame(buf, start + 8, start + need);
    if (typeof control === 'string') {
      this.pos = start;
      return this.fail(control);
    }
    return control;
  }

  private merge(): void {
    const rest = this.buf.subarray(this.pos);
    // A Buffer, so the frames cut from it are Buffers like those cut from socket chunks.
    const merged = Buffer.allocUnsafe(rest.length + this.pendingBytes);
    merged.set(rest, 0);
    let at = rest.length;
    for (const chunk of this.pending) {
      merged.set(chunk, at);
      at += chunk.length;
    }
    this.base += this.pos;
    this.buf = merged;
    this.pos = 0;
    this.pending = [];
    this.pendingBytes = 0;
  }

  private fail(reason: string): FrameStreamError {
    const raw = this.buf.slice(this.pos, this.pos + RAW_KEPT);
    this.failedAt = { kind: 'error', reason, offset: this.base + this.pos, raw };
    // Nothing after an unreadable frame can be read: drop what is held.
    this.buf = new Uint8Array(0);
    this.pos = 0;
    this.pending = [];
    this.pendingBytes = 0;
    return this.failedAt;
  }
}

/** A control frame's body (type and fields, after the escape and length), or why it is unreadable. */
export function parseControlFrame(buf: Uint8Array, start: number, end: number): ControlFrame | string {
  const code = readU32(buf, start);
  const type = code < CONTROL_NAMES.length ? CONTROL_NAMES[code] : undefined;
  if (!type) return `control frame of unknown type 0x${code.toString(16)}`;
  const contentTypes: string[] = [];
  let at = start + 4;
  while (at < end) {
    if (end - at < 8) return `${type} control frame: ${end - at} bytes left, too short for a field header`;
    const field = readU32(buf, at);
    const length = readU32(buf, at + 4);
    at += 8;
    if (field !== FIELD_CONTENT_TYPE) return `${type} control frame: unknown field type 0x${field.toString(16)}`;
    if (length > end - at) return `${type} control frame: content type of ${length} bytes overruns the frame`;
    if (length > MAX_CONTENT_TYPE_BYTES) {
      return `${type} control frame: content type of ${length} bytes is over the ${MAX_CONTENT_TYPE_BYTES}-byte limit`;
    }
    contentTypes.push(Buffer.from(buf.buffer, buf.byteOffset + at, length).toString('latin1'));
    at += length;
  }
  if (type === 'START' && contentTypes.length > 1) return 'START control frame with more than one content type';
  if ((type === 'STOP' || type === 'FINISH') && contentTypes.length > 0) {
    return `${type} control frame with a content type (it may have none)`;
  }
  return { kind: 'control', type, contentTypes };
}

/** An escaped control frame as it goes on the wire. Content types are ASCII (`protobuf:dnstap.Dnstap`). */
export function encodeControlFrame(type: ControlType, contentTypes: readonly string[] = []): Buffer {
  const fields = contentTypes.map((t) => Buffer.from(t, 'latin1'));
  const bodyLength = 4 + fields.reduce((sum, f) => sum + 8 + f.length, 0);
  const out = Buffer.alloc(8 + bodyLength);
  out.writeUInt32BE(0, 0);
  out.writeUInt32BE(bodyLength, 4);
  out.writeUInt32BE(CONTROL_TYPES[type], 8);
  let at = 12;
  for (const field of fields) {
    out.writeUInt32BE(FIELD_CONTENT_TYPE, at);
    out.writeUInt32BE(field.length, at + 4);
    field.copy(out, at + 8);
    at += 8 + field.length;
  }
  return out;
}

/** A data frame as it goes on the wire: the payload's length, then the payload. */
export function encodeDataFrame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.set(payload, 4);
  return out;
}

/**
 * A whole unidirectional stream, as `fstrm_capture` writes files and a writer without a handshake
 * sends: START with the content type, the data frames, STOP.
 */
export function encodeFrameStream(contentType: string, payloads: Iterable<Uint8Array>): Buffer {
  const parts: Buffer[] = [encodeControlFrame('START', [contentType])];
  for (const payload of payloads) parts.push(encodeDataFrame(payload));
  parts.push(encodeControlFrame('STOP'));
  return Buffer.concat(parts);
}

function readU32(buf: Uint8Array, at: number): number {
  return ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0;
}
