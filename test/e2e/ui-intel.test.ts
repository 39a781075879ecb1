// The Indicators and Sources screens against the real server: two local file feeds both list evil.example (fetched
// with the CLI, as an operator's first run would be), then in Chromium an administrator searches it and sees the claim
// of each source and that RPZ blocks it; allowlists it and sees it suppressed by that entry and off RPZ; shrinks a
// feed so that its next fetch is held, presses "fetch now", follows the job's progress, reads the held diff; a viewer
// sees the same without any button that changes something; the administrator approves and the counts change; the
// Japanese screens. Needs Chromium (Debian package `chromium`) and a build (`npm run build`).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import {
  chromiumMissing,
  expectText,
  openBrowser,
  screenshotDir,
  signIn,
  signInFirstTime,
  UI_TIMEOUT_MS,
  type BrowserSession,
} from '../support/browser.js';
import type { Served } from '../support/serve.js';
import { ADMIN_PASSWORD, cliOk, startUiServe, tearDownUi, uiWorkDir, VIEWER_PASSWORD } from '../support/ui-serve.js';

/** Feed A's first snapshot: enough names that a fetch takes a moment and its progress can be followed. */
const FIRST = 20_000;
/** Its second snapshot keeps this many of them (and evil.example): 75% gone, over the 50% a run may retire. */
const KEPT = 5_000;

