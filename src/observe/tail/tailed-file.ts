// One open file identity being read: its descriptor, how far it has been read, and the position after the last
// line handed over. The descriptor stays open across a rename, so a rotated file is read to its very end.

import { open, type FileHandle } from 'node:fs/promises';
import { HEAD_BYTES, headHash, readHead } from './head.js';
import { LineSplitter, type LinePiece } from './line-splitter.js';
import type { TailContext } from './tail-context.js';
import { batchOf, pieceEvents } from './line-batch.js';
import type { FilePosition } from './types.js';

const NEWLINE = 0x0a;

export type ReadOutcome = 'eof' | 'stopped' | 'budget';

export class TailedFile {
  private readonly splitter: LineSplitter;
  /** The next byte to read: ahead of position.offset by the lines held in the splitter. */
  private readOffset: number;
  /**
   * The file's first bytes, up to 256: taken when reading starts and completed as reading passes them. What
   * position heads are hashed over, and what tells a truncate-and-rewrite that did not make the file shorter.
   */
  private knownHead: Buffer;
  private knownHeadHash: string | undefined;

  private constructor(
    private readonly ctx: TailContext,
    private readonly handle: FileHandle,
    /** Where the file was opened: the configured path, or a rotated sibling such as path.1. */
    readonly openedPath: string,
    /** Position after the last line handed over from this file. */
    public position: FilePosition,
    knownHead: Buffer,
    /** Nothing writes to this file any more: its end is final, no grace period is needed. */
    readonly settled = false,
  ) {
    this.splitter = new LineSplitter(ctx.maxBatchBytes, ctx.maxLineBytes);
    this.readOffset = position.offset;
    this.knownHead = knownHead;
  }

  get dev(): number {
    return this.position.dev;
  }

  get ino(): number {
    return this.position.ino;
  }

  /** Bytes read from the file so far (held partial lines included): a file shorter than this was truncated. */
  get bytesRead(): number {
    return this.readOffset;
  }

