import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';

// The raw bytes of every report received, kept as evidence: a file named by its SHA-256 under
// <data_dir>/evidence, written once. The hash is what the report row records, what makes intake
// idempotent (the same mail twice is one report) and what shows the evidence was not altered.

export type StoredEvidence = { sha256: string; sizeBytes: number; path: string; head: Uint8Array };

const HEAD_BYTES = 64 * 1024;

export function evidencePath(dataDir: string, sha256: string): string {
  return join(dataDir, 'evidence', sha256.slice(0, 2), sha256);
}

/** Streams `input` to a temporary file while hashing it, then moves it to its content address. */
export async function storeEvidence(dataDir: string, input: AsyncIterable<Uint8Array>): Promise<StoredEvidence> {
  const dir = join(dataDir, 'evidence');
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const temp = join(dir, 'tmp', `${process.pid}-${randomBytes(6).toString('hex')}`);
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const headChunks: Buffer[] = [];
  let headBytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      if (headBytes < HEAD_BYTES) {
        headChunks.push(chunk.subarray(0, HEAD_BYTES - headBytes));
        headBytes += Math.min(chunk.length, HEAD_BYTES - headBytes);
      }
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.from(input), tap, createWriteStream(temp, { mode: 0o600 }));
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  const sha256 = hash.digest('hex');
  const path = evidencePath(dataDir, sha256);
  if (existsSync(path)) {
    rmSync(temp, { force: true });
  } else {
    mkdirSync(join(dir, sha256.slice(0, 2)), { recursive: true });
    renameSync(temp, path);
  }
  return { sha256, sizeBytes, path, head: Buffer.concat(headChunks) };
}

export function readEvidence(dataDir: string, sha256: string): AsyncIterable<Uint8Array> {
  return createReadStream(evidencePath(dataDir, sha256), { highWaterMark: 256 * 1024 });
}
