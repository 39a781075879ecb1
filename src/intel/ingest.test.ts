import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Rejected } from '../domain/format.js';
import { listDeadLetters } from '../store/dead-letters.js';
import { storeKinds, type TestStore } from '../../test/support/stores.js';
import type { ClaimRecord } from './claim-record.js';
import { claimsFor, effectiveClaims } from './claims-store.js';
import { approveHeldSnapshot, ingest } from './ingest.js';
import { DEFAULT_SOURCE_DEFAULTS, type SourceSpec } from './source.js';
import { compileAllowlists } from './allowlist/check.js';
import { BUILTIN_NETWORKS } from './allowlist/builtin.js';

const NOW = new Date('2026-11-24T00:00:00.000Z');
const DAY = 86_400_000;

function source(name: string, overrides: Partial<SourceSpec> = {}): SourceSpec {
  return {
    name,
    format: 'test',
    snapshot: 'full',
    mode: 'block',
    defaults: DEFAULT_SOURCE_DEFAULTS,
    maxRetireShare: 0.5,
    ...overrides,
  };
}
function rec(value: string, extra: Partial<ClaimRecord> = {}, line = 1): ClaimRecord {
  return { value, position: `feed.txt:${line}`, raw: Buffer.from(value), ...extra };
}
async function* feed(...items: (ClaimRecord | Rejected)[]) {
  yield* items;
}
async function effective(db: TestStore['db'], at: Date, sourceName: string) {
  const out: string[] = [];
  for await (const c of effectiveClaims(db, at.toISOString()))
    if (c.source === sourceName) out.push(`${c.type}:${c.value}`);
  return out.sort();
}

