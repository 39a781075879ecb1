import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  authenticatorMatches,
  readAccountingRequest,
  requestAttributes,
  type AccountingRequest,
} from './radius-packet.js';

/** An Accounting-Request with these raw attributes, signed with `secret` (RFC 2866 section 3). */
function packet(attributes: [number, number[] | Buffer][], secret = 's3cret', identifier = 1): Buffer {
  const body = Buffer.concat(attributes.map(([type, value]) => Buffer.from([type, value.length + 2, ...value])));
  const out = Buffer.concat([Buffer.from([4, identifier, 0, 0]), Buffer.alloc(16), body]);
  out.writeUInt16BE(out.length, 2);
  createHash('md5').update(out).update(secret).digest().copy(out, 4);
  return out;
}

const read = (attributes: [number, number[] | Buffer][]) => {
  const request = readAccountingRequest(packet(attributes));
  assert.notEqual(typeof request, 'string');
  return requestAttributes(request as AccountingRequest);
};
const text = (s: string) => [...Buffer.from(s)];
const u32 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

test('the header and attribute lengths must add up, or the packet is refused whole', () => {
  const good = packet([[1, text('alice')]]);
  const variants: [Buffer, string][] = [
    [good.subarray(0, 19), '19 bytes is shorter than a RADIUS header (20)'],
    [Buffer.from([1, ...good.subarray(1)]), 'code 1 is not an Accounting-Request (4)'],
    [Buffer.from([...good.subarray(0, 2), 0, 19, ...good.subarray(4)]), 'the length field 19 is outside 20–4096'],
    [Buffer.from([...good.subarray(0, 2), 0x10, 1, ...good.subarray(4)]), 'the length field 4097 is outside 20–4096'],
    [
      Buffer.from([...good.subarray(0, 2), 0, 40, ...good.subarray(4)]),
      'the length field says 40 bytes but 27 arrived',
    ],
    [
      Buffer.from([...good.subarray(0, 21), 8, ...good.subarray(22)]),
      'the attribute at byte 20 (type 1) has length 8, which does not fit the packet',
    ],
    [
      Buffer.from([...good.subarray(0, 21), 1, ...good.subarray(22)]),
      'the attribute at byte 20 (type 1) has length 1, which does not fit the packet',
    ],
  ];
  for (const [datagram, reason] of variants) assert.equal(readAccountingRequest(datagram), reason);
  const lastByteOnly = Buffer.from([...good.subarray(0, 2), 0, 21, ...good.subarray(4, 21)]);
  assert.equal(
    readAccountingRequest(lastByteOnly),
    'the attribute at byte 20 (type 1) has length 0, which does not fit the packet',
  );
  // Bytes after Length are padding (RFC 2865 section 3) and not part of the packet.
  const padded = readAccountingRequest(Buffer.concat([good, Buffer.from([0, 0, 0])])) as AccountingRequest;
  assert.equal(padded.packet.length, good.length);
  assert.ok(authenticatorMatches(padded, 's3cret'));
});

test('the Request Authenticator is checked against the shared secret', () => {
  const request = readAccountingRequest(packet([[1, text('alice')]])) as AccountingRequest;
  assert.equal(authenticatorMatches(request, 's3cret'), true);
  assert.equal(authenticatorMatches(request, 's3cret '), false);
  const tampered = packet([[1, text('alice')]]);
  tampered[tampered.length - 1]! ^= 1;
  assert.equal(authenticatorMatches(readAccountingRequest(tampered) as AccountingRequest, 's3cret'), false);
});

test('values read as FreeRADIUS writes them in a detail file', () => {
  assert.deepEqual(
    {
      ...read([
        [40, u32(3)],
        [1, text('ユーザー')],
        [4, [192, 0, 2, 1]],
        [55, u32(1_795_563_000)],
        [95, [0x20, 1, 0xd, 0xb8, ...new Array(11).fill(0), 1]],
        [97, [0, 64, 0x20, 1, 0xd, 0xb8, 0, 2, 0, 1]],
        [123, [0, 56, 0x20, 1, 0xd, 0xb8, 1, 0, 0]],
        [123, [0, 0]],
        [168, [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]],
        [96, [0, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55]],
        [49, u32(2)],
        [49, u32(99)],
        [61, u32(15)],
        [25, [1, 2, 255]],
        [80, new Array(16).fill(7)],
        [26, [0, 0, 0, 9, 1, 5, 97, 61, 98]],
        [241, [1, 2]],
      ]),
    },
    {
      'Acct-Status-Type': 'Interim-Update',
      'User-Name': 'ユーザー',
      'NAS-IP-Address': '192.0.2.1',
      'Event-Timestamp': '1795563000',
      'NAS-IPv6-Address': '2001:db8::1',
      'Framed-IPv6-Prefix': '2001:db8:2:1::/64',
      'Delegated-IPv6-Prefix': ['2001:db8:100::/56', '::/0'],
      'Framed-IPv6-Address': '2001:db8::5',
      'Framed-Interface-Id': '11:22ff:fe33:4455',
      'Acct-Terminate-Cause': ['Lost-Carrier', '99'],
      'NAS-Port-Type': 'Ethernet',
      Class: '0x0102ff',
      'Attr-26': '0x000000090105613d62',
      'Attr-241': '0x0102',
    },
  );
});

test('a value of the wrong size for its type is kept as octets, for the record reader to refuse', () => {
  assert.deepEqual(
    {
      ...read([
        [46, [0, 1]],
        [8, [198, 51, 100]],
        [95, [1, 2, 3]],
        [97, [0, 129, 0x20, 1]],
        [97, [0, 64, ...new Array(17).fill(0)]],
        [96, [1]],
      ]),
    },
    {
      'Acct-Session-Time': '0x0001',
      'Framed-IP-Address': '0xc63364',
      'NAS-IPv6-Address': '0x010203',
      'Framed-IPv6-Prefix': ['0x00812001', '0x0040' + '00'.repeat(17)],
      'Framed-Interface-Id': '0x01',
    },
  );
});
