import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { describeError, type IncomingMail, type IntakeLog, type MailSink } from './incoming-mail.js';
import type { SmtpIntakeConfig } from './intake-schema.js';
import { addressLiteral, receivedHeader } from './received-header.js';
import { recipientFilter } from './recipients.js';

// Report mail straight from the ISP's own MTA: abuse@ is routed here by a transport map (Postfix
// `transport_maps`: `example.jp-abuse  smtp:[127.0.0.1]:2525`), so this listener is a last hop, not an MX.
//
// No authentication is offered: the listener is meant to sit behind the ISP's MTA, which does the spam and
// sender checks of a public MX, and to listen on loopback or an internal address that only that MTA reaches.
// What it checks itself is narrow: the recipient must be one of the abuse desk's addresses (550 otherwise, so a
// misrouted mail bounces instead of vanishing), and the message must fit the size limit (552).
//
// 250 is sent only after the sink stored the message; when the sink fails, 451 tells the MTA to keep it in its
// queue and try again later, so nothing is lost while the store is down.

export type SmtpListenerOptions = SmtpIntakeConfig & {
  log?: IntakeLog;
  /** The name in the greeting and in the Received header; the host's name by default. */
  hostname?: string;
  /** How long stop() lets open sessions finish before it ends them with 421 (default 5 s). */
  closeTimeoutMs?: number;
};

export type SmtpListenerStats = {
  connections: number;
  /** Messages the sink stored (each answered 250). */
  accepted: number;
  /** Recipients refused (550) and messages over the size limit (552). */
  refused: number;
  /** Of those refused, the messages over the size limit. */
  oversized: number;
  /** Messages the sink failed to store (each answered 451, for the sender to retry). */
  failed: number;
};

export type SmtpListener = {
  /** Where it listens (port 0 in the options becomes the port the system chose). */
  address: AddressInfo;
  stats(): SmtpListenerStats;
  /** Stops accepting connections, lets the open sessions finish, waits for the messages being stored. */
  stop(): Promise<void>;
};

const MAX_CLIENTS = 100;
const MAX_RECIPIENTS = 100;

