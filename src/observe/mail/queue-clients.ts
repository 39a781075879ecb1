import type { SmtpClient } from './smtp-client.js';

/**
 * The SMTP client of each message smtpd has taken in (`ABC123: client=…`) and qmgr has not yet logged
 * (`ABC123: from=<…>, size=…`), so that the qmgr line, which names the sender, can name the client too.
 * Bounded: a message whose qmgr line never comes (rejected by a milter after DATA, a log cut short)
 * would otherwise stay forever; past the limit the oldest is forgotten first (a Map keeps insertion
 * order). 100k entries is far more than the messages any one server has between smtpd and qmgr.
 */
export class QueueClients {
  readonly #clients = new Map<string, SmtpClient>();

  constructor(readonly limit: number) {}

  get size(): number {
    return this.#clients.size;
  }

  remember(queueId: string, client: SmtpClient): void {
    this.#clients.delete(queueId);
    this.#clients.set(queueId, client);
    if (this.#clients.size > this.limit) {
      const oldest = this.#clients.keys().next();
      if (!oldest.done) this.#clients.delete(oldest.value);
    }
  }

  /**
   * The client of `queueId`, forgotten as it is handed out: qmgr logs `from=` again each time a deferred
   * message is retried, and the client sent it once.
   */
  take(queueId: string): SmtpClient | undefined {
    const client = this.#clients.get(queueId);
    if (client !== undefined) this.#clients.delete(queueId);
    return client;
  }

  forget(queueId: string): void {
    this.#clients.delete(queueId);
  }
}
