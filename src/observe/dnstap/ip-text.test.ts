import assert from 'node:assert/strict';
import { test } from 'node:test';
import ipaddr from 'ipaddr.js';
import { Random } from '../../../bench/gen/random.js';
import { ipText } from './ip-text.js';

/** The reference: ipaddr.js's RFC 5952 text, with IPv4-mapped addresses as ::ffff:a.b.c.d (section 5). */
function reference(bytes: Uint8Array): string {
  if (bytes.length === 4) return ipaddr.fromByteArray([...bytes]).toString();
  const v6 = ipaddr.fromByteArray([...bytes]) as ipaddr.IPv6;
  return v6.isIPv4MappedAddress() ? `::ffff:${v6.toIPv4Address().toString()}` : v6.toRFC5952String();
}

function v6(groups: number[]): Uint8Array {
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

test('IPv6 edge cases follow RFC 5952: longest zero run, first on a tie, no single-group ::', () => {
  const cases: [number[], string][] = [
    [[0, 0, 0, 0, 0, 0, 0, 0], '::'],
    [[0, 0, 0, 0, 0, 0, 0, 1], '::1'],
    [[1, 0, 0, 0, 0, 0, 0, 0], '1::'],
    [[0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x10], '2001:db8::10'],
    [[0x2001, 0xdb8, 0, 1, 0, 0, 0, 0xabcd], '2001:db8:0:1::abcd'],
    [[1, 0, 0, 2, 0, 0, 0, 3], '1:0:0:2::3'],
    [[1, 0, 0, 2, 3, 0, 0, 4], '1::2:3:0:0:4'],
    [[0x2001, 0xdb8, 0, 1, 1, 1, 1, 1], '2001:db8:0:1:1:1:1:1'],
    [[0xfe80, 0, 0, 0, 0xabc, 0xff, 0xfe00, 1], 'fe80::abc:ff:fe00:1'],
    [[0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201], '::ffff:192.0.2.1'],
  ];
  for (const [groups, text] of cases) {
    const bytes = v6(groups);
    assert.equal(ipText(bytes, 0, 16), text);
    assert.equal(reference(bytes), text, 'the reference agrees');
  }
  assert.equal(ipText(Uint8Array.of(9, 127, 0, 0, 1), 1, 4), '127.0.0.1', 'reads at an offset');
});

test('agrees with ipaddr.js on 50,000 random addresses, zero-heavy ones included', () => {
  const rng = new Random(5952);
  for (let i = 0; i < 50_000; i++) {
    const length = rng.next() < 0.2 ? 4 : 16;
    const bytes = new Uint8Array(length);
    for (let b = 0; b < length; b++) bytes[b] = rng.next() < 0.5 ? 0 : rng.int(256);
    if (length === 16 && rng.next() < 0.05) bytes.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);
    assert.equal(ipText(bytes, 0, length), reference(bytes), Buffer.from(bytes).toString('hex'));
  }
});
