import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { LogSink } from '../../log.js';
import type { Database } from '../../store/schema.js';
import type { LeaseFormatName } from '../lease-format.js';
import { readLeaseFile } from './lease-file.js';

/** `detail-*`, `kea-leases4.csv*`: `*` and `?` as in a shell, nothing else special. */
export function globPattern(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * Watches a directory: every file whose name matches is read from its stored position to its end, on
 * every poll, oldest first — so new files (FreeRADIUS's detail-%Y%m%d, one per day) are picked up and
 * growing ones are read on. A record still being written at the end of a file waits for the next poll.
 */
export async function watchLeaseDirectory(
  dir: {
    source: string;
    format: LeaseFormatName;
    path: string;
    pattern: string;
    pollMs: number;
    zone: string;
    staleIntervals: number;
  },
  deps: { db: Kysely<Database>; log: LogSink; signal: AbortSignal },
): Promise<void> {
  const match = globPattern(dir.pattern);
  const sizes = new Map<string, number>();
  while (!deps.signal.aborted) {
    try {
      const names = (await readdir(dir.path)).filter((n) => match.test(n));
      const files = await Promise.all(
        names.map(async (n) => {
          const path = join(dir.path, n);
          const s = await stat(path);
          return { path, size: s.size, mtime: s.mtimeMs, file: s.isFile() };
        }),
      );
      for (const f of files.filter((x) => x.file).sort((a, b) => a.mtime - b.mtime)) {
        if (deps.signal.aborted) break;
        if (sizes.get(f.path) === f.size) continue;
        await readLeaseFile(
          {
            source: dir.source,
            format: dir.format,
            path: f.path,
            zone: dir.zone,
            follow: false,
            finish: false,
            staleIntervals: dir.staleIntervals,
          },
          { db: deps.db, log: deps.log, signal: deps.signal },
        );
        sizes.set(f.path, f.size);
      }
    } catch (err) {
      deps.log.warn(
        { err, source: dir.source, path: dir.path },
        'attribute: reading the lease directory failed; trying again',
      );
    }
    await sleep(dir.pollMs, undefined, { signal: deps.signal }).catch(() => undefined);
  }
}
