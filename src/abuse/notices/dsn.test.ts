import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isDeliveryStatusReport, readDsn } from './dsn.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/dsn/${name}`, import.meta.url)));

test("a Postfix bounce: the failed recipient, status, remote diagnostic, and the returned message's Message-ID", () => {
  const raw = fixture('postfix-user-unknown.eml');
  assert.equal(isDeliveryStatusReport(raw.subarray(0, 2048)), true);
  const read = readDsn(raw);
  assert.ok(read.ok, !read.ok ? read.problem : '');
  assert.deepEqual(read.dsn, {
    reportingMta: 'mx1.isp.example.jp',
    originalMessageId: '<mizugiwa.notice.mhx2k1.0123456789abcdef@isp.example.jp>',
    recipients: [
      {
        finalRecipient: 'taro.yamada@example.net',
        originalRecipient: 'taro.yamada@example.net',
        action: 'failed',
        status: '5.1.1',
        diagnostic:
          '550 5.1.1 <taro.yamada@example.net>: Recipient address rejected: User unknown in virtual mailbox table',
        remoteMta: 'mx.example.net',
      },
    ],
  });
});

test('an Exchange NDR: nested parts, headers only, a folded Message-ID, a three-digit status detail', () => {
  const read = readDsn(fixture('exchange-headers-only.eml'));
  assert.ok(read.ok);
  assert.equal(read.dsn.originalMessageId, '<mizugiwa.notice.mhx2k9.fedcba9876543210@isp.example.jp>');
  assert.equal(read.dsn.recipients[0]?.status, '5.1.10');
  assert.equal(read.dsn.recipients[0]?.finalRecipient, 'hanako@example.net');
  assert.match(
    read.dsn.recipients[0]?.diagnostic ?? '',
    /^550 5\.1\.10 RESOLVER\.ADR\.RecipientNotFound; Recipient not found/,
  );
});

test('a delay warning is read as delayed, not failed', () => {
  const read = readDsn(fixture('postfix-delayed.eml'));
  assert.ok(read.ok);
  assert.deepEqual(
    read.dsn.recipients.map((r) => [r.action, r.status]),
    [['delayed', '4.4.1']],
  );
});

test('a base64 status part, and a Message-ID found only in the returned text', () => {
  const read = readDsn(fixture('returned-as-text.eml'));
  assert.ok(read.ok);
  assert.equal(read.dsn.originalMessageId, '<mizugiwa.notice.mhx2ka.00112233445566aa@isp.example.jp>');
  assert.deepEqual(
    read.dsn.recipients.map((r) => [r.finalRecipient, r.action, r.status, r.diagnostic]),
    [['saburo@example.org', 'failed', '5.1.1', '550 No such user']],
  );
});

test('what is not a readable DSN is said, not thrown', () => {
  const none = readDsn(fixture('no-status-part.eml'));
  assert.equal(none.ok, false);
  assert.match(!none.ok ? none.problem : '', /no message\/delivery-status part/);
  const arf = new Uint8Array(readFileSync(new URL('../formats/fixtures/arf/abuse-standard.eml', import.meta.url)));
  assert.equal(isDeliveryStatusReport(arf), false, 'a feedback report is an abuse report, not a bounce');
  assert.equal(readDsn(arf).ok, false);
  for (const cut of [0, 10, 300, 900, 1400]) {
    const raw = fixture('postfix-user-unknown.eml').subarray(0, cut);
    assert.doesNotThrow(() => readDsn(raw), `cut at ${cut}`);
  }
  assert.doesNotThrow(() => readDsn(new Uint8Array([0xff, 0xfe, 0x00, 0x0a])));
});
