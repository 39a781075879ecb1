import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_MAX_MAIL_BYTES, describeError, type IntakeLog, type MailSink } from './incoming-mail.js';
import { retrySchedule, type RetryDelays } from './retry-delay.js';

// Report mail that the MTA delivers into a Maildir (Postfix `home_mailbox = Maildir/`, Dovecot LDA, procmail).
// The Maildir protocol does the hard part: the MTA writes a message into tmp/ and renames it into new/ when it is
// complete, so everything in new/ is whole and tmp/ is never read. Each message in new/ goes to the sink and, once
// stored, is renamed to cur/ with the Seen flag (`:2,S`), the same state a mail client leaves a read message in.
// cur/ is never read, so a restart does not hand on a processed message again.
//
// Change notifications (fs.watch) pick new mail up at once; a full scan every scan_seconds catches what they miss
// (NFS and some container filesystems send none). A message the sink refuses stays in new/ and is tried again
// after a wait that doubles with each failure; the other messages go on meanwhile.

export type MaildirWatchOptions = {
  /** A full scan this often (default 30). */
  scan_seconds?: number;
  /** Bigger messages are left in new/ and reported, not handed on (default 25 MiB). */
  max_bytes?: number;
  log?: IntakeLog;
  /** Waits before a refused message is tried again (default 5 s doubling to 10 min). */
  retry?: RetryDelays;
  /** Change notifications; false where they are known not to work, leaving the periodic scan (default true). */
  watch?: boolean;
};

export type MaildirStats = {
  scans: number;
  /** Messages the sink stored (and moved to cur/). */
  delivered: number;
  /** Times the sink refused a message (each left in new/ for a later try). */
  failed: number;
  /** Messages in new/ waiting for their next try. */
  waiting: number;
  /** Messages over max_bytes, left in new/. */
  oversized: number;
  /** Filesystem errors: a directory that could not be read, a message that could not be read or moved. */
  errors: number;
};

export type MaildirWatcher = {
  stats(): MaildirStats;
  /** Scans now; resolves when a scan that began after the call has finished. */
  scan(): Promise<void>;
  /** Stops watching; waits for the message being handed on. */
  stop(): Promise<void>;
};

const DEFAULT_RETRY: RetryDelays = { firstMs: 5000, maxMs: 10 * 60_000 };
/** Events come in bursts (one message can be several); one scan after a short quiet serves them all. */
const WATCH_SETTLE_MS = 50;

