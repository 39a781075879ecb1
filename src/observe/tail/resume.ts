// Turning a stored position back into open files after a restart. While the tailer was stopped the file may
// have grown (resume at the offset), been rotated by rename (read the rest of the old file, wherever it now is,
// then the new one), been truncated by copytruncate (read the rest from the copy, then the file from 0), or
// vanished. Every branch ends in a plan: files to read to their end first, then the file at the path.

import { open, type FileHandle } from 'node:fs/promises';
import { matchingHeadLength, readHead } from './head.js';
import { findContinuation, listSiblings, rotatedBetween, type Continuation, type Sibling } from './rotated-siblings.js';
import type { TailContext } from './tail-context.js';
import { isMissing, TailedFile } from './tailed-file.js';
import type { FilePosition } from './types.js';

export type StartPlan = {
  /** Files no longer at the path, oldest first, to be read to their end before `current`. */
  backlog: TailedFile[];
  /** The file at the path, open where reading it starts; undefined when there is none yet. */
  current: TailedFile | undefined;
};

export async function resolveStart(ctx: TailContext, start: FilePosition): Promise<StartPlan> {
  const opened: TailedFile[] = [];
  const atPath = await openWithStat(ctx.path);
  try {
    if (atPath && atPath.dev === start.dev && atPath.ino === start.ino) {
      const head = await readHead(atPath.handle, atPath.size);
      const length = atPath.size >= start.offset ? matchingHeadLength(head, start.head, start.offset) : undefined;
      if (length !== undefined) {
        const current = TailedFile.resume(ctx, atPath.handle, ctx.path, start, head.subarray(0, length));
        ctx.emit({
          type: 'opened',
          path: ctx.path,
          dev: start.dev,
          ino: start.ino,
          offset: start.offset,
          line: start.line,
        });
        return { backlog: [], current };
      }
      // Same inode, but shorter than the offset or starting with other bytes: truncated (copytruncate) or
      // rewritten in place. A copy beside it may still hold the lines after the offset.
      ctx.summary.truncations += 1;
      const siblings = await listSiblings(ctx.path);
      const continuation = await findContinuation(siblings, start, atPath.ino);
      ctx.emit({
        type: 'truncated',
        path: ctx.path,
        offset: start.offset,
        size: atPath.size,
        copy: continuation?.sibling.path,
        linesMayBeLost: true,
      });
      const backlog = continuation ? await backlogFrom(ctx, start, continuation, siblings, atPath.ino, opened) : [];
      return { backlog, current: await startOfPath(ctx, atPath) };
    }

    // Another file at the path, or none: the stored one was rotated away (or deleted) while stopped.
    if (atPath) {
      ctx.summary.rotations += 1;
      ctx.emit({ type: 'rotated', path: ctx.path, oldIno: start.ino, newIno: atPath.ino });
    }
    const siblings = await listSiblings(ctx.path);
    const continuation = await findContinuation(siblings, start, atPath?.ino);
    if (!continuation) {
      ctx.emit({
        type: 'position-lost',
        path: ctx.path,
        reason:
          'the file of the stored position is no longer at the path nor beside it under a rotated name ' +
          '(deleted, compressed or moved elsewhere): lines after the stored position may be lost',
        linesMayBeLost: true,
      });
    }
    const backlog = continuation ? await backlogFrom(ctx, start, continuation, siblings, atPath?.ino, opened) : [];
    return { backlog, current: atPath ? await startOfPath(ctx, atPath) : undefined };
  } catch (error) {
    await atPath?.handle.close().catch(() => undefined);
    await Promise.all(opened.map((file) => file.close()));
    throw error;
  }
}

/** The rest of the stored position's file, then any file rotated after it, oldest first. */
async function backlogFrom(
  ctx: TailContext,
  start: FilePosition,
  continuation: Continuation,
  siblings: Sibling[],
  currentIno: number | undefined,
  opened: TailedFile[],
): Promise<TailedFile[]> {
  const { sibling } = continuation;
  // A copy is another inode: positions in it must name it, so a restart while reading it finds it again.
  const position = { ...start, dev: sibling.dev, ino: sibling.ino };
  const settled = continuation.how === 'copied';
  const rest = TailedFile.resume(ctx, continuation.handle, sibling.path, position, continuation.head, settled);
  opened.push(rest);
  const backlog = [rest];
  ctx.emit({
    type: 'resumed-in-rotated',
    path: ctx.path,
    rotatedPath: sibling.path,
    offset: start.offset,
    line: start.line,
    reason: continuation.how === 'renamed' ? 'rotated by rename' : 'truncated; the copy beside it holds the rest',
  });

  const between = rotatedBetween(siblings, sibling, currentIno);
  for (const skipped of between.compressed) {
    ctx.emit({
      type: 'rotated-file-skipped',
      path: ctx.path,
      rotatedPath: skipped.path,
      reason: 'rotated after the stored position and compressed: its lines may be lost',
      linesMayBeLost: true,
    });
  }
  for (const later of between.readable) {
    const file = await TailedFile.openPath(ctx, later.path, false);
    if (!file) continue;
    if (file.dev !== later.dev || file.ino !== later.ino) {
      await file.close(); // renamed again since the listing: not the file listed
      continue;
    }
    opened.push(file);
    backlog.push(file);
    ctx.emit({
      type: 'resumed-in-rotated',
      path: ctx.path,
      rotatedPath: later.path,
      offset: 0,
      line: 0,
      reason: 'rotated after the stored position, before the current file',
    });
  }
  return backlog;
}

type OpenedWithStat = { handle: FileHandle; dev: number; ino: number; size: number };

async function openWithStat(path: string): Promise<OpenedWithStat | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  try {
    const { dev, ino, size } = await handle.stat();
    return { handle, dev, ino, size };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

async function startOfPath(ctx: TailContext, atPath: OpenedWithStat): Promise<TailedFile> {
  ctx.emit({ type: 'opened', path: ctx.path, dev: atPath.dev, ino: atPath.ino, offset: 0, line: 0 });
  return TailedFile.startReading(ctx, atPath.handle, ctx.path);
}
