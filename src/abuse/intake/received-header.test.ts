import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressLiteral, receivedHeader, rfc5322Date } from './received-header.js';

const hop = {
  helo: 'mx1.example.jp',
  remoteAddress: '192.0.2.25',
  by: 'intake.example.jp',
  protocol: 'ESMTPS',
  id: 'c4f1a9e0b2d3',
  recipients: ['abuse@example.jp'],
  at: new Date('2025-06-09T02:14:31Z'),
};

test('writes the RFC 5321 trace header, folded, with the for clause for a single recipient', () => {
  assert.equal(
    receivedHeader(hop),
    'Received: from mx1.example.jp ([192.0.2.25])\r\n' +
      '\tby intake.example.jp (Mizugiwa) with ESMTPS id c4f1a9e0b2d3\r\n' +
      '\tfor <abuse@example.jp>; Mon, 09 Jun 2025 02:14:31 +0000\r\n',
  );
});

test('leaves the recipients out when there are several, and uses the line ending it is given', () => {
  const header = receivedHeader({ ...hop, recipients: ['abuse@example.jp', 'noc@example.jp'] }, '\n');
  assert.equal(header.split('\n')[2], '\t; Mon, 09 Jun 2025 02:14:31 +0000');
  assert.ok(!header.includes('\r'));
});

test('a hostile HELO cannot add lines or comments to the header', () => {
  const header = receivedHeader({ ...hop, helo: 'evil\r\nX-Injected: yes (x); y', id: 'a b' });
  assert.equal(header.split('\r\n').length, 4, 'three lines and the final line ending');
  assert.equal(header.split('\r\n')[0], 'Received: from evil??X-Injected:?yes??x???y ([192.0.2.25])');
  assert.match(header, / id a\?b\r\n/);
  assert.equal(receivedHeader({ ...hop, helo: undefined }).split('\r\n')[0], 'Received: from unknown ([192.0.2.25])');
});

test('address literals: IPv4, IPv6 with its tag, IPv4-mapped as IPv4', () => {
  assert.equal(addressLiteral('198.51.100.7'), '[198.51.100.7]');
  assert.equal(addressLiteral('2001:db8::25'), '[IPv6:2001:db8::25]');
  assert.equal(addressLiteral('::ffff:203.0.113.9'), '[203.0.113.9]');
});

test('dates in RFC 5322 form, UTC', () => {
  assert.equal(rfc5322Date(new Date('2024-12-31T23:59:59.999Z')), 'Tue, 31 Dec 2024 23:59:59 +0000');
});
