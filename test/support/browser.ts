// Chromium for the browser tests: Debian's package driven by playwright-core, with the flags a headless CI needs,
// and the steps every UI test repeats (sign in, the forced first password change, waiting for a text, screenshots).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { missingProgram } from './components.js';

export const CHROMIUM = '/usr/bin/chromium';
export const UI_TIMEOUT_MS = 15_000;
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
];

/** The skip reason for a describe() when Chromium is not installed (a failure under MIZUGIWA_E2E=require). */
export const chromiumMissing = missingProgram(CHROMIUM, 'chromium');

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Uncaught errors in the page; a test asserts this stays empty. */
  pageErrors: string[];
}

/** A browser with one page at a laptop's size, in the given locale (en-US unless said). */
export async function openBrowser(locale = 'en-US'): Promise<BrowserSession> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  return { browser, context, page, pageErrors };
}

/** Waits until the element with this test id shows exactly this text. */
export async function expectText(page: Page, testId: string, expected: string): Promise<void> {
  const locator = page.getByTestId(testId);
  await locator.filter({ hasText: expected }).first().waitFor({ timeout: UI_TIMEOUT_MS });
  assert.equal((await locator.first().textContent())?.trim(), expected);
}

/** Fills in the sign-in form at the server's root and submits it. */
export async function signIn(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(baseUrl);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

/** Signs in with a one-time password and replaces it, as the first sign-in must; ends on the overview. */
export async function signInFirstTime(
  page: Page,
  baseUrl: string,
  username: string,
  oneTimePassword: string,
  newPassword: string,
): Promise<void> {
  await signIn(page, baseUrl, username, oneTimePassword);
  await page.getByTestId('pw-current').fill(oneTimePassword);
  await page.getByTestId('pw-new').fill(newPassword);
  await page.getByTestId('pw-repeat').fill(newPassword);
  await page.getByTestId('pw-submit').click();
  await page.getByTestId('home-title').waitFor({ timeout: UI_TIMEOUT_MS });
}

/**
 * Where a test's screenshots go: test-output/screenshots/<name>/ under the repository (CI keeps that directory), or
 * MIZUGIWA_TEST_OUTPUT when set.
 */
export function screenshotDir(name: string): string {
  const root = process.env.MIZUGIWA_TEST_OUTPUT ?? path.resolve(import.meta.dirname, '../../test-output');
  const dir = path.join(root, 'screenshots', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
