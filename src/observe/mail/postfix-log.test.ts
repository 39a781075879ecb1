import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { Observation } from '../../domain/observation.js';
import type { LineContext } from '../line-format.js';
import { localTimeIn } from '../local-time.js';
import { createPostfixLog } from './postfix-log.js';
import { mutations, truncations } from '../line-mutations.test-support.js';

// fixtures/maillog was written by a real Postfix 3.7 (maillog_file, through postlogd) running from a
// temporary directory inside a network namespace whose loopback also had 2001:db8::25 and fd00::25.
// main.cf carried the lines of Mizugiwa's mizugiwa-main.cf with maps the postfix point rendered
// (127.0.0.2 and 2001:db8::/32 REJECT, 127.0.0.4 WARN; sender bad@evil.test and spam.test REJECT,
// watch@monitor.test WARN), `warn_if_reject reject_unknown_reverse_client_hostname`, a postscreen on a
// second port with 127.0.0.9 denylisted, header_checks with WARN and REJECT rules, and from 21:48
// smtpd_client_port_logging. swaks (IPv4) and Python's smtplib (IPv6) were the clients; delivery was
// to the discard transport. The machine's clock ran in UTC.

const ctx: LineContext = { now: Date.UTC(2026, 10, 25), localTime: localTimeIn('UTC') };
const maillog = readFileSync(new URL('./fixtures/maillog', import.meta.url), 'utf8')
  .split('\n')
  .slice(0, -1);

type Seen = Omit<Observation, 'time' | 'point'> & { at: string };
const seen = (at: string, client: string, detail: string, more: Partial<Observation> = {}): Seen => ({
  at,
  client,
  detail,
  ...more,
});

/** The observations in the maillog by line number (1-based); every other line is null. */
// prettier-ignore
const OBSERVED: Record<number, Seen> = {
  5: seen('21:47:17', '127.0.0.1', 'connect', { domain: 'localhost' }),
  9: seen('21:47:17', '127.0.0.1', 'queued', { domain: 'localhost', email: 'alice@example.test', blocked: false }),
  12: seen('21:47:17', '127.0.0.2', 'connect'),
  13: seen('21:47:17', '127.0.0.2', 'reject 554 5.7.1', { email: 'bob@example.test', blocked: true }),
  15: seen('21:47:17', '127.0.0.3', 'connect'),
  // The sender as logged is bad@EVIL.test; domains compare in lower case.
  16: seen('21:47:17', '127.0.0.3', 'reject 554 5.7.1', { email: 'bad@evil.test', blocked: true }),
  18: seen('21:47:17', '127.0.0.3', 'connect'),
  19: seen('21:47:17', '127.0.0.3', 'reject 554 5.7.1', { email: 'x@mail.spam.test', blocked: true }),
  21: seen('21:47:17', '127.0.0.4', 'connect'),
  22: seen('21:47:17', '127.0.0.4', 'warn', { email: 'carol@example.test', blocked: false }),
  23: seen('21:47:17', '127.0.0.4', 'reject_warning 450 4.7.1', { email: 'carol@example.test', blocked: false }),
  26: seen('21:47:17', '127.0.0.4', 'queued', { email: 'carol@example.test', blocked: false }),
  30: seen('21:47:17', '127.0.0.3', 'connect'),
  31: seen('21:47:17', '127.0.0.3', 'warn', { email: 'watch@monitor.test', blocked: false }),
  32: seen('21:47:17', '127.0.0.3', 'reject_warning 450 4.7.1', { email: 'watch@monitor.test', blocked: false }),
  35: seen('21:47:17', '127.0.0.3', 'queued', { email: 'watch@monitor.test', blocked: false }),
  39: seen('21:47:17', '127.0.0.5', 'connect'),
  40: seen('21:47:17', '127.0.0.5', 'reject 454 4.7.1', { email: 'frank@example.test', blocked: true }),
  45: seen('21:47:23', '127.0.0.9', 'reject 550 5.3.2', { clientPort: 57465, email: 'mallory@example.test', blocked: true }),
  49: seen('21:47:29', '127.0.0.1', 'connect', { domain: 'localhost' }),
  52: seen('21:47:29', '127.0.0.1', 'queued', { domain: 'localhost', email: 'grace@example.test', blocked: false }),
  56: seen('21:47:36', '127.0.0.5', 'connect'),
  57: seen('21:47:36', '127.0.0.5', 'reject_warning 450 4.7.1', { email: 'frank@example.test', blocked: false }),
  // The second recipient refused after the first was accepted: the line has the queue id, not NOQUEUE.
  59: seen('21:47:36', '127.0.0.5', 'reject 454 4.7.1', { email: 'frank@example.test', blocked: true }),
  61: seen('21:47:36', '127.0.0.5', 'queued', { email: 'frank@example.test', blocked: false }),
  65: seen('21:47:36', '::1', 'connect'),
  66: seen('21:47:36', '::1', 'reject_warning 450 4.7.1', { blocked: false }),
  // The null sender <>: no email.
  70: seen('21:47:36', '::1', 'queued', { blocked: false }),
  73: seen('21:47:36', '2001:db8::25', 'connect'),
  74: seen('21:47:36', '2001:db8::25', 'reject 554 5.7.1', { email: 'dave@example.test', blocked: true }),
  77: seen('21:47:36', 'fd00::25', 'connect'),
  78: seen('21:47:36', 'fd00::25', 'reject_warning 450 4.7.1', { email: 'erin@example.test', blocked: false }),
  81: seen('21:47:36', 'fd00::25', 'queued', { email: 'erin@example.test', blocked: false }),
  90: seen('21:48:05', '127.0.0.1', 'connect', { clientPort: 33294, domain: 'localhost' }),
  92: seen('21:48:05', '127.0.0.1', 'warning header', { clientPort: 33294, domain: 'localhost', email: 'heidi@example.test', blocked: false }),
  95: seen('21:48:05', '127.0.0.1', 'queued', { clientPort: 33294, domain: 'localhost', email: 'heidi@example.test', blocked: false }),
  98: seen('21:48:05', '127.0.0.6', 'connect', { clientPort: 38569 }),
  99: seen('21:48:05', '127.0.0.6', 'reject_warning 450 4.7.1', { clientPort: 38569, email: 'ivan@example.test', blocked: false }),
  101: seen('21:48:05', '127.0.0.6', 'reject header 5.7.1', { clientPort: 38569, email: 'ivan@example.test', blocked: true }),
};

