/** Where the frames cut out of a byte stream go: whole messages, and frames that could not be read. */
export type FrameHandlers = {
  /** One message's bytes (without its octet count or trailer); `position` is its first byte in the stream. */
  onFrame(frame: Buffer, position: number): void;
  /** A frame that is not passed on (too long, cut short by the end of the stream); raw holds its first bytes. */
  onError(reason: string, position: number, raw: Buffer): void;
};

export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;

// An oversized frame is reported with its first bytes only: enough to see who sent what, never the whole of it.
const RAW_HEAD_BYTES = 1024;
// An octet count up to this many times the limit is believed and the frame skipped by its count, so the frames
// after it are read as sent; a larger one is more likely a stray number than a frame (rsyslog's maxFrameSize).
const SKIP_BY_COUNT_FACTOR = 16;
// More digits than this cannot be an octet count anyone sends.
const MAX_COUNT_DIGITS = 10;

const LF = 10;
const CR = 13;
const NUL = 0;
const SPACE = 32;

const AT_FRAME_START = 0;
const IN_OCTET_COUNT = 1;
const IN_COUNTED_FRAME = 2;
const IN_LINE = 3;
const SKIPPING_COUNTED = 4;
const SKIPPING_LINE = 5;

/**
 * Cuts a syslog TCP stream into messages (RFC 6587), chunk by chunk as it arrives. Each frame says which framing
 * it uses, as RFC 6587 §3.4 lets senders mix them: a frame that starts with a digit is octet-counted
 * (`MSG-LEN SP SYSLOG-MSG`, §3.4.1), any other is non-transparent and ends at LF (§3.4.2), or at NUL or CRLF as
 * some senders use. Digits not followed by a space (a message without PRI that starts with its ISO stamp) are
 * the start of a non-transparent frame after all.
 *
 * Memory is bounded: a frame is held only up to maxMessageBytes. A longer one is reported and skipped: by its
 * count when it has one that is believable, else up to the next LF, where the stream is in step again.
 */
export class SyslogFramer {
  private state = AT_FRAME_START;
  /** Stream bytes before the chunk being read. */
  private offset = 0;
  private frameStart = 0;
  private count = 0;
  private countText = '';
  /** Bytes still to come of a counted frame (being read or skipped). */
  private remaining = 0;
  private parts: Buffer[] = [];
  private partsLength = 0;
  /** The first bytes of a frame being skipped, and how many it has had so far. */
  private head: Buffer[] = [];
  private headLength = 0;
  private skipped = 0;
  private skipReason = '';

  constructor(
    private readonly handlers: FrameHandlers,
    private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
  ) {}

  /** Bytes held for a frame not yet complete (never more than maxMessageBytes plus a few). */
  get bufferedBytes(): number {
    return this.partsLength + this.headLength + this.countText.length;
  }

