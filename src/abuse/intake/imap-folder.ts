import type { ImapFlow } from 'imapflow';
import { describeError, type IntakeLog, type MailSink } from './incoming-mail.js';
import type { RetrySchedule } from './retry-delay.js';

// One poll of the report folder on a connected client: every message that is neither \Seen nor \Deleted goes to
// the sink and, once stored, is marked \Seen (or moved to `moveTo`). A message the sink refused stays unseen and
// waits for its turn in the retry schedule; the others go on. The source is fetched with BODY.PEEK[] (BINARY is
// turned off on the client), so the bytes handed on are the message as the server stores it and fetching does
// not mark it seen by itself.

export type FolderPollState = {
  /** Refused messages and when each is due again, by `uidvalidity:uid`. */
  retries: RetrySchedule<string>;
  /** Messages over the size limit, reported once and then left unseen. */
  oversized: Set<string>;
  /** Stored, but the server did not take the \Seen or the move (the connection dropped): only that is redone. */
  storedNotMarked: Set<string>;
};

export type FolderPollCounts = { delivered: number; failed: number; oversized: number };

export type FolderPollOptions = {
  folder: string;
  moveTo: string | undefined;
  maxBytes: number;
  /** `imap://user@host:port`, the start of each message's origin (RFC 5092 IMAP URL). */
  base: string;
  log: IntakeLog | undefined;
  /** Checked between messages: a stop lets the message in hand finish and takes no further one. */
  stopped: () => boolean;
};

export async function pollFolder(
  client: ImapFlow,
  sink: MailSink,
  options: FolderPollOptions,
  state: FolderPollState,
  counts: FolderPollCounts,
): Promise<void> {
  const { log } = options;
  const lock = await client.getMailboxLock(options.folder);
  try {
    const mailbox = client.mailbox;
    if (!mailbox) throw new Error(`folder ${options.folder} is not selected`);
    // A selected mailbox learns of mail another session added only at a sync: NOOP is the command for it.
    await client.noop();
    const uidValidity = mailbox.uidValidity.toString();
    const keyOf = (uid: number) => `${uidValidity}:${uid}`;
    const found = await client.search({ seen: false, deleted: false }, { uid: true });
    if (!Array.isArray(found)) throw new Error(`SEARCH UNSEEN in ${options.folder} failed`);
    const uids = [...found].sort((a, b) => a - b);
    const present = new Set(uids.map(keyOf));
    state.retries.keepOnly(present);
    for (const set of [state.oversized, state.storedNotMarked]) {
      for (const key of set) if (!present.has(key)) set.delete(key);
    }

    const now = Date.now();
    const due = uids.filter((uid) => !state.oversized.has(keyOf(uid)) && state.retries.isDue(keyOf(uid), now));
    if (due.length === 0) return;
    // Sizes and dates of all in one round trip; the sources one by one, so memory holds one message at a time.
    const meta = await client.fetchAll(due.join(','), { uid: true, size: true, internalDate: true }, { uid: true });
    const byUid = new Map(meta.map((m) => [m.uid, m]));

    for (const uid of due) {
      if (options.stopped()) break;
      const key = keyOf(uid);
      const origin = `${options.base}/${encodeMailbox(options.folder)};UIDVALIDITY=${uidValidity}/;UID=${uid}`;
      const info = byUid.get(uid);
      if (!info) continue; // expunged since the search
      if (state.storedNotMarked.has(key)) {
        await acknowledge(client, uid, options.moveTo);
        state.storedNotMarked.delete(key);
        continue;
      }
      if ((info.size ?? 0) > options.maxBytes) {
        counts.oversized++;
        state.oversized.add(key);
        log?.warn(
          { origin, bytes: info.size, max_bytes: options.maxBytes },
          'IMAP intake left a message over the size limit unseen',
        );
        continue;
      }
      const message = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
      if (!message || !message.source) continue;

      try {
        await sink({ raw: message.source, transport: 'imap', receivedAt: dateOf(info.internalDate), origin });
      } catch (error) {
        counts.failed++;
        const wait = state.retries.failed(key, Date.now());
        log?.warn(
          { err: describeError(error), origin, failures: state.retries.failures(key), retry_in_ms: wait },
          'IMAP intake could not store a message: left unseen for a later try',
        );
        continue;
      }
      counts.delivered++;
      state.retries.succeeded(key);
      state.storedNotMarked.add(key);
      await acknowledge(client, uid, options.moveTo);
      state.storedNotMarked.delete(key);
    }
  } finally {
    lock.release();
  }
}

async function acknowledge(client: ImapFlow, uid: number, moveTo: string | undefined): Promise<void> {
  const ok = moveTo
    ? await client.messageMove(String(uid), moveTo, { uid: true })
    : await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
  // A NO from the server (no such folder, read-only mailbox): thrown, so the connection is started over and
  // the operator reads why; the message is not handed on again meanwhile (storedNotMarked).
  if (ok === false)
    throw new Error(moveTo ? `could not move message ${uid} to ${moveTo}` : `could not mark ${uid} seen`);
}

/** A mailbox name as an RFC 5092 URL carries it: percent-encoded, hierarchy delimiters kept. */
function encodeMailbox(name: string): string {
  return encodeURIComponent(name).replace(/%2F/g, '/');
}

function dateOf(value: Date | string | undefined): Date {
  const date = value === undefined ? new Date() : new Date(value);
  return Number.isNaN(date.getTime()) ? new Date() : date;
}
