import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PatternError, patternValues } from './stix-pattern.js';

test('single comparisons and ORs of them give one value each', () => {
  assert.deepEqual(patternValues("[domain-name:value = 'example.com']"), [{ type: 'domain', value: 'example.com' }]);
  assert.deepEqual(patternValues("[ipv4-addr:value = '192.0.2.1' OR ipv6-addr:value = '2001:db8::1']"), [
    { type: 'ipv4', value: '192.0.2.1' },
    { type: 'ipv6', value: '2001:db8::1' },
  ]);
  assert.deepEqual(patternValues("[url:value = 'http://a.example/x'] OR ([email-addr:value = 'x@example.org'])"), [
    { type: 'url', value: 'http://a.example/x' },
    { type: 'email', value: 'x@example.org' },
  ]);
  assert.deepEqual(patternValues("[(domain-name:value = 'a.example' OR domain-name:value = 'b.example')]"), [
    { type: 'domain', value: 'a.example' },
    { type: 'domain', value: 'b.example' },
  ]);
});

test('IN lists, ISSUBSET and prefixes', () => {
  assert.deepEqual(patternValues("[domain-name:value IN ('a.example', 'b.example')]"), [
    { type: 'domain', value: 'a.example' },
    { type: 'domain', value: 'b.example' },
  ]);
  assert.deepEqual(patternValues("[ipv4-addr:value ISSUBSET '198.51.100.0/24']"), [
    { type: 'cidr', value: '198.51.100.0/24' },
  ]);
  assert.deepEqual(patternValues("[ipv6-addr:value = '2001:db8::/32']"), [{ type: 'cidr', value: '2001:db8::/32' }]);
});

test('file hashes with quoted or unquoted algorithm names', () => {
  const sha256 = 'a'.repeat(64);
  assert.deepEqual(patternValues(`[file:hashes.'SHA-256' = '${sha256}']`), [{ type: 'sha256', value: sha256 }]);
  assert.deepEqual(patternValues(`[file:hashes.SHA256 = '${sha256}']`), [{ type: 'sha256', value: sha256 }]);
  assert.deepEqual(patternValues("[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"), [
    { type: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e' },
  ]);
  assert.deepEqual(patternValues("[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']"), [
    { type: 'sha1', value: 'da39a3ee5e6b4b0d3255bfef95601890afd80709' },
  ]);
});

test('escaped quotes and backslashes inside strings', () => {
  assert.deepEqual(patternValues("[url:value = 'http://x.example/it\\'s\\\\a']"), [
    { type: 'url', value: "http://x.example/it's\\a" },
  ]);
});

test('what is not a list of values is refused with the part named', () => {
  const refused: [string, RegExp][] = [
    ["[domain-name:value = 'a' AND domain-name:value = 'b']", /^AND .* at character 26$/],
    ["[domain-name:value = 'a'] AND [url:value = 'b']", /^AND /],
    ["[domain-name:value = 'a'] FOLLOWEDBY [url:value = 'b']", /^FOLLOWEDBY /],
    ["[domain-name:value = 'a'] WITHIN 300 SECONDS", /^the WITHIN qualifier/],
    ["[domain-name:value = 'a'] START t'2026-01-01T00:00:00Z' STOP t'2026-02-01T00:00:00Z'", /START\/STOP qualifier/],
    ["[domain-name:value NOT = 'a']", /^NOT /],
    ["[domain-name:value != 'a']", /^the operator != on domain-name:value/],
    ["[domain-name:value MATCHES '^a']", /^the MATCHES operator/],
    ["[domain-name:value ISSUBSET 'a']", /^ISSUBSET on domain-name:value/],
    ["[process:name = 'evil.exe']", /^the object path process:name/],
    ["[file:hashes.'SHA-512' = 'ab']", /^the object path file:hashes.'SHA-512'/],
    ['[file:size = 5]', /^the object path file:size/],
    ['[domain-name:value = 5]', /^expected a quoted string .* found "5"/],
    ["[domain-name:value = 'a", /^the string starting at character 22 is not closed/],
    ["[url:value = 'a\\n']", /^unsupported escape \\n/],
    ["domain-name:value = 'a'", /^expected \[ at character 1/],
    ['', /^expected \[ at character 1, found the end of the pattern/],
    ["[domain-name:value = 'a'] x", /^expected OR or the end of the pattern at character 27/],
    ["[domain-name:value = 'a'] | x", /^unexpected character "\|"/],
  ];
  for (const [pattern, reason] of refused) {
    assert.throws(
      () => patternValues(pattern),
      (error: unknown) => error instanceof PatternError && reason.test(error.message),
      pattern,
    );
  }
});
