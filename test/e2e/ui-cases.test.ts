// The abuse desk's screens against the real server: subscribers, a static lease and two reports imported with the
// CLI (an ARF report whose quoted mail carries a <script> and an <img onerror>, and a Shadowserver sinkhole report),
// a local SMTP server standing in for the ISP's relay, then in Chromium: the queue and its severity sort, the case
// page with the report shown as text (and nothing in it run), "notify now" through the relay with the notice's text
// on the page as it was mailed, resolve and close with reasons and the timeline naming who did each, the Japanese
// screen, a bulk move that reports the case it could not move, the link from a sighting, the unassigned queue with
// retry and assignment by hand, and an analyst who sees no action buttons.
// Needs Chromium (Debian package `chromium`) and a build (`npm run build`, which `npm test` runs first).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import type { Browser, Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { openSqlite, SQLITE_FILE_NAME } from '../../src/store/open.js';
import { writeObservationFlush } from '../../src/store/sightings.js';
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
import { ADMIN_PASSWORD, cliOk, startUiServe, tearDownUi, uiWorkDir } from '../support/ui-serve.js';

const SINKHOLE = path.resolve(
  import.meta.dirname,
  '../../src/abuse/formats/fixtures/shadowserver/2026-11-20-event4_sinkhole-asn64500-jp.csv',
);
const ANALYST_PASSWORD = 'miru-dake-de-sawaranai';
const SCRIPT = '<script>window.__pwned=1</script>';
const IMG = '<img src=x onerror="window.__pwned=2">';

type Mail = { to: string; subject: string; text: string };

