// The browser UI against the real server: first sign-in with the printed one-time password, the forced password
// change, the overview, the language switch (remembered across a reload), every screen in the navigation, sign-out.
// Needs Chromium (Debian package `chromium`) and a build (`npm run build`, which `npm test` runs first).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, expectText, openBrowser, UI_TIMEOUT_MS } from '../support/browser.js';
import { ENTRY, startServe, stopServe, type Served } from '../support/serve.js';

const WEB_INDEX = path.resolve(import.meta.dirname, '../../dist/web/index.html');
const NEW_PASSWORD = 'kawa-no-mizugiwa-de-tomeru';

describe('browser UI: sign-in, forced password change, language', { skip: chromiumMissing }, () => {
  let workDir: string;
  let shotDir: string;
  let server: Served | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let pageErrors: string[] = [];

  before(async () => {
    assert.ok(existsSync(ENTRY), `${ENTRY} is missing`);
    assert.ok(existsSync(WEB_INDEX), `${WEB_INDEX} is missing: run npm run build first`);
    workDir = await mkdtemp(path.join(os.tmpdir(), 'mizugiwa-ui-'));
    shotDir = await mkdtemp(path.join(os.tmpdir(), 'mizugiwa-ui-shots-'));
    server = await startServe(workDir);
    assert.ok(server.password, 'the first start prints a one-time password');
    ({ browser, page, pageErrors } = await openBrowser('ja-JP'));
    // A laptop's 1280 × 800, the smallest screen the console is made for.
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  after(async () => {
    await browser?.close();
    if (server) await stopServe(server);
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  test('the login page follows the browser language (ja) and a wrong password shows an error', async () => {
    await page.goto(server!.baseUrl);
    await page.getByTestId('login-username').waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'ja');
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill('not-the-password');
    await page.getByTestId('login-submit').click();
    await expectText(page, 'login-error', 'ユーザー名またはパスワードが正しくありません。');
    await page.screenshot({ path: path.join(shotDir, 'login-error-ja.png') });
  });

  test('the first sign-in with the printed one-time password forces a password change', async () => {
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(server!.password!);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('pw-current').waitFor();

    await page.getByTestId('pw-current').fill(server!.password!);
    await page.getByTestId('pw-new').fill(NEW_PASSWORD);
    await page.getByTestId('pw-repeat').fill(`${NEW_PASSWORD}x`);
    await page.getByTestId('pw-submit').click();
    await expectText(page, 'pw-error', '新しいパスワードが一致しません。');

    await page.getByTestId('pw-new').fill('short');
    await page.getByTestId('pw-repeat').fill('short');
    await page.getByTestId('pw-submit').click();
    await expectText(page, 'pw-error', '新しいパスワードは 12 文字以上にしてください。');
    await page.screenshot({ path: path.join(shotDir, 'password-change-ja.png') });

    await page.getByTestId('pw-new').fill(NEW_PASSWORD);
    await page.getByTestId('pw-repeat').fill(NEW_PASSWORD);
    await page.getByTestId('pw-submit').click();
    await expectText(page, 'home-title', '概要');
    await page.getByTestId('overview-cards').waitFor();
    assert.equal(await page.getByTestId('timezone').inputValue(), 'Asia/Tokyo');
    await expectText(page, 'nav-jobs', 'ジョブ');
    await page.screenshot({ path: path.join(shotDir, 'home-ja-1280.png'), fullPage: true });
  });

  test('switching to English changes the UI and is remembered across a reload', async () => {
    await page.getByTestId('lang-switch').selectOption('en');
    await expectText(page, 'home-title', 'Overview');
    await expectText(page, 'nav-home', 'Overview');
    await expectText(page, 'nav-jobs', 'Jobs');
    await expectText(page, 'nav-deadLetters', 'Dead letters');
    await expectText(page, 'nav-audit', 'Audit log');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await page.evaluate('localStorage.getItem("mizugiwa.locale")'), 'en');

    await page.reload();
    await expectText(page, 'home-title', 'Overview');
    await expectText(page, 'nav-jobs', 'Jobs');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.getByTestId('overview-cards').waitFor();
    await page.screenshot({ path: path.join(shotDir, 'home-en-1280.png'), fullPage: true });
    await page.setViewportSize({ width: 800, height: 800 });
    await page.screenshot({ path: path.join(shotDir, 'home-en-800.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('every screen in the navigation opens without an error', async () => {
    await page.getByTestId('nav-jobs').click();
    await page.locator('h1', { hasText: 'Jobs' }).waitFor();
    await page.getByTestId('nav-deadLetters').click();
    await page.locator('h1', { hasText: 'Dead letters' }).waitFor();
    await page.getByTestId('nav-audit').click();
    await page.locator('h1', { hasText: 'Audit log' }).waitFor();
    await page.getByTestId('audit-table').waitFor(); // the sign-ins and the password change are audited
    await page.getByTestId('audit-verify').click();
    const verdict = page.getByTestId('audit-verify-result');
    await verdict.waitFor();
    assert.match((await verdict.textContent()) ?? '', /^The chain is intact: \d+ entries checked\.$/);
    await page.screenshot({ path: path.join(shotDir, 'audit-en-1280.png'), fullPage: true });
    assert.equal(await page.locator('[role="alert"]').count(), 0, 'no screen shows an error');

    // A reload on a deep link gets index.html from the server's SPA fallback and shows the same screen.
    await page.reload();
    await page.locator('h1', { hasText: 'Audit log' }).waitFor();
    await page.getByTestId('nav-home').click();
    await expectText(page, 'home-title', 'Overview');
  });

  test('a deep link opened while signed out shows the login page', async () => {
    const anonymous = await browser!.newContext({ locale: 'en-US' });
    try {
      const fresh = await anonymous.newPage();
      const response = await fresh.goto(`${server!.baseUrl}/dead-letters`);
      assert.equal(response?.status(), 200);
      await fresh.getByTestId('login-username').waitFor({ timeout: UI_TIMEOUT_MS });
    } finally {
      await anonymous.close();
    }
  });

  test('the API docs render in the browser under the security headers', async () => {
    const docs = await browser!.newContext({ locale: 'en-US' });
    try {
      const docsPage = await docs.newPage();
      const errors: string[] = [];
      docsPage.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      const response = await docsPage.goto(`${server!.baseUrl}/api/docs/`);
      assert.match(response?.headers()['content-security-policy'] ?? '', /default-src 'self'/);
      await docsPage.getByText('Mizugiwa API').first().waitFor({ timeout: UI_TIMEOUT_MS });
      await docsPage.getByText('/api/auth/login').first().waitFor({ timeout: UI_TIMEOUT_MS });
      assert.deepEqual(errors, [], 'no console errors (a CSP violation would show here)');
    } finally {
      await docs.close();
    }
  });

  test('signing out returns to the login screen, and the new password signs in', async () => {
    await page.getByTestId('logout').click();
    await page.getByTestId('login-username').waitFor();
    assert.equal((await page.request.get(`${server!.baseUrl}/api/auth/me`)).status(), 401);

    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(NEW_PASSWORD);
    await page.getByTestId('login-submit').click();
    await expectText(page, 'home-title', 'Overview');
    assert.equal(await page.getByTestId('pw-current').count(), 0);
    await page.getByTestId('logout').click();
    await page.getByTestId('login-username').waitFor();
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  });

  after(() => {
    if (shotDir) console.log(`# screenshots: ${shotDir}`);
  });
});
