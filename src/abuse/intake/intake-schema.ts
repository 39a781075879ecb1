import { z } from 'zod';
import { DEFAULT_MAX_MAIL_BYTES } from './incoming-mail.js';

// The config of the three mail intake transports, for the config schema's abuse section. Secrets never sit in
// the config itself: the IMAP password is read from a file (mode 0600, owned by the service user), so the config
// can be shown, diffed and backed up without it.

/** A report mail bigger than this is refused; 25 MiB is what the big mailbox providers accept. */
const maxBytes = z
  .number()
  .int()
  .min(64 * 1024)
  .max(1024 * 1024 * 1024)
  .default(DEFAULT_MAX_MAIL_BYTES);

/** `abuse@example.jp` for one address, `@example.jp` for every address of the domain. */
export const intakeRecipient = z
  .string()
  .regex(
    /^([^@\s<>]+)?@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/,
    'expected an address (abuse@example.jp) or a domain (@example.jp)',
  );

export const smtpIntakeSchema = z
  .strictObject({
    /** Address to listen on: 127.0.0.1 when the ISP's MTA on the same host relays to it, :: for all. */
    listen: z.string().min(1).default('127.0.0.1'),
    /** 0 takes a free port (tests). The MTA relays to it with a transport map entry. */
    port: z.number().int().min(0).max(65535).default(2525),
    /** Mail for anything else is refused with 550. */
    recipients: z.array(intakeRecipient).min(1, 'give at least one recipient address or @domain to accept mail for'),
    max_bytes: maxBytes,
    /** PEM files; with both, STARTTLS is offered. */
    tls_key: z.string().min(1).optional(),
    tls_cert: z.string().min(1).optional(),
  })
  .refine((s) => (s.tls_key === undefined) === (s.tls_cert === undefined), {
    message: 'STARTTLS needs both tls_key and tls_cert',
    path: ['tls_cert'],
  });
export type SmtpIntakeConfig = z.output<typeof smtpIntakeSchema>;

export const maildirIntakeSchema = z.strictObject({
  /** The Maildir the MTA delivers report mail to (the folder holding new/, cur/ and tmp/). */
  path: z.string().min(1),
  /** A full scan this often, besides the change notifications (which some filesystems, NFS among them, lack). */
  scan_seconds: z.number().int().min(1).max(3600).default(30),
  max_bytes: maxBytes,
});
export type MaildirIntakeConfig = z.output<typeof maildirIntakeSchema>;

export const imapIntakeSchema = z
  .strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(993),
    /** TLS from the start (993). false: STARTTLS (143), required unless the server is on loopback. */
    secure: z.boolean().default(true),
    user: z.string().min(1),
    /** A file holding the password (one line); read at every connection, so a changed password needs no restart. */
    password_file: z.string().min(1),
    folder: z.string().min(1).default('INBOX'),
    /** Processed messages are moved here (the folder must exist) instead of being marked \Seen. */
    move_to: z.string().min(1).optional(),
    /** Polled this often; a server with IDLE also announces new mail at once. */
    poll_seconds: z.number().int().min(5).max(86_400).default(60),
    max_bytes: maxBytes,
  })
  .refine((s) => s.move_to === undefined || s.move_to !== s.folder, {
    message: 'move_to must be a folder other than the one polled',
    path: ['move_to'],
  });
export type ImapIntakeConfig = z.output<typeof imapIntakeSchema>;
