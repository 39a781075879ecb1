// Finding where the lines after a position went once the file is no longer at its path: renamed by logrotate
// (`log.1`, `log-20261124`), or copied by copytruncate. Only the file's own directory is searched, and only names
// that start with its name; compressed files are never read (their inode and bytes are new anyway).

import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { matchingHeadLength, readHead } from './head.js';
import { isMissing } from './tailed-file.js';
import type { FilePosition } from './types.js';

const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|lzma|lzo|lz|br|Z|zip|7z)$/;
// What logrotate appends: `.1`, `-20261124`, `.2026-11-24`, `-20261124-1764000000`. Used only where a name is the
// sole evidence (intermediate rotations); a file found by its inode may be called anything.
const ROTATION_SUFFIX = /^[._-]\d[\w.-]*$/;

export type Sibling = {
  path: string;
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  compressed: boolean;
  /** The name is the file's name plus a rotation suffix. */
  rotationName: boolean;
};

/** A rotated or copied file, open and checked: its bytes up to `position.offset` are those already read. */
export type Continuation = {
  sibling: Sibling;
  handle: FileHandle;
  /** The first bytes of the file that the position's head fingerprint covers. */
  head: Buffer;
  /** renamed: the same inode under another name; copied: another file that starts with the same bytes. */
  how: 'renamed' | 'copied';
};

/** Regular files beside `filePath` whose names start with its name (the file itself excluded). */
export async function listSiblings(filePath: string): Promise<Sibling[]> {
  const directory = dirname(filePath);
  const name = basename(filePath);
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  const siblings: Sibling[] = [];
  for (const other of names) {
    if (other === name || !other.startsWith(name)) continue;
    const path = join(directory, other);
    const found = await stat(path).catch(() => undefined); // gone meanwhile, or unreadable: not a candidate
    if (!found?.isFile()) continue;
    const compressed = COMPRESSED.test(other);
    siblings.push({
      path,
      dev: found.dev,
      ino: found.ino,
      size: found.size,
      mtimeMs: found.mtimeMs,
      compressed,
      rotationName: !compressed && ROTATION_SUFFIX.test(other.slice(name.length)),
    });
  }
  return siblings;
}

/**
 * The file holding the bytes after `position`: first the same inode under another name (its head must still
 * match: inodes are recycled), else a copy whose first bytes match the head fingerprint and that is at least
 * as long as the offset (copytruncate). A copy needs a non-empty fingerprint: an empty one matches any file.
 * `excludeIno` is the file now at the path, which is never its own continuation.
 */
export async function findContinuation(
  siblings: Sibling[],
  position: FilePosition,
  excludeIno: number | undefined,
): Promise<Continuation | undefined> {
  const sameInode = siblings.find((s) => s.dev === position.dev && s.ino === position.ino && !s.compressed);
  if (sameInode) {
    const found = await openIfContinues(sameInode, position, 'renamed');
    if (found) return found;
  }
  const copies = siblings
    .filter((s) => !s.compressed && s.ino !== excludeIno && s !== sameInode && s.size >= position.offset)
    .sort((a, b) => b.size - a.size || b.mtimeMs - a.mtimeMs); // the longest copy has the most of the rest
  for (const candidate of copies) {
    const found = await openIfContinues(candidate, position, 'copied');
    if (!found) continue;
    if (found.head.length > 0) return found;
    await found.handle.close();
  }
  return undefined;
}

/**
 * Files rotated after `continuation` and before the file now at the path, oldest first: when the tailer was
 * stopped across two rotations, `log.1` lies between the stored position's file (`log.2`) and `log`. Known only
 * by name and modification time, so only rotation-named, uncompressed files count; compressed ones in that
 * span are returned apart, as lines that cannot be read.
 */
export function rotatedBetween(
  siblings: Sibling[],
  continuation: Sibling,
  currentIno: number | undefined,
): { readable: Sibling[]; compressed: Sibling[] } {
  const newer = siblings.filter(
    (s) => s.ino !== continuation.ino && s.ino !== currentIno && s.mtimeMs > continuation.mtimeMs,
  );
  return {
    readable: newer.filter((s) => s.rotationName).sort((a, b) => a.mtimeMs - b.mtimeMs),
    compressed: newer.filter((s) => s.compressed),
  };
}

async function openIfContinues(
  sibling: Sibling,
  position: FilePosition,
  how: Continuation['how'],
): Promise<Continuation | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(sibling.path, 'r');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  try {
    const now = await handle.stat();
    // Renamed again between the listing and the open: it is another file now.
    if (now.dev !== sibling.dev || now.ino !== sibling.ino || now.size < position.offset) {
      await handle.close();
      return undefined;
    }
    const head = await readHead(handle, now.size);
    const length = matchingHeadLength(head, position.head, position.offset);
    if (length === undefined) {
      await handle.close();
      return undefined;
    }
    return {
      sibling: { ...sibling, size: now.size, mtimeMs: now.mtimeMs },
      handle,
      head: head.subarray(0, length),
      how,
    };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}
