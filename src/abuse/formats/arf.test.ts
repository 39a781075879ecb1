import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { AbuseEvent } from '../../domain/abuse-event.js';
import { isRejected, type Rejected } from '../../domain/format.js';
import { arfFormat } from './arf.js';

const ctx = { source: 'fbl', input: 'inbox', now: new Date('2026-12-01T00:00:00Z') };

function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`./fixtures/arf/${name}`, import.meta.url)));
}

/** A fixture with `from` replaced by `to` (which must be there): the variants real loops send, one change at a time. */
function variant(name: string, from: string | RegExp, to: string): Uint8Array {
  const text = Buffer.from(fixture(name)).toString('latin1');
  const changed = text.replace(from, to);
  assert.notEqual(changed, text, `${String(from)} not found in ${name}`);
  return new Uint8Array(Buffer.from(changed, 'latin1'));
}

async function* chunks(bytes: Uint8Array, size = bytes.length || 1): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function parse(bytes: Uint8Array, size?: number): Promise<(AbuseEvent | Rejected)[]> {
  const out: (AbuseEvent | Rejected)[] = [];
  for await (const r of arfFormat.parse(chunks(bytes, size), ctx)) out.push(r);
  return out;
}

async function event(bytes: Uint8Array): Promise<AbuseEvent> {
  const out = await parse(bytes);
  assert.equal(out.length, 1);
  assert.ok(!isRejected(out[0]), `rejected: ${(out[0] as Rejected).reason}`);
  return out[0] as AbuseEvent;
}

async function rejection(bytes: Uint8Array): Promise<Rejected> {
  const out = await parse(bytes);
  assert.equal(out.length, 1);
  assert.ok(isRejected(out[0]), 'expected a Rejected');
  return out[0] as Rejected;
}

test('a standard RFC 5965 abuse report becomes one spam event with every field in place', async () => {
  assert.deepEqual(await event(fixture('abuse-standard.eml')), {
    type: 'spam',
    identifier: 'abuse',
    time: '2026-11-24T01:05:09.000Z',
    source: { address: '198.51.100.23' },
    destination: { hostname: 'example.net' },
    protocol: 'smtp',
    reporter: 'ExampleNet-FBL',
    reportType: 'arf:abuse',
    evidence: 'message <arf-20261124011238-7f3a@fbl.example.net>',
    detail: {
      user_agent: 'ExampleNet-FBL/3.2',
      original_mail_from: 'promo@shop.example.com',
      original_rcpt_to: 'hanako@example.net',
      reporting_mta: 'dns; mx2.example.net',
      incidents: '3',
      authentication_results: 'mx2.example.net; spf=softfail smtp.mailfrom=shop.example.com; dkim=none',
      reported_domain: 'shop.example.com',
      reported_uri: 'http://shop.example.com/watches?id=77 mailto:unsubscribe@shop.example.com',
      original_subject: 'Cheap watches for you',
      reporter_from: 'arf-reports@fbl.example.net',
    },
  });
});

test('the input may arrive in any chunks', async () => {
  const whole = await parse(fixture('abuse-standard.eml'));
  assert.deepEqual(await parse(fixture('abuse-standard.eml'), 7), whole);
});

test('FBL without Source-IP: the address from the first outside Received hop, Received-Date as Arrival-Date', async () => {
  const e = await event(fixture('fbl-without-source-ip.eml'));
  // The top hop (10.20.4.17) is inside the reporter's network and the by clause's [10.20.4.17] is not a sender.
  assert.deepEqual(e.source, { address: '203.0.113.45' });
  assert.equal(e.time, '2026-11-23T22:31:56.000Z');
  assert.equal(e.reporter, 'Example!-Mail-Feedback');
  assert.equal(e.detail?.source_address_from, 'original Received header');
  assert.equal(e.detail?.original_subject, 'セールのお知らせ', 'the ISO-2022-JP encoded-word subject is decoded');
  assert.equal(e.detail?.time_source, undefined);
  assert.equal(e.needsReview, undefined);
});

test('the Received hop in the HELO literal is not taken for the address the server saw (Postfix form)', async () => {
  // `from [192.168.1.20] (unknown [203.0.113.9])`: the bracketed literal outside the comment is what the sender said.
  const e = await event(variant('source-port.eml', /Source-IP: .*\r\nSource-Port: .*\r\n/, ''));
  assert.deepEqual(e.source, { address: '203.0.113.9' });
});