/** An error smtp-server turns into a reply with this code. */
function reply(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpListener(options: SmtpListenerOptions, sink: MailSink): Promise<SmtpListener> {
  const log = options.log;
  const name = options.hostname ?? hostname();
  const accepts = recipientFilter(options.recipients);
  const stats: SmtpListenerStats = { connections: 0, accepted: 0, refused: 0, oversized: 0, failed: 0 };
  const storing = new Set<Promise<void>>();
  const tls =
    options.tls_key && options.tls_cert
      ? { key: await readFile(options.tls_key), cert: await readFile(options.tls_cert) }
      : undefined;

  const server = new SMTPServer({
    name,
    banner: 'Mizugiwa abuse desk intake',
    size: options.max_bytes,
    // Not offered at all (see above); STARTTLS only when a certificate is configured.
    disabledCommands: tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    authOptional: true,
    ...(tls ?? {}),
    // The peer is the ISP's own MTA: its address says all, and a slow resolver must not delay every report.
    disableReverseLookup: true,
    logger: false,
    maxClients: MAX_CLIENTS,
    maxRecipients: MAX_RECIPIENTS,
    closeTimeout: options.closeTimeoutMs ?? 5000,

    onConnect(_session, callback) {
      stats.connections++;
      callback();
    },

    onRcptTo(address, session, callback) {
      if (accepts(address.address)) return callback();
      stats.refused++;
      log?.warn(
        { recipient: address.address, peer: session.remoteAddress },
        'SMTP intake refused a recipient that is not an abuse desk address',
      );
      callback(
        reply(
          550,
          `<${address.address}>: recipient refused: this server accepts mail only for the abuse desk's addresses`,
        ),
      );
    },

    onData(stream, session, callback) {
      receive(stream, options.max_bytes).then(
        (raw) => {
          if (raw === undefined) {
            stats.refused++;
            stats.oversized++;
            log?.warn(
              { peer: session.remoteAddress, bytes: stream.byteLength, max_bytes: options.max_bytes },
              'SMTP intake refused a message over the size limit',
            );
            callback(reply(552, `message exceeds the maximum size of ${options.max_bytes} bytes: not accepted`));
            return;
          }
          const task = store(raw, session).then(
            () => {
              stats.accepted++;
              callback(null, 'OK: report stored');
            },
            (error: unknown) => {
              stats.failed++;
              log?.warn(
                { err: describeError(error), peer: session.remoteAddress, origin: origin(session) },
                'SMTP intake could not store a message: answered 451 for the sender to retry',
              );
              callback(reply(451, 'report could not be stored just now: try again later'));
            },
          );
          storing.add(task);
          void task.finally(() => storing.delete(task));
        },
        // The stream failed (the client went away mid-message): there is no one left to answer.
        () => {},
      );
    },
  });

  const store = (body: Buffer, session: SMTPServerSession): Promise<void> => {
    const receivedAt = new Date();
    const header = receivedHeader(
      {
        helo: session.hostNameAppearsAs || undefined,
        remoteAddress: session.remoteAddress,
        by: name,
        protocol: session.transmissionType,
        id: session.id,
        recipients: session.envelope.rcptTo.map((r) => r.address),
        at: receivedAt,
      },
      lineEndingOf(body),
    );
    const mail: IncomingMail = {
      raw: Buffer.concat([Buffer.from(header, 'latin1'), body]),
      transport: 'smtp',
      receivedAt,
      origin: origin(session),
    };
    // A sink that throws instead of rejecting is a failure to store like any other.
    return Promise.resolve().then(() => sink(mail));
  };

  server.on('error', (error) => {
    // A client that misbehaves or resets its connection: the server goes on with the others.
    log?.warn({ err: describeError(error) }, 'SMTP intake connection error');
  });

  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    server.server.once('error', failed);
    server.listen(options.port, options.listen, () => {
      server.server.off('error', failed);
      resolve();
    });
  });
  const address = server.server.address() as AddressInfo;
  log?.info({ host: address.address, port: address.port, tls: tls !== undefined }, 'SMTP intake listening');

  let stopped: Promise<void> | undefined;
  return {
    address,
    stats: () => ({ ...stats }),
    stop() {
      stopped ??= (async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.allSettled([...storing]);
      })();
      return stopped;
    },
  };
}

/**
 * The message, or undefined when it is over `maxBytes`: then the rest is read and dropped, so that the client
 * gets its 552 after the final dot and memory holds at most `maxBytes`.
 */
function receive(stream: SMTPServerDataStream, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let over = false;
    stream.on('data', (chunk: Buffer) => {
      if (over) return;
      bytes += chunk.length;
      if (bytes > maxBytes) {
        over = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    stream.once('end', () => resolve(over || stream.sizeExceeded ? undefined : Buffer.concat(chunks, bytes)));
    stream.once('error', reject);
    // Destroyed without an error: settles the promise, so nothing of the message stays held.
    stream.once('close', () => reject(new Error('message stream closed before its end')));
  });
}

/** `smtp [192.0.2.25]:41234 helo mx.example.net from <reports@example.net> to <abuse@example.jp>`. */
function origin(session: SMTPServerSession): string {
  const { mailFrom, rcptTo } = session.envelope;
  const from = mailFrom ? `<${mailFrom.address}>` : '<>';
  const to = rcptTo.map((r) => `<${r.address}>`).join(',');
  const helo = session.hostNameAppearsAs ? ` helo ${session.hostNameAppearsAs}` : '';
  return `smtp ${addressLiteral(session.remoteAddress)}:${session.remotePort}${helo} from ${from} to ${to}`;
}

/** CRLF as SMTP requires, unless the message's own first line ends in a bare LF. */
function lineEndingOf(body: Buffer): string {
  const lf = body.indexOf(0x0a);
  return lf > 0 && body[lf - 1] !== 0x0d ? '\n' : '\r\n';
}
