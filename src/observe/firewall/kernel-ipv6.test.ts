import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normaliseIpv6 } from '../../net/ip.js';
import { kernelIpv6Text } from './kernel-ipv6.js';

/** An address as the kernel's %pI6 writes it: eight groups of four hex digits. */
const kernelForm = (groups: number[]) => groups.map((g) => g.toString(16).padStart(4, '0')).join(':');
const reference = (text: string) => {
  const n = normaliseIpv6(text);
  assert.ok(n.ok, text);
  return n.indicator.value;
};

test('edge cases agree with the general normaliser (ipaddr.js)', () => {
  const cases = [
    [0, 0, 0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0, 0, 1],
    [0x2001, 0xdb8, 0xa, 0, 0, 0, 0, 5],
    [0x2001, 0xdb8, 0, 0, 1, 0, 0, 1],
    [0x2001, 0xdb8, 0, 1, 0, 0, 0, 1],
    [0x2001, 0, 0xdb8, 0, 0, 0xabcd, 0, 0],
    [1, 0, 1, 0, 1, 0, 1, 0],
    [0xfe80, 0, 0, 0, 0x0211, 0x22ff, 0xfe33, 0x4455],
    [0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201],
    [0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff],
    [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0],
  ];
  for (const groups of cases) {
    const text = kernelForm(groups);
    assert.equal(kernelIpv6Text(text), reference(text), text);
    assert.equal(kernelIpv6Text(text.toUpperCase()), reference(text), text.toUpperCase());
  }
});

test('random addresses, zero groups likely, agree with the general normaliser', () => {
  let seed = 2026;
  const random = (n: number) => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return seed % n;
  };
  for (let i = 0; i < 20_000; i++) {
    const groups = Array.from({ length: 8 }, () => (random(2) === 0 ? 0 : random(0x10000)));
    const text = kernelForm(groups);
    assert.equal(kernelIpv6Text(text), reference(text), text);
  }
});

test('anything but the eight-group form is left to the general normaliser', () => {
  for (const text of [
    '2001:db8::1',
    '10.0.0.1',
    '',
    '2001:0db8:000a:0000:0000:0000:0000:000g',
    '2001-0db8:000a:0000:0000:0000:0000:0005',
  ]) {
    assert.equal(kernelIpv6Text(text), undefined, text);
  }
});