export async function watchMaildir(
  dir: string,
  sink: MailSink,
  options: MaildirWatchOptions = {},
): Promise<MaildirWatcher> {
  const log = options.log;
  const scanMs = (options.scan_seconds ?? 30) * 1000;
  const maxBytes = options.max_bytes ?? DEFAULT_MAX_MAIL_BYTES;
  const newDir = join(dir, 'new');
  const curDir = join(dir, 'cur');

  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new Error(`Maildir ${dir} does not exist or is not a directory`);
  // The MTA creates them on first delivery; creating them here lets the watch start before that.
  for (const sub of ['new', 'cur', 'tmp']) await mkdir(join(dir, sub), { recursive: true });

  const stats: MaildirStats = { scans: 0, delivered: 0, failed: 0, waiting: 0, oversized: 0, errors: 0 };
  const retries = retrySchedule<string>(options.retry ?? DEFAULT_RETRY);
  /** Too big: reported once, then left alone until it is gone from new/. */
  const oversized = new Set<string>();
  /** Stored, but the move to cur/ failed: only the move is tried again, the message is not handed on twice. */
  const storedNotMoved = new Set<string>();
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let settle: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;

  const deliver = async (name: string): Promise<void> => {
    const path = join(newDir, name);
    const moved = async (): Promise<void> => {
      try {
        await rename(path, join(curDir, curName(name)));
        storedNotMoved.delete(name);
      } catch (error) {
        if (isMissing(error)) return void storedNotMoved.delete(name);
        storedNotMoved.add(name);
        stats.errors++;
        log?.warn({ err: describeError(error), path }, 'Maildir intake stored a message but could not move it to cur/');
      }
    };
    if (storedNotMoved.has(name)) return moved();

    let raw: Buffer;
    let receivedAt: Date;
    try {
      const file = await stat(path);
      if (!file.isFile()) return;
      if (file.size > maxBytes) {
        stats.oversized++;
        oversized.add(name);
        log?.warn(
          { path, bytes: file.size, max_bytes: maxBytes },
          'Maildir intake left a message over the size limit in new/',
        );
        return;
      }
      raw = await readFile(path);
      receivedAt = file.mtime;
    } catch (error) {
      // Gone between the listing and now: taken by another reader, or deleted. Nothing to do.
      if (isMissing(error)) return;
      stats.errors++;
      retries.failed(name, Date.now());
      log?.warn({ err: describeError(error), path }, 'Maildir intake could not read a message');
      return;
    }

    try {
      await sink({ raw, transport: 'maildir', receivedAt, origin: path });
    } catch (error) {
      stats.failed++;
      const wait = retries.failed(name, Date.now());
      log?.warn(
        { err: describeError(error), path, failures: retries.failures(name), retry_in_ms: wait },
        'Maildir intake could not store a message: left in new/ for a later try',
      );
      return;
    }
    retries.succeeded(name);
    stats.delivered++;
    await moved();
  };

  const scanOnce = async (): Promise<void> => {
    stats.scans++;
    let names: string[];
    try {
      names = (await readdir(newDir)).filter((n) => !n.startsWith('.')).sort();
    } catch (error) {
      stats.errors++;
      log?.warn({ err: describeError(error), dir: newDir }, 'Maildir intake could not list new/');
      return;
    }
    const present = new Set(names);
    retries.keepOnly(present);
    for (const name of oversized) if (!present.has(name)) oversized.delete(name);
    for (const name of storedNotMoved) if (!present.has(name)) storedNotMoved.delete(name);
    for (const name of names) {
      if (stopped) break;
      if (oversized.has(name) || !retries.isDue(name, Date.now())) continue;
      await deliver(name);
    }
    stats.waiting = retries.size();
  };

  const schedule = () => {
    clearTimeout(timer);
    if (stopped) return;
    const now = Date.now();
    const retryAt = retries.nextDueAt();
    const wait = Math.max(0, Math.min(scanMs, retryAt === undefined ? scanMs : retryAt - now));
    timer = setTimeout(() => {
      startWatching();
      void requestScan();
    }, wait);
  };

  const requestScan = (): Promise<void> => {
    if (stopped) return running ?? Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await scanOnce();
        } catch (error) {
          // A bug, not bad input: it must cost this scan only, and the next one runs on schedule.
          stats.errors++;
          log?.warn({ err: describeError(error), dir }, 'Maildir intake scan failed');
        }
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
      schedule();
    });
    return running;
  };

  const startWatching = () => {
    if (options.watch === false || watcher || stopped) return;
    try {
      watcher = watch(newDir, { persistent: false }, () => {
        clearTimeout(settle);
        settle = setTimeout(() => void requestScan(), WATCH_SETTLE_MS);
      });
      watcher.on('error', (error) => {
        // Tried again at the next periodic scan; until then the scans alone find new mail.
        log?.warn({ err: describeError(error), dir: newDir }, 'Maildir intake lost its change notifications');
        watcher?.close();
        watcher = undefined;
      });
    } catch (error) {
      log?.warn(
        { err: describeError(error), dir: newDir },
        'Maildir intake has no change notifications: scanning only',
      );
    }
  };

  startWatching();
  void requestScan();
  log?.info({ dir, scan_seconds: scanMs / 1000, watch: watcher !== undefined }, 'Maildir intake watching');

  return {
    stats: () => ({ ...stats }),
    scan: requestScan,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(settle);
      watcher?.close();
      watcher = undefined;
      await running;
    },
  };
}

/**
 * The name a message gets in cur/: its unique part with the info `2,` and the Seen flag added to the flags it may
 * already carry (flags are single letters in ASCII order).
 */
export function curName(name: string): string {
  const colon = name.indexOf(':');
  const unique = colon < 0 ? name : name.slice(0, colon);
  const info = colon < 0 ? '' : name.slice(colon + 1);
  const flags = new Set(info.startsWith('2,') ? info.slice(2) : '');
  flags.add('S');
  return `${unique}:2,${[...flags].sort().join('')}`;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
