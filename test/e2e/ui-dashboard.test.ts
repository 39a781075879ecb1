// The dashboard at / against the real server on the demo's data (its fill step, through the mizugiwa command): in
// Chromium the chart with its series, the top indicator and subscriber the demo's world made heaviest (linked to
// their sightings), open cases equal to the API's counts, feed health and enforcement rows, the 30-day view, the
// Japanese screen, and a viewer who is shown counts but not who reached what. Screenshots go to
// screenshotDir('dashboard'). Needs Chromium (Debian package `chromium`) and a build (`npm run build`).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { fillDemo, type DemoFill } from '../../scripts/demo/fill.js';
import type { DashboardView } from '../../src/api/routes/dashboard.js';
import {
  chromiumMissing,
  expectText,
  openBrowser,
  screenshotDir,
  signIn,
  signInFirstTime,
  type BrowserSession,
} from '../support/browser.js';
import { ENTRY, runCli, startServe, stopServe, type Served } from '../support/serve.js';

const WEB_INDEX = path.resolve(import.meta.dirname, '../../dist/web/index.html');
const ADMIN_PASSWORD = 'mizugiwa-no-dashboard-o-miru';
const VIEWER_PASSWORD = 'miru-dake-de-sawaranai';

/** Waits for the dashboard's loaded marker (for this range) and returns what the API says for the same view. */
async function loaded(page: Page, baseUrl: string, range: '24h' | '30d'): Promise<DashboardView> {
  await page.locator(`[data-testid="dashboard-loaded"][data-range="${range}"]`).waitFor({ state: 'attached' });
  const res = await page.request.get(`${baseUrl}/api/dashboard?range=${range}&tz=Asia%2FTokyo`);
  assert.equal(res.status(), 200);
  return (await res.json()) as DashboardView;
}

/** expectText inside one row or panel. */
async function expectWithin(scope: Locator, testId: string, expected: string): Promise<void> {
  const locator = scope.getByTestId(testId);
  await locator.filter({ hasText: expected }).first().waitFor();
  assert.equal((await locator.first().textContent())?.trim(), expected);
}

const texts = async (page: Page, testId: string) =>
  (await page.getByTestId(testId).allTextContents()).map((s) => s.trim());