  push(chunk: Buffer): void {
    const n = chunk.length;
    // Where the next NUL is in this chunk (n: none), found once so that looking for NUL as well as LF stays linear.
    let nulAt = -1;
    const delimiterFrom = (from: number): number => {
      if (nulAt < from) {
        nulAt = chunk.indexOf(NUL, from);
        if (nulAt < 0) nulAt = n;
      }
      const lf = chunk.indexOf(LF, from);
      return lf >= 0 && lf < nulAt ? lf : nulAt;
    };
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case AT_FRAME_START: {
          const b = chunk[i]!;
          if (b === LF || b === CR || b === NUL) {
            i++; // blank lines, and the LF some senders add after an octet-counted frame
            break;
          }
          this.frameStart = this.offset + i;
          if (b >= 48 && b <= 57) {
            this.state = IN_OCTET_COUNT;
            this.count = 0;
            this.countText = '';
          } else this.state = IN_LINE;
          break;
        }
        case IN_OCTET_COUNT: {
          for (; i < n; i++) {
            const b = chunk[i]!;
            if (b < 48 || b > 57 || this.countText.length === MAX_COUNT_DIGITS) break;
            this.count = this.count * 10 + (b - 48);
            this.countText += String.fromCharCode(b);
          }
          if (i === n) break;
          if (chunk[i] === SPACE) {
            i++;
            this.startCountedFrame();
          } else {
            this.parts = [Buffer.from(this.countText, 'latin1')];
            this.partsLength = this.countText.length;
            this.countText = '';
            this.state = IN_LINE;
          }
          break;
        }
        case IN_COUNTED_FRAME: {
          const take = Math.min(this.remaining, n - i);
          this.remaining -= take;
          this.hold(chunk.subarray(i, i + take), this.remaining > 0);
          i += take;
          if (this.remaining === 0) this.emitFrame();
          break;
        }
        case IN_LINE: {
          const end = delimiterFrom(i);
          // + 1: the CR of a CRLF trailer is held with the message until the LF shows it is trailer.
          if (this.partsLength + (end - i) > this.maxMessageBytes + 1) {
            this.startSkipping(SKIPPING_LINE, `message longer than ${this.maxMessageBytes} bytes`);
            this.skip(chunk.subarray(i, end));
            if (end < n) this.emitSkipped();
          } else {
            this.hold(chunk.subarray(i, end), end === n);
            if (end < n) this.emitLine();
          }
          i = Math.min(end + 1, n);
          break;
        }
        case SKIPPING_COUNTED: {
          const take = Math.min(this.remaining, n - i);
          this.skip(chunk.subarray(i, i + take));
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.emitSkipped();
          break;
        }
        case SKIPPING_LINE: {
          const end = delimiterFrom(i);
          this.skip(chunk.subarray(i, end));
          if (end < n) this.emitSkipped();
          i = Math.min(end + 1, n);
          break;
        }
      }
    }
    this.offset += n;
  }

  /** The stream has ended: a last message without its LF is still a message; anything cut short is reported. */
  end(): void {
    switch (this.state) {
      case IN_LINE:
        this.emitLine();
        break;
      case IN_OCTET_COUNT:
        this.handlers.onError(
          `stream ended inside the octet count "${this.countText}"`,
          this.frameStart,
          Buffer.from(this.countText, 'latin1'),
        );
        break;
      case IN_COUNTED_FRAME: {
        const raw = Buffer.concat(this.parts, this.partsLength);
        const reason = `stream ended ${this.remaining} bytes short of a ${this.count}-byte frame`;
        this.handlers.onError(reason, this.frameStart, raw);
        break;
      }
      case SKIPPING_COUNTED:
      case SKIPPING_LINE:
        this.emitSkipped();
        break;
    }
    this.reset();
  }

  private startCountedFrame(): void {
    const count = this.count;
    const prefix = Buffer.from(`${this.countText} `, 'latin1');
    this.countText = '';
    if (count === 0) {
      this.handlers.onError('octet count 0: a frame holds at least one byte', this.frameStart, Buffer.from('0 '));
      this.state = AT_FRAME_START;
    } else if (count <= this.maxMessageBytes) {
      this.state = IN_COUNTED_FRAME;
      this.remaining = count;
    } else if (count <= this.maxMessageBytes * SKIP_BY_COUNT_FACTOR) {
      this.startSkipping(
        SKIPPING_COUNTED,
        `${count}-byte frame (octet count) longer than ${this.maxMessageBytes} bytes`,
      );
      this.keepHead(prefix);
      this.remaining = count;
    } else {
      this.startSkipping(SKIPPING_LINE, `octet count ${count} is not believable (limit ${this.maxMessageBytes} bytes)`);
      this.keepHead(prefix);
    }
  }

  private startSkipping(state: number, reason: string): void {
    this.state = state;
    this.skipReason = reason;
    // What was held of the frame so far becomes the start of its reported head.
    this.head = [];
    this.headLength = 0;
    this.skipped = 0;
    const held = this.parts;
    this.parts = [];
    this.partsLength = 0;
    for (const part of held) this.skip(part);
  }

  private skip(bytes: Buffer): void {
    this.skipped += bytes.length;
    this.keepHead(bytes);
  }

  private keepHead(bytes: Buffer): void {
    if (this.headLength < RAW_HEAD_BYTES && bytes.length > 0) {
      // Copied: a view would keep the whole chunk it came from alive.
      const part = Buffer.from(bytes.subarray(0, RAW_HEAD_BYTES - this.headLength));
      this.head.push(part);
      this.headLength += part.length;
    }
  }

  private emitSkipped(): void {
    const raw = Buffer.concat(this.head, this.headLength);
    const how = this.state === SKIPPING_COUNTED ? 'by its count' : 'up to the next line feed';
    const reason = `${this.skipReason}: ${this.skipped} bytes skipped ${how}`;
    const position = this.frameStart;
    this.reset();
    this.handlers.onError(reason, position, raw);
  }

  /**
   * Holds part of the frame being read. A part that must outlive this chunk is copied: a view would keep the
   * whole chunk alive, and a sender trickling one byte per segment would make that many chunks.
   */
  private hold(bytes: Buffer, beyondThisChunk: boolean): void {
    if (bytes.length === 0) return;
    this.parts.push(beyondThisChunk ? Buffer.from(bytes) : bytes);
    this.partsLength += bytes.length;
  }

  /** A counted frame is complete. */
  private emitFrame(): void {
    const frame = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsLength);
    const position = this.frameStart;
    this.reset();
    this.handlers.onFrame(frame, position);
  }

  /** A non-transparent frame has reached its trailer (LF, CRLF, NUL) or the end of the stream. */
  private emitLine(): void {
    let frame = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsLength);
    if (frame[frame.length - 1] === CR) frame = frame.subarray(0, frame.length - 1);
    const position = this.frameStart;
    if (frame.length > this.maxMessageBytes) {
      this.startSkipping(SKIPPING_LINE, `message longer than ${this.maxMessageBytes} bytes`);
      this.emitSkipped();
      return;
    }
    this.reset();
    if (frame.length > 0) this.handlers.onFrame(frame, position);
  }

  private reset(): void {
    this.state = AT_FRAME_START;
    this.parts = [];
    this.partsLength = 0;
    this.head = [];
    this.headLength = 0;
    this.skipped = 0;
    this.countText = '';
  }
}
