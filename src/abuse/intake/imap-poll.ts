import type { ConnectionOptions } from 'node:tls';
import { ImapFlow, type ImapFlowError } from 'imapflow';
import { DEFAULT_MAX_MAIL_BYTES, describeError, type IntakeLog, type MailSink } from './incoming-mail.js';
import type { ImapIntakeConfig } from './intake-schema.js';
import { pollFolder, type FolderPollCounts, type FolderPollState } from './imap-folder.js';
import { readPasswordFile } from './password-file.js';
import { retryDelayMs, retrySchedule, type RetryDelays } from './retry-delay.js';

// Report mail that stays in a mailbox at the ISP's mail provider or groupware: Mizugiwa logs in over IMAP, polls
// the report folder every poll_seconds and, while connected, listens for the server's IDLE notifications of new
// mail (imapflow enters IDLE by itself when the connection is quiet). Each new message goes to the sink and is
// marked \Seen, or moved to another folder, only once stored (see imap-folder.ts).
//
// The poller never gives up and never throws: a refused login, an unreachable server, a dropped connection are
// logged with the reason and the connection is started again after a wait that doubles up to five minutes, so an
// outage of the mail server costs delay, not reports. The password file is read at every connection, so a changed
// password needs no restart.

export type ImapPollOptions = ImapIntakeConfig & {
  log?: IntakeLog;
  /** Extra TLS options, e.g. the CA of a private mail server (`ca`). Verification stays on. */
  tls?: ConnectionOptions;
  /** Waits between connection attempts (default 1 s doubling to 5 min). */
  reconnect?: RetryDelays;
  /** Waits before a refused message is tried again (default 30 s doubling to 30 min). */
  retry?: RetryDelays;
};

export type ImapPollStats = {
  connected: boolean;
  /** Logins that succeeded. */
  connections: number;
  /** Connection attempts that failed and connections that were lost. */
  connectionFailures: number;
  polls: number;
  delivered: number;
  /** Times the sink refused a message (left unseen for a later try). */
  failed: number;
  /** Unseen messages waiting for their next try. */
  waiting: number;
  oversized: number;
  /** Why the last connection failed or ended, for a status page. */
  lastError: string | undefined;
};

export type ImapPoller = {
  stats(): ImapPollStats;
  /** Polls as soon as connected; resolves when a poll that began after the call has finished (or on stop). */
  poll(): Promise<void>;
  /** Lets the message in hand be stored, logs out and stops. */
  stop(): Promise<void>;
};

const DEFAULT_RECONNECT: RetryDelays = { firstMs: 1000, maxMs: 5 * 60_000 };
const DEFAULT_RETRY: RetryDelays = { firstMs: 30_000, maxMs: 30 * 60_000 };

