// The Subscriber look-up, Audit log and Settings (users, tokens, policy) screens against the real server. A billing
// export, a RADIUS detail file and a CGNAT log are imported with the CLI beside the running server, as an operator
// would; then in Chromium: the look-up refuses to send anything without a purpose, and with one shows the subscriber
// behind a CGNAT address and port with each step's evidence; the Audit log filtered by that purpose shows the look-up
// with its actor, and the chain verifies; Settings adds a user with a role (one-time password shown once), changes
// the role, creates and revokes a token, and shows the policy; the screens in Japanese; the new viewer sees neither
// the look-up nor the settings. Needs Chromium (Debian package `chromium`) and a build (`npm run build`).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  chromiumMissing,
  expectText,
  openBrowser,
  screenshotDir,
  signInFirstTime,
  UI_TIMEOUT_MS,
  type BrowserSession,
} from '../support/browser.js';
import type { Served } from '../support/serve.js';
import { cliOk, startUiServe, tearDownUi, uiWorkDir } from '../support/ui-serve.js';

const ADMIN_PASSWORD = 'kanyusha-shokai-wa-mokuteki-kara';
const VIEWER_PASSWORD = 'miru-dake-no-hito-desu';
const HOUR = 3_600_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

// Yesterday on the hour, so the intervals are recent (inside any retention) whenever the test runs. The CGNAT block
// 203.0.113.1:2048-3071 → 100.64.0.5 lasts an hour from T; RADIUS gave 100.64.0.5 to hanako@isp from T-5min to T+2h.
const T = Math.floor(Date.now() / HOUR) * HOUR - 24 * HOUR;
const ASKED = T + 10 * 60_000;

const two = (n: number) => String(n).padStart(2, '0');
const clock = (d: Date) => `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
/** Cisco CGN syslog's stamp: `2026 Nov 24 06:00:00` (UTC here, imported with --timezone UTC). */
const ciscoStamp = (ms: number) => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${clock(d)}`;
};
/** A FreeRADIUS detail block's first line: `Tue Nov 24 05:55:00 2026`. */
const detailStamp = (ms: number) => {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${clock(d)} ${d.getUTCFullYear()}`;
};
const radiusBlock = (ms: number, status: 'Start' | 'Stop') =>
  [
    detailStamp(ms),
    `\tAcct-Status-Type = ${status}`,
    '\tUser-Name = "hanako@isp"',
    '\tAcct-Session-Id = "hn01"',
    '\tNAS-IP-Address = 192.0.2.1',
    '\tFramed-IP-Address = 100.64.0.5',
    '\tAcct-Delay-Time = 0',
    `\tTimestamp = ${ms / 1000}`,
    '',
    '',
  ].join('\n');

/** The asked time as the operator types it into a datetime-local field, in Asia/Tokyo (the server's default zone). */
function tokyoWallTime(ms: number): string {
  const d = new Date(ms + 9 * HOUR);
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}T${clock(d)}`;
}