  /**
   * Opens `filePath` for reading from its beginning, or from the start of its last incomplete line when
   * `atEnd` (live tailing). Undefined when there is no such file.
   */
  static async openPath(ctx: TailContext, filePath: string, atEnd: boolean): Promise<TailedFile | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(filePath, 'r');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    try {
      return await TailedFile.startReading(ctx, handle, filePath, atEnd);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Wraps an open descriptor to be read from its beginning, or from the start of its last incomplete line when
   * `atEnd`, having counted the lines before it so that numbering stays that of the file.
   */
  static async startReading(ctx: TailContext, handle: FileHandle, filePath: string, atEnd = false) {
    const { dev, ino, size } = await handle.stat();
    const start = atEnd ? await countWholeLines(handle, size) : { offset: 0, lines: 0 };
    const head = await readHead(handle, size);
    const position = { path: ctx.path, dev, ino, offset: start.offset, line: start.lines, head: headHash(head) };
    return TailedFile.resume(ctx, handle, filePath, position, head);
  }

  /**
   * Wraps a descriptor already checked against a stored position (see resume.ts): reading goes on from it.
   * `settled`: nothing writes to the file any more (a copy left by copytruncate), so its end is final.
   */
  static resume(
    ctx: TailContext,
    handle: FileHandle,
    filePath: string,
    position: FilePosition,
    knownHead: Buffer,
    settled = false,
  ): TailedFile {
    const file = new TailedFile(ctx, handle, filePath, { ...position, path: ctx.path }, knownHead, settled);
    file.knownHeadHash = position.head;
    return file;
  }

  /**
   * Reads and hands over whole lines until the end of the file ('eof', held lines flushed), until stopped, or
   * until `budgetMs` of continuous reading has passed ('budget'), so a file that grows faster than it is read
   * is still checked for truncation and rotation now and then.
   */
  async readAvailable(budgetMs = Infinity): Promise<ReadOutcome> {
    const started = Date.now();
    while (true) {
      if (this.ctx.stopped) return 'stopped';
      const chunk = Buffer.allocUnsafe(this.ctx.readSize);
      const { bytesRead } = await this.handle.read(chunk, 0, chunk.length, this.readOffset);
      if (bytesRead === 0) return (await this.handOver(this.splitter.flush())) ? 'eof' : 'stopped';
      // A small read (a few lines while tailing) is copied so its batch does not keep a whole read buffer alive.
      const data =
        bytesRead < chunk.length / 4 ? Buffer.from(chunk.subarray(0, bytesRead)) : chunk.subarray(0, bytesRead);
      this.noteHead(data, this.readOffset);
      this.readOffset += bytesRead;
      if (!(await this.handOver(this.splitter.push(data)))) return 'stopped';
      // Lines held for a fuller batch are handed over first: if the file turns out to be truncated, they are safe.
      if (Date.now() - started >= budgetMs) return (await this.handOver(this.splitter.flush())) ? 'budget' : 'stopped';
    }
  }

  /** Hands over a final line without '\n': only for a file nobody writes to any more. False when stopped. */
  async finish(): Promise<boolean> {
    return this.handOver(this.splitter.finish());
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  /** Last modification time in ms: a rotated file written to recently may still get its writer's last lines. */
  async modifiedAt(): Promise<number> {
    return (await this.handle.stat()).mtimeMs;
  }

  /** Whether the file still starts with the bytes known to begin it: false after a truncate and rewrite. */
  async headUnchanged(): Promise<boolean> {
    if (this.knownHead.length === 0) return true;
    const now = await readHead(this.handle, this.knownHead.length);
    return now.equals(this.knownHead);
  }

  /**
   * The file was truncated: read it again from 0, as a new sequence of lines. Its first bytes are taken now,
   * not when they are read: if it is truncated once more before then, the change of head tells, and the copy
   * holding what was written in between is recognised by them.
   */
  async restartFromZero(): Promise<void> {
    this.splitter.reset();
    this.readOffset = 0;
    this.knownHead = await readHead(this.handle, await this.size());
    this.knownHeadHash = undefined;
    this.position = { ...this.position, offset: 0, line: 0, head: this.headHash() };
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  private async handOver(pieces: LinePiece[]): Promise<boolean> {
    for (const piece of pieces) {
      if (this.ctx.stopped) return false;
      const batch = batchOf(this.position, piece, this.headHash());
      for (const event of pieceEvents(piece, batch, this.openedPath)) this.ctx.emit(event);
      await this.ctx.deliver(batch);
      this.position = batch.to;
    }
    return true;
  }

  /** Keeps the first 256 bytes of the file as they are read (reads are sequential, so they arrive in order). */
  private noteHead(data: Buffer, at: number): void {
    const have = this.knownHead.length;
    if (have >= HEAD_BYTES || at > have || at + data.length <= have) return;
    const more = data.subarray(have - at, Math.min(HEAD_BYTES - at, data.length));
    this.knownHead = Buffer.concat([this.knownHead, more]);
    this.knownHeadHash = undefined;
  }

  private headHash(): string {
    this.knownHeadHash ??= headHash(this.knownHead);
    return this.knownHeadHash;
  }
}

/** Where the last whole line of the first `size` bytes ends, and how many lines come before it. */
async function countWholeLines(handle: FileHandle, size: number): Promise<{ offset: number; lines: number }> {
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  let lines = 0;
  let offset = 0;
  for (let at = 0; at < size;) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - at), at);
    if (bytesRead === 0) break;
    const data = buffer.subarray(0, bytesRead);
    for (let i = data.indexOf(NEWLINE); i !== -1; i = data.indexOf(NEWLINE, i + 1)) {
      lines += 1;
      offset = at + i + 1;
    }
    at += bytesRead;
  }
  return { offset, lines };
}

export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
