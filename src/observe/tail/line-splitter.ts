// Cuts a byte stream into batches of whole lines. Pure and synchronous, so the file tailer and the stdin reader
// share it and it is tested without files. It holds at most one batch being filled plus the first maxLineBytes
// bytes of the line in progress: the rest of an over-long line is counted, not kept, so memory stays bounded
// whatever the input.

const NEWLINE = 0x0a;
const NEWLINE_BYTE = Buffer.from('\n');

/** A run of lines ready to be handed over. */
export type LinePiece = {
  /** Whole lines, each ending in '\n' (supplied for an over-long or unterminated line). */
  data: Buffer;
  lines: number;
  /** Input bytes the piece stands for: what the position moves by (differs from data.length when cut or completed). */
  bytes: number;
  /** One line longer than maxLineBytes, cut to that length. */
  overLong: boolean;
  /** One final line that had no '\n' in the input (only from finish()). */
  unterminated: boolean;
};

export class LineSplitter {
  // Complete lines waiting for the batch to fill: subarrays of the input, one per run of lines within a chunk,
  // made only when the run ends, so that a line costs no Buffer object of its own.
  private batchParts: Buffer[] = [];
  private batchBytes = 0;
  private batchLines = 0;
  // The line in progress: its first maxLineBytes bytes (copied) and how long it is so far.
  private partialParts: Buffer[] = [];
  private partialKept = 0;
  private partialTotal = 0;

  constructor(
    private readonly maxBatchBytes: number,
    private readonly maxLineBytes: number,
  ) {
    if (!(maxBatchBytes > 0) || !(maxLineBytes > 0)) throw new RangeError('maxBatchBytes and maxLineBytes must be > 0');
  }

  /** Input bytes taken in but not handed out in a piece yet. */
  get heldBytes(): number {
    return this.batchBytes + this.partialTotal;
  }

  /**
   * Takes the next input bytes and returns the pieces they complete: full batches and over-long lines, in input
   * order. Lines of a batch that is not full yet stay held until more input or flush(). The splitter may keep
   * subarrays of `chunk`, so the caller must not reuse its memory.
   */
  push(chunk: Buffer): LinePiece[] {
    const out: LinePiece[] = [];
    let pos = 0;
    if (this.partialTotal > 0) {
      const newline = chunk.indexOf(NEWLINE);
      if (newline === -1) {
        this.addPartial(chunk);
        return out;
      }
      pos = newline + 1;
      if (this.partialTotal + newline > this.maxLineBytes) {
        this.addPartial(chunk.subarray(0, newline));
        this.flushInto(out);
        out.push(this.takePartial(1, false));
      } else {
        const line = Buffer.concat([...this.partialParts, chunk.subarray(0, pos)]);
        this.clearPartial();
        this.addLine(line, out);
      }
    }
    // The lines from runStart to pos are counted in batchBytes and batchLines but not yet in batchParts, so that
    // a line costs only its indexOf and some arithmetic: the run becomes a subarray only when it has to end.
    let runStart = pos;
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, pos);
      if (newline === -1) break;
      const end = newline + 1;
      if (newline - pos > this.maxLineBytes) {
        this.endRun(chunk, runStart, pos);
        this.flushInto(out);
        this.addPartial(chunk.subarray(pos, newline));
        out.push(this.takePartial(1, false));
        runStart = end;
      } else {
        if (this.batchLines > 0 && this.batchBytes + (end - pos) > this.maxBatchBytes) {
          this.endRun(chunk, runStart, pos);
          this.flushInto(out);
          runStart = pos;
        }
        this.batchBytes += end - pos;
        this.batchLines += 1;
        if (this.batchBytes >= this.maxBatchBytes) {
          this.endRun(chunk, runStart, end);
          this.flushInto(out);
          runStart = end;
        }
      }
      pos = end;
    }
    this.endRun(chunk, runStart, pos);
    if (pos < chunk.length) this.addPartial(chunk.subarray(pos));
    return out;
  }

  /** The held complete lines as a batch (when the input has no more for now): at most one piece. */
  flush(): LinePiece[] {
    const out: LinePiece[] = [];
    this.flushInto(out);
    return out;
  }

  /** The end of the input: the held lines, then a final line without '\n' as a line of its own. */
  finish(): LinePiece[] {
    const out = this.flush();
    if (this.partialTotal > 0) out.push(this.takePartial(0, true));
    return out;
  }

  /** Forgets everything held (the input was truncated and starts again). */
  reset(): void {
    this.batchParts = [];
    this.batchBytes = 0;
    this.batchLines = 0;
    this.clearPartial();
  }

  /** A line that is not part of a run in the chunk (completed from a partial line, so copied). */
  private addLine(line: Buffer, out: LinePiece[]): void {
    if (this.batchLines > 0 && this.batchBytes + line.length > this.maxBatchBytes) this.flushInto(out);
    this.batchParts.push(line);
    this.batchBytes += line.length;
    this.batchLines += 1;
    if (this.batchBytes >= this.maxBatchBytes) this.flushInto(out);
  }

  /** Makes the lines chunk[start, end), already counted, part of the batch. */
  private endRun(chunk: Buffer, start: number, end: number): void {
    if (end > start) this.batchParts.push(chunk.subarray(start, end));
  }

  private flushInto(out: LinePiece[]): void {
    if (this.batchLines === 0) return;
    const data = this.batchParts.length === 1 ? this.batchParts[0]! : Buffer.concat(this.batchParts, this.batchBytes);
    out.push({ data, lines: this.batchLines, bytes: this.batchBytes, overLong: false, unterminated: false });
    this.batchParts = [];
    this.batchBytes = 0;
    this.batchLines = 0;
  }

  private addPartial(segment: Buffer): void {
    this.partialTotal += segment.length;
    const room = this.maxLineBytes - this.partialKept;
    if (room <= 0 || segment.length === 0) return;
    // Copied: a short tail of a large read chunk must not keep the whole chunk alive.
    const kept = Buffer.from(segment.subarray(0, room));
    this.partialParts.push(kept);
    this.partialKept += kept.length;
  }

  /** The line in progress as a piece of its own; `terminator` is how many input bytes its end took (0 or 1). */
  private takePartial(terminator: number, unterminated: boolean): LinePiece {
    const overLong = this.partialTotal > this.maxLineBytes;
    const data = Buffer.concat([...this.partialParts, NEWLINE_BYTE]);
    const piece = { data, lines: 1, bytes: this.partialTotal + terminator, overLong, unterminated };
    this.clearPartial();
    return piece;
  }

  private clearPartial(): void {
    this.partialParts = [];
    this.partialKept = 0;
    this.partialTotal = 0;
  }
}
