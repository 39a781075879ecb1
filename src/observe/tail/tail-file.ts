// The file tailer: reads a log file line by line, follows it as it grows and through logrotate (rename and
// copytruncate), and resumes exactly after the last line the caller applied. One run is a loop of small steps
// over two things: a backlog of files no longer at the path that still hold unread lines, and the file at the
// path. Environmental trouble (a vanished file, permission denied) becomes an event and, when following, a retry.

import { stat } from 'node:fs/promises';
import { resolveStart } from './resume.js';
import { findContinuation, listSiblings } from './rotated-siblings.js';
import { OnBatchFailed, TailContext } from './tail-context.js';
import { isMissing, TailedFile } from './tailed-file.js';
import type { TailOptions, TailSummary } from './types.js';

export async function tailFile(options: TailOptions): Promise<TailSummary> {
  const ctx = new TailContext(options);
  const run = new TailRun(ctx, options.start, options.fromEnd ?? false);
  try {
    await run.run();
  } catch (error) {
    if (error instanceof OnBatchFailed) throw error.reason;
    throw error;
  } finally {
    await run.close();
  }
  return ctx.summary;
}

class TailRun {
  private resolved = false;
  private backlog: TailedFile[] = [];
  private current: TailedFile | undefined;
  private missingReported = false;
  private lastError: string | undefined;

  constructor(
    private readonly ctx: TailContext,
    private readonly start: TailOptions['start'],
    /** Only the first file opened without a stored position starts at its end; later ones are new. */
    private openAtEnd: boolean,
  ) {}

  async run(): Promise<void> {
    while (!this.ctx.stopped) {
      try {
        if (!(await this.step())) return;
        this.lastError = undefined;
      } catch (error) {
        if (!isEnvironmental(error)) throw error;
        const message = `${(error as Error).message}`;
        // The same failure on every poll is one event, not four a second.
        if (message !== this.lastError) this.ctx.emit({ type: 'error', path: this.ctx.path, message });
        this.lastError = message;
        if (!this.ctx.follow) return;
        await this.ctx.sleep(this.ctx.pollMs);
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.backlog, ...(this.current ? [this.current] : [])].map((file) => file.close()));
    this.backlog = [];
    this.current = undefined;
  }

  /** One step of reading; false when there is nothing more to do (replay finished, or stopped). */
  private async step(): Promise<boolean> {
    if (!this.resolved) {
      if (this.start) ({ backlog: this.backlog, current: this.current } = await resolveStart(this.ctx, this.start));
      this.resolved = true;
      return true;
    }
    const rotated = this.backlog[0];
    if (rotated) {
      if (!(await this.readRotated(rotated))) return false;
      this.backlog.shift();
      await rotated.close();
      return true;
    }
    if (!this.current) return this.openCurrent();

    if (!this.ctx.follow) {
      // A replay reads to the end once; a final line without '\n' is a line, as nothing will complete it.
      if ((await this.current.readAvailable()) === 'eof') await this.current.finish();
      return false;
    }
    // Looked at before reading, so bytes of a file truncated and written again since the last read are not
    // taken for the continuation of the old content.
    if (await this.pathChanged(this.current)) return true;
    const outcome = await this.current.readAvailable(this.ctx.pollMs);
    if (outcome === 'stopped') return false;
    if (outcome === 'eof' && (await this.current.size()) === this.current.bytesRead) {
      await this.ctx.sleep(this.ctx.pollMs);
    }
    return true;
  }

  private async openCurrent(): Promise<boolean> {
    const file = await TailedFile.openPath(this.ctx, this.ctx.path, this.openAtEnd);
    if (!file) {
      // A file that appears later is new: all of it is to be read, whatever fromEnd said.
      this.openAtEnd = false;
      if (!this.missingReported) this.ctx.emit({ type: 'missing', path: this.ctx.path });
      this.missingReported = true;
      if (!this.ctx.follow) return false;
      await this.ctx.sleep(this.ctx.pollMs);
      return true;
    }
    this.adopt(file);
    return true;
  }

  private adopt(file: TailedFile): void {
    this.current = file;
    this.openAtEnd = false;
    this.missingReported = false;
    const { dev, ino, offset, line } = file.position;
    this.ctx.emit({ type: 'opened', path: this.ctx.path, dev, ino, offset, line });
  }

