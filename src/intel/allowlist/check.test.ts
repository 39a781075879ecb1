import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Indicator } from '../../domain/indicator.js';
import { BUILTIN_NAMES, BUILTIN_NETWORKS, ownNetworkAllowlist } from './builtin.js';
import { compileAllowlists } from './check.js';
import type { Allowlist } from './entry.js';
import { parseMispWarninglist } from './warninglist.js';

const d = (value: string): Indicator => ({ type: 'domain', value });
const partner: Allowlist = {
  name: 'partners',
  mode: 'block',
  entries: [
    { kind: 'hostname', value: 'bank.example' },
    { kind: 'exact', value: 'Only.This.Example' },
    { kind: 'cidr', value: '198.18.7.0/24' },
    { kind: 'regex', value: '^cdn[0-9]+\\.static\\.example$' },
    { kind: 'substring', value: 'gov.example' },
  ],
};
const review: Allowlist = { name: 'review', mode: 'inform', entries: [{ kind: 'hostname', value: 'popular.example' }] };
const { checker, problems } = compileAllowlists([
  BUILTIN_NETWORKS,
  BUILTIN_NAMES,
  ownNetworkAllowlist({ domains: ['isp.example.jp'], prefixes: ['2001:db8:aaaa::/48', '192.88.99.0/24'] }),
  partner,
  review,
]);

describe('allowlists', () => {
  test('every built-in and configured entry compiles', () => {
    assert.deepEqual(problems, []);
  });

  test('hostname entries cover the name and all its subdomains, and nothing beside it', () => {
    assert.equal(checker.check(d('bank.example'))?.entry, 'hostname:bank.example');
    assert.equal(checker.check(d('login.secure.bank.example'))?.list, 'partners');
    assert.equal(checker.check(d('bank.example.evil.test')), undefined);
    assert.equal(checker.check(d('notbank.example')), undefined);
  });

  test('exact entries match only the normalised value itself', () => {
    assert.equal(checker.check(d('only.this.example'))?.entry, 'exact:Only.This.Example');
    assert.equal(checker.check(d('www.only.this.example')), undefined);
  });

  test('CIDR containment for addresses, networks inside, and networks that would swallow an allowlisted one', () => {
    assert.equal(checker.check({ type: 'ipv4', value: '10.1.2.3' })?.list, 'builtin:special-addresses');
    assert.equal(checker.check({ type: 'ipv4', value: '100.64.0.1' })?.entry, 'cidr:100.64.0.0/10');
    assert.equal(checker.check({ type: 'ipv6', value: '::1' })?.list, 'builtin:special-addresses');
    assert.equal(
      checker.check({ type: 'ipv6', value: '2001:db8:aaaa:1::1' })?.list,
      'builtin:own-network',
      'the most specific network names the reason',
    );
    assert.equal(checker.check({ type: 'cidr', value: '198.18.7.128/25' })?.list, 'partners');
    assert.equal(
      checker.check({ type: 'cidr', value: '192.88.0.0/16' })?.entry,
      'cidr:192.88.99.0/24',
      'a /16 that contains the ISP prefix is refused',
    );
    assert.equal(checker.check({ type: 'cidr', value: '0.0.0.0/0' })?.list, 'builtin:special-addresses');
    assert.equal(checker.check({ type: 'cidr', value: '8.8.8.0/24' }), undefined);
    assert.equal(checker.check({ type: 'ipv4', value: '8.8.8.8' }), undefined);
    assert.equal(checker.check({ type: 'ip-port', value: '127.0.0.1:8080' })?.list, 'builtin:special-addresses');
  });

  test('public suffixes and special names are never blocked', () => {
    for (const v of ['jp', 'co.jp', 'com', 'github.io'])
      assert.equal(checker.check(d(v))?.list, 'builtin:public-suffix', v);
    assert.equal(checker.check(d('example.co.jp')), undefined);
    assert.match(checker.check(d('localhost'))?.list ?? '', /^builtin:/);
    assert.equal(checker.check(d('1.2.0.192.in-addr.arpa'))?.list, 'builtin:special-names');
  });

  test("the ISP's own domains, regex and substring entries", () => {
    assert.equal(checker.check(d('mail.isp.example.jp'))?.list, 'builtin:own-network');
    assert.equal(checker.check(d('cdn12.static.example'))?.entry, 'regex:^cdn[0-9]+\\.static\\.example$');
    assert.equal(checker.check(d('cdnx.static.example')), undefined);
    assert.equal(checker.check(d('portal.gov.example.org'))?.entry, 'substring:gov.example');
  });

  test('URLs and emails are checked by their host and domain', () => {
    assert.equal(checker.check({ type: 'url', value: 'https://www.bank.example/login' })?.list, 'partners');
    assert.equal(checker.check({ type: 'url', value: 'http://10.0.0.1/x' })?.list, 'builtin:special-addresses');
    assert.equal(checker.check({ type: 'url', value: 'http://evil.test/bank.example' }), undefined);
    assert.equal(checker.check({ type: 'email', value: 'ceo@isp.example.jp' })?.list, 'builtin:own-network');
  });

  test('inform lists flag for review; block lists take precedence', () => {
    assert.deepEqual(checker.check(d('cdn.popular.example')), {
      list: 'review',
      entry: 'hostname:popular.example',
      mode: 'inform',
    });
  });

  test('bad entries are reported, not silently dropped', () => {
    const { problems: found } = compileAllowlists([
      {
        name: 'broken',
        mode: 'block',
        entries: [
          { kind: 'cidr', value: '10.0.0.1/8' },
          { kind: 'regex', value: '(' },
          { kind: 'hostname', value: 'bad..name' },
        ],
      },
    ]);
    assert.equal(found.length, 3);
    assert.match(found[0]!, /allowlist broken: cidr "10\.0\.0\.1\/8": .*host bits set/);
    assert.match(found[1]!, /not a valid regular expression/);
    assert.match(found[2]!, /empty label/);
  });

  test('MISP warninglists load by their type', () => {
    const list = parseMispWarninglist(
      JSON.stringify({ name: 'Known CDN', type: 'hostname', list: ['cdn.example', ''] }),
      'cdn.json',
    );
    assert.deepEqual(list, {
      name: 'misp:Known CDN',
      mode: 'block',
      entries: [{ kind: 'hostname', value: 'cdn.example' }],
    });
    assert.throws(() => parseMispWarninglist('{"name":"x"}', 'x.json'), /x\.json: not a MISP warninglist/);
    assert.throws(
      () => parseMispWarninglist('{"name":"x","type":"asn","list":[]}', 'x.json'),
      /type "asn" is not one of/,
    );
  });
});
