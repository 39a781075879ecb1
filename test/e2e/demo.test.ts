// `npm run demo`'s fill step into a temp dir: the product's own commands turn the generated feeds, logs and reports
// into a store with indicators, attributed sightings and cases; then `mizugiwa serve` on it answers the dashboard
// with every part filled, the top entries being the ones the demo's world made heaviest.
// Needs a build (`npm run build`).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fillDemo, type DemoFill } from '../../scripts/demo/fill.js';
import type { DashboardView } from '../../src/api/routes/dashboard.js';
import { openSqlite, SQLITE_FILE_NAME } from '../../src/store/open.js';
import { ENTRY, runCli, startServe, stopServe, type Served } from '../support/serve.js';

describe('npm run demo: the fill step and serve', () => {
  let dir: string;
  let filled: DemoFill;
  let server: Served | undefined;

  before(async () => {
    assert.ok(existsSync(ENTRY), `${ENTRY} is missing: run npm run build first`);
    dir = await mkdtemp(path.join(os.tmpdir(), 'mizugiwa-demo-'));
    filled = await fillDemo(dir);
  });

  after(async () => {
    if (server) await stopServe(server);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('every step ran through the mizugiwa command and reported what it did', () => {
    const result = (step: string) => filled.steps.find((s) => s.step === step)?.result as Record<string, unknown>;
    assert.equal(result('subscribers').imported, 300);
    assert.equal(result('radius').open, 300);
    assert.equal(result('cgnat').open, 100);
    assert.equal(result('c2 feed').accepted, 2000);
    assert.equal(result('c2 feed').rejected, 3, 'the three broken rows of the C2 feed');
    assert.equal(result('phishing feed').accepted, 1500);
    assert.ok(Number(result('resolver log').matches) > 300, JSON.stringify(result('resolver log')));
  });

  test('the store holds indicators, sightings with subscribers, and cases', async () => {
    const store = openSqlite(path.join(dir, 'data', SQLITE_FILE_NAME));
    try {
      const claims = await store.db
        .selectFrom('claims')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(claims.n), 3500);
      const counted = await store.db
        .selectFrom('sightings')
        .select((eb) => [eb.fn.countAll<number>().as('all'), eb.fn.count<number>('subscriber').as('attributed')])
        .executeTakeFirstOrThrow();
      const sightings = Number(counted.all);
      const attributed = Number(counted.attributed);
      assert.ok(sightings > 300, `${sightings} sightings`);
      assert.equal(attributed, sightings, 'every client is a subscriber with a lease');
      const worst = await store.db
        .selectFrom('sightings')
        .select('subscriber')
        .where('indicatorValue', '=', filled.expected.indicator)
        .executeTakeFirstOrThrow();
      assert.equal(
        worst.subscriber,
        filled.expected.subscriber,
        'attributed to the subscriber id, not the RADIUS name',
      );
      const cases = await store.db.selectFrom('abuseCases').select(['type', 'subscriberId']).execute();
      const types = new Set(cases.map((c) => c.type));
      assert.ok(cases.length >= 20, `${cases.length} cases`);
      for (const type of ['infected-system', 'spam', 'copyright']) assert.ok(types.has(type), `a ${type} case`);
      const infected = new Set(filled.world.infections.map((i) => i.subscriber.id));
      assert.ok(cases.filter((c) => c.type === 'infected-system').every((c) => infected.has(c.subscriberId)));
    } finally {
      await store.close();
    }
  });

  test('serve answers /api/dashboard with every part filled', async () => {
    const created = runCli(['token', 'create', 'demo-test', '--role', 'admin'], { cwd: dir });
    assert.equal(created.code, 0, created.stderr);
    const token = /^mzg_\S+/m.exec(created.stdout)?.[0];
    assert.ok(token, created.stdout);
    server = await startServe(dir);
    assert.ok(server.password, 'the demo store has no user yet: serve prints the one-time admin password');
    const res = await fetch(`${server.baseUrl}/api/dashboard?range=24h`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200, await res.clone().text());
    const d = (await res.json()) as DashboardView;
    assert.deepEqual(
      d.sightings.series.map((s) => s.category),
      ['c2', 'phishing'],
    );
    assert.ok(d.sightings.series.every((s) => s.total > 0));
    assert.equal(d.topIndicators?.[0]?.value, filled.expected.indicator);
    assert.equal(d.topSubscribers?.[0]?.subscriber, filled.expected.subscriber);
    assert.ok(d.cases.open >= 20, `${d.cases.open} open cases`);
    assert.deepEqual(
      d.feeds.map((f) => [f.name, f.status, f.total]),
      [
        ['c2-threatfox', 'ok', 2000],
        ['phishing-partner', 'ok', 1500],
      ],
    );
    assert.equal(d.feeds[0]!.deadLetters, 3);
    const points = Object.fromEntries(d.enforcement.map((p) => [p.point, p]));
    // The RPZ carries the names (C2 and phishing); the C2 feed's ip:port entries are for the firewall, which is off.
    assert.equal(points.rpz?.live?.entries, filled.world.c2Domains.length + filled.world.phishingDomains.length);
    assert.equal(points.squid?.monitor, true);
    assert.ok(d.deadLetters >= 3);
  });
});
