import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { noticesConfig } from './notices.test-support.js';
import { classify, newMessageId, NOTICE_MESSAGE_ID, smtpSender } from './send.js';

// The sender against a local SMTP server (smtp-server) standing in for the ISP's relay: what arrives,
// byte for byte, with authentication and a DKIM signature; and how the relay's refusals are read.

describe('sending a notice over SMTP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-send-'));
  const received: { from: string; to: string[]; raw: Buffer; user: string | undefined }[] = [];
  let server: SMTPServer;
  let port = 0;

  before(async () => {
    server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      onAuth(auth, _session, done) {
        if (auth.username === 'notifier' && auth.password === 'relay secret 1') done(null, { user: auth.username });
        else done(Object.assign(new Error('535 5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
      },
      onRcptTo(address, _session, done) {
        if (address.address.startsWith('gone@'))
          done(
            Object.assign(new Error('5.1.1 <gone@example.jp>: Recipient address rejected: User unknown'), {
              responseCode: 550,
            }),
          );
        else if (address.address.startsWith('busy@'))
          done(Object.assign(new Error('4.2.2 Mailbox full, try again later'), { responseCode: 452 }));
        else done();
      },
      onData(stream, session, done) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks),
            user: session.user as string | undefined,
          });
          done();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'dkim.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(dir, 'smtp-password'), 'relay secret 1\n', { mode: 0o600 });
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const smtp = (over: Record<string, unknown> = {}) =>
    noticesConfig({
      smtp: {
        host: '127.0.0.1',
        port,
        user: 'notifier',
        password_file: 'smtp-password',
        from: 'みずぎわネット <abuse@isp.example.jp>',
        reply_to: 'support@isp.example.jp',
        timeout_seconds: 5,
        dkim: { domain: 'isp.example.jp', selector: 'mz2026', private_key_file: 'dkim.pem' },
        ...over,
      },
    }).smtp;

  test('a notice arrives with its Message-ID, headers, Japanese text and a DKIM signature', async () => {
    const sender = await smtpSender(smtp(), dir);
    const messageId = newMessageId('みずぎわネット <abuse@isp.example.jp>');
    const outcome = await sender.send({
      to: 'taro@example.jp',
      subject: '【重要】お客様のインターネット回線に関するセキュリティ上のお知らせ',
      text: '山田 太郎 様\n\n時刻はすべて日本時間です。\n',
      messageId,
      noticeId: 7,
      locale: 'ja',
    });
    sender.close();
    assert.ok(outcome.ok, JSON.stringify(outcome));
    const mail = received.at(-1)!;
    assert.equal(mail.user, 'notifier', 'authenticated with the password from the file');
    assert.equal(mail.from, 'abuse@isp.example.jp');
    assert.deepEqual(mail.to, ['taro@example.jp']);
    const parsed = await simpleParser(mail.raw);
    assert.equal(parsed.messageId, messageId);
    assert.equal(parsed.subject, '【重要】お客様のインターネット回線に関するセキュリティ上のお知らせ');
    assert.equal(parsed.text, '山田 太郎 様\n\n時刻はすべて日本時間です。\n');
    assert.equal(parsed.headers.get('auto-submitted'), 'auto-generated');
    assert.equal(parsed.headers.get('x-mizugiwa-notice'), '7');
    assert.equal(parsed.replyTo?.value[0]?.address, 'support@isp.example.jp');
    assert.equal(parsed.from?.value[0]?.name, 'みずぎわネット');
    const dkim = parsed.headerLines.find((h) => h.key === 'dkim-signature')?.line ?? '';
    assert.match(dkim, /\bd=isp\.example\.jp\b/);
    assert.match(dkim, /\bs=mz2026\b/);
    assert.match(dkim, /\bh=[^;]*message-id/i);
  });

  test("the relay's refusals: for good at RCPT is a bounce, anything else is retried", async () => {
    const sender = await smtpSender(smtp({ dkim: undefined }), dir);
    const base = {
      subject: 's',
      text: 't',
      messageId: newMessageId('abuse@isp.example.jp'),
      noticeId: 1,
      locale: 'en',
    };
    const gone = await sender.send({ ...base, to: 'gone@example.jp' });
    assert.deepEqual(gone.ok ? undefined : [gone.permanent, gone.status], [true, '5.1.1']);
    const busy = await sender.send({ ...base, to: 'busy@example.jp' });
    assert.deepEqual(busy.ok ? undefined : [busy.permanent, busy.status], [false, '4.2.2']);
    sender.close();
    const wrong = await smtpSender(smtp({ password_file: 'wrong' }), dir).catch((e: Error) => e);
    assert.match(String(wrong), /password file .*wrong does not exist/);
    writeFileSync(join(dir, 'bad-password'), 'not it\n', { mode: 0o600 });
    const refused = await smtpSender(smtp({ password_file: 'bad-password' }), dir);
    const auth = await refused.send({ ...base, to: 'taro@example.jp' });
    refused.close();
    assert.ok(!auth.ok && !auth.permanent, "a wrong password is the operator's to fix, and retried");
    const down = await smtpSender(smtp({ port: 1, dkim: undefined }), dir);
    const unreachable = await down.send({ ...base, to: 'taro@example.jp' });
    down.close();
    assert.ok(!unreachable.ok && !unreachable.permanent);
    assert.match(unreachable.ok ? '' : unreachable.error, /ECONNREFUSED/);
  });

  test('Message-IDs are unique, on the From domain, and found again in a mangled bounce', () => {
    const a = newMessageId('Example ISP <abuse@isp.example.jp>');
    const b = newMessageId('abuse@isp.example.jp');
    assert.notEqual(a, b);
    assert.match(a, /^<mizugiwa\.notice\.[0-9a-z]+\.[0-9a-f]{16}@isp\.example\.jp>$/);
    assert.equal(`<${NOTICE_MESSAGE_ID.exec(`original id was ${a.slice(1, -1)}, sorry`)?.[1]}>`, a);
    assert.deepEqual(
      classify({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 User unknown' }),
      { ok: false, permanent: true, error: '550 5.1.1 User unknown', status: '5.1.1' },
    );
    assert.equal(
      classify({ code: 'EENVELOPE', responseCode: 452, command: 'RCPT TO', response: '452 4.2.2 Full' }).permanent,
      false,
    );
    assert.equal(
      classify({ code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN', response: '535 5.7.8 no' }).permanent,
      false,
    );
  });
});