const observation = ({ at, ...rest }: Seen): Observation => ({
  time: Date.parse(`2026-11-24T${at}Z`),
  point: 'mail',
  ...rest,
});

/** Lines with a syslog stamp, as a test writes them. */
const stamped = (tag: string, message: string) => `Nov 24 21:50:00 mx ${tag}[100]: ${message}`;
const TIME = Date.UTC(2026, 10, 24, 21, 50);

describe('postfix mail log', () => {
  test('every line of the captured maillog, read in order by one parser', () => {
    const parser = createPostfixLog();
    const got = maillog.map((line) => parser.parseLine(line, ctx));
    const want = maillog.map((_, i) => (OBSERVED[i + 1] ? observation(OBSERVED[i + 1]!) : null));
    assert.deepEqual(got, want);
  });

  test('a qmgr line whose client= line was never read is null (a log opened mid-way)', () => {
    const parser = createPostfixLog();
    const qmgr = maillog.filter((l) => l.includes('postfix/qmgr') && l.includes('from=<'));
    assert.equal(qmgr.length, 8);
    assert.deepEqual(
      qmgr.map((l) => parser.parseLine(l, ctx)),
      qmgr.map(() => null),
    );
  });

  test('each parser has its own queue ids; a retried message (qmgr from= again) is seen once', () => {
    const one = createPostfixLog();
    const other = createPostfixLog();
    one.parseLine(stamped('postfix/smtpd', 'ABCDEF123: client=mail.example.net[198.51.100.7]'), ctx);
    const qmgr = stamped('postfix/qmgr', 'ABCDEF123: from=<a@example.net>, size=1, nrcpt=1 (queue active)');
    assert.equal(other.parseLine(qmgr, ctx), null);
    assert.deepEqual(one.parseLine(qmgr, ctx), {
      time: TIME,
      point: 'mail',
      client: '198.51.100.7',
      domain: 'mail.example.net',
      email: 'a@example.net',
      detail: 'queued',
      blocked: false,
    });
    assert.equal(one.parseLine(qmgr, ctx), null);
  });

  test('the queue id map is bounded: past the limit the oldest is forgotten', () => {
    const parser = createPostfixLog({ maxQueued: 2 });
    for (const id of ['AAAAA1', 'AAAAA2', 'AAAAA3']) {
      parser.parseLine(stamped('postfix/smtpd', `${id}: client=unknown[192.0.2.1]`), ctx);
    }
    const qmgr = (id: string) =>
      parser.parseLine(stamped('postfix/qmgr', `${id}: from=<x@example.net>, size=1, nrcpt=1 (queue active)`), ctx);
    assert.equal(qmgr('AAAAA1'), null);
    assert.equal((qmgr('AAAAA2') as Observation).client, '192.0.2.1');
    assert.equal((qmgr('AAAAA3') as Observation).client, '192.0.2.1');
  });

  test('a message cleanup rejected, or qmgr removed, is forgotten', () => {
    const parser = createPostfixLog();
    const smtpd = (id: string) => parser.parseLine(stamped('postfix/smtpd', `${id}: client=unknown[192.0.2.1]`), ctx);
    const qmgr = (id: string) =>
      parser.parseLine(stamped('postfix/qmgr', `${id}: from=<x@example.net>, size=1, nrcpt=1 (queue active)`), ctx);
    smtpd('BBBBB1');
    const reject =
      'BBBBB1: milter-reject: END-OF-MESSAGE from unknown[192.0.2.1]: 5.7.1 Spam message rejected; from=<x@example.net> to=<y@example.org> proto=ESMTP helo=<h>';
    assert.deepEqual(parser.parseLine(stamped('postfix/cleanup', reject), ctx), {
      time: TIME,
      point: 'mail',
      client: '192.0.2.1',
      email: 'x@example.net',
      detail: 'milter-reject 5.7.1',
      blocked: true,
    });
    assert.equal(qmgr('BBBBB1'), null);
    smtpd('BBBBB2');
    assert.equal(parser.parseLine(stamped('postfix/qmgr', 'BBBBB2: removed'), ctx), null);
    assert.equal(qmgr('BBBBB2'), null);
  });

  test('the example of the design brief, with a host name, and IPv6 written [IPv6:…]', () => {
    const parser = createPostfixLog();
    const line = stamped(
      'postfix/smtpd',
      'NOQUEUE: reject: RCPT from Mail.Example.NET[198.51.100.7]: 554 5.7.1 <c@d.example>: Client host rejected: Access denied; from=<a@B.example> to=<c@d.example> proto=ESMTP helo=<x>',
    );
    assert.deepEqual(parser.parseLine(line, ctx), {
      time: TIME,
      point: 'mail',
      client: '198.51.100.7',
      domain: 'mail.example.net',
      email: 'a@b.example',
      detail: 'reject 554 5.7.1',
      blocked: true,
    });
    const v6 = parser.parseLine(stamped('postfix/smtpd', 'connect from unknown[IPv6:2001:DB8:0::1]'), ctx);
    assert.deepEqual(v6, { time: TIME, point: 'mail', client: '2001:db8::1', detail: 'connect' });
  });

  test('other instances and services (postfix-out/smtpd, postfix/submission/smtpd); a CONNECT-stage reject', () => {
    const parser = createPostfixLog();
    const connect = parser.parseLine(stamped('postfix-out/smtpd', 'connect from relay.example[192.0.2.7]'), ctx);
    assert.equal((connect as Observation).domain, 'relay.example');
    const line =
      'NOQUEUE: reject: CONNECT from unknown[192.0.2.8]: 554 5.7.1 <unknown[192.0.2.8]>: Client host rejected: listed; proto=SMTP';
    assert.deepEqual(parser.parseLine(stamped('postfix/submission/smtpd', line), ctx), {
      time: TIME,
      point: 'mail',
      client: '192.0.2.8',
      detail: 'reject 554 5.7.1',
      blocked: true,
    });
  });

  test('lines that are not observations are null; unreadable client fields are reasons', () => {
    const parser = createPostfixLog();
    const parse = (line: string) => parser.parseLine(line, ctx);
    for (const line of [
      '',
      'connect from mail.example.net[198.51.100.7]',
      stamped('dovecot', 'imap-login: Login: user=<a>, rip=192.0.2.1'),
      stamped('postfix/smtpd', 'warning: hostname mail.example.net does not resolve to address 198.51.100.7'),
      stamped('postfix/smtpd', 'lost connection after EHLO from unknown[192.0.2.1]'),
      stamped('postfix/smtpd', 'NOQUEUE: client=unknown[192.0.2.1]'),
      stamped('postfix/smtp', 'ABCDEF: to=<a@b.example>, relay=mx.b.example[192.0.2.2]:25, status=sent'),
      stamped('postfix/postscreen', 'CONNECT from [192.0.2.1]:5000 to [192.0.2.2]:25'),
    ]) {
      assert.equal(parse(line), null, line);
    }
    assert.equal(typeof parse(stamped('postfix/smtpd', 'connect from mail.example.net')), 'string');
    assert.equal(typeof parse(stamped('postfix/smtpd', 'connect from host[not-an-ip]')), 'string');
    assert.equal(typeof parse(stamped('postfix/smtpd', 'ABCDEF: client=host[999.1.1.1]')), 'string');
    const noClient = 'NOQUEUE: reject: RCPT from nowhere: 554 5.7.1 no brackets; from=<a@b> to=<c@d>';
    assert.equal(typeof parse(stamped('postfix/smtpd', noClient)), 'string');
    assert.equal(
      typeof parse(stamped('postfix/cleanup', 'ABCDEF: reject: header Subject: x: 5.7.1 no client')),
      'string',
    );
  });
});

describe('postfix mail log, damaged', () => {
  const parser = createPostfixLog({ maxQueued: 50 });
  const check = (line: string) => {
    const r = parser.parseLine(line, ctx);
    if (r === null || typeof r === 'string') return;
    assert.equal(r.point, 'mail');
    assert.ok(Number.isFinite(r.time) && r.client !== '', line);
  };

  test('every truncation of every fixture line is read without throwing', () => {
    for (const line of truncations(maillog)) check(line);
  });

  test('random byte changes, deletions and insertions never throw', () => {
    for (const line of mutations(maillog, {
      seed: 2525,
      rounds: 20_000,
      alphabet: ' :;[]<>=@.,/NOQUEUE0123456789\u0000\u00e9\ufffd',
    }))
      check(line);
  });
});
