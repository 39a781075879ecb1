import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { configSchema } from '../config/schema.js';
import { ReloadFailed } from './files.js';
import { collapseNetworks, nftablesFile, nftablesPoint, renderNftables } from './nftables.js';
import type { RenderContext } from './point.js';
import type { PolicyEntry, PolicySnapshot } from './snapshot.js';

const entry = (type: PolicyEntry['type'], value: string, action: PolicyEntry['action'] = 'block'): PolicyEntry => ({
  type,
  value,
  action,
  categories: ['c2'],
  sources: ['s'],
});
const snapshot = (entries: PolicyEntry[]): PolicySnapshot => ({
  point: 'nftables',
  entries,
  passthru: [],
  restrictedClients: [],
});
const context = (nftables: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): RenderContext => ({
  config: configSchema.parse({ enforce: { nftables: { enabled: true, ...nftables }, ...extra } }),
  dataDir: '/var/lib/mizugiwa',
  version: 1,
  serial: 1,
});
/** The elements of one set, as the script lists them. */
const elements = (script: string, set: string): string[] => {
  const m = new RegExp(`set ${set} \\{[^}]*?elements = \\{\\n([^}]*)\\n\\t\\t\\}`).exec(script);
  return m ? (m[1] as string).split(',\n').map((l) => l.trim()) : [];
};
const rules = (script: string, chain: string): string[] => {
  const m = new RegExp(`chain ${chain} \\{\\n([\\s\\S]*?)\\n\\t\\}`).exec(script);
  return m ? (m[1] as string).split('\n').map((l) => l.trim()) : [];
};

describe('collapseNetworks', () => {
  test('drops duplicates and prefixes inside others, merges adjacent ones, sorts numerically', () => {
    const n = collapseNetworks([
      '10.0.0.0/8',
      '10.1.0.0/16',
      '10.2.3.4',
      '9.255.255.255',
      '192.0.2.0/25',
      '192.0.2.128/25',
      '198.51.100.1',
      '198.51.100.1',
      '198.51.100.2',
    ]);
    assert.deepEqual(n.v4, ['9.255.255.255', '10.0.0.0/8', '192.0.2.0/24', '198.51.100.1', '198.51.100.2']);
    assert.deepEqual(n.v6, []);
  });
  test('a merged range that is not one prefix becomes the fewest prefixes', () => {
    assert.deepEqual(collapseNetworks(['10.0.1.0/24', '10.0.2.0/24', '10.0.3.0/24']).v4, [
      '10.0.1.0/24',
      '10.0.2.0/23',
    ]);
  });
  test('IPv6 in RFC 5952 form; IPv4-mapped addresses and prefixes are IPv4', () => {
    const n = collapseNetworks(['2001:db8::/32', '2001:db8:1::1', '2001:db9::1', '::ffff:192.0.2.1', '::ffff:0:0/104']);
    assert.deepEqual(n.v6, ['2001:db8::/32', '2001:db9::1']);
    assert.deepEqual(n.v4, ['0.0.0.0/8', '192.0.2.1']);
  });
});