export function pollImap(options: ImapPollOptions, sink: MailSink): ImapPoller {
  const log = options.log;
  const pollMs = options.poll_seconds * 1000;
  const maxBytes = options.max_bytes ?? DEFAULT_MAX_MAIL_BYTES;
  const base = `imap://${encodeURIComponent(options.user)}@${hostForUrl(options.host)}:${options.port}`;
  const stats: ImapPollStats = {
    connected: false,
    connections: 0,
    connectionFailures: 0,
    polls: 0,
    delivered: 0,
    failed: 0,
    waiting: 0,
    oversized: 0,
    lastError: undefined,
  };
  const counts: FolderPollCounts = stats;
  // Kept across connections: a UID stays valid as long as the folder's UIDVALIDITY, which is part of each key.
  const state: FolderPollState = {
    retries: retrySchedule<string>(options.retry ?? DEFAULT_RETRY),
    oversized: new Set(),
    storedNotMarked: new Set(),
  };

  let stopped = false;
  let client: ImapFlow | undefined;
  /** poll() callers waiting for the next poll to start, and those waiting for the one in progress to end. */
  let wanted: (() => void)[] = [];
  let wakeRequested = false;
  let wakeUp: (() => void) | undefined;

  const wake = () => {
    wakeRequested = true;
    wakeUp?.();
  };
  /** Waits `ms`, or less when woken (poll(), new mail, a closed connection, stop). */
  const rest = (ms: number) =>
    new Promise<void>((resolve) => {
      if (wakeRequested || stopped) return resolve();
      const done = () => {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakeUp = done;
    });

  const pollOptions = { folder: options.folder, moveTo: options.move_to, maxBytes, base };
  /** Failures since the last good poll: the reconnect wait doubles with each. */
  let reconnects = 0;
  /** Whether the session that just ended had logged in: a lost connection, not a failed attempt. */
  let sessionLoggedIn = false;

  const session = async (): Promise<void> => {
    const pass = await readPasswordFile(options.password_file, (message) => log?.warn({}, message));
    const current = new ImapFlow({
      host: options.host,
      port: options.port,
      secure: options.secure,
      // Without TLS from the start, STARTTLS is required unless the server is on this host: the password must
      // not cross a network in cleartext because a server (or something in the path) did not offer STARTTLS.
      ...(options.secure || isLoopback(options.host) ? {} : { doSTARTTLS: true }),
      auth: { user: options.user, pass },
      ...(options.tls ? { tls: options.tls } : {}),
      logger: false,
      // BINARY would decode transfer encodings: the evidence must be the message's own bytes.
      disableBinary: true,
      maxLiteralSize: maxBytes + 64 * 1024,
      connectionTimeout: 30_000,
      autoIdleDelay: 2000,
    });
    client = current;
    let failure: Error | undefined;
    current.on('error', (error: Error) => (failure = error));
    // Only while this is the session in use: a late 'close' of an ended one must not cut a reconnect wait short.
    current.once('close', () => client === current && wake());
    current.on('exists', (event: { count: number; prevCount: number }) => {
      if (event.count > event.prevCount) wake();
    });
    try {
      await current.connect();
      stats.connected = true;
      sessionLoggedIn = true;
      stats.connections++;
      log?.info({ origin: base, folder: options.folder }, 'IMAP intake connected');
      while (!stopped && current.usable) {
        wakeRequested = false;
        const waiting = wanted;
        wanted = [];
        try {
          await pollFolder(current, sink, { ...pollOptions, log, stopped: () => stopped }, state, counts);
          stats.polls++;
          reconnects = 0;
        } finally {
          stats.waiting = state.retries.size();
          for (const resolve of waiting) resolve();
        }
        const retryAt = state.retries.nextDueAt();
        await rest(Math.min(pollMs, retryAt === undefined ? pollMs : Math.max(0, retryAt - Date.now())));
      }
      if (stopped) await current.logout().catch(() => current.close());
      else
        throw (
          failure ??
          new Error(current.byeReason ? `server closed the connection: ${current.byeReason}` : 'connection closed')
        );
    } finally {
      stats.connected = false;
      client = undefined;
      current.close();
    }
  };

  const run = async () => {
    while (!stopped) {
      try {
        await session();
      } catch (error) {
        if (stopped) break;
        reconnects++;
        stats.connectionFailures++;
        stats.lastError = reason(error);
        const wait = retryDelayMs(reconnects, options.reconnect ?? DEFAULT_RECONNECT);
        log?.warn(
          { err: stats.lastError, origin: base, retry_in_ms: wait },
          sessionLoggedIn ? 'IMAP intake stopped polling: reconnecting' : 'IMAP intake could not log in',
        );
        sessionLoggedIn = false;
        wakeRequested = false;
        await rest(wait);
      }
    }
    for (const resolve of wanted.splice(0)) resolve();
  };
  const running = run();

  return {
    stats: () => ({ ...stats }),
    poll() {
      if (stopped) return Promise.resolve();
      const polled = new Promise<void>((resolve) => wanted.push(resolve));
      wake();
      return polled;
    },
    async stop() {
      stopped = true;
      // Not yet logged in (a server that does not answer): no message is in hand, so the attempt is cut short.
      if (client && !stats.connected) client.close();
      wake();
      await running;
    },
  };
}

/** The reason an operator reads: imapflow's message plus what the server said, e.g. `[AUTHENTICATIONFAILED]`. */
function reason(error: unknown): string {
  const e = error as Partial<ImapFlowError> | undefined;
  const server = [e?.serverResponseCode && `[${e.serverResponseCode}]`, e?.responseText].filter(Boolean).join(' ');
  const message = describeError(error);
  return server && !message.includes(server) ? `${message}: ${server}` : message;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
