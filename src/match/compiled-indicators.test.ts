import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Indicator } from '../domain/indicator.js';
import { compileIndicators, itemAt, matcherOf, refMatcherOf } from './compiled-indicators.js';
import type { IndicatorRef } from './load-indicators.js';
import { buildMatcher, type MatcherItem } from './matcher.js';

const ref = (n: number, mode: IndicatorRef['mode'] = 'block'): IndicatorRef => ({
  sources: [`feed-${n}`, 'shared'],
  categories: n % 2 ? ['c2', 'botnet'] : ['phishing'],
  mode,
  confidence: 50 + n,
  validUntilMs: 1_800_000_000_000 + n,
});
const indicators: Indicator[] = [
  { type: 'domain', value: 'evil.example' },
  { type: 'ipv4', value: '192.0.2.7' },
  { type: 'domain', value: 'deep.sub.example.net' },
  { type: 'cidr', value: '198.51.100.0/24' },
  { type: 'url', value: 'http://bad.example/x?y=1' },
  { type: 'email', value: 'spam@sender.example' },
  { type: 'ip-port', value: '203.0.113.9:4444' },
  { type: 'sha256', value: 'a'.repeat(64) },
  { type: 'domain', value: 'xn--bcher-kva.example' },
];
const items: MatcherItem<IndicatorRef>[] = indicators.map((indicator, n) => ({
  indicator,
  ref: ref(n, n === 2 ? 'monitor' : 'block'),
}));

// Every kind of lookup, hits and misses, including the ones grep gets wrong.
const probes: [keyof ReturnType<typeof matcherOf>, ...unknown[]][] = [
  ['domain', 'evil.example'],
  ['domain', 'WWW.Evil.Example.'],
  ['domain', 'notevil.example'],
  ['domain', 'evil.example.org'],
  ['domain', 'a.deep.sub.example.net'],
  ['domain', 'sub.example.net'],
  ['domain', 'xn--bcher-kva.example'],
  ['ip', '192.0.2.7'],
  ['ip', '198.51.100.77'],
  ['ip', '192.0.2.8'],
  ['url', 'http://bad.example/x?y=1'],
  ['url', 'http://www.evil.example/', { hostFallback: true }],
  ['email', 'spam@sender.example'],
  ['ipPort', '203.0.113.9', 4444],
  ['ipPort', '192.0.2.7', 80],
  ['hash', 'A'.repeat(64)],
];

test('a compiled matcher finds what a matcher built from the items finds, naming each by its index', () => {
  const compiled = compileIndicators(items);
  const direct = buildMatcher(items.map((item, n) => ({ indicator: item.indicator, ref: n })));
  const fromTable = matcherOf(compiled);
  for (const [method, ...args] of probes) {
    const call = (m: typeof direct) => (m[method] as (...a: unknown[]) => unknown)(...args);
    assert.deepEqual(call(fromTable), call(direct), `${method}(${args.join(', ')})`);
  }
  assert.deepEqual(fromTable.counts, direct.counts);
  assert.equal(fromTable.domain('a.deep.sub.example.net')?.ref, 2);
  assert.equal(fromTable.domain('notevil.example'), undefined);
});

test('each indicator reads back with what its claims say; a ref out of range is nothing', () => {
  const compiled = compileIndicators(items);
  items.forEach((item, n) => assert.deepEqual(itemAt(compiled, n), item, `ref ${n}`));
  assert.equal(itemAt(compiled, items.length), undefined);
  assert.equal(itemAt(compiled, -1), undefined);
  const main = refMatcherOf(compiled);
  const hit = main.domain('www.evil.example');
  assert.deepEqual(hit?.ref, items[0]!.ref);
  assert.equal(hit?.kind, 'subdomain');
  assert.equal(main.domain('evil.example')?.ref, hit?.ref, 'the same indicator is the same object each time');
  assert.deepEqual(main.ip('198.51.100.1')?.ref, items[3]!.ref);
});

test('an empty set compiles and matches nothing', () => {
  const m = matcherOf(compileIndicators([]));
  assert.equal(m.domain('evil.example'), undefined);
  assert.equal(m.counts.domains, 0);
});
