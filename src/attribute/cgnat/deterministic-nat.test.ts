import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deterministicNat, type DeterministicNatMapping } from './deterministic-nat.js';

// Deterministic NAT is configuration, not a log: the expectations below are worked out by hand from the formula
// in deterministic-nat.ts (RFC 7422's idea, with the arithmetic FD.io VPP det44 uses in snat_det_forward and
// snat_det_reverse).

const base: DeterministicNatMapping = {
  inside: '10.0.0.0/29',
  outside: '198.51.100.0/31',
  portsFirst: 1024,
  portsLast: 1047,
  since: '2026-04-01T00:00:00+09:00',
};

test('a small mapping, every inside address forward and every outside port back', () => {
  // 8 inside addresses on 2 outside ones: 4 share each, each gets floor(24 / 4) = 6 ports.
  const nat = deterministicNat(base);
  assert.deepEqual(nat.validate(), []);
  const expected: [string, string, [number, number]][] = [
    ['10.0.0.0', '198.51.100.0', [1024, 1029]],
    ['10.0.0.1', '198.51.100.0', [1030, 1035]],
    ['10.0.0.2', '198.51.100.0', [1036, 1041]],
    ['10.0.0.3', '198.51.100.0', [1042, 1047]],
    ['10.0.0.4', '198.51.100.1', [1024, 1029]],
    ['10.0.0.5', '198.51.100.1', [1030, 1035]],
    ['10.0.0.6', '198.51.100.1', [1036, 1041]],
    ['10.0.0.7', '198.51.100.1', [1042, 1047]],
  ];
  for (const [inside, address, ports] of expected) {
    assert.deepEqual(nat.outsideOf(inside), { address, ports }, inside);
    for (let port = ports[0]; port <= ports[1]; port++)
      assert.equal(nat.insideOf(address, port), inside, `${address}:${port}`);
  }
});

test('ports and addresses the mapping does not cover belong to nobody', () => {
  const nat = deterministicNat(base);
  assert.equal(nat.insideOf('198.51.100.0', 1023), undefined);
  assert.equal(nat.insideOf('198.51.100.0', 1048), undefined);
  assert.equal(nat.insideOf('198.51.100.1', 65535), undefined);
  assert.equal(nat.insideOf('198.51.100.2', 1024), undefined);
  assert.equal(nat.insideOf('198.51.99.255', 1024), undefined);
  assert.equal(nat.insideOf('198.51.100.0', 1024.5), undefined);
  assert.equal(nat.insideOf('2001:db8::1', 1024), undefined);
  assert.equal(nat.insideOf('not an address', 1024), undefined);
  assert.equal(nat.outsideOf('10.0.0.8'), undefined);
  assert.equal(nat.outsideOf('9.255.255.255'), undefined);
  assert.equal(nat.outsideOf('10.0.0.1/32'), undefined);
});

test('the remainder of the port range is handed to nobody', () => {
  // 26 ports for 4 sharers: 6 each, 1048 and 1049 unused.
  const nat = deterministicNat({ ...base, portsLast: 1049 });
  assert.deepEqual(nat.outsideOf('10.0.0.3'), { address: '198.51.100.0', ports: [1042, 1047] });
  assert.equal(nat.insideOf('198.51.100.0', 1047), '10.0.0.3');
  assert.equal(nat.insideOf('198.51.100.0', 1048), undefined);
  assert.equal(nat.insideOf('198.51.100.1', 1049), undefined);
});

test('fewer inside than outside addresses: one each, the rest unused', () => {
  const nat = deterministicNat({ ...base, inside: '10.0.0.0/30', outside: '198.51.100.0/29' });
  assert.deepEqual(nat.outsideOf('10.0.0.2'), { address: '198.51.100.2', ports: [1024, 1047] });
  assert.equal(nat.insideOf('198.51.100.3', 1047), '10.0.0.3');
  assert.equal(nat.insideOf('198.51.100.4', 1024), undefined);
});

test('a production-sized mapping agrees with VPP det44 (64 sharers, 1008 ports each)', () => {
  const nat = deterministicNat({ ...base, inside: '100.64.0.0/22', outside: '203.0.113.0/28', portsLast: 65535 });
  assert.deepEqual(nat.outsideOf('100.64.0.65'), { address: '203.0.113.1', ports: [2032, 3039] });
  assert.deepEqual(nat.outsideOf('100.64.3.255'), { address: '203.0.113.15', ports: [64528, 65535] });
  assert.equal(nat.insideOf('203.0.113.1', 3039), '100.64.0.65');
  assert.equal(nat.insideOf('203.0.113.15', 65535), '100.64.3.255');
});

test('problems are reported as sentences, and a mapping with problems maps nothing', () => {
  const problems = (m: Partial<DeterministicNatMapping>) => deterministicNat({ ...base, ...m }).validate();
  assert.match(
    problems({ inside: '10.0.0.1/29' })[0]!,
    /^The inside prefix cannot be used: .*host bits set.*100\.64\.0\.0\/22\.$/,
  );
  assert.match(problems({ outside: '2001:db8::/126' })[0]!, /^The outside prefix 2001:db8::\/126 is IPv6/);
  assert.match(
    problems({ portsFirst: 2000, portsLast: 1999 })[0]!,
    /^The port range 2000-1999 is not a range of ports/,
  );
  assert.match(problems({ portsFirst: 0 })[0]!, /whole numbers 1 to 65535/);
  assert.match(
    problems({ inside: '10.0.0.0/16', outside: '198.51.100.1', portsLast: 2047 })[0]!,
    /shared by 65536 inside addresses but only 1024 ports.*larger outside prefix/,
  );
  assert.match(problems({ since: '2026-04-01' })[0]!, /since "2026-04-01" is not an ISO 8601 time with a zone/);
  assert.match(problems({ until: '2026-03-01T00:00:00Z' })[0]!, /ends \(until 2026-03-01T00:00:00Z\) before it starts/);
  const broken = deterministicNat({ ...base, inside: 'nonsense' });
  assert.equal(broken.validate().length, 1);
  assert.equal(broken.outsideOf('10.0.0.1'), undefined);
  assert.equal(broken.insideOf('198.51.100.0', 1024), undefined);
});

test('a single outside address written without a length is a /32', () => {
  const nat = deterministicNat({ ...base, outside: '198.51.100.9' });
  assert.deepEqual(nat.validate(), []);
  // 8 sharers, 3 ports each.
  assert.deepEqual(nat.outsideOf('10.0.0.7'), { address: '198.51.100.9', ports: [1045, 1047] });
});
