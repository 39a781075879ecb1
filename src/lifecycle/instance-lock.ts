import { openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { hostname } from 'node:os';
import { processAlive } from './process-alive.js';

export type InstanceLock = { release(): void };

/**
 * Makes sure one server runs per SQLite file: a second `mizugiwa serve` on the same data refuses to
 * start with a message naming the first. The lock file holds the owner's pid; a lock left by a process
 * that no longer runs (a crash, a power cut) is taken over.
 */
export function acquireInstanceLock(dbFile: string): InstanceLock {
  const lockFile = `${dbFile}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            unlinkSync(lockFile);
          } catch {
            /* already gone */
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readOwner(lockFile);
      if (owner && owner.host === hostname() && processAlive(owner.pid)) {
        throw new Error(
          `another Mizugiwa server (pid ${owner.pid}, running since ${owner.since}) is already using ${dbFile}. ` +
            `Stop it first, or give this one its own data_dir (MIZUGIWA_DATA_DIR).`,
          { cause: err },
        );
      }
      if (owner && owner.host !== hostname()) {
        throw new Error(
          `${dbFile} is locked by a Mizugiwa server on host ${owner.host} (pid ${owner.pid}). ` +
            `If that server is gone, remove ${lockFile} and start again.`,
          { cause: err },
        );
      }
      try {
        unlinkSync(lockFile);
      } catch {
        /* another starter removed it first; retry */
      }
    }
  }
  throw new Error(`could not take the lock ${lockFile}; another server is starting at the same moment`);
}

function readOwner(file: string): { pid: number; host: string; since: string } | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; host: string; since: string };
    return typeof value.pid === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}
