import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import { missingProgram } from '../../../test/support/components.js';
import type { IncomingMail, MailSink } from './incoming-mail.js';
import { smtpIntakeSchema } from './intake-schema.js';
import { startSmtpListener, type SmtpListener, type SmtpListenerOptions } from './smtp-listener.js';

// The listener against nodemailer as the relaying MTA: what reaches the sink, byte for byte, and what the client
// is answered when a recipient, the size or the store is wrong.

const fixture = (name: string) => readFileSync(new URL(`./fixtures/report-mails/${name}`, import.meta.url));
const ARF = fixture('arf-feedback-loop.eml');
const ISO_2022_JP = fixture('iso-2022-jp-complaint.eml');
const UTF8 = fixture('utf8-phishing-report.eml');
const OPENSSL = '/usr/bin/openssl';

const listeners: SmtpListener[] = [];
after(async () => {
  for (const l of listeners) await l.stop();
});

async function listen(config: Record<string, unknown> = {}, sink?: MailSink, extra: Partial<SmtpListenerOptions> = {}) {
  const received: IncomingMail[] = [];
  const options = smtpIntakeSchema.parse({ port: 0, recipients: ['abuse@example.jp', '@abuse.example.jp'], ...config });
  const listener = await startSmtpListener(
    { ...options, hostname: 'intake.example.jp', ...extra },
    sink ??
      (async (mail) => {
        received.push(mail);
      }),
  );
  listeners.push(listener);
  return { listener, received, port: listener.address.port };
}

function client(port: number, options: Record<string, unknown> = {}) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    name: 'mx1.example.jp',
    ignoreTLS: true,
    connectionTimeout: 5000,
    ...options,
  });
}

const send = (port: number, raw: Buffer, to: string[] = ['abuse@example.jp'], options: Record<string, unknown> = {}) =>
  client(port, options).sendMail({ envelope: { from: 'fbl@example.net', to }, raw });

/** The raw message split after its first header (with that header's folded lines). */
function splitFirstHeader(raw: Uint8Array): { first: string; rest: Buffer } {
  const text = Buffer.from(raw).toString('latin1');
  const end = text.search(/\r\n(?![ \t])/) + 2;
  return { first: text.slice(0, end), rest: Buffer.from(raw).subarray(end) };
}

/** The error a rejected sendMail carries: SMTP reply code and text. */
async function refusal(sending: Promise<unknown>): Promise<{ responseCode: number; response: string }> {
  try {
    await sending;
  } catch (error) {
    return error as { responseCode: number; response: string };
  }
  assert.fail('the message was accepted');
}

