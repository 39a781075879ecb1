import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storeKinds, type TestStore } from '../../test/support/stores.js';
import { configSchema } from '../config/schema.js';
import { BUILTIN_NAMES, BUILTIN_NETWORKS, ownNetworkAllowlist } from '../intel/allowlist/builtin.js';
import type { Allowlist } from '../intel/allowlist/entry.js';
import type { ClaimRecord } from '../intel/claim-record.js';
import { ingest } from '../intel/ingest.js';
import { DEFAULT_SOURCE_DEFAULTS, type SourceSpec } from '../intel/source.js';
import { buildSnapshots } from './policy.js';

const NOW = new Date('2026-11-24T00:00:00.000Z');
const HOUR = 3_600_000;

const source = (name: string, category: SourceSpec['defaults']['category'], mode: SourceSpec['mode'] = 'block') => ({
  name,
  format: 'test',
  snapshot: 'delta' as const,
  mode,
  defaults: { ...DEFAULT_SOURCE_DEFAULTS, category },
  maxRetireShare: 0.5,
});
async function* feed(values: (string | Partial<ClaimRecord>)[]) {
  for (const v of values) {
    const r = typeof v === 'string' ? { value: v } : v;
    yield { position: 'f:1', raw: Buffer.from(String(r.value)), ...r } as ClaimRecord;
  }
}
const BASE: Allowlist[] = [
  BUILTIN_NETWORKS,
  BUILTIN_NAMES,
  ownNetworkAllowlist({ domains: ['isp.example.jp'], prefixes: [] }),
];

for (const kind of await storeKinds()) {
  describe(`enforcement snapshots on ${kind.name}`, { skip: kind.skip }, () => {
    let store: TestStore;
    before(async () => {
      store = await kind.open();
      await ingest(
        store.db,
        source('c2feed', 'c2'),
        feed(['c2.example', '45.0.0.10', 'x@mail.example', 'shared.example']),
        { now: NOW },
      );
      await ingest(store.db, source('scan', 'scanner'), feed(['46.0.0.7', 'shared.example']), { now: NOW });
      await ingest(store.db, source('spamfeed', 'spam'), feed(['spam.example']), { now: NOW });
      await ingest(store.db, source('watched', 'c2', 'monitor'), feed(['watched.example']), { now: NOW });
      await ingest(
        store.db,
        source('short', 'phishing'),
        feed([{ value: 'brief.example', validUntil: new Date(NOW.getTime() + HOUR).toISOString() }]),
        { now: NOW },
      );
    });
    after(async () => store?.dispose());

    const config = (enforce: Record<string, unknown> = {}) =>
      configSchema.parse({
        enforce: { squid: { enabled: true }, nftables: { enabled: true }, postfix: { enabled: true }, ...enforce },
      });
    const values = (s: { entries: { value: string; action: string }[] } | undefined) =>
      s?.entries.map((e) => `${e.value}:${e.action}`) ?? [];

    test('each point carries its types and categories; scanners only on the firewall', async () => {
      const { snapshots, nextExpiry } = await buildSnapshots(store.db, config(), BASE, NOW);
      assert.deepEqual(
        values(snapshots.get('rpz')),
        [
          'brief.example:block',
          'c2.example:block',
          'shared.example:block',
          'watched.example:monitor',
          '45.0.0.10:block',
        ].sort((a, b) => (a.includes('192') ? 1 : 0) - (b.includes('192') ? 1 : 0) || 0),
      );
      assert.deepEqual(values(snapshots.get('nftables')).sort(), ['45.0.0.10:block', '46.0.0.7:block']);
      assert.ok(values(snapshots.get('postfix')).includes('x@mail.example:block'));
      assert.ok(values(snapshots.get('postfix')).includes('spam.example:block'));
      assert.ok(!values(snapshots.get('rpz')).some((v) => v.startsWith('spam.example')), 'spam is not a DNS category');
      const shared = snapshots.get('rpz')!.entries.find((e) => e.value === 'shared.example');
      assert.deepEqual(shared?.categories, ['c2'], 'the scanner claim is not carried by DNS');
      assert.equal(nextExpiry, new Date(NOW.getTime() + HOUR).toISOString());
    });

    test('category and source policy can turn blocking into monitoring', async () => {
      const { snapshots } = await buildSnapshots(
        store.db,
        config({ policy: { categories: { phishing: 'monitor' }, sources: { c2feed: 'monitor' } } }),
        BASE,
        NOW,
      );
      const rpz = values(snapshots.get('rpz'));
      assert.ok(rpz.includes('brief.example:monitor'));
      assert.ok(rpz.includes('c2.example:monitor'));
    });

    test('an expired claim is gone from the next snapshot without any cleanup', async () => {
      const later = new Date(NOW.getTime() + 2 * HOUR);
      const { snapshots } = await buildSnapshots(store.db, config(), BASE, later);
      assert.ok(!values(snapshots.get('rpz')).some((v) => v.startsWith('brief.example')));
    });

    test('an allowlist added after ingest keeps an indicator out, and a listed parent gets PASSTHRU', async () => {
      const partners: Allowlist = {
        name: 'partners',
        mode: 'block',
        entries: [
          { kind: 'hostname', value: 'c2.example' },
          { kind: 'hostname', value: 'www.shared.example' },
        ],
      };
      const { snapshots, stopped } = await buildSnapshots(store.db, config(), [...BASE, partners], NOW);
      assert.ok(!values(snapshots.get('rpz')).some((v) => v.startsWith('c2.example')));
      assert.deepEqual(
        stopped.filter((s) => s.value === 'c2.example').map((s) => s.rule.split(' / ')[0]),
        ['partners'],
      );
      assert.deepEqual(snapshots.get('rpz')?.passthru, ['www.shared.example']);
    });

    test('restricted clients go to the resolver always, and to the firewall only when the desk asks', async () => {
      const clients = ['198.51.100.7', '2001:db8:1200::/56', '198.51.100.7'];
      const plain = await buildSnapshots(store.db, config(), BASE, NOW, clients);
      assert.deepEqual(plain.snapshots.get('rpz')?.restrictedClients, ['198.51.100.7', '2001:db8:1200::/56']);
      assert.deepEqual(plain.snapshots.get('nftables')?.restrictedClients, []);
      assert.deepEqual(plain.snapshots.get('squid')?.restrictedClients, []);
      const withFirewall = configSchema.parse({
        enforce: { nftables: { enabled: true } },
        abuse: { escalation: { nftables: { enabled: true } } },
      });
      const { snapshots } = await buildSnapshots(store.db, withFirewall, BASE, NOW, clients);
      assert.deepEqual(snapshots.get('nftables')?.restrictedClients, ['198.51.100.7', '2001:db8:1200::/56']);
    });
  });
}
