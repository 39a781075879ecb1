export { pollImap, type ImapPollOptions, type ImapPollStats, type ImapPoller } from './imap-poll.js';
export { DEFAULT_MAX_MAIL_BYTES, type IncomingMail, type IntakeLog, type MailSink } from './incoming-mail.js';
export {
  imapIntakeSchema,
  intakeRecipient,
  maildirIntakeSchema,
  smtpIntakeSchema,
  type ImapIntakeConfig,
  type MaildirIntakeConfig,
  type SmtpIntakeConfig,
} from './intake-schema.js';
export { watchMaildir, type MaildirStats, type MaildirWatchOptions, type MaildirWatcher } from './maildir.js';
export { readPasswordFile } from './password-file.js';
export type { RetryDelays } from './retry-delay.js';
export {
  startSmtpListener,
  type SmtpListener,
  type SmtpListenerOptions,
  type SmtpListenerStats,
} from './smtp-listener.js';