describe('SMTP intake listener', () => {
  test('hands each message on byte for byte, with a Received header in front', async () => {
    const { listener, received, port } = await listen();
    for (const raw of [ARF, ISO_2022_JP, UTF8]) {
      const info = await send(port, raw);
      assert.match(info.response, /^250 OK: report stored/);
    }
    assert.equal(received.length, 3);
    for (const [i, raw] of [ARF, ISO_2022_JP, UTF8].entries()) {
      const mail = received[i]!;
      const { first, rest } = splitFirstHeader(mail.raw);
      assert.ok(rest.equals(raw), `message ${i}: the bytes after the Received header are the bytes sent`);
      assert.match(
        first,
        /^Received: from mx1\.example\.jp \(\[127\.0\.0\.1\]\)\r\n\tby intake\.example\.jp \(Mizugiwa\)/,
      );
      assert.match(
        first,
        /with ESMTP id \S+\r\n\tfor <abuse@example\.jp>; \w{3}, \d\d \w{3} \d{4} [\d:]{8} \+0000\r\n$/,
      );
      assert.equal(mail.transport, 'smtp');
      assert.match(
        mail.origin,
        /^smtp \[127\.0\.0\.1\]:\d+ helo mx1\.example\.jp from <fbl@example\.net> to <abuse@example\.jp>$/,
      );
      assert.ok(Math.abs(mail.receivedAt.getTime() - Date.now()) < 10_000);
    }
    // Dot-stuffed lines (".sale", "...and") come back as they were written.
    assert.ok(Buffer.from(received[0]!.raw).includes('\r\n.sale ends at midnight.\r\n...and free shipping too.\r\n'));
    assert.deepEqual(listener.stats(), { connections: 3, accepted: 3, refused: 0, oversized: 0, failed: 0 });
  });

  test('refuses recipients that are not the abuse desk with 550, and takes a configured domain', async () => {
    const { listener, received, port } = await listen();
    const refused = await refusal(send(port, ARF, ['postmaster@example.com']));
    assert.equal(refused.responseCode, 550);
    assert.match(refused.response, /<postmaster@example\.com>: recipient refused: .*abuse desk/);
    assert.equal(received.length, 0);

    // Case does not matter; a domain entry takes every address of that domain (and not of its parent).
    const info = await send(port, ARF, ['ABUSE@example.jp', 'noc@abuse.example.jp', 'noc@example.jp']);
    assert.deepEqual(info.accepted, ['ABUSE@example.jp', 'noc@abuse.example.jp']);
    assert.deepEqual(info.rejected, ['noc@example.jp']);
    assert.equal(received.length, 1);
    // Two recipients: the Received header names neither.
    assert.match(splitFirstHeader(received[0]!.raw).first, /\r\n\t; /);
    assert.match(received[0]!.origin, /to <ABUSE@example\.jp>,<noc@abuse\.example\.jp>$/);
    assert.equal(listener.stats().refused, 2);
  });

  test('refuses a message over max_bytes with 552 and does not hand it on', async () => {
    const { listener, received, port } = await listen({ max_bytes: 64 * 1024 });
    const big = Buffer.concat([ARF, Buffer.from(`${'x'.repeat(998)}\r\n`.repeat(70))]);

    // Undeclared size: the whole message is read (and dropped), then refused.
    const atData = await refusal(send(port, big));
    assert.equal(atData.responseCode, 552);
    assert.match(atData.response, /exceeds the maximum size of 65536 bytes/);

    // The limit is advertised in EHLO (SIZE 65536), so an MTA that knows the size does not even send it.
    const envelope = { from: 'fbl@example.net', to: ['abuse@example.jp'], size: big.length };
    await assert.rejects(client(port).sendMail({ envelope, raw: big }), /larger than allowed 65536/);

    assert.equal(received.length, 0);
    assert.equal(listener.stats().oversized, 1);

    // A message within the limit still passes.
    await send(port, ARF);
    assert.equal(received.length, 1);
  });

  test('answers 451 when the sink fails, so that the sender keeps the message and retries', async () => {
    let failing = true;
    const stored: IncomingMail[] = [];
    const { listener, port } = await listen({}, async (mail) => {
      if (failing) throw new Error('database is locked');
      stored.push(mail);
    });
    const refused = await refusal(send(port, ARF));
    assert.equal(refused.responseCode, 451);
    assert.match(refused.response, /try again later/);
    assert.equal(stored.length, 0);

    failing = false;
    await send(port, ARF);
    assert.equal(stored.length, 1);
    assert.deepEqual(listener.stats(), { connections: 2, accepted: 1, refused: 0, oversized: 0, failed: 1 });
  });

  test('answers 250 only once the sink resolved, and stop() waits for it', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let sinkCalled!: () => void;
    const called = new Promise<void>((resolve) => (sinkCalled = resolve));
    const { listener, port } = await listen({}, async () => {
      sinkCalled();
      await held;
    });
    let answered = false;
    const sending = send(port, ARF).then((info) => {
      answered = true;
      return info;
    });
    await called;
    let stopped = false;
    const stopping = listener.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(answered, false, 'no reply before the sink resolved');
    assert.equal(stopped, false, 'stop() waits for the message being stored');
    release();
    assert.match((await sending).response, /^250 /);
    await stopping;
    // Stopped: no longer listening.
    await assert.rejects(
      new Promise((resolve, reject) => connect(port, '127.0.0.1').once('connect', resolve).once('error', reject)),
      /ECONNREFUSED/,
    );
  });

  test('does not offer STARTTLS without a certificate', async () => {
    const { port } = await listen();
    await assert.rejects(send(port, ARF, undefined, { ignoreTLS: false, requireTLS: true }), /STARTTLS/);
  });

  describe('with a certificate', { skip: missingProgram(OPENSSL, 'openssl') }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'mzg-smtp-intake-'));
    before(() => {
      const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
      args.push('-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2');
      execFileSync(OPENSSL, [...args, '-subj', '/CN=intake.example.jp'], { stdio: 'ignore' });
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    test('offers STARTTLS and says ESMTPS in the Received header', async () => {
      const { received, port } = await listen({ tls_key: join(dir, 'key.pem'), tls_cert: join(dir, 'cert.pem') });
      await send(port, ARF, undefined, { ignoreTLS: false, requireTLS: true, tls: { rejectUnauthorized: false } });
      assert.equal(received.length, 1);
      assert.match(splitFirstHeader(received[0]!.raw).first, / with ESMTPS id /);
    });
  });
});