for (const kind of await storeKinds()) {
  describe(`intel ingest on ${kind.name}`, { skip: kind.skip }, () => {
    let store: TestStore;
    before(async () => {
      store = await kind.open();
    });
    after(async () => store?.dispose());

    test('records are normalised, defaults and time-to-live filled in; invalid values become dead letters', async () => {
      const result = await ingest(
        store.db,
        source('s1', { defaults: { ...DEFAULT_SOURCE_DEFAULTS, category: 'c2', confidence: 80 } }),
        feed(
          rec('Evil.Example.', {}, 1),
          rec('192.0.2.1', {}, 2),
          rec('http://Phish.Example/login', { type: 'url', confidence: 140, tags: ['kit'] }, 3),
          rec('192.0.2.1/24', { type: 'cidr' }, 4),
          { rejected: true, reason: 'unterminated quote', position: 'feed.txt:5', raw: Buffer.from('"x') },
        ),
        { now: NOW },
      );
      assert.deepEqual(
        { ...result, held: result.held },
        { generation: 1, accepted: 3, rejected: 2, suppressed: 0, flagged: 0, total: 3, retired: 0, held: null },
      );
      const [domain] = await claimsFor(store.db, { type: 'domain', value: 'evil.example' });
      assert.equal(domain?.category, 'c2');
      assert.equal(domain?.confidence, 80);
      assert.equal(domain?.validUntil, new Date(NOW.getTime() + 30 * DAY).toISOString(), 'domains live 30 days');
      const [ip] = await claimsFor(store.db, { type: 'ipv4', value: '192.0.2.1' });
      assert.equal(ip?.validUntil, new Date(NOW.getTime() + 7 * DAY).toISOString(), 'addresses live 7 days');
      const [url] = await claimsFor(store.db, { type: 'url', value: 'http://phish.example/login' });
      assert.equal(url?.confidence, 100, 'confidence is clamped to 0–100');
      assert.equal(url?.tags, '["kit"]');
      const dead = await listDeadLetters(store.db, { source: 's1', limit: 10, offset: 0 });
      assert.deepEqual(dead.items.map((d) => [d.position, d.reason]).sort(), [
        [
          'feed.txt:4',
          '"192.0.2.1/24" has host bits set: the network is 192.0.2.0/24 (write that, or the single address)',
        ],
        ['feed.txt:5', 'unterminated quote'],
      ]);
    });

    test('a claim stops counting at valid_until, with no cleanup run', async () => {
      await ingest(
        store.db,
        source('s2', { snapshot: 'delta' }),
        feed(rec('short.example', { validUntil: '2026-11-25T00:00:00.000Z' }), rec('long.example')),
        { now: NOW },
      );
      assert.deepEqual(await effective(store.db, new Date('2026-11-24T23:59:59.999Z'), 's2'), [
        'domain:long.example',
        'domain:short.example',
      ]);
      assert.deepEqual(await effective(store.db, new Date('2026-11-25T00:00:00.000Z'), 's2'), ['domain:long.example']);
    });

    test('a full snapshot retires what vanished; a delta source does not', async () => {
      const values = ['a', 'b', 'c', 'd', 'e'].map((x) => `${x}.retire.example`);
      await ingest(store.db, source('s3'), feed(...values.map((v) => rec(v))), { now: NOW });
      const second = await ingest(store.db, source('s3'), feed(...values.slice(0, 4).map((v) => rec(v))), { now: NOW });
      assert.equal(second.retired, 1);
      assert.equal(second.total, 4);

      await ingest(
        store.db,
        source('s4', { snapshot: 'delta' }),
        feed(rec('x.delta.example'), rec('y.delta.example')),
        { now: NOW },
      );
      const delta = await ingest(store.db, source('s4', { snapshot: 'delta' }), feed(rec('z.delta.example')), {
        now: NOW,
      });
      assert.equal(delta.retired, 0);
      assert.equal(delta.total, 3);
    });

    test('a snapshot that would retire more than the allowed share is held until approved', async () => {
      const values = Array.from({ length: 10 }, (_, i) => `h${i}.held.example`);
      await ingest(store.db, source('s5'), feed(...values.map((v) => rec(v))), { now: NOW });
      const broken = await ingest(store.db, source('s5'), feed(...values.slice(0, 3).map((v) => rec(v))), { now: NOW });
      assert.deepEqual(broken.held, { wouldRetire: 7, of: 10, share: 0.7 });
      assert.equal(broken.retired, 0);
      assert.equal(broken.total, 10, 'existing claims stay');
      assert.equal((await approveHeldSnapshot(store.db, 's5')).retired, 7);
      assert.deepEqual(
        await effective(store.db, NOW, 's5'),
        values
          .slice(0, 3)
          .map((v) => `domain:${v}`)
          .sort(),
      );
    });

    test('allowlisted indicators are kept and marked, never effective; inform lists flag for review', async () => {
      const { checker } = compileAllowlists([
        BUILTIN_NETWORKS,
        { name: 'partners', mode: 'block', entries: [{ kind: 'hostname', value: 'bank.example' }] },
        { name: 'watch', mode: 'inform', entries: [{ kind: 'hostname', value: 'cdn.example' }] },
      ]);
      const result = await ingest(
        store.db,
        source('s8'),
        feed(rec('login.bank.example'), rec('10.0.0.8'), rec('co.jp'), rec('x.cdn.example'), rec('evil.example')),
        { now: NOW, allow: checker },
      );
      assert.equal(result.suppressed, 3);
      assert.equal(result.flagged, 1);
      const [bank] = await claimsFor(store.db, { type: 'domain', value: 'login.bank.example' });
      assert.equal(bank?.suppressedBy, 'partners / hostname:bank.example');
      const [suffix] = await claimsFor(store.db, { type: 'domain', value: 'co.jp' });
      assert.equal(suffix?.suppressedBy, 'builtin:public-suffix / co.jp');
      const [cdn] = await claimsFor(store.db, { type: 'domain', value: 'x.cdn.example' });
      assert.equal(cdn?.reviewBy, 'watch / hostname:cdn.example');
      assert.deepEqual(await effective(store.db, NOW, 's8'), ['domain:evil.example', 'domain:x.cdn.example']);
    });

    test('monitor sources and monitor-only records never block; first seen keeps the earliest', async () => {
      await ingest(store.db, source('s6', { mode: 'monitor' }), feed(rec('m.example', { mode: 'block' })), {
        now: NOW,
      });
      assert.equal((await claimsFor(store.db, { type: 'domain', value: 'm.example' }))[0]?.mode, 'monitor');
      await ingest(
        store.db,
        source('s7'),
        feed(rec('n.example', { mode: 'monitor', firstSeen: '2026-01-01T00:00:00.000Z' })),
        { now: NOW },
      );
      await ingest(store.db, source('s7'), feed(rec('n.example', { firstSeen: '2026-06-01T00:00:00.000Z' })), {
        now: NOW,
      });
      const [claim] = await claimsFor(store.db, { type: 'domain', value: 'n.example' });
      assert.equal(claim?.mode, 'block');
      assert.equal(claim?.firstSeen, '2026-01-01T00:00:00.000Z');
    });
  });
}
