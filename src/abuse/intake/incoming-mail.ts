// What every mail intake transport (SMTP listener, Maildir, IMAP polling) hands on: the raw message, untouched,
// and where it came from. The sink stores the raw bytes and their hash; only after it resolved does the transport
// acknowledge the message (250, a move to cur/, \Seen), so a message is never lost between the two. The price is
// at-least-once delivery: a crash between the sink resolving and the acknowledgement hands the same message on
// again after the restart, which the sink recognises by its hash.

export type IncomingMail = {
  raw: Uint8Array;
  transport: 'smtp' | 'imap' | 'maildir';
  /**
   * When the mail system received the message: now for SMTP, the file's modification time for Maildir (when
   * the MTA delivered it), the server's INTERNALDATE for IMAP.
   */
  receivedAt: Date;
  /** SMTP envelope, IMAP mailbox+uid, or Maildir file name: where it came from, for the evidence record. */
  origin: string;
};

/** Stores one message. A rejection means "not stored, try again later": the transport keeps the message. */
export type MailSink = (mail: IncomingMail) => Promise<void>;

/** The part of a logger the transports use; the server's pino logger fits. */
export type IntakeLog = {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
};

export const DEFAULT_MAX_MAIL_BYTES = 25 * 1024 * 1024;

/** An error's message for a log line or a reply, whatever was thrown. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