test('the Exim form, a bracketed address with no reverse name, is read', async () => {
  const e = await event(variant('fraud.eml', /Source-IP: .*\r\n/, ''));
  assert.deepEqual(e.source, { address: '198.51.100.77' });
});

test('a redacted Source-IP falls back to the Received header and is kept in detail', async () => {
  const e = await event(variant('abuse-standard.eml', 'Source-IP: 198.51.100.23', 'Source-IP: XX.XX.XX.XX'));
  assert.deepEqual(e.source, { address: '198.51.100.23' });
  assert.equal(e.detail?.source_ip, 'XX.XX.XX.XX');
});

test('only the original headers, no human part, no Arrival-Date: time from the original Date, recipients joined', async () => {
  const e = await event(fixture('fbl-headers-only.eml'));
  assert.equal(e.time, '2026-11-25T02:47:03.000Z');
  assert.equal(e.detail?.time_source, 'original Date');
  assert.deepEqual(e.source, { address: '2001:db8:4a2::1f' }, 'Source-IP in upper case, uncompressed, normalised');
  assert.equal(
    e.detail?.original_rcpt_to,
    'jiro@mailbox.example.org, saburo@mailbox.example.org, shiro@mailbox.example.org',
  );
  assert.deepEqual(e.destination, { hostname: 'mailbox.example.org' });
  assert.equal(e.detail?.reported_domain, 'lists.example.jp', 'a field folded right after its colon');
  assert.equal(
    e.detail?.authentication_results,
    'mx.mailbox.example.org; spf=pass smtp.mailfrom=lists.example.jp; dkim=fail (bad signature) header.d=lists.example.jp',
  );
  assert.equal(e.reporter, 'MailboxFBL');
});

test('with no date in the report or the original, the report mail Date is the time', async () => {
  const e = await event(variant('fbl-headers-only.eml', 'Date: Wed, 25 Nov 2026 11:47:03 +0900\r\n', ''));
  assert.equal(e.time, '2026-11-25T03:00:01.000Z');
  assert.equal(e.detail?.time_source, 'report Date');
});

test('Feedback-Type fraud is phishing, virus an infected system, auth-failure (RFC 6591) masquerade', async () => {
  const fraud = await event(fixture('fraud.eml'));
  assert.equal(fraud.type, 'phishing');
  assert.equal(fraud.reportType, 'arf:fraud');
  assert.equal(fraud.detail?.reported_uri, 'https://login-bank.example.net/verify/account.php');
  assert.equal(fraud.detail?.original_subject, 'Your account has been suspended', 'message/rfc822 as an attachment');

  const virus = await event(fixture('virus.eml'));
  assert.equal(virus.type, 'infected-system');
  assert.equal(virus.identifier, 'virus');
  assert.deepEqual(virus.source, { address: '203.0.113.88' });
  assert.equal(virus.detail?.original_subject, 'Invoice 2026-11 overdue');

  const auth = await event(fixture('auth-failure.eml'));
  assert.equal(auth.type, 'masquerade');
  assert.equal(auth.reportType, 'arf:auth-failure');
  assert.equal(auth.detail?.auth_failure, 'bodyhash');
  assert.equal(auth.detail?.dkim_domain, 'example.jp');
  assert.equal(auth.detail?.dkim_selector, 's2026');
  assert.equal(auth.detail?.delivery_result, 'reject');
  for (const e of [fraud, virus, auth]) assert.equal(e.needsReview, undefined);
});

test('Source-Port (RFC 6692) is the source port; Arrival-Date in +0900 becomes UTC', async () => {
  const e = await event(fixture('source-port.eml'));
  assert.deepEqual(e.source, { address: '203.0.113.9', port: 40712 });
  assert.equal(e.time, '2026-11-27T05:03:11.000Z');
  assert.equal(e.detail?.incidents, '12', 'Incidents is detail, not twelve events');
  assert.equal(e.detail?.source_port, undefined);
});

