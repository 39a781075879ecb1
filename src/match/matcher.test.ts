import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Indicator } from '../domain/indicator.js';
import { buildDomainIndex } from './domain-index.js';
import { buildIpIndex } from './ip-index.js';
import { buildMatcher } from './matcher.js';

const ind = (type: Indicator['type'], value: string) => ({ indicator: { type, value }, ref: `${type}:${value}` });

describe('domain index', () => {
  const index = buildDomainIndex([
    { domain: 'evil.example', value: 1 },
    { domain: 'deep.sub.evil.example', value: 2 },
    { domain: 'only.example', value: 3, includeSubdomains: false },
  ]);
  test('the name and every subdomain, the most specific entry first', () => {
    assert.deepEqual(index.lookup('evil.example'), { domain: 'evil.example', value: 1, exact: true });
    assert.deepEqual(index.lookup('a.b.evil.example'), { domain: 'evil.example', value: 1, exact: false });
    assert.deepEqual(index.lookup('x.deep.sub.evil.example'), {
      domain: 'deep.sub.evil.example',
      value: 2,
      exact: false,
    });
  });
  test('no substring matches: neighbours, parents and longer TLDs are not hits', () => {
    for (const name of ['notevil.example', 'evil.example.org', 'example', 'vil.example', 'evil-example']) {
      assert.equal(index.lookup(name), undefined, name);
    }
  });
  test('exact-only entries do not cover subdomains', () => {
    assert.equal(index.lookup('only.example')?.value, 3);
    assert.equal(index.lookup('www.only.example'), undefined);
  });
  test('ASCII case and one trailing dot are ignored in the name looked up, nowhere else', () => {
    assert.deepEqual(index.lookup('Evil.EXAMPLE.'), { domain: 'evil.example', value: 1, exact: true });
    assert.equal(index.lookup('X.Deep.SUB.evil.Example')?.value, 2);
    assert.equal(index.lookup('ONLY.example.')?.value, 3);
    for (const name of ['evil.example..', 'NOTEVIL.example', '.evil.example.', 'EVIL.EXAMPLE.ORG.', '', '.']) {
      assert.equal(index.lookup(name)?.exact, name === '.evil.example.' ? false : undefined, name);
    }
  });
});

test('domain index: 50,000 entries are each found, with their subdomains, and unlisted names are not', () => {
  const listed = Array.from({ length: 50_000 }, (_, i) => `n${(i * 7919) % 1_000_003}.zone${i % 97}.example`);
  const index = buildDomainIndex(listed.map((domain, value) => ({ domain, value })));
  assert.equal(index.size, new Set(listed).size);
  listed.forEach((domain, i) => {
    assert.equal(index.lookup(domain)?.domain, domain);
    if (i % 10 === 0) assert.equal(index.lookup(`a.b.${domain}`)?.domain, domain);
    if (i % 10 === 0) assert.equal(index.lookup(`x${domain}`), undefined);
  });
  assert.equal(index.lookup('zone1.example'), undefined);
});

describe('IP index: longest prefix', () => {
  const index = buildIpIndex([
    { network: '192.0.2.0/24', value: 'net24' },
    { network: '192.0.2.128/25', value: 'net25' },
    { network: '192.0.2.200', value: 'host' },
    { network: '0.0.0.0/0', value: 'default' },
    { network: '2001:db8::/32', value: 'v6net' },
    { network: '2001:db8:1234::/48', value: 'v6net48' },
    { network: '2001:db8:1234:5600::/57', value: 'v6net57' },
    { network: '2001:db8::1', value: 'v6host' },
  ]);
  test('IPv4: the host, then the longest network', () => {
    assert.equal(index.lookup('192.0.2.200')?.value, 'host');
    assert.equal(index.lookup('192.0.2.201')?.value, 'net25');
    assert.equal(index.lookup('192.0.2.1')?.value, 'net24');
    assert.equal(index.lookup('198.51.100.1')?.value, 'default');
    assert.equal(index.lookup('not-an-address'), undefined);
    assert.equal(index.lookup('192.0.2.256'), undefined);
  });
  test('IPv6: groups and partial groups', () => {
    assert.equal(index.lookup('2001:db8::1')?.value, 'v6host');
    assert.equal(index.lookup('2001:db8::2')?.value, 'v6net');
    assert.equal(index.lookup('2001:db8:1234:5678::1')?.value, 'v6net57');
    assert.equal(index.lookup('2001:db8:1234:5680::1')?.value, 'v6net48');
    assert.equal(index.lookup('2001:db9::1'), undefined);
  });
  test('the boundaries of a network', () => {
    const only = buildIpIndex([{ network: '203.0.113.64/26', value: true }]);
    assert.equal(only.lookup('203.0.113.63'), undefined);
    assert.equal(only.lookup('203.0.113.64')?.value, true);
    assert.equal(only.lookup('203.0.113.127')?.value, true);
    assert.equal(only.lookup('203.0.113.128'), undefined);
  });
});

describe('matcher', () => {
  const m = buildMatcher([
    ind('domain', 'c2.example'),
    ind('ipv4', '192.0.2.10'),
    ind('cidr', '198.51.100.0/24'),
    ind('url', 'http://phish.example/login.php'),
    ind('email', 'Boss@scam.example'),
    ind('ip-port', '203.0.113.5:4444'),
    ind('sha256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'),
  ]);
  test('names as DNS logs write them (case, trailing dot) match', () => {
    assert.deepEqual(m.domain('WWW.C2.Example.'), {
      indicator: { type: 'domain', value: 'c2.example' },
      ref: 'domain:c2.example',
      kind: 'subdomain',
    });
    assert.equal(m.domain('c2.example')?.kind, 'exact');
    assert.equal(m.domain('c2.example.net'), undefined);
  });
  test('addresses, including IPv4-mapped IPv6 clients', () => {
    assert.equal(m.ip('192.0.2.10')?.kind, 'exact');
    assert.equal(m.ip('::ffff:192.0.2.10')?.kind, 'exact');
    assert.equal(m.ip('198.51.100.77')?.kind, 'prefix');
    assert.equal(m.ip('192.0.2.11'), undefined);
  });
  test('URLs: exact, then the host only when asked', () => {
    assert.equal(m.url('http://phish.example/login.php')?.kind, 'exact');
    assert.equal(m.url('http://phish.example/other'), undefined);
    assert.equal(m.url('http://a.c2.example/x', { hostFallback: true })?.kind, 'host');
    assert.equal(m.url('http://192.0.2.10:8080/x', { hostFallback: true })?.ref, 'ipv4:192.0.2.10');
  });
  test('email, ip:port falling back to the address, and hashes', () => {
    assert.equal(m.email('Boss@SCAM.example')?.kind, 'exact');
    assert.equal(m.email('boss@scam.example'), undefined, 'the local part is case-sensitive');
    assert.equal(m.email('x@c2.example', { domainFallback: true })?.kind, 'host');
    assert.equal(m.ipPort('203.0.113.5', 4444)?.kind, 'exact');
    assert.equal(m.ipPort('198.51.100.3', 443)?.kind, 'prefix');
    assert.equal(m.hash('E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855')?.kind, 'exact');
  });
  test('counts per kind', () => {
    assert.deepEqual(m.counts, { domains: 1, networks: 2, urls: 1, emails: 1, ipPorts: 1, hashes: 1 });
  });
});
