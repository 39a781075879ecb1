import { readSmtpClient, type SmtpClient } from './smtp-client.js';

// The lines in which Postfix says what it did to a client's mail, after `<queue id|NOQUEUE>: `:
//
// smtpd and postscreen, at an SMTP command (access maps, RBLs, policy services, milters):
//   reject: RCPT from unknown[127.0.0.2]: 554 5.7.1 <unknown[127.0.0.2]>: Client host rejected: …;
//     from=<bob@example.test> to=<user@localhost> proto=ESMTP helo=<client.example.test>
//   warn: RCPT from unknown[127.0.0.4]: mizugiwa monitor: listed by …; from=<…> to=<…> proto=ESMTP helo=<…>
//   reject_warning: RCPT from unknown[127.0.0.4]: 450 4.7.1 Client host rejected: …; from=<…> …
//   reject: RCPT from [127.0.0.9]:57465: 550 5.3.2 Service currently unavailable; from=<…>, to=<…>, …
//   milter-reject: END-OF-MESSAGE from mail.example.net[198.51.100.7]: 5.7.1 Spam; from=<…> …
// cleanup, on the message's content (header_checks, body_checks):
//   reject: header Subject: capture-reject now from unknown[127.0.0.6]:38569; from=<ivan@example.test>
//     to=<user@localhost> proto=ESMTP helo=<client.example.test>: 5.7.1 spam subject
//   warning: header Subject: capture-warn please from localhost[127.0.0.1]:33294; from=<…> …: suspicious subject
//
// Mizugiwa's maps answer REJECT (blocked) or WARN (monitor: logged as `warn:`, the mail goes through);
// warn_if_reject turns a reject into `reject_warning:`. The header text in a cleanup line is the
// sender's and may hold " from ", so there the client is the last " from " before "; from=<".

/** What each logged action did to the mail: blocked, let through, or neither (held, redirected). */
const ACTIONS = new Map<string, boolean | undefined>([
  ['reject', true],
  ['milter-reject', true],
  ['discard', true],
  ['milter-discard', true],
  ['warn', false],
  ['warning', false],
  ['reject_warning', false],
  ['hold', undefined],
  ['milter-hold', undefined],
  ['filter', undefined],
  ['redirect', undefined],
]);

const CONTENT_CHECKS = new Set(['header', 'body', 'mime-header', 'nested-header']);

export type Verdict = {
  action: string;
  blocked: boolean | undefined;
  client: SmtpClient;
  /** The envelope sender as logged; absent when the line has none, empty for the null sender `<>`. */
  sender?: string;
  /** `reject 554 5.7.1`, `warn`, `reject header 5.7.1`. */
  detail: string;
};

/**
 * The verdict whose action starts at `at`: undefined when the text there is not one, a reason when it
 * is one whose client cannot be read.
 */
export function readVerdict(line: string, at: number): Verdict | string | undefined {
  const actionEnd = line.indexOf(': ', at);
  if (actionEnd < 0) return undefined;
  const action = line.slice(at, actionEnd);
  if (!ACTIONS.has(action)) return undefined;
  const what = actionEnd + 2;
  const whatEnd = line.indexOf(' ', what);
  if (whatEnd < 0) return undefined;
  const check = line.slice(what, whatEnd);
  const senderAt = line.indexOf('; from=<', what);

  let client: SmtpClient | undefined;
  let detail: string;
  if (CONTENT_CHECKS.has(check)) {
    const from = senderAt < 0 ? -1 : line.lastIndexOf(' from ', senderAt);
    if (from < what) return `${action}: ${check} line without "from <client>; from=<sender>"`;
    client = readSmtpClient(line, from + 6);
    const replyAt = line.indexOf('>: ', senderAt);
    detail = joinWords(action, check, replyAt < 0 ? '' : replyCode(line, replyAt + 3));
  } else {
    if (!line.startsWith('from ', whatEnd + 1)) return undefined;
    client = readSmtpClient(line, whatEnd + 6);
    detail = client ? joinWords(action, replyCode(line, client.end + 2)) : action;
  }
  if (!client) return `${action}: ${check} line without a readable client name[address]`;
  const verdict: Verdict = { action, blocked: ACTIONS.get(action), client, detail };
  if (senderAt >= 0) {
    const start = senderAt + 8;
    const end = line.indexOf('>', start);
    if (end >= 0) verdict.sender = line.slice(start, end);
  }
  return verdict;
}

/** `554 5.7.1` or `5.7.1` at the start of a reply, `` when it starts with text. */
function replyCode(line: string, at: number): string {
  let i = at;
  if (isDigit(line, i) && isDigit(line, i + 1) && isDigit(line, i + 2) && line.charCodeAt(i + 3) === SPACE) i += 4;
  const basic = line.slice(at, i - 1);
  // An enhanced status code (RFC 3463): class.subject.detail.
  let j = i;
  if (!isDigit(line, j) || line.charCodeAt(j + 1) !== DOT) return basic;
  j += 2;
  const subject = j;
  while (isDigit(line, j) && j - subject < 3) j++;
  if (j === subject || line.charCodeAt(j) !== DOT) return basic;
  const detailStart = ++j;
  while (isDigit(line, j) && j - detailStart < 3) j++;
  if (j === detailStart) return basic;
  return line.slice(at, j);
}

function joinWords(...words: string[]): string {
  return words.filter((w) => w !== '').join(' ');
}

function isDigit(line: string, at: number): boolean {
  const c = line.charCodeAt(at);
  return c >= 48 && c <= 57;
}

const SPACE = 32;
const DOT = 46;