test('a Source-Port that is no port is kept in detail and the event goes to review', async () => {
  const e = await event(variant('source-port.eml', 'Source-Port: 40712', 'Source-Port: 0'));
  assert.deepEqual(e.source, { address: '203.0.113.9' });
  assert.equal(e.detail?.source_port, '0');
  assert.equal(e.needsReview, true);
});

test('Feedback-Type other, an unregistered one, or none: spam for a person to review', async () => {
  for (const [line, identifier] of [
    ['Feedback-Type: other', 'other'],
    ['Feedback-Type: Opt-Out', 'opt-out'],
    ['X-Feedback: none', 'unknown'],
  ]) {
    const e = await event(variant('abuse-standard.eml', 'Feedback-Type: abuse', line!));
    assert.equal(e.type, 'spam');
    assert.equal(e.identifier, identifier);
    assert.equal(e.reportType, `arf:${identifier}`);
    assert.equal(e.needsReview, true);
  }
});

test('Feedback-Type not-spam is rejected: it is not a complaint', async () => {
  const r = await rejection(variant('abuse-standard.eml', 'Feedback-Type: abuse', 'Feedback-Type: not-spam'));
  assert.match(r.reason, /not-spam/);
  assert.match(r.reason, /not a complaint/);
  assert.equal(r.position, 'message <arf-20261124011238-7f3a@fbl.example.net>');
});

test('an unreadable Arrival-Date or Received-Date is rejected, naming the field and the value', async () => {
  const r = await rejection(fixture('broken-date.eml'));
  assert.match(r.reason, /^Arrival-Date "yesterday 23:10" is not a date/);
  assert.equal(r.position, 'message <broken-1@reports.example.org>');
  assert.deepEqual(new Uint8Array(r.raw), fixture('broken-date.eml'), 'the whole mail, to replay');

  const alias = await rejection(
    variant('fbl-without-source-ip.eml', /Received-Date: .*/, 'Received-Date: Mon, 31 Nov 2026 22:31:56 +0000'),
  );
  assert.match(alias.reason, /^Received-Date "Mon, 31 Nov 2026 22:31:56 \+0000" is not a date/);
});

test('a report with no usable source address anywhere is rejected, saying why', async () => {
  const r = await rejection(fixture('no-source-address.eml'));
  assert.match(r.reason, /Source-IP "XX\.XX\.XX\.XX" is not an IP address/);
  assert.match(r.reason, /no Received header/);
  assert.equal(r.position, 'message <redacted-9921@fbl.example.com>');
});

test('a mail that is no feedback report, or lacks its feedback-report part, is rejected', async () => {
  const plain = await rejection(fixture('not-a-report.eml'));
  assert.match(plain.reason, /^not a feedback report: the mail is text\/plain/);
  const partless = await rejection(fixture('missing-report-part.eml'));
  assert.match(partless.reason, /has no message\/feedback-report part/);
  const garbage = await rejection(new TextEncoder().encode('\u0000\u0001 not mail at all'));
  assert.match(garbage.reason, /not a feedback report/);
  assert.match(garbage.position, /^message without Message-ID in inbox$/);
});

test('a feedback-report part in a mail mislabelled multipart/mixed is still read', async () => {
  const e = await event(
    variant('abuse-standard.eml', 'multipart/report; report-type=feedback-report;', 'multipart/mixed;'),
  );
  assert.equal(e.type, 'spam');
  assert.deepEqual(e.source, { address: '198.51.100.23' });
});

test('sniff: multipart/report with report-type=feedback-report, in any header layout', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  assert.equal(arfFormat.sniff!(fixture('abuse-standard.eml').subarray(0, 600)), true, 'folded Content-Type');
  assert.equal(arfFormat.sniff!(fixture('fbl-without-source-ip.eml').subarray(0, 900)), true, 'quoted report-type');
  assert.equal(arfFormat.sniff!(fixture('not-a-report.eml')), false);
  assert.equal(
    arfFormat.sniff!(enc('Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n')),
    false,
    'a bounce is a report too, but not this one',
  );
  assert.equal(
    arfFormat.sniff!(
      enc(
        'From MAILER-DAEMON Thu Nov 26 00:00:00 2026\nCONTENT-TYPE: Multipart/Report;\n report-type="Feedback-Report"\n\n',
      ),
    ),
    true,
  );
});
