import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IndicatorType } from '../domain/indicator.js';
import { inferType, normalise, normaliseAny } from './normalise.js';
import { isPublicSuffix } from './public-suffix.js';

function ok(type: IndicatorType, input: string, expected: string, expectedType: IndicatorType = type) {
  const r = normalise(type, input);
  assert.ok(r.ok, `${type} ${JSON.stringify(input)} was refused: ${r.ok ? '' : r.reason}`);
  assert.deepEqual(r.indicator, { type: expectedType, value: expected });
}
function bad(type: IndicatorType, input: string, reason: RegExp) {
  const r = normalise(type, input);
  assert.equal(r.ok, false, `${type} ${JSON.stringify(input)} should be refused`);
  if (!r.ok) assert.match(r.reason, reason);
}

describe('domain', () => {
  test('lower case, trailing dot removed, IDNA to A-labels', () => {
    ok('domain', ' Evil.Example.COM. ', 'evil.example.com');
    ok('domain', '例え.テスト', 'xn--r8jz45g.xn--zckzah');
    ok('domain', 'MÜNCHEN.example', 'xn--mnchen-3ya.example');
    ok('domain', '_dmarc.example.org', '_dmarc.example.org');
    ok('domain', 'xn--r8jz45g.jp', 'xn--r8jz45g.jp');
  });
  test('label and length rules', () => {
    bad('domain', 'a..example', /empty label/);
    bad('domain', '.example', /empty label/);
    bad('domain', '-bad.example', /may not start or end with "-"/);
    bad('domain', 'bad-.example', /may not start or end with "-"/);
    bad('domain', `${'a'.repeat(64)}.example`, /label of 64 characters; the limit is 63/);
    bad('domain', `${'abcdefghi.'.repeat(26)}example`, /at most 253/);
    bad('domain', 'evil example.com', /white space/);
    bad('domain', 'ev!l.example', /only letters, digits/);
    bad('domain', '192.0.2.1', /looks like an IP address/);
    bad('domain', '', /empty/);
  });
});

describe('IP addresses and networks', () => {
  test('IPv4 strict dotted decimal', () => {
    ok('ipv4', ' 192.0.2.1 ', '192.0.2.1');
    bad('ipv4', '192.0.2.256', /not an IPv4 address/);
    bad('ipv4', '010.0.2.1', /no leading zeros/);
    bad('ipv4', '192.0.2', /not an IPv4/);
  });
  test('IPv6 in RFC 5952 form', () => {
    ok('ipv6', '2001:DB8:0:0:0:0:0:1', '2001:db8::1');
    ok('ipv6', '2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1');
    ok('ipv6', '::FFFF:192.0.2.1', '::ffff:192.0.2.1');
    bad('ipv6', 'fe80::1%eth0', /zone index/);
    bad('ipv6', '2001:db8::g', /not an IPv6/);
  });
  test('CIDRs: network address required, host bits are an error naming the network', () => {
    ok('cidr', '192.0.2.0/24', '192.0.2.0/24');
    ok('cidr', '2001:DB8::/32', '2001:db8::/32');
    ok('cidr', '198.51.100.7/32', '198.51.100.7', 'ipv4');
    ok('cidr', '2001:db8::5/128', '2001:db8::5', 'ipv6');
    ok('ipv4', '203.0.113.0/25', '203.0.113.0/25', 'cidr');
    bad('cidr', '192.0.2.1/24', /host bits set: the network is 192\.0\.2\.0\/24/);
    bad('cidr', '2001:db8::1/64', /host bits set: the network is 2001:db8::\/64/);
    bad('cidr', '192.0.2.0/33', /more than 32/);
    bad('cidr', '192.0.2.0', /no "\/length"/);
    bad('cidr', '192.0.2.0/x', /not a number/);
  });
  test('ip:port', () => {
    ok('ip-port', '192.0.2.1:443', '192.0.2.1:443');
    ok('ip-port', '[2001:DB8::1]:8443', '[2001:db8::1]:8443');
    bad('ip-port', '192.0.2.1:0', /not 1–65535/);
    bad('ip-port', '192.0.2.1', /not address:port/);
  });
});

describe('URL', () => {
  test('WHATWG form: host lower case, default port and fragment dropped', () => {
    ok('url', 'HTTP://Evil.Example.COM:80/Path/A.php?q=1#frag', 'http://evil.example.com/Path/A.php?q=1');
    ok('url', 'https://evil.example:443', 'https://evil.example/');
    ok('url', 'https://evil.example:8443/x', 'https://evil.example:8443/x');
    ok('url', 'http://例え.テスト/パス', 'http://xn--r8jz45g.xn--zckzah/%E3%83%91%E3%82%B9');
    ok('url', 'http://192.0.2.1/bins/x86', 'http://192.0.2.1/bins/x86');
    ok('url', 'http://[2001:db8::1]/x', 'http://[2001:db8::1]/x');
  });
  test('not URLs, defanged and odd schemes are refused with the reason', () => {
    bad('url', 'evil.example/path', /not an absolute URL/);
    bad('url', 'hxxp://evil.example/x', /defanged/);
    bad('url', 'http://evil[.]example/x', /defanged/);
    bad('url', 'javascript:alert(1)', /scheme javascript:/);
    bad('url', 'http://-bad.example/', /may not start or end/);
  });
});

describe('email and hashes', () => {
  test('email: domain part lower case and IDNA, local part kept', () => {
    ok('email', 'Phisher@Evil.EXAMPLE', 'Phisher@evil.example');
    ok('email', 'mailto:a@例え.jp', 'a@xn--r8jz45g.jp');
    bad('email', 'no-at-sign.example', /not an email address/);
    bad('email', 'a b@evil.example', /plain mailbox/);
  });
  test('hashes: lower-case hex of the right length', () => {
    ok('md5', 'D41D8CD98F00B204E9800998ECF8427E', 'd41d8cd98f00b204e9800998ecf8427e');
    ok('sha1', 'da39a3ee5e6b4b0d3255bfef95601890afd80709', 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
    bad('sha256', 'abc', /has 3 hex digits; a sha256 hash has 64/);
    bad('md5', 'z'.repeat(32), /not hexadecimal/);
  });
});

test('type inference for untyped lists', () => {
  const cases: [string, IndicatorType][] = [
    ['evil.example', 'domain'],
    ['http://evil.example/x', 'url'],
    ['192.0.2.1', 'ipv4'],
    ['2001:db8::1', 'ipv6'],
    ['192.0.2.0/24', 'cidr'],
    ['192.0.2.1:8080', 'ip-port'],
    ['[2001:db8::1]:443', 'ip-port'],
    ['a@evil.example', 'email'],
    ['d41d8cd98f00b204e9800998ecf8427e', 'md5'],
    ['da39a3ee5e6b4b0d3255bfef95601890afd80709', 'sha1'],
    ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'sha256'],
  ];
  for (const [value, type] of cases) assert.equal(inferType(value), type, value);
  assert.deepEqual(normaliseAny('Evil.Example'), { ok: true, indicator: { type: 'domain', value: 'evil.example' } });
});

test('public suffixes, ICANN and private, are recognised', () => {
  for (const s of ['jp', 'co.jp', 'com', 'github.io', 'tokyo.jp']) assert.equal(isPublicSuffix(s), true, s);
  for (const s of ['example.co.jp', 'evil.github.io', 'example.com']) assert.equal(isPublicSuffix(s), false, s);
});
