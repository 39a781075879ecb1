import { message, type MessageKey } from '../i18n/messages.js';

/**
 * A refusal a person should read: an HTTP status, a stable code, and a message key that exists in
 * Japanese and English. The API turns it into the error body; the CLI prints it.
 */
export class UserFacingError extends Error {
  constructor(
    readonly statusCode: number,
    readonly key: MessageKey,
    readonly params: Record<string, string | number> = {},
  ) {
    // The English text as the Error message, for logs and job records; people get their own language.
    super(message(key, 'en', params));
    this.name = 'UserFacingError';
  }
}