describe('browser UI: subscriber look-up, audit log and settings', { skip: chromiumMissing }, () => {
  let workDir: string;
  const shotDir = screenshotDir('lookup');
  let server: Served | undefined;
  let session: BrowserSession | undefined;
  let page: Page;
  /** Look-ups the page sent: none may go out before a purpose is chosen. */
  const whoRequests: string[] = [];
  let viewerPassword: string | undefined;
  const shot = (name: string) => page.screenshot({ path: path.join(shotDir, `${name}.png`), fullPage: true });

  before(async () => {
    workDir = await uiWorkDir('lookup');
    server = await startUiServe(workDir);

    const file = (name: string, content: string) => {
      writeFileSync(path.join(workDir, name), content);
      return name;
    };
    const cli = (args: string[]) => cliOk(workDir, args);
    const customers = file(
      'customers.csv',
      '加入者ID,氏名,フリガナ,メールアドレス,電話番号,RADIUSユーザー名\nC-7,佐藤 花子,サトウ ハナコ,hanako@example.jp,03-0000-0007,hanako@isp\n',
    );
    cli(['subscribers', 'import', customers]);
    const detail = file('radius.detail', radiusBlock(T - 5 * 60_000, 'Start') + radiusBlock(T + 2 * HOUR, 'Stop'));
    cli(['attribute', 'import', detail, '--format', 'freeradius-detail', '--source', 'radius', '--timezone', 'UTC']);
    const cgn = file(
      'cgn.log',
      [
        `<134>1 ${ciscoStamp(T)} 192.0.2.3 - - NAT44 - [UserbasedA - 100.64.0.5 Broadband - 203.0.113.1 - 2048 3071 - -]`,
        `<134>1 ${ciscoStamp(T + HOUR)} 192.0.2.3 - - NAT44 - [UserbasedW - 100.64.0.5 Broadband - 203.0.113.1 - 2048 3071 - -]`,
        '',
      ].join('\n'),
    );
    cli(['attribute', 'import', cgn, '--format', 'cisco-cgn', '--source', 'cgn', '--timezone', 'UTC']);

    session = await openBrowser();
    page = session.page;
    page.on('request', (req) => {
      if (req.url().includes('/api/attribution/who')) whoRequests.push(req.url());
    });
  });

  after(async () => {
    await tearDownUi({ session, server, workDir });
    console.log(`# screenshots: ${shotDir}`);
  });

  test('the look-up says it is recorded and sends nothing until a purpose is chosen', async () => {
    await signInFirstTime(page, server!.baseUrl, 'admin', server!.password!, ADMIN_PASSWORD);
    await page.getByTestId('nav-lookup').click();
    await expectText(page, 'lookup-title', 'Subscriber look-up');
    assert.match(
      (await page.getByTestId('lookup-recorded').textContent()) ?? '',
      /recorded in the audit log with your name, the purpose/,
    );
    // The purposes offered are the server's.
    const offered = await page.getByTestId('lookup-purpose').locator('option').allTextContents();
    assert.deepEqual(offered, [
      'Choose a purpose…',
      'Abuse notice to the subscriber',
      'Security incident',
      'Legal disclosure request',
      'Police request (warrant or inquiry)',
      'The subscriber’s own request',
      'Other (say why)',
    ]);

    await page.getByTestId('lookup-address').fill('203.0.113.1');
    await page.getByTestId('lookup-port').fill('2100');
    await page.getByTestId('lookup-at').fill(tokyoWallTime(ASKED));
    await page.getByTestId('lookup-submit').click();
    await expectText(
      page,
      'lookup-problem',
      'Choose a purpose first: nothing is looked up without one, and the audit log records it.',
    );
    // "Other" needs words: still nothing is sent.
    await page.getByTestId('lookup-purpose').selectOption('other');
    await page.getByTestId('lookup-submit').click();
    await expectText(
      page,
      'lookup-problem',
      'The purpose "Other (say why)" needs a reference saying why, in at least 5 characters.',
    );
    assert.equal(await page.getByTestId('lookup-result').count(), 0);
    assert.deepEqual(whoRequests, [], 'no look-up left the page without a purpose');
    await shot('lookup-no-purpose-en');
  });

  test('with a purpose it shows the subscriber behind the CGNAT port, with each step and its evidence', async () => {
    await page.getByTestId('lookup-purpose').selectOption('abuse-notice');
    await page.getByTestId('lookup-reference').fill('CASE-42');
    await page.getByTestId('lookup-submit').click();
    const candidate = page.getByTestId('lookup-candidate');
    await candidate.first().waitFor();
    assert.equal(await candidate.count(), 1);
    assert.equal(whoRequests.length, 1);
    const sent = new URL(whoRequests[0]!).searchParams;
    assert.equal(sent.get('purpose'), 'abuse-notice');
    assert.equal(sent.get('reference'), 'CASE-42');
    assert.equal(sent.get('at'), new Date(ASKED).toISOString(), 'the Tokyo wall time is sent as UTC');

    await expectText(page, 'candidate-key', 'hanako@isp (user)');
    await expectText(page, 'candidate-subscriber-id', 'C-7');
    await expectText(page, 'candidate-confidence', '100 / 100');
    await expectText(page, 'contact-name', '佐藤 花子');
    await expectText(page, 'contact-email', 'hanako@example.jp');
    const rows = page.getByTestId('evidence-row');
    assert.deepEqual(await rows.getByTestId('evidence-kind').allTextContents(), ['CGNAT block', 'Lease']);
    assert.deepEqual(await rows.getByTestId('evidence-source').allTextContents(), ['cgn', 'radius']);
    assert.match((await rows.nth(0).textContent()) ?? '', /203\.0\.113\.1Ports 2048–3071/);
    assert.match((await rows.nth(0).textContent()) ?? '', /100\.64\.0\.5/);
    assert.deepEqual(await rows.getByTestId('evidence-text').allTextContents(), [
      'cgn.log line 1 … cgn.log line 2',
      'radius.detail line 1 … radius.detail line 10',
    ]);
    await shot('lookup-result-en');
  });

  test('a legal hold on the address is placed and released from the same screen', async () => {
    const holds = page.getByTestId('legal-holds');
    await holds.getByTestId('hold-subject').fill('100.64.0.5');
    await holds.getByTestId('hold-from').fill(tokyoWallTime(T).slice(0, 16));
    await holds.getByTestId('hold-until').fill(tokyoWallTime(T + 2 * HOUR).slice(0, 16));
    await holds.getByTestId('hold-reason').fill('開示請求 2026-17');
    await holds.getByTestId('hold-submit').click();
    await expectText(page, 'holds-done', 'The legal hold on 100.64.0.5 is in force.');
    const row = holds.getByTestId('hold-row');
    await row.filter({ hasText: '開示請求 2026-17' }).waitFor();
    assert.match((await row.textContent()) ?? '', /100\.64\.0\.5.*開示請求 2026-17.*user:admin.*In force/);
    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByTestId('hold-release').click();
    await expectText(page, 'holds-done', 'The legal hold on 100.64.0.5 is released.');
    await row.filter({ hasText: 'Released' }).waitFor();
  });

  test('the Audit log filtered by that purpose shows the look-up with its actor, and the chain verifies', async () => {
    await page.getByTestId('nav-audit').click();
    await expectText(page, 'audit-title', 'Audit log');
    await page.getByTestId('audit-filter-purpose').selectOption('abuse-notice');
    await page.getByTestId('audit-filter-reference').fill('CASE-42');
    await page.getByTestId('audit-apply').click();
    const rows = page.getByTestId('audit-row');
    // The look-up and the read of the contact details it showed, both with the purpose; nothing else.
    await rows.nth(1).waitFor();
    await rows.nth(2).waitFor({ state: 'detached' });
    assert.deepEqual((await rows.getByTestId('audit-action').allTextContents()).sort(), [
      'attribution.lookup',
      'subscriber.read',
    ]);
    assert.deepEqual(await rows.getByTestId('audit-actor').allTextContents(), ['user:admin', 'user:admin']);
    assert.deepEqual(await rows.getByTestId('audit-purpose').allTextContents(), [
      'abuse-notice: CASE-42',
      'abuse-notice: CASE-42',
    ]);
    const lookup = rows.filter({ hasText: 'attribution.lookup' });
    assert.equal(
      (await lookup.getByTestId('audit-target').textContent())?.trim(),
      `address:203.0.113.1#2100@${new Date(ASKED).toISOString()}`,
    );

    // Another purpose: none of these entries.
    await page.getByTestId('audit-filter-purpose').selectOption('police-request');
    await page.getByTestId('audit-apply').click();
    await expectText(page, 'audit-empty', 'No audit entries match these filters.');

    await page.getByTestId('audit-clear').click();
    await rows.first().waitFor();
    await page.getByTestId('audit-verify').click();
    const result = page.getByTestId('audit-verify-result');
    await result.waitFor();
    const text = (await result.textContent()) ?? '';
    const checked = /^The chain is intact: (\d+) entries checked\.$/.exec(text.trim());
    assert.ok(checked, `verify says: ${text}`);
    assert.ok(Number(checked[1]) >= 5, 'the imports, sign-in and look-up are all in the chain');
    await shot('audit-en');
  });

  test('Settings: a user added with a role gets a one-time password once; the role can be changed', async () => {
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('users-tab').waitFor();
    await page.getByTestId('user-add-username').fill('miru');
    await page.getByTestId('user-add-display').fill('見る 人');
    await page.getByTestId('user-add-role').selectOption('analyst');
    await page.getByTestId('user-add-submit').click();
    const secret = page.getByTestId('user-password-secret');
    await secret.waitFor();
    viewerPassword = (await secret.textContent())?.trim();
    assert.match(viewerPassword ?? '', /^[A-Za-z0-9]{20}$/);
    const row = page.locator('[data-testid="user-row"][data-username="miru"]');
    assert.equal((await row.getByTestId('user-row-role').textContent())?.trim(), 'Analyst');
    assert.match((await row.getByTestId('user-state').textContent()) ?? '', /Has a one-time password/);
    await shot('settings-users-en');
    await page.getByTestId('user-password-dismiss').click();
    assert.equal(await page.getByTestId('user-password').count(), 0, 'the password is gone once dismissed');

    await row.getByTestId('user-role-select').selectOption('viewer');
    await row.getByTestId('user-role-save').click();
    await expectText(page, 'users-done', 'miru: role changed to Viewer.');
    await row.getByTestId('user-row-role').filter({ hasText: 'Viewer' }).waitFor();
  });

  test('Settings: a token is created with its role and expiry, shown once, works, and is revoked', async () => {
    await page.getByTestId('settings-tab-tokens').click();
    await page.getByTestId('tokens-tab').waitFor();
    await page.getByTestId('token-add-name').fill('siem-export');
    await page.getByTestId('token-add-role').selectOption('analyst');
    assert.match(
      (await page.getByTestId('token-add-grants').textContent()) ?? '',
      /Look up who held an address/,
      'the form says what the role may do',
    );
    await page.getByTestId('token-add-expiry').selectOption('30d');
    await page.getByTestId('token-add-submit').click();
    const secret = (await page.getByTestId('token-secret-secret').textContent())?.trim() ?? '';
    assert.match(secret, /^mzg_/);
    await expectText(page, 'token-secret-role', 'Analyst');
    assert.notEqual((await page.getByTestId('token-secret-expiry').textContent())?.trim(), 'Never');
    await shot('settings-tokens-en');

    const call = (bearer: string) =>
      page.request.get(`${server!.baseUrl}/api/overview`, { headers: { authorization: `Bearer ${bearer}` } });
    assert.equal((await call(secret)).status(), 200, 'the new token works');
    await page.getByTestId('token-secret-dismiss').click();

    const row = page.locator('[data-testid="token-row"][data-name="siem-export"]');
    await expectText(page, 'token-state', 'Active');
    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByTestId('token-revoke').click();
    await expectText(page, 'tokens-done', 'The token "siem-export" is revoked.');
    // The message comes with the answer; the list follows when it has been read again.
    await row.getByTestId('token-state').filter({ hasText: 'Revoked' }).waitFor();
    assert.equal(await row.getByTestId('token-revoke').count(), 0);
    assert.equal((await call(secret)).status(), 401, 'a revoked token stops working');
  });

  test('Settings: the policy says per category and point what blocks, monitors or is not carried', async () => {
    await page.getByTestId('settings-tab-policy').click();
    await page.getByTestId('policy-table').waitFor();
    const cell = (category: string, point: string) =>
      page.locator(`[data-testid="policy-row"][data-category="${category}"]`).getByTestId(`policy-cell-${point}`);
    // The defaults: DNS blocks phishing, does not carry spam; "other" is monitor-only by policy; the proxy is off.
    assert.match((await cell('phishing', 'rpz').textContent()) ?? '', /^BlocksCarried and blocked\.$/);
    assert.match((await cell('spam', 'rpz').textContent()) ?? '', /^Not carried/);
    assert.match((await cell('phishing', 'squid').textContent()) ?? '', /The point is not enabled\./);
    assert.match((await page.getByTestId('policy-read-only').textContent()) ?? '', /Read-only/);
    await shot('settings-policy-en');
  });

  test('in Japanese: the look-up, the audit log and the settings', async () => {
    await page.getByTestId('lang-switch').selectOption('ja');
    await page.getByTestId('nav-lookup').click();
    await expectText(page, 'lookup-title', '加入者照会');
    assert.match((await page.getByTestId('lookup-recorded').textContent()) ?? '', /監査ログに記録されます/);
    await page.getByTestId('lookup-submit').click();
    await expectText(
      page,
      'lookup-problem',
      '先に目的を選んでください。目的なしには照会できず、目的は監査ログに記録されます。',
    );
    await shot('lookup-ja');

    await page.getByTestId('nav-audit').click();
    await expectText(page, 'audit-title', '監査ログ');
    await expectText(page, 'audit-verify', 'チェーンを検証');
    await shot('audit-ja');

    await page.getByTestId('nav-settings').click();
    await expectText(page, 'settings-tab-users', 'ユーザーとロール');
    const miru = page.locator('[data-testid="user-row"][data-username="miru"]');
    assert.equal((await miru.getByTestId('user-row-role').textContent())?.trim(), '閲覧者');
    await shot('settings-users-ja');
    await page.getByTestId('settings-tab-policy').click();
    await page.getByTestId('policy-table').waitFor();
    assert.match(
      (await page
        .locator('[data-testid="policy-row"][data-category="phishing"]')
        .getByTestId('policy-cell-rpz')
        .textContent()) ?? '',
      /^ブロック/,
    );
    await shot('settings-policy-ja');
    assert.deepEqual(session!.pageErrors, [], 'no uncaught errors in the page');
  });

  test('the viewer made above sees neither the look-up nor the settings, not even by address', async () => {
    assert.ok(viewerPassword, 'the user test ran');
    const viewer = await session!.browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
    try {
      const v = await viewer.newPage();
      v.setDefaultTimeout(UI_TIMEOUT_MS);
      await signInFirstTime(v, server!.baseUrl, 'miru', viewerPassword!, VIEWER_PASSWORD);
      await v.getByTestId('nav-home').waitFor();
      for (const hidden of ['nav-lookup', 'nav-settings', 'nav-audit']) {
        assert.equal(await v.getByTestId(hidden).count(), 0, `${hidden} is not offered to a viewer`);
      }
      for (const address of ['/lookup', '/settings', '/audit']) {
        await v.goto(`${server!.baseUrl}${address}`);
        await v.getByTestId('home-title').waitFor();
        assert.equal(new URL(v.url()).pathname, '/', `${address} sends a viewer back to the overview`);
      }
      await v.screenshot({ path: path.join(shotDir, 'viewer-nav-en.png'), fullPage: true });
      const at = encodeURIComponent(new Date(ASKED).toISOString());
      const refused = await v.request.get(
        `${server!.baseUrl}/api/attribution/who?address=203.0.113.1&port=2100&at=${at}&purpose=abuse-notice`,
      );
      assert.equal(refused.status(), 403, 'and the API refuses the look-up anyway');
      assert.equal((await v.request.get(`${server!.baseUrl}/api/users`)).status(), 403);
    } finally {
      await viewer.close();
    }
  });
});