describe('renderNftables', () => {
  const mixed = [
    entry('cidr', '203.0.113.0/24'),
    entry('ipv4', '203.0.113.9'),
    entry('cidr', '2001:db8::/48'),
    entry('ipv6', '2001:db8::1'),
    entry('ip-port', '192.0.2.9:443'),
    entry('ip-port', '[2001:db8::9]:8443'),
    entry('ip-port', '192.0.2.9:80'),
    entry('ipv4', '198.51.100.7', 'monitor'),
    entry('domain', 'evil.example'),
  ];

  test('the same snapshot gives the same bytes, whatever the order of its entries', () => {
    const a = renderNftables(snapshot(mixed), context().config.enforce);
    const b = renderNftables(snapshot([...mixed].reverse()), context().config.enforce);
    assert.equal(a, b);
  });

  test('replaces only its own table, in one file', () => {
    const script = renderNftables(snapshot(mixed), context({ table: 'mzg' }).config.enforce);
    const head = script.split('\n').filter((l) => l.startsWith('table') || l.startsWith('delete'));
    assert.deepEqual(head, ['table inet mzg {}', 'delete table inet mzg', 'table inet mzg {']);
  });

  test('addresses, prefixes and endpoints go to their sets, collapsed; domains are not carried', () => {
    const script = renderNftables(snapshot(mixed), context().config.enforce);
    assert.deepEqual(elements(script, 'blocked_v4'), ['203.0.113.0/24']);
    assert.deepEqual(elements(script, 'blocked_v6'), ['2001:db8::/48']);
    assert.deepEqual(elements(script, 'blocked_v4_port'), ['192.0.2.9 . 80', '192.0.2.9 . 443']);
    assert.deepEqual(elements(script, 'blocked_v6_port'), ['2001:db8::9 . 8443']);
    assert.deepEqual(elements(script, 'monitor_v4'), ['198.51.100.7']);
    assert.doesNotMatch(script, /evil/);
  });

  test('forward drops to and from, input from, output to; monitor entries are logged, not dropped', () => {
    const script = renderNftables(snapshot(mixed), context().config.enforce);
    const forward = rules(script, 'forward');
    assert.ok(forward.includes('ip daddr @blocked_v4 counter drop'));
    assert.ok(forward.includes('ip saddr @blocked_v4 counter drop'));
    assert.ok(forward.includes('meta l4proto { tcp, udp } ip daddr . th dport @blocked_v4_port counter drop'));
    assert.ok(forward.some((r) => /^ip daddr @blocked_v4 limit rate .* log prefix "mizugiwa drop "$/.test(r)));
    assert.ok(forward.some((r) => /^ip daddr @monitor_v4 counter limit .* log prefix "mizugiwa monitor "$/.test(r)));
    assert.ok(!forward.some((r) => r.includes('@monitor_') && r.endsWith('drop')));
    assert.ok(rules(script, 'input').every((r) => !r.includes('daddr')));
    assert.ok(rules(script, 'output').every((r) => !r.includes('saddr')));
    // Drops come before monitor rules, so a packet both blocked and watched is logged once, as a drop.
    const lastDrop = forward.findLastIndex((r) => r.endsWith('drop'));
    const firstMonitor = forward.findIndex((r) => r.includes('@monitor_'));
    assert.ok(lastDrop < firstMonitor);
  });

  test('log: false keeps the drops silent but still logs monitor hits', () => {
    const script = renderNftables(snapshot(mixed), context({ log: false }).config.enforce);
    assert.doesNotMatch(script, /mizugiwa drop/);
    assert.match(script, /mizugiwa monitor/);
    assert.match(script, /ip daddr @blocked_v4 counter drop/);
  });

  test('monitor mode (the point or every point): everything is watched, nothing dropped', () => {
    for (const ctx of [context({ monitor: true }), context({}, { monitor: true })]) {
      const script = renderNftables(snapshot(mixed), ctx.config.enforce);
      assert.doesNotMatch(script, / drop$/m);
      assert.deepEqual(elements(script, 'blocked_v4'), []);
      assert.deepEqual(elements(script, 'monitor_v4'), ['198.51.100.7', '203.0.113.0/24']);
      assert.deepEqual(elements(script, 'monitor_v4_port'), ['192.0.2.9 . 80', '192.0.2.9 . 443']);
    }
  });

  test('an empty snapshot still defines every set and chain', () => {
    const script = renderNftables(snapshot([]), context().config.enforce);
    for (const set of ['blocked_v4', 'blocked_v6', 'blocked_v4_port', 'monitor_v6_port']) {
      assert.match(script, new RegExp(`set ${set} \\{`));
      assert.deepEqual(elements(script, set), []);
    }
    assert.doesNotMatch(script, /elements/);
    for (const chain of ['input', 'forward', 'output']) assert.match(script, new RegExp(`chain ${chain} \\{`));
  });
});

