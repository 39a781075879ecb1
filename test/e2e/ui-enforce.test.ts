// The Enforcement screen against the real server: a feed that shrinks by 90% makes RPZ version 2 held (with the
// CLI, as an operator's cron would), and in Chromium the overview counts the open alert, the screen shows the live
// version, the held panel with the reason and the diff, a viewer cannot approve, an administrator approves after the
// confirm dialog and version 2 goes live; then publish-now, the Japanese screen, and the shadow/block switch.
// Needs Chromium (Debian package `chromium`) and a build (`npm run build`, which `npm test` runs first).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  chromiumMissing,
  expectText,
  openBrowser,
  signIn,
  signInFirstTime,
  UI_TIMEOUT_MS,
} from '../support/browser.js';
import { ENTRY, runCli, startServe, stopServe, type Served } from '../support/serve.js';

const WEB_INDEX = path.resolve(import.meta.dirname, '../../dist/web/index.html');
const ADMIN_PASSWORD = 'kawa-no-mizugiwa-de-tomeru';
const VIEWER_PASSWORD = 'miru-dake-de-sawaranai';

const bad = (n: number) => Array.from({ length: n }, (_, i) => `bad${i + 1}.example`);

describe('browser UI: enforcement screen, held publish, approval', { skip: chromiumMissing }, () => {
  let workDir: string;
  let shotDir: string;
  let server: Served | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let pageErrors: string[] = [];
  const cli = (args: string[], input?: string) => runCli(args, { cwd: workDir, ...(input !== undefined && { input }) });
  const feed = (names: string[]) => writeFileSync(path.join(workDir, 'list.txt'), `${names.join('\n')}\n`);
  const zoneOwners = () =>
    new Set(
      readFileSync(path.join(workDir, 'data', 'rpz', 'rpz.mizugiwa.zone'), 'utf8')
        .split('\n')
        .filter((l) => / IN (A|AAAA|CNAME) /.test(l))
        .map((l) => l.split(' ')[0]),
    );
  const rpzStatus = async () => {
    const response = await page.request.get(`${server!.baseUrl}/api/enforce/status`);
    assert.equal(response.status(), 200);
    const body = (await response.json()) as {
      items: { point: string; live: { version: number } | null; pending: { version: number; status: string } | null }[];
    };
    return body.items.find((i) => i.point === 'rpz')!;
  };

  before(async () => {
    assert.ok(existsSync(ENTRY), `${ENTRY} is missing`);
    assert.ok(existsSync(WEB_INDEX), `${WEB_INDEX} is missing: run npm run build first`);
    workDir = await mkdtemp(path.join(os.tmpdir(), 'mizugiwa-ui-enforce-'));
    shotDir = await mkdtemp(path.join(os.tmpdir(), 'mizugiwa-ui-enforce-shots-'));
    writeFileSync(
      path.join(workDir, 'mizugiwa.yaml'),
      [
        'intel:',
        '  sources:',
        // The intel-level guard is off for this source, so the enforcement guard is what holds the change.
        '    - {name: mylist, format: plain, file: list.txt, category: c2, max_retire_share: 1}',
        'enforce:',
        // Tests run side by side: the RPZ primary and the sinkhole take whatever port is free.
        '  rpz:',
        "    listen: '127.0.0.1:0'",
        '  sinkhole:',
        "    listen: '127.0.0.1:0'",
        '',
      ].join('\n'),
    );

    // Version 1: 200 names, live.
    feed(bad(200));
    let res = cli(['intel', 'fetch', 'mylist', '--json']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    res = cli(['enforce', 'publish', 'rpz', '--json']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.equal((JSON.parse(res.stdout.trim()) as { status: string }).status, 'live');

    // Version 2: the list shrinks to 20 names (90% removed): held, version 1 stays live.
    feed(bad(20));
    res = cli(['intel', 'fetch', 'mylist', '--json']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    res = cli(['enforce', 'publish', 'rpz']);
    assert.equal(res.code, 3, res.stdout + res.stderr);
    assert.match(res.stdout, /version 2 HELD/);

    server = await startServe(workDir);
    assert.ok(server.password, 'the first start prints a one-time password');
    // Added after the first start (before it, the server would not create the first admin).
    res = cli(['user', 'add', 'watcher', '--role', 'viewer', '--password-stdin'], `${VIEWER_PASSWORD}\n`);
    assert.equal(res.code, 0, res.stdout + res.stderr);

    ({ browser, page, pageErrors } = await openBrowser('en-US'));
  });

  after(async () => {
    await browser?.close();
    if (server) await stopServe(server);
    if (workDir) await rm(workDir, { recursive: true, force: true });
    if (shotDir) console.log(`# screenshots: ${shotDir}`);
  });

  test('the overview counts the open alert and links to the enforcement screen', async () => {
    await signInFirstTime(page, server!.baseUrl, 'admin', server!.password!, ADMIN_PASSWORD);
    await expectText(page, 'home-title', 'Overview');
    await expectText(page, 'nav-enforcement', 'Enforcement');

    const card = page.getByTestId('card-openAlerts');
    await card.filter({ hasText: 'Open alerts' }).filter({ hasText: '1' }).waitFor();
    await card.click();
    await expectText(page, 'enforce-title', 'Enforcement');
    assert.equal(new URL(page.url()).pathname, '/enforcement');
  });

  test('the RPZ card shows the live version and the held version with the reason and the diff', async () => {
    const status = await rpzStatus();
    assert.equal(status.live?.version, 1);
    assert.deepEqual([status.pending?.version, status.pending?.status], [2, 'held']);
    await expectText(page, 'enforce-rpz-live', 'v1');
    await expectText(page, 'enforce-rpz-entries', '200');
    await expectText(page, 'enforce-rpz-enabled', 'Enabled');
    await expectText(page, 'enforce-rpz-pending-status', 'Held');
    await expectText(page, 'enforce-squid-enabled', 'Disabled');
    assert.equal(await page.getByTestId('enforce-squid-publish').count(), 0, 'no publish button on a disabled point');
    assert.match(
      (await page.getByTestId('enforce-point-rpz').textContent()) ?? '',
      /DNS firewall for your resolvers/,
      'each point says in plain words what it is',
    );

    // The open alert, at the top, in English.
    const alert = page.getByTestId('enforce-alert');
    await alert.first().waitFor();
    assert.equal(await alert.count(), 1);
    assert.match((await alert.textContent()) ?? '', /^Warning.*rpz: version 2 was not published/);

    const panel = page.getByTestId('enforce-rpz-pending');
    await panel.getByRole('heading', { name: 'Version 2 is held and was not published' }).waitFor();
    await expectText(
      page,
      'enforce-rpz-reason',
      'Share of entries changed (failed): 180 of 200 entries would change (90%); the limit is 20%.',
    );
    await expectText(page, 'enforce-rpz-diff-counts', '200 live → 20 next: 0 added, 180 removed');
    const removed = (await page.getByTestId('enforce-rpz-removed').textContent()) ?? '';
    assert.match(removed, /bad100\.example/);
    assert.doesNotMatch(removed, /bad20\.example/, 'kept names are not listed as removed');
    assert.match(removed, /… and 160 more/, '20 examples of 180 removals');
    await page.getByTestId('enforce-rpz-approve').waitFor();
    await page.getByTestId('enforce-rpz-publish').waitFor();
    await page.screenshot({ path: path.join(shotDir, 'enforcement-held-en.png'), fullPage: true });
  });

  test('a viewer sees the held change but cannot approve or publish', async () => {
    const viewerContext = await browser!.newContext({ locale: 'en-US' });
    try {
      const viewer = await viewerContext.newPage();
      viewer.setDefaultTimeout(UI_TIMEOUT_MS);
      await signIn(viewer, server!.baseUrl, 'watcher', VIEWER_PASSWORD);
      await viewer.getByTestId('nav-enforcement').click();
      await viewer.getByTestId('enforce-rpz-pending').waitFor();
      await viewer.getByText('An analyst or administrator can approve this change.').waitFor();
      assert.equal(await viewer.getByTestId('enforce-rpz-approve').count(), 0);
      assert.equal(await viewer.getByTestId('enforce-rpz-publish').count(), 0);
    } finally {
      await viewerContext.close();
    }
  });

  test('cancelling the confirm dialog changes nothing; accepting it makes version 2 live', async () => {
    let question = '';
    page.once('dialog', (dialog) => {
      question = dialog.message();
      void dialog.dismiss();
    });
    await page.getByTestId('enforce-rpz-approve').click();
    assert.match(question, /^Approve and publish version 2 of RPZ\?/);
    assert.match(question, /This changes what every subscriber can reach\./);
    assert.equal((await rpzStatus()).pending?.status, 'held', 'a cancelled dialog sends nothing');
    assert.equal(await page.getByTestId('enforce-outcome').count(), 0);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByTestId('enforce-rpz-approve').click();
    await expectText(page, 'enforce-outcome', 'RPZ: version 2 is live (20 entries; 0 added, 180 removed).');
    await expectText(page, 'enforce-rpz-live', 'v2');
    await expectText(page, 'enforce-rpz-entries', '20');
    await expectText(page, 'enforce-rpz-approved-by', 'admin');
    await page.getByTestId('enforce-rpz-pending').waitFor({ state: 'detached' });
    await page.getByText('No open alerts.').waitFor();

    const status = await rpzStatus();
    assert.equal(status.live?.version, 2);
    assert.equal(status.pending, null);
    const owners = zoneOwners();
    assert.ok(owners.has('bad20.example') && !owners.has('bad21.example'), 'the zone file carries version 2');
    await page.screenshot({ path: path.join(shotDir, 'enforcement-approved-en.png'), fullPage: true });
  });

  test('publish now reports that nothing changed', async () => {
    await page.getByTestId('enforce-rpz-publish').click();
    await expectText(page, 'enforce-outcome', 'RPZ: nothing changed; version 2 stays live.');
    assert.equal((await rpzStatus()).live?.version, 2);
  });

  test('in Japanese the screen, the last outcome and the overview card follow', async () => {
    await page.getByTestId('lang-switch').selectOption('ja');
    await expectText(page, 'enforce-title', 'ブロック適用');
    await page.getByRole('heading', { name: '未解決のアラート' }).waitFor();
    await expectText(page, 'enforce-rpz-live', '版 2');
    await expectText(page, 'enforce-rpz-enabled', '有効');
    await expectText(page, 'enforce-outcome', 'RPZ: 変更はありません。版 2 が有効なままです。');
    await expectText(page, 'nav-enforcement', 'ブロック適用');
    assert.match(
      (await page.getByTestId('enforce-point-rpz').textContent()) ?? '',
      /リゾルバー用の DNS ファイアウォール/,
    );
    await page.screenshot({ path: path.join(shotDir, 'enforcement-ja.png'), fullPage: true });

    await page.getByTestId('nav-home').click();
    const card = page.getByTestId('card-openAlerts');
    await card.filter({ hasText: '未解決のアラート' }).filter({ hasText: '0' }).waitFor();
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  });

  test('RPZ switched to shadow with a reason publishes it log-only and says by whom; back to block; a viewer cannot switch', async () => {
    await page.getByTestId('lang-switch').selectOption('en');
    await page.getByTestId('nav-enforcement').click();
    await expectText(page, 'enforce-rpz-mode-current', 'Block');
    await expectText(page, 'enforce-rpz-mode-origin', 'Set in the config (enforce.rpz.monitor).');
    assert.equal(await page.getByTestId('enforce-rpz-monitor').count(), 0, 'no shadow badge while blocking');

    await page.getByTestId('enforce-rpz-mode-monitor').click();
    assert.ok(await page.getByTestId('enforce-rpz-mode-submit').isDisabled(), 'no switch without a reason');
    await page.getByLabel('Why switch RPZ to Shadow (log only)?').fill('checking the new feed for false positives');
    await page.getByTestId('enforce-rpz-mode-submit').click();
    await expectText(page, 'enforce-outcome', 'RPZ: version 3 is live (20 entries; 0 added, 0 removed).');
    await expectText(page, 'enforce-rpz-monitor', 'Monitor mode');
    await expectText(page, 'enforce-rpz-mode-current', 'Shadow (log only)');
    const origin = (await page.getByTestId('enforce-rpz-mode-origin').textContent()) ?? '';
    assert.match(origin, /^Switched in the console by admin, .+ reason: checking the new feed for false positives$/);
    const status = (await rpzStatus()) as unknown as {
      monitor: boolean;
      mode: { origin: string; override: { changedBy: string } };
    };
    assert.deepEqual([status.monitor, status.mode.origin, status.mode.override.changedBy], [true, 'console', 'admin']);
    const zone = readFileSync(path.join(workDir, 'data', 'rpz', 'rpz.mizugiwa.zone'), 'utf8');
    assert.match(zone, /^bad1\.example 300 IN CNAME rpz-passthru\.$/m, 'the live zone only logs');
    assert.doesNotMatch(zone, / IN A 127\.0\.0\.1$/m);
    await page.screenshot({ path: path.join(shotDir, 'enforcement-shadow-en.png'), fullPage: true });

    const viewerContext = await browser!.newContext({ locale: 'en-US' });
    try {
      const viewer = await viewerContext.newPage();
      viewer.setDefaultTimeout(UI_TIMEOUT_MS);
      await signIn(viewer, server!.baseUrl, 'watcher', VIEWER_PASSWORD);
      await viewer.getByTestId('nav-enforcement').click();
      await expectText(viewer, 'enforce-rpz-mode-current', 'Shadow (log only)');
      assert.equal(await viewer.getByTestId('enforce-rpz-mode-block').count(), 0, 'a viewer sees no switch');
      assert.equal(await viewer.getByTestId('enforce-rpz-mode-monitor').count(), 0);
    } finally {
      await viewerContext.close();
    }

    await page.getByTestId('enforce-rpz-mode-block').click();
    await page.getByLabel('Why switch RPZ to Block?').fill('feed checked');
    await page.getByTestId('enforce-rpz-mode-submit').click();
    await expectText(page, 'enforce-outcome', 'RPZ: version 4 is live (20 entries; 0 added, 0 removed).');
    await expectText(page, 'enforce-rpz-mode-current', 'Block');
    await page.getByTestId('enforce-rpz-monitor').waitFor({ state: 'detached' });
    assert.equal((await rpzStatus()).live?.version, 4);
    assert.match(
      readFileSync(path.join(workDir, 'data', 'rpz', 'rpz.mizugiwa.zone'), 'utf8'),
      /^bad1\.example 300 IN A 127\.0\.0\.1$/m,
    );
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  });
});
