import type { Observation } from '../../domain/observation.js';
import type { LineContext, LineFormat } from '../line-format.js';
import { syslogPrefix } from '../syslog-prefix.js';
import { QueueClients } from './queue-clients.js';
import { readSmtpClient, type SmtpClient } from './smtp-client.js';
import { readVerdict } from './verdict-line.js';

// Postfix's mail log (syslog, or maillog_file through postlogd; both `Nov 24 21:47:17 mx postfix/smtpd[12678]: …`).
// What is an observation:
//
//   smtpd       connect from mail.example.net[198.51.100.7]                      → the client connected
//   smtpd, postscreen, cleanup: a verdict (see verdict-line.ts)                   → rejected, warned about…
//   qmgr        816EE20C3C2: from=<alice@example.test>, size=440, nrcpt=1 (queue active)
//                                                                                 → a message was accepted
//
// The qmgr line names the sender but not the client; smtpd named the client earlier, on
// `816EE20C3C2: client=localhost[127.0.0.1]` (itself no observation: the qmgr line says more). So a
// parser remembers queue id → client between those lines, which makes it stateful: the pipeline creates
// one per input stream (src/observe/formats.ts: `stateful`, and every line of a stream goes to the same
// instance, in order). When the qmgr line's queue id was never seen (the log was opened mid-way, or
// smtpd's line is in a rotated file), the line is null: the client is unknown, and an observation
// with a made-up client would be attributed to somebody. The map is bounded (QueueClients).
// Every other Postfix line (disconnect, delivery, statistics, other daemons) is null.

export type PostfixLogOptions = {
  /** Queue ids remembered between smtpd's `client=` and qmgr's `from=` lines (oldest forgotten first). */
  maxQueued?: number;
};

export const DEFAULT_MAX_QUEUED = 100_000;

/** A Postfix log parser for one input stream (it remembers the stream's queue ids). */
export function createPostfixLog(options: PostfixLogOptions = {}): LineFormat {
  const queued = new QueueClients(options.maxQueued ?? DEFAULT_MAX_QUEUED);
  return {
    name: 'postfix',
    point: 'mail',
    parseLine: (line, ctx) => parsePostfixLine(line, ctx, queued),
  };
}

function parsePostfixLine(line: string, ctx: LineContext, queued: QueueClients): Observation | string | null {
  const prefix = syslogPrefix(line, ctx);
  if (!prefix) return null;
  // `postfix/smtpd`, and `postfix-out/smtpd` or `postfix/submission/smtpd` for other instances and services.
  const slash = prefix.tag.lastIndexOf('/');
  if (slash < 0) return null;
  const program = prefix.tag.slice(slash + 1);
  const at = prefix.rest;
  if (program === 'smtpd' && line.startsWith('connect from ', at)) {
    const client = readSmtpClient(line, at + 13);
    if (!client) return 'connect line without a client address';
    return observation(prefix.time, client, 'connect');
  }
  if (program !== 'smtpd' && program !== 'postscreen' && program !== 'cleanup' && program !== 'qmgr') return null;

  const idEnd = line.indexOf(': ', at);
  if (idEnd < 0) return null;
  const queueId = line.slice(at, idEnd);
  if (!isQueueId(queueId)) return null;
  const body = idEnd + 2;

  if (program === 'qmgr') {
    if (line.startsWith('removed', body)) queued.forget(queueId);
    if (!line.startsWith('from=<', body)) return null;
    const client = queued.take(queueId);
    if (!client) return null;
    const end = line.indexOf('>', body + 6);
    if (end < 0) return 'qmgr from=< without its >';
    const o = observation(prefix.time, client, 'queued', line.slice(body + 6, end));
    o.blocked = false;
    return o;
  }
  if (program === 'smtpd' && line.startsWith('client=', body)) {
    const client = readSmtpClient(line, body + 7);
    if (!client) return 'client= line without a client address';
    if (queueId !== NOQUEUE) queued.remember(queueId, client);
    return null;
  }
  const verdict = readVerdict(line, body);
  if (verdict === undefined || typeof verdict === 'string') return verdict ?? null;
  // A message cleanup rejects or discards never reaches qmgr.
  if (program === 'cleanup' && verdict.blocked === true) queued.forget(queueId);
  const o = observation(prefix.time, verdict.client, verdict.detail, verdict.sender);
  if (verdict.blocked !== undefined) o.blocked = verdict.blocked;
  return o;
}

function observation(time: number, client: SmtpClient, detail: string, sender?: string): Observation {
  const o: Observation = { time, point: 'mail', client: client.address };
  if (client.port !== undefined) o.clientPort = client.port;
  if (client.host !== undefined) o.domain = client.host;
  const email = sender === undefined ? undefined : senderAddress(sender);
  if (email !== undefined) o.email = email;
  o.detail = detail;
  return o;
}

/** The envelope sender with its domain in lower case (domains compare so); absent for the null sender `<>`. */
function senderAddress(sender: string): string | undefined {
  if (sender === '') return undefined;
  const at = sender.lastIndexOf('@');
  if (at < 0) return sender;
  const domain = sender.slice(at + 1);
  return /[A-Z]/.test(domain) ? `${sender.slice(0, at + 1)}${domain.toLowerCase()}` : sender;
}

const NOQUEUE = 'NOQUEUE';

/** `NOQUEUE`, or a queue id: hex (`816EE20C3C2`) or, with enable_long_queue_ids, base 52 (`4Xyz9tQhKmz6GKq`). */
function isQueueId(text: string): boolean {
  if (text.length < 5 || text.length > 32) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return false;
  }
  return true;
}