describe('the walled garden in nftables', () => {
  const restricted = {
    ...snapshot([entry('ipv4', '203.0.113.9')]),
    restrictedClients: ['198.51.100.7', '198.51.100.6', '2001:db8:1200::/56'],
  };

  test('restricted clients are in their own sets for the operator rules; nothing is dropped unless asked', () => {
    const script = renderNftables(restricted, context().config.enforce, { walledGarden: false, allow: [] });
    assert.deepEqual(elements(script, 'restricted_v4'), ['198.51.100.6/31'], 'collapsed, as nft needs');
    assert.deepEqual(elements(script, 'restricted_v6'), ['2001:db8:1200::/56']);
    assert.doesNotMatch(script, /restricted_allow|@restricted/);
    assert.doesNotMatch(renderNftables(restricted, context().config.enforce), /restricted/, 'off: no sets at all');
  });

  test('walled_garden drops their forwarded traffic except to the allowed addresses, logged', () => {
    const garden = { walledGarden: true, allow: ['192.0.2.53', '192.0.2.80', '2001:db8::53'] };
    const script = renderNftables(restricted, context().config.enforce, garden);
    assert.deepEqual(elements(script, 'restricted_allow_v4'), ['192.0.2.53', '192.0.2.80']);
    assert.deepEqual(elements(script, 'restricted_allow_v6'), ['2001:db8::53']);
    const forward = rules(script, 'forward');
    assert.ok(forward.includes('ip saddr @restricted_v4 ip daddr != @restricted_allow_v4 counter drop'));
    assert.ok(forward.includes('ip6 saddr @restricted_v6 ip6 daddr != @restricted_allow_v6 counter drop'));
    assert.ok(forward.some((r) => /^ip saddr @restricted_v4 .* log prefix "mizugiwa restricted "$/.test(r)));
    for (const chain of ['input', 'output']) assert.ok(!rules(script, chain).some((r) => r.includes('restricted')));
    const shadow = renderNftables(restricted, context({ monitor: true }).config.enforce, garden);
    assert.ok(!rules(shadow, 'forward').some((r) => r.includes('restricted') && r.endsWith('drop')));
    assert.ok(
      rules(shadow, 'forward').some((r) => r.startsWith('ip saddr @restricted_v4') && r.includes('mizugiwa monitor')),
    );
  });

  test('the point takes the garden from abuse.escalation.nftables, and its keys name the clients', () => {
    const on = context({}, {});
    const config = {
      ...on,
      config: {
        ...on.config,
        abuse: {
          ...on.config.abuse,
          escalation: { ...on.config.abuse.escalation, nftables: { enabled: true, walled_garden: false, allow: [] } },
        },
      },
    };
    const artifact = nftablesPoint.render(restricted, config);
    assert.deepEqual(artifact.keys, [
      'client 198.51.100.6',
      'client 198.51.100.7',
      'client 2001:db8:1200::/56',
      'ipv4 203.0.113.9 block',
    ]);
    assert.match(artifact.files[0]!.content, /set restricted_v4 \{/);
    assert.deepEqual(nftablesPoint.render(restricted, on).keys, ['ipv4 203.0.113.9 block']);
  });
});

describe('nftablesPoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mzg-nft-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('keys are the carried entries, sorted; the file defaults under the data directory', () => {
    const ctx = context();
    const artifact = nftablesPoint.render(snapshot([entry('ipv4', '192.0.2.2'), entry('domain', 'a.example')]), ctx);
    assert.deepEqual(artifact.keys, ['ipv4 192.0.2.2 block']);
    assert.equal(artifact.files[0]?.path, '/var/lib/mizugiwa/nftables/mizugiwa.nft');
    assert.equal(nftablesFile(context({ file: 'fw/x.nft' })), '/var/lib/mizugiwa/fw/x.nft');
  });

  test('apply runs the reload with {file}; a failing reload puts the previous script back', async () => {
    const file = join(dir, 'nft', 'mizugiwa.nft');
    const ok = { ...context({ file, reload_command: 'grep -q 192.0.2.2 {file}' }), dataDir: dir };
    await nftablesPoint.apply(nftablesPoint.render(snapshot([entry('ipv4', '192.0.2.2')]), ok), ok);
    const live = readFileSync(file, 'utf8');

    const failing = { ...context({ file, reload_command: 'false' }), dataDir: dir };
    const next = nftablesPoint.render(snapshot([entry('ipv4', '192.0.2.3')]), failing);
    await assert.rejects(nftablesPoint.apply(next, failing), ReloadFailed);
    assert.equal(readFileSync(file, 'utf8'), live);
  });

  test('a failing first reload leaves no script behind', async () => {
    const file = join(dir, 'first', 'mizugiwa.nft');
    mkdirSync(join(dir, 'first'));
    writeFileSync(join(dir, 'first', 'other'), 'x');
    const failing = { ...context({ file, reload_command: 'exit 3' }), dataDir: dir };
    await assert.rejects(nftablesPoint.apply(nftablesPoint.render(snapshot([]), failing), failing), ReloadFailed);
    assert.throws(() => readFileSync(file));
  });
});
