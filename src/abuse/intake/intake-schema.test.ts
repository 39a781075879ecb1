import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imapIntakeSchema, maildirIntakeSchema, smtpIntakeSchema } from './intake-schema.js';

const problems = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  (result.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

test('smtp: defaults, recipient forms, and STARTTLS only with both key and certificate', () => {
  assert.deepEqual(smtpIntakeSchema.parse({ recipients: ['abuse@example.jp', '@abuse.example.net'] }), {
    listen: '127.0.0.1',
    port: 2525,
    recipients: ['abuse@example.jp', '@abuse.example.net'],
    max_bytes: 25 * 1024 * 1024,
  });
  assert.deepEqual(problems(smtpIntakeSchema.safeParse({ recipients: [] })), [
    'recipients: give at least one recipient address or @domain to accept mail for',
  ]);
  for (const bad of ['abuse', 'abuse@', '@', 'a b@example.jp', '@-example.jp', '<abuse@example.jp>']) {
    assert.match(problems(smtpIntakeSchema.safeParse({ recipients: [bad] })).join(), /expected an address/, bad);
  }
  assert.deepEqual(problems(smtpIntakeSchema.safeParse({ recipients: ['abuse@example.jp'], tls_key: 'k.pem' })), [
    'tls_cert: STARTTLS needs both tls_key and tls_cert',
  ]);
  assert.equal(
    smtpIntakeSchema.safeParse({ recipients: ['abuse@example.jp'], tls_key: 'k.pem', tls_cert: 'c.pem' }).success,
    true,
  );
  assert.equal(smtpIntakeSchema.safeParse({ recipients: ['abuse@example.jp'], password: 'x' }).success, false);
});

test('maildir: defaults', () => {
  assert.deepEqual(maildirIntakeSchema.parse({ path: '/var/mail/abuse/Maildir' }), {
    path: '/var/mail/abuse/Maildir',
    scan_seconds: 30,
    max_bytes: 25 * 1024 * 1024,
  });
});

test('imap: defaults, a password only by file, and move_to another folder', () => {
  const base = { host: 'imap.example.jp', user: 'abuse@example.jp', password_file: '/etc/mizugiwa/imap-password' };
  assert.deepEqual(imapIntakeSchema.parse(base), {
    ...base,
    port: 993,
    secure: true,
    folder: 'INBOX',
    poll_seconds: 60,
    max_bytes: 25 * 1024 * 1024,
  });
  assert.equal(imapIntakeSchema.safeParse({ ...base, password: 'inline' }).success, false);
  assert.deepEqual(problems(imapIntakeSchema.safeParse({ ...base, move_to: 'INBOX' })), [
    'move_to: move_to must be a folder other than the one polled',
  ]);
  assert.equal(imapIntakeSchema.parse({ ...base, move_to: 'Processed' }).move_to, 'Processed');
});
