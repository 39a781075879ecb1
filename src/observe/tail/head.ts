// The head fingerprint of a position: sha256 of the file's first min(size, 256) bytes. An inode number alone
// cannot tell the file a position was measured in from a new file that got the same inode, or from the same
// file truncated and written again; its first bytes can (log lines start with a time stamp).

import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

export const HEAD_BYTES = 256;

export function headHash(head: Buffer): string {
  return createHash('sha256').update(head).digest('hex');
}

/** The first min(size, 256) bytes of an open file (fewer if it shrank meanwhile). */
export async function readHead(file: FileHandle, size: number): Promise<Buffer> {
  const buffer = Buffer.alloc(Math.min(size, HEAD_BYTES));
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/**
 * How many of the file's first bytes (`head`, as read now) the stored fingerprint was taken over, or undefined
 * when none fits. The fingerprint covered however much of the file had been read then, which lies between the
 * position's offset (capped at 256) and the file's size, so each length in that range is tried: at most 257
 * hashes of at most 256 bytes, and a match on a different length than the original would be a sha256 collision.
 */
export function matchingHeadLength(head: Buffer, stored: string, offset: number): number | undefined {
  for (let length = Math.min(offset, HEAD_BYTES); length <= head.length; length++) {
    if (headHash(head.subarray(0, length)) === stored) return length;
  }
  return undefined;
}