/** An RFC 5965 abuse report for spam from 198.51.100.23, `at` ago, quoting the spam with markup in it. */
function arfReport(at: Date): string {
  const date = at.toUTCString().replace('GMT', '+0000');
  return [
    'From: Example Net Abuse Desk <arf-reports@fbl.example.net>',
    'To: abuse@isp.example.jp',
    'Subject: FW: Cheap watches for you',
    `Date: ${date}`,
    `Message-ID: <arf-${at.getTime()}@fbl.example.net>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset="US-ASCII"',
    '',
    'This is an email abuse report for a message received from IP 198.51.100.23.',
    '',
    '--b1',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    'User-Agent: ExampleNet-FBL/3.2',
    'Version: 1',
    `Arrival-Date: ${date}`,
    'Source-IP: 198.51.100.23',
    'Reported-Domain: shop.example.com',
    '',
    '--b1',
    'Content-Type: message/rfc822',
    'Content-Disposition: inline',
    '',
    'From: "Watch Shop" <promo@shop.example.com>',
    'To: <hanako@example.net>',
    'Subject: Cheap watches for you',
    `Date: ${date}`,
    'Content-Type: text/html; charset="US-ASCII"',
    '',
    `<p>Genuine watches at 90% off</p>${SCRIPT}${IMG}`,
    '',
    '--b1--',
    '',
  ].join('\r\n');
}

describe('browser UI: cases, a case page and the unassigned queue', { skip: chromiumMissing }, () => {
  let workDir: string;
  let shotDir: string;
  let server: Served | undefined;
  let smtp: SMTPServer | undefined;
  let session: BrowserSession | undefined;
  let page: Page;
  let browser: Browser;
  let spamCase = 0;
  const mails: Mail[] = [];

  before(async () => {
    shotDir = screenshotDir('cases');

    // The ISP's relay: keeps each notice as the subscriber would get it.
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      onData(stream, envelope, done) {
        simpleParser(stream).then(
          (m) => {
            mails.push({
              to: envelope.envelope.rcptTo.map((r) => r.address).join(','),
              subject: m.subject ?? '',
              text: m.text ?? '',
            });
            done();
          },
          (err: Error) => done(err),
        );
      },
    });
    await new Promise<void>((resolve) => smtp!.listen(0, '127.0.0.1', resolve));
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    workDir = await uiWorkDir('cases', [
      'abuse:',
      '  notices:',
      "    schedule: ''",
      '    default_locale: en',
      '    contact:',
      '      name_en: Mizugiwa Net Support',
      '      mail: support@isp.example.jp',
      '    smtp:',
      "      host: '127.0.0.1'",
      `      port: ${smtpPort}`,
      '      from: abuse@isp.example.jp',
      'enforce:',
      '  rpz:',
      "    listen: '127.0.0.1:0'",
      '  sinkhole:',
      "    listen: '127.0.0.1:0'",
    ]);

    const cli = (args: string[]) => cliOk(workDir, args);
    writeFileSync(
      path.join(workDir, 'customers.csv'),
      'id,name,email,language,radius_user\nC-23,Sato Hanako,sato@example.jp,en,sato@isp\n',
    );
    cli(['subscribers', 'import', 'customers.csv']);
    writeFileSync(
      path.join(workDir, 'static.csv'),
      'prefix,subscriber_id,since\n198.51.100.16/28,C-23,2026-01-01T00:00:00Z\n',
    );
    cli(['attribute', 'import', 'static.csv', '--format', 'static-csv', '--source', 'business']);
    const report = path.join(workDir, 'spam-report.eml');
    writeFileSync(report, arfReport(new Date(Date.now() - 2 * 86_400_000)));
    const spam = JSON.parse(cli(['abuse', 'import', report, '--json'])) as { attribution: { casesOpened: number } };
    assert.equal(spam.attribution.casesOpened, 1, 'the spam report opens a case for C-23');
    const sinkhole = JSON.parse(cli(['abuse', 'import', SINKHOLE, '--json'])) as {
      attribution: { attributed: number; unassigned: number };
    };
    assert.deepEqual([sinkhole.attribution.attributed, sinkhole.attribution.unassigned], [2, 1]);

    // A sighting of C-23's connection, as the observation pipeline writes it.
    const store = openSqlite(path.join(workDir, 'data', SQLITE_FILE_NAME));
    try {
      const start = new Date(Date.now() - 3_600_000).toISOString();
      await writeObservationFlush(store.db, {
        sightings: [
          {
            indicatorType: 'domain',
            indicatorValue: 'c2.qsnatch.example',
            point: 'dns',
            client: '198.51.100.23',
            windowStart: start,
            firstSeen: start,
            lastSeen: start,
            count: 4,
            blockedCount: 4,
            categories: ['c2'],
            sources: ['feed-a'],
            input: 'resolver1',
            detail: null,
            subscriber: 'C-23',
          },
        ],
        counts: [],
        deadLetters: [],
        raw: [],
        positions: [],
      });
    } finally {
      await store.close();
    }

    server = await startUiServe(workDir, [{ username: 'ana', role: 'analyst', password: ANALYST_PASSWORD }]);
    session = await openBrowser();
    ({ page, browser } = session);
  });

  after(async () => {
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
    await tearDownUi({ session, server, workDir });
  });

  /** The text of one test id in each row, top to bottom, once there are `count` rows. */
  async function column(testId: string, count: number): Promise<string[]> {
    const rows = page.getByTestId('case-row');
    await rows.nth(count - 1).waitFor();
    await rows.nth(count).waitFor({ state: 'detached' });
    return (await rows.getByTestId(testId).allTextContents()).map((s) => s.trim());
  }

  /** The whole page from its top (the header stays put when scrolled, and would cover the title). */
  async function screenshot(name: string): Promise<void> {
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: path.join(shotDir, name), fullPage: true });
  }

  async function act(action: string, reason: string): Promise<void> {
    await page.getByTestId(`case-action-${action}`).click();
    await page.getByTestId('case-reason-reason').fill(reason);
    await page.getByTestId('case-reason-confirm').click();
    await page.getByTestId('case-reason').waitFor({ state: 'detached' });
  }

  test('the queue lists the cases with their class, severity and age, and sorts by severity', async () => {
    await signInFirstTime(page, server!.baseUrl, 'admin', server!.password!, ADMIN_PASSWORD);
    await page.getByTestId('nav-cases').click();
    await expectText(page, 'cases-title', 'Cases');
    assert.deepEqual((await column('case-subscriber', 2)).sort(), ['C-23', 'C-23']);
    await page.getByTestId('cases-sort').selectOption('severity');
    await page.waitForURL(/sort=severity/);
    await page
      .getByTestId('case-row')
      .first()
      .getByTestId('case-type')
      .filter({ hasText: 'Infected system' })
      .waitFor();
    assert.deepEqual(await column('case-type', 2), ['Infected system', 'Spam']);
    assert.deepEqual(await column('case-severity', 2), ['High', 'Medium']);
    assert.deepEqual(await column('case-state', 2), ['New', 'New']);
    // The spam case was opened minutes ago by the import: its age is in minutes.
    assert.match((await column('case-age', 2))[1]!, /^\d+ min$/);
    await expectText(page, 'pager-range', '1–2 of 2');
    await screenshot('cases-queue.png');
  });

  test('the case page shows the report as text: the tags are visible and nothing in them runs', async () => {
    await page.getByTestId('case-row').filter({ hasText: 'Spam' }).getByTestId('case-link').click();
    await page.waitForURL(/\/cases\/\d+$/);
    spamCase = Number(new URL(page.url()).pathname.split('/').pop());
    await expectText(page, 'case-title', `Case ${spamCase}`);
    await expectText(page, 'case-state', 'New');
    await expectText(page, 'case-subscriber-id', 'C-23');
    await expectText(page, 'case-event-source', '198.51.100.23');

    await page.getByTestId('case-event-evidence').first().click();
    const evidence = page.getByTestId('evidence-text');
    await evidence.waitFor();
    const text = (await evidence.textContent()) ?? '';
    assert.ok(text.includes(SCRIPT), 'the script tag is shown as characters');
    assert.ok(text.includes(IMG), 'the img tag is shown as characters');
    assert.ok(text.includes('Source-IP: 198.51.100.23'));
    assert.equal(await evidence.locator('script, img').count(), 0, 'no element made from the report');
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.equal(await page.evaluate('typeof window.__pwned'), 'undefined');

    // Its subscriber's sighting, in the case's window.
    await expectText(page, 'sighting-indicator', 'c2.qsnatch.example');
  });

  test('notify now mails the subscriber through the relay; the page shows the notice as it was sent', async () => {
    await act('notify', 'first notice by mail');
    const outcome = page.getByTestId('case-action-outcome');
    await outcome.waitFor();
    assert.match((await outcome.textContent()) ?? '', /The notice \(notice \d+\) was handed to the mail relay/);
    await expectText(page, 'case-state', 'Notified');
    assert.equal(mails.length, 1);
    const mail = mails[0]!;
    assert.equal(mail.to, 'sato@example.jp');
    assert.match(mail.text, /Sato Hanako/);

    await expectText(page, 'case-notice-subject', mail.subject);
    await expectText(page, 'case-notice-status', 'Sent');
    await page.getByTestId('case-notice-show').click();
    const body = page.getByTestId('notice-text-body');
    await body.waitFor();
    assert.equal(
      ((await body.textContent()) ?? '').trim(),
      mail.text.trim(),
      'the text on the page is the text mailed',
    );
    await expectText(page, 'notice-text-subject', mail.subject);
  });

  test('resolve and close ask for a reason; the timeline shows each move with who made it', async () => {
    await act('resolved', 'subscriber removed the mailer');
    await expectText(page, 'case-state', 'Resolved');
    await act('closed', 'no new reports for a week');
    await expectText(page, 'case-state', 'Closed');
    assert.equal(await page.locator('button[data-testid^="case-action-"]').count(), 0, 'nothing left to do');

    const moves = page.locator('[data-testid="timeline-entry"][data-kind="state"]');
    await moves.nth(3).waitFor();
    assert.deepEqual(
      (await moves.getByTestId('timeline-move').allTextContents()).map((s) => s.trim()),
      ['Opened as New', 'New → Notified', 'Notified → Resolved', 'Resolved → Closed'],
    );
    assert.deepEqual(
      (await moves.getByTestId('timeline-actor').allTextContents()).map((s) => s.trim()),
      ['system:abuse', 'admin', 'admin', 'admin'],
    );
    const reasons = (await moves.getByTestId('timeline-reason').allTextContents()).map((s) => s.trim());
    assert.match(reasons[1]!, /^notice \d+ sent by e-mail .*by hand: first notice by mail$/);
    assert.deepEqual(reasons.slice(2), ['subscriber removed the mailer', 'no new reports for a week']);
    assert.equal(
      await page.locator('[data-testid="timeline-entry"][data-kind="notice"]').count(),
      1,
      'the notice is on the timeline',
    );
    await screenshot('case-page-en.png');
  });

  test('in Japanese the case page speaks Japanese', async () => {
    await page.getByTestId('lang-switch').selectOption('ja');
    await expectText(page, 'case-title', `ケース ${spamCase}`);
    await expectText(page, 'case-state', '完了');
    await expectText(page, 'case-type', 'スパム spam');
    await expectText(page, 'nav-cases', 'ケース');
    const moves = page.locator('[data-testid="timeline-entry"][data-kind="state"]').getByTestId('timeline-move');
    assert.equal((await moves.nth(1).textContent())?.trim(), '新規 → 通知済み');
    await expectText(page, 'case-notice-status', '送信済み');
    await expectText(page, 'case-action-outcome', 'ケースは「完了」になりました。');
    await screenshot('case-page-ja.png');
    await page.getByTestId('lang-switch').selectOption('en');
    await expectText(page, 'case-title', `Case ${spamCase}`);
  });

  test("a bulk move moves what it may and says which case it could not move, in the server's words", async () => {
    await page.getByTestId('nav-cases').click();
    await expectText(page, 'cases-title', 'Cases');
    await column('case-state', 2);
    for (const row of await page.getByTestId('case-row').all()) await row.getByTestId('case-select').check();
    await expectText(page, 'cases-selected', '2 selected');
    await page.getByTestId('cases-bulk-state').selectOption('ignored');
    await page.getByTestId('cases-bulk-reason').fill('sinkhole test traffic');
    await page.getByTestId('cases-bulk-apply').click();
    const outcome = page.getByTestId('cases-bulk-outcome');
    await outcome.waitFor();
    assert.match((await outcome.textContent()) ?? '', /1 moved, 1 not moved/);
    assert.match(
      (await page.getByTestId('cases-bulk-failure').textContent()) ?? '',
      new RegExp(`Case ${spamCase}: Case ${spamCase} is closed; it cannot become ignored`),
    );
    await page.getByTestId('case-row').filter({ hasText: 'Infected system' }).getByText('Ignored').waitFor();
  });

  test("a sighting of a subscriber links to the subscriber's cases", async () => {
    await page.getByTestId('nav-sightings').click();
    await page.getByTestId('sighting-cases').click();
    await page.waitForURL(/\/cases\?subscriber=C-23$/);
    assert.equal(await page.getByTestId('cases-filter-subscriber').inputValue(), 'C-23');
    assert.deepEqual(await column('case-subscriber', 2), ['C-23', 'C-23']);
  });

  test('the unassigned queue: the reason, a retry with its result, and an event given to a subscriber by hand', async () => {
    await page.getByTestId('nav-unassigned').click();
    await expectText(page, 'unassigned-title', 'Unassigned reports');
    await page.getByTestId('unassigned-row').first().waitFor();
    assert.equal(await page.getByTestId('unassigned-row').count(), 1);
    await expectText(page, 'unassigned-source', '203.0.113.140:61022');
    await expectText(page, 'unassigned-reason', 'No lease');
    assert.match((await page.getByTestId('unassigned-reason-no-lease').textContent()) ?? '', /No lease\s*1/);
    await screenshot('unassigned.png');

    await page.getByTestId('unassigned-retry').click();
    await expectText(
      page,
      'unassigned-retry-result',
      'Looked up 1 events again: 0 given to subscribers (0 new cases), 1 still unassigned.',
    );

    await page.getByTestId('unassigned-assign').click();
    await page.getByTestId('assign-subscriber').fill('C-23');
    await page.getByTestId('assign-reason').fill('business line, address not in the lease data');
    await page.getByTestId('assign-confirm').click();
    const result = page.getByTestId('assign-result');
    await result.waitFor();
    // C-23's infected-system case was ignored above, so the event opens a new one.
    assert.match((await result.textContent()) ?? '', /was given to C-23 in a new case: Case \d+/);
    await page.getByTestId('unassigned-empty').waitFor();
    await result.getByRole('link').click();
    await expectText(page, 'case-state', 'New');
    await expectText(page, 'case-event-source', '203.0.113.140:61022');
    assert.deepEqual(session!.pageErrors, [], 'no uncaught errors in the page');
  });

  test('an analyst reads cases but sees no action buttons and no contact details', async () => {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
    try {
      const analyst = await context.newPage();
      analyst.setDefaultTimeout(UI_TIMEOUT_MS);
      await signIn(analyst, server!.baseUrl, 'ana', ANALYST_PASSWORD);
      await analyst.getByTestId('home-title').waitFor();
      await analyst.getByTestId('nav-cases').click();
      await analyst.getByTestId('case-row').first().waitFor();
      assert.equal(await analyst.getByTestId('case-select').count(), 0);
      assert.equal(await analyst.getByTestId('cases-bulk').count(), 0);

      await analyst.goto(`${server!.baseUrl}/cases/${spamCase}`);
      await expectText(analyst, 'case-title', `Case ${spamCase}`);
      await analyst.getByTestId('case-notice-subject').waitFor();
      assert.equal(await analyst.getByTestId('case-actions').count(), 0);
      assert.equal(await analyst.getByTestId('case-note-form').count(), 0);
      assert.equal(await analyst.getByTestId('case-show-contact').count(), 0);
      assert.equal(await analyst.getByTestId('case-notice-show').count(), 0);
      await analyst.getByTestId('case-event-evidence').first().click();
      assert.ok(((await analyst.getByTestId('evidence-text').textContent()) ?? '').includes(SCRIPT));

      await analyst.getByTestId('nav-unassigned').click();
      await expectText(analyst, 'unassigned-title', 'Unassigned reports');
      assert.equal(await analyst.getByTestId('unassigned-retry').count(), 0);
      const me = (await (await analyst.request.get(`${server!.baseUrl}/api/auth/me`)).json()) as { csrfToken: string };
      const refused = await analyst.request.post(`${server!.baseUrl}/api/abuse/cases/${spamCase}/notify`, {
        data: { reason: 'not mine' },
        headers: { 'x-csrf-token': me.csrfToken },
      });
      assert.equal(refused.status(), 403, 'the API refuses too');
      assert.equal(((await refused.json()) as { code: string }).code, 'auth.forbidden');
    } finally {
      await context.close();
    }
  });
});