describe('browser UI: the dashboard', { skip: chromiumMissing }, () => {
  let dir: string;
  let filled: DemoFill;
  let server: Served | undefined;
  let session: BrowserSession | undefined;
  const shots = screenshotDir('dashboard');

  before(async () => {
    assert.ok(existsSync(ENTRY), `${ENTRY} is missing`);
    assert.ok(existsSync(WEB_INDEX), `${WEB_INDEX} is missing: run npm run build first`);
    dir = await mkdtemp(path.join(os.tmpdir(), 'mizugiwa-ui-dashboard-'));
    filled = await fillDemo(dir);
    server = await startServe(dir);
    assert.ok(server.password, 'the first start prints a one-time password');
    // After the first start, which makes the admin only when there is no user yet.
    const viewer = runCli(['user', 'add', 'watcher', '--role', 'viewer', '--password-stdin'], {
      cwd: dir,
      input: `${VIEWER_PASSWORD}\n`,
    });
    assert.equal(viewer.code, 0, viewer.stdout + viewer.stderr);
    session = await openBrowser('en-US');
  });

  after(async () => {
    await session?.browser.close();
    if (server) await stopServe(server);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the chart shows the categories seen, and the top lists start with the heaviest', async () => {
    const { page } = session!;
    await signInFirstTime(page, server!.baseUrl, 'admin', server!.password!, ADMIN_PASSWORD);
    await expectText(page, 'home-title', 'Overview');
    const api = await loaded(page, server!.baseUrl, '24h');

    const canvas = page.getByTestId('sightings-chart').locator('canvas');
    await canvas.waitFor();
    const box = await canvas.boundingBox();
    assert.ok(
      box && box.width > 300 && box.height > 100,
      `the canvas is drawn at a readable size: ${JSON.stringify(box)}`,
    );
    assert.deepEqual(await texts(page, 'chart-series-name'), ['C2', 'Phishing']);
    const c2 = api.sightings.series.find((s) => s.category === 'c2')!;
    await expectWithin(
      page.getByTestId('chart-series-c2'),
      'chart-series-total',
      `${c2.total.toLocaleString('en-US')} in the period`,
    );

    const indicators = await texts(page, 'dash-indicator-value');
    assert.equal(indicators[0], filled.expected.indicator);
    assert.deepEqual(
      indicators,
      api.topIndicators!.map((i) => i.value),
    );
    const subscribers = await texts(page, 'dash-subscriber-id');
    assert.equal(subscribers[0], filled.expected.subscriber);
    assert.equal(
      await page.getByTestId('dash-subscriber-id').first().getAttribute('href'),
      `/sightings?subscriber=${filled.expected.subscriber}`,
    );
    assert.equal(
      await page.getByTestId('dash-indicator-value').first().getAttribute('href'),
      `/sightings?indicator=${filled.expected.indicator}`,
    );
    await page.screenshot({ path: path.join(shots, 'dashboard-en.png'), fullPage: true });
  });

  test('open cases, feed health and enforcement show what the API says', async () => {
    const { page } = session!;
    const api = await loaded(page, server!.baseUrl, '24h');
    await expectText(page, 'dash-cases-open', `${api.cases.open} open`);
    assert.ok(api.cases.open >= 20);
    for (const row of api.cases.byState) {
      await expectText(page, `dash-cases-${row.state}-total`, row.total.toLocaleString('en-US'));
      for (const [age, n] of Object.entries(row.byAge)) {
        await expectText(page, `dash-cases-${row.state}-${age}`, n.toLocaleString('en-US'));
      }
    }
    assert.equal(await page.getByTestId('dash-cases-new').getByRole('link').getAttribute('href'), '/cases?state=new');

    const c2 = page.getByTestId('dash-feed-c2-threatfox');
    await expectWithin(c2, 'dash-feed-status', 'OK');
    await expectWithin(c2, 'dash-feed-total', '2,000');
    await expectWithin(page.getByTestId('dash-feed-phishing-partner'), 'dash-feed-total', '1,500');

    const names = (filled.world.c2Domains.length + filled.world.phishingDomains.length).toLocaleString('en-US');
    const rpz = page.getByTestId('dash-point-rpz');
    await expectWithin(rpz, 'dash-point-mode', 'Block');
    await expectWithin(rpz, 'dash-point-live', `v1 · ${names} entries`);
    await expectWithin(page.getByTestId('dash-point-squid'), 'dash-point-mode', 'Shadow (monitor)');
    await expectWithin(page.getByTestId('dash-point-nftables'), 'dash-point-mode', 'Disabled');
  });

  test('the last 30 days by the day, chosen by the operator and remembered', async () => {
    const { page } = session!;
    await page.getByTestId('dash-range-30d').click();
    const api = await loaded(page, server!.baseUrl, '30d');
    assert.equal(api.sightings.starts.length, 30);
    assert.equal(await page.getByTestId('dash-range-30d').getAttribute('aria-pressed'), 'true');
    await page.getByTestId('sightings-chart').locator('canvas').waitFor();
    await page.reload();
    await loaded(page, server!.baseUrl, '30d');
    await page.getByTestId('dash-range-24h').click();
    await loaded(page, server!.baseUrl, '24h');
  });

  test('in Japanese the dashboard and its words follow', async () => {
    const { page, pageErrors } = session!;
    await page.getByTestId('lang-switch').selectOption('ja');
    await expectText(page, 'home-title', '概要');
    await loaded(page, server!.baseUrl, '24h');
    assert.deepEqual(await texts(page, 'chart-series-name'), ['C2', 'フィッシング']);
    await expectWithin(page.getByTestId('dash-chart'), 'dash-chart-title', 'カテゴリ別サイティング');
    await expectWithin(page.getByTestId('dash-feed-c2-threatfox'), 'dash-feed-status', '正常');
    await expectWithin(page.getByTestId('dash-point-squid'), 'dash-point-mode', 'シャドー（監視のみ）');
    assert.match((await page.getByTestId('dash-cases-open').textContent()) ?? '', /^未完了 \d+ 件$/);
    await page.screenshot({ path: path.join(shots, 'dashboard-ja.png'), fullPage: true });
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  });

  test('a viewer sees the counts but no top subscribers or indicators', async () => {
    const viewerContext = await session!.browser.newContext({
      locale: 'en-US',
      viewport: { width: 1280, height: 800 },
    });
    try {
      const viewer = await viewerContext.newPage();
      await signIn(viewer, server!.baseUrl, 'watcher', VIEWER_PASSWORD);
      const api = await loaded(viewer, server!.baseUrl, '24h');
      assert.equal(api.topSubscribers, null);
      assert.equal(await viewer.getByTestId('dash-top-subscribers').count(), 0);
      assert.equal(await viewer.getByTestId('dash-top-indicators').count(), 0);
      await expectText(viewer, 'dash-cases-open', `${api.cases.open} open`);
      // Counts, but no way into the queue the viewer may not open.
      assert.equal(await viewer.getByTestId('dash-cases-new').getByRole('link').count(), 0);
      await viewer.getByTestId('sightings-chart').locator('canvas').waitFor();
      await viewer.screenshot({ path: path.join(shots, 'dashboard-viewer-en.png'), fullPage: true });
    } finally {
      await viewerContext.close();
    }
  });
});