/** Waits until the input with this test id holds exactly this value (filled in by the page, not typed). */
async function waitForValue(page: Page, testId: string, expected: string): Promise<void> {
  const deadline = Date.now() + UI_TIMEOUT_MS;
  let value = '';
  while (Date.now() < deadline) {
    value = await page.getByTestId(testId).inputValue();
    if (value === expected) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(value, expected, `${testId} never held ${expected}`);
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `host${String(i).padStart(5, '0')}.bad.example`);

describe('browser UI: indicators, allowlist, sources, held snapshot', { skip: chromiumMissing }, () => {
  let workDir: string;
  let shots: string;
  let server: Served | undefined;
  let session: BrowserSession | undefined;
  let page: Page;
  const writeFeed = (file: string, lines: string[]) => writeFileSync(path.join(workDir, file), `${lines.join('\n')}\n`);

  before(async () => {
    workDir = await uiWorkDir('intel', [
      'intel:',
      '  sources:',
      '    - {name: feed-a, format: plain, file: a.txt, category: c2}',
      '    - {name: feed-b, format: plain, file: b.txt, category: phishing, snapshot: delta}',
    ]);
    shots = screenshotDir('intel');
    writeFeed('a.txt', [...names(FIRST), 'evil.example']);
    writeFeed('b.txt', ['evil.example', 'phish.example']);
    for (const source of ['feed-a', 'feed-b']) cliOk(workDir, ['intel', 'fetch', source, '--json']);
    server = await startUiServe(workDir, [{ username: 'watcher', role: 'viewer', password: VIEWER_PASSWORD }]);

    session = await openBrowser();
    page = session.page;
  });

  after(async () => {
    await tearDownUi({ session, server, workDir });
    if (shots) console.log(`# screenshots: ${shots}`);
  });

  test('search finds evil.example; its claims from both sources and where it is enforced', async () => {
    await signInFirstTime(page, server!.baseUrl, 'admin', server!.password!, ADMIN_PASSWORD);
    await page.getByTestId('nav-indicators').click();
    await expectText(page, 'indicators-title', 'Indicators');

    await page.getByTestId('indicator-search-input').fill('EVIL');
    await page.getByTestId('indicator-search-submit').click();
    const row = page.getByTestId('indicator-result');
    await row.first().waitFor();
    assert.equal(await row.count(), 1);
    const cells = await row.locator('td').allTextContents();
    assert.deepEqual(cells.slice(0, 5), ['evil.example', 'Domain', '2', 'C2, Phishing', 'Counts']);

    await page.getByTestId('indicator-result-open').click();
    await expectText(page, 'indicator-detail-value', 'evil.example');
    await page.getByTestId('indicator-claim-feed-b').waitFor();
    const claimA = (await page.getByTestId('indicator-claim-feed-a').locator('td').allTextContents()).join(' | ');
    const claimB = (await page.getByTestId('indicator-claim-feed-b').locator('td').allTextContents()).join(' | ');
    assert.match(claimA, /^feed-a \| C2 \| 50 \|.*\| Counts$/);
    assert.match(claimB, /^feed-b \| Phishing \| 50 \|.*\| Counts$/);
    await expectText(page, 'indicator-detail-allowlist', 'No allowlist covers it now.');
    await expectText(page, 'indicator-point-rpz-action', 'Blocks');
    await expectText(page, 'indicator-point-squid-action', 'Not carried');
    assert.match((await page.getByTestId('indicator-point-squid').textContent()) ?? '', /The point is not enabled\./);
    assert.match(
      (await page.getByTestId('indicator-point-rpz').textContent()) ?? '',
      /C2, Phishing/,
      'RPZ carries both claims’ categories',
    );
    await page.screenshot({ path: path.join(shots, 'indicator-en.png'), fullPage: true });
  });

  test('allowlisting it suppresses both claims by that entry and takes it off RPZ', async () => {
    await page.getByTestId('indicator-allowlist-it').click();
    await waitForValue(page, 'allowlist-value', 'evil.example');
    await page.getByTestId('allowlist-reason').fill('customer portal, reported as a false positive');
    await page.getByTestId('allowlist-submit').click();
    await expectText(page, 'allowlist-notice', 'evil.example was added; 2 claims are suppressed.');

    await expectText(page, 'indicator-detail-allowlist', 'Allowlisted now by console / hostname:evil.example.');
    await expectText(page, 'indicator-claim-feed-a-suppressed-by', 'Suppressed by console / hostname:evil.example');
    await expectText(page, 'indicator-claim-feed-b-suppressed-by', 'Suppressed by console / hostname:evil.example');
    assert.match(
      (await page.getByTestId('indicator-console-entry').textContent()) ?? '',
      /^Console allowlist entry: “customer portal, reported as a false positive”, added by user:admin on .*, until removed\.$/,
    );
    await expectText(page, 'indicator-detail-summary', 'It does not count now: no claim is in effect.');
    await expectText(page, 'indicator-point-rpz-action', 'Not carried');
    assert.equal(await page.getByTestId('indicator-allowlist-it').count(), 0, 'already allowlisted');
    await expectText(page, 'allowlist-entry-value', 'evil.example');
    await page
      .getByTestId('indicator-result')
      .filter({ hasText: 'evil.example' })
      .locator('td')
      .nth(4)
      .filter({ hasText: 'Suppressed' })
      .waitFor();

    // The entry is in the file every process reads, so `intel fetch` and `enforce publish` honour it too.
    const stored = JSON.parse(readFileSync(path.join(workDir, 'data', 'console-allowlist.json'), 'utf8')) as {
      entries: { value: string; addedBy: string }[];
    };
    assert.deepEqual(
      stored.entries.map((e) => [e.value, e.addedBy]),
      [['evil.example', 'user:admin']],
    );
    const search = cliOk(workDir, ['intel', 'search', 'evil.example', '--json']);
    assert.match(search, /"allowlistNow":"console \/ hostname:evil.example \(block\)"/);
    await page.screenshot({ path: path.join(shots, 'indicator-allowlisted-en.png'), fullPage: true });
  });

  test('fetch now on a shrunken feed: progress, then the held diff', async () => {
    await page.getByTestId('nav-sources').click();
    await expectText(page, 'sources-title', 'Sources');
    await expectText(page, 'source-feed-a-total', (FIRST + 1).toLocaleString('en'));
    await expectText(page, 'source-feed-b-total', '2');

    writeFeed('a.txt', [...names(KEPT), 'evil.example']);
    await page.getByTestId('source-feed-a-fetch').click();
    const progress = page.getByTestId('source-feed-a-progress');
    await progress.getByRole('progressbar').waitFor();
    await page.getByTestId('source-feed-a-progress-done').waitFor({ timeout: 60_000 });
    assert.match(
      (await progress.getByRole('progressbar').getAttribute('aria-valuetext')) ?? '',
      new RegExp(`^${(KEPT + 1).toLocaleString('en')} / ${(KEPT + 1).toLocaleString('en')} · 100%`),
    );

    await page.getByTestId('source-feed-a-held-badge').waitFor();
    const removed = FIRST - KEPT;
    await expectText(
      page,
      'source-feed-a-held-reason',
      `The run on ${await runAtText()} no longer lists ${removed.toLocaleString('en')} of ${(FIRST + 1).toLocaleString('en')} indicators (75%), more than the source may retire at once. Nothing was retired: check the feed, then approve to retire them.`,
    );
    await expectText(page, 'source-feed-a-held-listed', (KEPT + 1).toLocaleString('en'));
    await expectText(page, 'source-feed-a-held-added', '0');
    await expectText(page, 'source-feed-a-held-removed', removed.toLocaleString('en'));
    const sample = await page
      .getByTestId('source-feed-a-held-sample')
      .locator('tbody tr td:first-child')
      .allTextContents();
    assert.equal(sample.length, 20);
    assert.equal(sample[0], `host${String(KEPT).padStart(5, '0')}.bad.example`, 'the first name the feed dropped');
    await expectText(page, 'pager-range', `1–20 of ${removed.toLocaleString('en')}`);
    await page.screenshot({ path: path.join(shots, 'sources-held-en.png'), fullPage: true });
  });

  test('a viewer sees the screens but no button that changes anything', async () => {
    const context = await session!.browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
    try {
      const viewer = await context.newPage();
      viewer.setDefaultTimeout(UI_TIMEOUT_MS);
      await signIn(viewer, server!.baseUrl, 'watcher', VIEWER_PASSWORD);
      await viewer.getByTestId('nav-sources').click();
      await expectText(viewer, 'source-feed-a-held-removed', (FIRST - KEPT).toLocaleString('en'));
      await viewer.getByTestId('sources-read-only').waitFor();
      assert.equal(await viewer.getByTestId('source-feed-a-fetch').count(), 0);
      assert.equal(await viewer.getByTestId('source-feed-b-fetch').count(), 0);
      assert.equal(await viewer.getByTestId('source-feed-a-approve').count(), 0);

      await viewer.getByTestId('nav-indicators').click();
      await viewer.getByTestId('allowlist-read-only').waitFor();
      await expectText(viewer, 'allowlist-entry-value', 'evil.example');
      assert.equal(await viewer.getByTestId('allowlist-form').count(), 0);
      assert.equal(await viewer.getByTestId('allowlist-remove').count(), 0);
      await viewer.getByTestId('indicator-search-input').fill('phish.example');
      await viewer.getByTestId('indicator-search-match').selectOption('exact');
      await viewer.getByTestId('indicator-search-submit').click();
      await viewer.getByTestId('indicator-result-open').click();
      await expectText(viewer, 'indicator-detail-value', 'phish.example');
      await viewer.getByTestId('indicator-enforcement').waitFor();
      assert.equal(await viewer.getByTestId('indicator-allowlist-it').count(), 0);
      await viewer.screenshot({ path: path.join(shots, 'indicators-viewer-en.png'), fullPage: true });

      // The API refuses anyway.
      const refused = await viewer.request.post(`${server!.baseUrl}/api/intel/sources/feed-a/fetch`);
      assert.equal(refused.status(), 403);
    } finally {
      await context.close();
    }
  });

  test('approving retires what the feed dropped; the counts change', async () => {
    let question = '';
    page.once('dialog', (dialog) => {
      question = dialog.message();
      void dialog.accept();
    });
    await page.getByTestId('source-feed-a-approve').click();
    assert.match(question, new RegExp(`^Retire ${(FIRST - KEPT).toLocaleString('en')} indicators of feed-a\\?`));
    await expectText(
      page,
      'sources-notice',
      `feed-a: ${(FIRST - KEPT).toLocaleString('en')} indicators retired; ${(KEPT + 1).toLocaleString('en')} claims now.`,
    );
    await expectText(page, 'source-feed-a-total', (KEPT + 1).toLocaleString('en'));
    await page.getByTestId('source-feed-a-held').waitFor({ state: 'detached' });
    assert.equal(await page.getByTestId('source-feed-a-held-badge').count(), 0);
    // evil.example is still listed (and still allowlisted): suppressed, so not in effect.
    await expectText(page, 'source-feed-a-suppressed', '1');
    await expectText(page, 'source-feed-a-effective', KEPT.toLocaleString('en'));
    await page.screenshot({ path: path.join(shots, 'sources-approved-en.png'), fullPage: true });
  });

  test('in Japanese both screens follow', async () => {
    await page.getByTestId('lang-switch').selectOption('ja');
    await expectText(page, 'sources-title', 'フィード');
    await expectText(page, 'source-feed-a-fetch', '今すぐ取得');
    assert.match((await page.getByTestId('source-feed-a-card').textContent()) ?? '', /全件スナップショット/);
    await page.screenshot({ path: path.join(shots, 'sources-ja.png'), fullPage: true });

    await page.getByTestId('nav-indicators').click();
    await expectText(page, 'indicators-title', 'インジケーター');
    await expectText(page, 'indicator-search-submit', '検索');
    await expectText(page, 'allowlist-submit', '許可リストに追加');
    await page.getByTestId('indicator-search-input').fill('evil.example');
    await page.getByTestId('indicator-search-match').selectOption('exact');
    await page.getByTestId('indicator-search-submit').click();
    await page.getByTestId('indicator-result-open').click();
    await expectText(page, 'indicator-point-rpz-action', '対象外');
    await expectText(
      page,
      'indicator-detail-allowlist',
      '現在 console / hostname:evil.example により許可リストに入っています。',
    );
    await page.screenshot({ path: path.join(shots, 'indicator-ja.png'), fullPage: true });
    assert.deepEqual(session!.pageErrors, [], 'no uncaught errors in the page');
  });

  /** The held run's start as the screen shows it: Asia/Tokyo, en-GB style. */
  async function runAtText(): Promise<string> {
    const response = await page.request.get(`${server!.baseUrl}/api/intel/sources/feed-a`);
    const runAt = ((await response.json()) as { lastRunAt: string }).lastRunAt;
    return new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Tokyo',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    }).format(new Date(runAt));
  }
});