  /**
   * The path names another file now. That file is opened at once, before the old one is read to its end: during
   * the grace period the path may be rotated again, and the file seen now would be under another name by then.
   */
  private async rotated(old: TailedFile, seen: { dev: number; ino: number }): Promise<void> {
    this.ctx.summary.rotations += 1;
    this.ctx.emit({ type: 'rotated', path: this.ctx.path, oldIno: old.ino, newIno: seen.ino });
    this.backlog.push(old);
    this.current = undefined;
    const next = await TailedFile.openPath(this.ctx, this.ctx.path, false);
    if (next && (next.dev !== seen.dev || next.ino !== seen.ino)) {
      // Rotated once more between the look and the open: the file seen is a rotated sibling by now.
      this.ctx.summary.rotations += 1;
      const moved = (await listSiblings(this.ctx.path)).find((s) => s.dev === seen.dev && s.ino === seen.ino);
      const between = moved && (await TailedFile.openPath(this.ctx, moved.path, false));
      if (between && between.dev === seen.dev && between.ino === seen.ino) this.backlog.push(between);
      else await between?.close();
    }
    if (next) this.adopt(next);
    else this.missingReported = false;
  }

  /**
   * Has the path been given to another file (rotation: the old one goes to the backlog), or has the file been
   * truncated under us (it starts again at 0)? True when either happened.
   */
  private async pathChanged(file: TailedFile): Promise<boolean> {
    const atPath = await stat(this.ctx.path).catch((error: unknown) => {
      if (isMissing(error)) return undefined;
      throw error;
    });
    if (atPath && (atPath.dev !== file.dev || atPath.ino !== file.ino)) {
      await this.rotated(file, atPath);
      return true;
    }
    if (!atPath && !this.missingReported) {
      // Renamed and not yet re-created, or deleted: the open descriptor is read on until a new file appears.
      this.ctx.emit({ type: 'missing', path: this.ctx.path });
      this.missingReported = true;
    }
    if (atPath) this.missingReported = false;

    const size = await file.size();
    if (size < file.bytesRead || !(await file.headUnchanged())) {
      await this.truncated(file, size);
      return true;
    }
    return false;
  }

  /**
   * The file was truncated (copytruncate) or rewritten from the start. Lines after the last one handed over
   * may still be in the copy logrotate left beside it; they are read from there before the file starts again
   * at 0.
   */
  private async truncated(file: TailedFile, size: number): Promise<void> {
    this.ctx.summary.truncations += 1;
    const siblings = await listSiblings(this.ctx.path);
    const copy = await findContinuation(siblings, file.position, file.ino);
    this.ctx.emit({
      type: 'truncated',
      path: this.ctx.path,
      offset: file.position.offset,
      size,
      copy: copy?.sibling.path,
      linesMayBeLost: true,
    });
    if (copy) {
      const position = { ...file.position, dev: copy.sibling.dev, ino: copy.sibling.ino };
      this.backlog.push(TailedFile.resume(this.ctx, copy.handle, copy.sibling.path, position, copy.head, true));
      const { offset, line } = position;
      this.ctx.emit({
        type: 'resumed-in-rotated',
        path: this.ctx.path,
        rotatedPath: copy.sibling.path,
        offset,
        line,
        reason: 'truncated; the copy beside it holds the rest',
      });
    }
    await file.restartFromZero();
  }

  /**
   * Reads a file that is no longer at the path to its end. When following, its writer may not have reopened
   * yet (it learns of the rotation from postrotate), so the file is read on until it has not changed for the
   * grace period; then a final line without '\n' is handed over too, since nothing will complete it.
   * False when stopped.
   */
  private async readRotated(file: TailedFile): Promise<boolean> {
    if (!this.ctx.follow || file.settled) {
      return (await file.readAvailable()) === 'eof' && (await file.finish());
    }
    let size = await file.size();
    // A future mtime (clock step, touch) must not hold the tailer on this file: at most one grace from now.
    let lastChange = Math.min(Date.now(), await file.modifiedAt());
    while (true) {
      if ((await file.readAvailable()) === 'stopped') return false;
      const now = await file.size();
      if (now !== size) lastChange = Date.now();
      size = now;
      const quietFor = Date.now() - lastChange;
      if (quietFor >= this.ctx.rotateGraceMs && now <= file.bytesRead) break;
      await this.ctx.sleep(Math.min(this.ctx.pollMs, this.ctx.rotateGraceMs - quietFor));
      if (this.ctx.stopped) return false;
    }
    return file.finish();
  }
}

/** Errors from the file system (they carry a code) are waited out; anything else is a bug and propagates. */
function isEnvironmental(error: unknown): boolean {
  if (error instanceof OnBatchFailed) return false;
  return typeof (error as NodeJS.ErrnoException | undefined)?.code === 'string';
}
