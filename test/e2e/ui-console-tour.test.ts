// The whole console on the demo's data, as an operator first meets it: the demo's fill step (scripts/demo/fill.ts,
// the product's own commands) makes a small ISP's store, `mizugiwa serve` runs on it with a local SMTP server as the
// ISP's relay, and in Chromium an administrator signs in for the first time, visits every screen of the navigation
// and finds there what the demo's world put in (the heaviest C2 name, its sources, the feeds' counts and broken rows,
// the live RPZ, the infected subscriber's sightings and case, the report no lease explains, the imports in the audit
// log); walks a spam case from new through "notify now" (the notice's text on the page names the subscriber and the
// address, as mailed), resolve and close; approves a feed update held because the feed shrank; looks a subscriber up
// for a purpose and finds the look-up in the audit log by that purpose; sees every screen in Japanese; and a viewer
// sees no action buttons while the API refuses the action. Screenshots of every screen in both languages go to
// screenshotDir('tour'). Needs Chromium (Debian package `chromium`) and a build (`npm run build`).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import type { Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { fillDemo, type DemoFill } from '../../scripts/demo/fill.js';
import { HOUR_MS, type Subscriber } from '../../scripts/demo/world.js';
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
import { ENTRY, runCli, startServe, stopServe, type Served } from '../support/serve.js';

const WEB_INDEX = path.resolve(import.meta.dirname, '../../dist/web/index.html');
const ADMIN_PASSWORD = 'mizugiwa-no-konsoru-o-hitomeguri';
const VIEWER_PASSWORD = 'miru-dake-de-sawaranai';
const TOKYO_MS = 9 * HOUR_MS;
/** How many names of the phishing feed its shrunken copy keeps: 1,400 of 1,500 gone, over the share a run may retire. */
const PHISHING_KEPT = 100;

type Mail = { to: string; subject: string; text: string };

/** Each screen of the navigation: its nav test id, the test id of its heading and the heading in both languages. */
const SCREENS = [
  { nav: 'home', title: 'home-title', en: 'Overview', ja: '概要' },
  { nav: 'indicators', title: 'indicators-title', en: 'Indicators', ja: 'インジケーター' },
  { nav: 'sources', title: 'sources-title', en: 'Sources', ja: 'フィード' },
  { nav: 'enforcement', title: 'enforce-title', en: 'Enforcement', ja: 'ブロック適用' },
  { nav: 'sightings', title: 'sightings-title', en: 'Sightings', ja: 'サイティング' },
  { nav: 'cases', title: 'cases-title', en: 'Cases', ja: 'ケース' },
  { nav: 'unassigned', title: 'unassigned-title', en: 'Unassigned reports', ja: '未割当' },
  { nav: 'reports', title: 'reports-title', en: 'Reports intake', ja: 'レポート取込' },
  { nav: 'lookup', title: 'lookup-title', en: 'Subscriber look-up', ja: '加入者照会' },
  { nav: 'observationInputs', title: 'observe-title', en: 'Observation inputs', ja: '観測入力' },
  { nav: 'jobs', title: 'jobs-title', en: 'Jobs', ja: 'ジョブ' },
  { nav: 'deadLetters', title: 'deadletters-title', en: 'Dead letters', ja: 'デッドレター' },
  { nav: 'audit', title: 'audit-title', en: 'Audit log', ja: '監査ログ' },
  { nav: 'settings', title: 'settings-title', en: 'Settings', ja: '設定' },
] as const;
type ScreenName = (typeof SCREENS)[number]['nav'];

/** The screens a viewer is given: the route table's 'all', none of traffic data, cases or subscribers. */
const VIEWER_SCREENS: readonly ScreenName[] = [
  'home',
  'indicators',
  'sources',
  'enforcement',
  'observationInputs',
  'jobs',
  'deadLetters',
];

/** The address and port the outside world sees for a subscriber (as the demo's reports and CGNAT log have it). */
function seenAs(s: Subscriber): { address: string; port: number | null } {
  return s.cgnat ? { address: s.cgnat.address, port: s.cgnat.firstPort + 7 } : { address: s.inside, port: null };
}

/** The test ids of the navigation's links, top to bottom. */
async function navigation(page: Page): Promise<(string | null)[]> {
  const links = await page.getByTestId('nav').getByRole('link').all();
  return Promise.all(links.map((link) => link.getAttribute('data-testid')));
}

/** A time as a datetime-local field takes it, in Asia/Tokyo (the demo's ui.timezone): 2026-11-24T18:00. */
const tokyoWallTime = (ms: number) => new Date(ms + TOKYO_MS).toISOString().slice(0, 16);

describe('browser UI: a tour of the console on the demo data', { skip: chromiumMissing }, () => {
  let dir: string;
  let filled: DemoFill;
  let server: Served | undefined;
  let smtp: SMTPServer | undefined;
  let session: BrowserSession | undefined;
  let page: Page;
  const mails: Mail[] = [];
  const shots = screenshotDir('tour');

  const text = async (testId: string) => ((await page.getByTestId(testId).first().textContent()) ?? '').trim();
  const texts = async (testId: string) => (await page.getByTestId(testId).allTextContents()).map((s) => s.trim());
  /** The whole page from its top (the sticky header would cover the title otherwise). */
  const shot = async (name: string) => {
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  };
  const open = async (screen: ScreenName) => {
    const s = SCREENS.find((x) => x.nav === screen)!;
    await page.getByTestId(`nav-${screen}`).click();
    await expectText(page, s.title, s.en);
  };
  /** Rows with this test id once there are exactly `count` of them. */
  const rows = async (testId: string, count: number) => {
    const locator = page.getByTestId(testId);
    await locator.nth(count - 1).waitFor();
    await locator.nth(count).waitFor({ state: 'detached' });
    return locator;
  };

  before(async () => {
    assert.ok(existsSync(ENTRY), `${ENTRY} is missing`);
    assert.ok(existsSync(WEB_INDEX), `${WEB_INDEX} is missing: run npm run build first`);
    dir = await mkdtemp(path.join(os.tmpdir(), 'mizugiwa-ui-tour-'));
    filled = await fillDemo(dir);

    // The ISP's relay: keeps each notice as the subscriber gets it.
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      onData(stream, envelope, done) {
        simpleParser(stream).then(
          (m) => {
            const to = envelope.envelope.rcptTo.map((r) => r.address).join(',');
            mails.push({ to, subject: m.subject ?? '', text: m.text ?? '' });
            done();
          },
          (err: Error) => done(err),
        );
      },
    });
    await new Promise<void>((resolve) => smtp!.listen(0, '127.0.0.1', resolve));
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    // The demo's config with notices sent through that relay, by hand only (no schedule would mail the whole queue).
    const configFile = path.join(dir, 'mizugiwa.yaml');
    const config = readFileSync(configFile, 'utf8');
    assert.match(config, /^abuse:\n/m);
    writeFileSync(
      configFile,
      config.replace(
        /^abuse:\n/m,
        [
          'abuse:',
          '  notices:',
          "    schedule: ''",
          '    contact:',
          '      mail: support@isp.example.jp',
          '    smtp:',
          "      host: '127.0.0.1'",
          `      port: ${smtpPort}`,
          '      from: abuse@isp.example.jp',
          '',
        ].join('\n'),
      ),
    );

    server = await startServe(dir);
    assert.ok(server.password, 'the first start prints a one-time password');
    const viewer = runCli(['user', 'add', 'watcher', '--role', 'viewer', '--password-stdin'], {
      cwd: dir,
      input: `${VIEWER_PASSWORD}\n`,
    });
    assert.equal(viewer.code, 0, viewer.stdout + viewer.stderr);
    session = await openBrowser('en-US');
    page = session.page;
  });

  after(async () => {
    await session?.browser.close();
    if (server) await stopServe(server);
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
    if (dir) await rm(dir, { recursive: true, force: true });
    console.log(`# screenshots: ${shots}`);
  });

  test('every screen of the navigation shows what the demo put in', async () => {
    const { world, expected } = filled;
    const worst = world.infections[0]!.subscriber;
    assert.equal(worst.id, expected.subscriber);
    await signInFirstTime(page, server!.baseUrl, 'admin', server!.password!, ADMIN_PASSWORD);
    const offered = await navigation(page);
    assert.deepEqual(
      offered,
      SCREENS.map((s) => `nav-${s.nav}`),
      'the administrator is offered every screen, and this tour visits each',
    );

    // Overview: the C2 name called most tops the list; its link opens the Sightings screen filtered to it.
    await expectText(page, 'home-title', 'Overview');
    await page.locator('[data-testid="dashboard-loaded"][data-range="24h"]').waitFor({ state: 'attached' });
    await expectText(page, 'dash-indicator-value', expected.indicator);
    await expectText(page, 'dash-subscriber-id', expected.subscriber);
    await shot('home-en');
    await page.getByTestId('dash-indicator-value').first().click();
    await page.waitForURL(`**/sightings?indicator=${expected.indicator}`);
    await expectText(page, 'sightings-title', 'Sightings');
    // Its caller beacons every five minutes all day: a full first page, every row that name from that machine.
    const sightings = await rows('sighting-row', 50);
    assert.deepEqual(
      new Set(await sightings.getByTestId('sighting-indicator').allTextContents()),
      new Set([expected.indicator]),
    );
    // The client cell holds the address and, as the client is attributed, a link to the subscriber's cases.
    for (const client of await sightings.getByTestId('sighting-client').allTextContents()) {
      assert.ok(client.startsWith(worst.inside), `${client} is ${worst.inside}`);
    }
    assert.deepEqual(
      new Set(await sightings.getByTestId('sighting-cases').allTextContents()),
      new Set([`Open the cases of ${worst.id}`]),
    );
    assert.equal(await page.getByTestId('sightings-filter-indicator').inputValue(), expected.indicator);
    await shot('sightings-en');

    // Indicators: that name, claimed by the C2 feed, blocked by RPZ.
    await open('indicators');
    await page.getByTestId('indicator-search-input').fill(expected.indicator);
    await page.getByTestId('indicator-search-match').selectOption('exact');
    await page.getByTestId('indicator-search-submit').click();
    await rows('indicator-result', 1);
    await page.getByTestId('indicator-result-open').click();
    await expectText(page, 'indicator-detail-value', expected.indicator);
    // The claims render after the indicator's heading: wait for the row before reading its cells.
    const claimRow = page.getByTestId('indicator-claim-c2-threatfox');
    await claimRow.locator('td').first().waitFor();
    const claim = (await claimRow.locator('td').allTextContents()).join(' | ');
    assert.match(claim, /^c2-threatfox \| C2 \|/);
    assert.equal(await page.getByTestId('indicator-claim-phishing-partner').count(), 0, 'one source lists it');
    await expectText(page, 'indicator-point-rpz-action', 'Blocks');
    await shot('indicators-en');

    // Sources: each feed's count, and the C2 feed's three broken rows.
    await open('sources');
    const c2Count = world.c2Domains.length + world.c2Addresses.length;
    await expectText(page, 'source-c2-threatfox-total', c2Count.toLocaleString('en-US'));
    await expectText(page, 'source-phishing-partner-total', world.phishingDomains.length.toLocaleString('en-US'));
    assert.match(await text('source-c2-threatfox-last-result'), /2,000 accepted .*, 3 rejected/);
    await shot('sources-en');

    // Enforcement: version 1 of RPZ live with every listed name; the proxy in shadow mode.
    await open('enforcement');
    const names = world.c2Domains.length + world.phishingDomains.length;
    await expectText(page, 'enforce-rpz-live', 'v1');
    await expectText(page, 'enforce-rpz-entries', names.toLocaleString('en-US'));
    await expectText(page, 'enforce-squid-entries', names.toLocaleString('en-US'));
    await shot('enforcement-en');

    // Sightings from the navigation: everything, the filter from the link gone.
    await open('sightings');
    assert.equal(await page.getByTestId('sightings-filter-indicator').inputValue(), '');
    const listed = new Set([
      ...world.c2Domains,
      ...world.phishingDomains,
      ...world.phishingDomains.map((d) => `www.${d}`),
    ]);
    for (const value of await (await rows('sighting-row', 50)).getByTestId('sighting-indicator').allTextContents()) {
      assert.ok(listed.has(value.trim()), `${value} is one of the feeds' names`);
    }

    // Cases: one per infected machine, spammer and file sharer; the worst one was notified and reminded by the fill.
    await open('cases');
    const caseCount = world.infections.length + world.spammers.length + world.sharers.length;
    await expectText(page, 'pager-range', `1–${caseCount} of ${caseCount}`);
    const worstCase = page.getByTestId('case-row').filter({ hasText: expected.subscriber });
    assert.equal(await worstCase.count(), 1);
    assert.equal((await worstCase.getByTestId('case-state').textContent())?.trim(), 'Reminded');
    assert.equal((await worstCase.getByTestId('case-type').textContent())?.trim(), 'Infected system');
    await shot('cases-en');

    // Unassigned: the sinkhole hit from an address no lease covers.
    await open('unassigned');
    await rows('unassigned-row', 1);
    await expectText(page, 'unassigned-source', '198.51.100.250:50123');
    await expectText(page, 'unassigned-reason', 'No lease');
    await shot('unassigned-en');

    // Reports intake: the upload form recognises the demo's spam report and previews its source address.
    await open('reports');
    await page.getByTestId('report-file').setInputFiles(path.join(dir, 'reports', 'arf-1.eml'));
    await expectText(page, 'report-detected', 'Recognised as: ARF (feedback report mail).');
    const spammer = seenAs(world.spammers[0]!);
    await page.getByTestId('preview-event-address').first().waitFor();
    assert.ok((await text('preview-event-address')).startsWith(spammer.address), 'the preview names the sender');
    await shot('reports-en');

    // Subscriber look-up: the purposes the server offers; it says the look-up is recorded.
    await open('lookup');
    // The purposes come from the server after the form is drawn: wait for one before reading them all.
    const purposeOptions = page.getByTestId('lookup-purpose').locator('option');
    await purposeOptions.filter({ hasText: 'Legal disclosure request' }).waitFor({ state: 'attached' });
    const purposes = await purposeOptions.allTextContents();
    assert.ok(purposes.includes('Legal disclosure request'), purposes.join(', '));
    assert.match(await text('lookup-recorded'), /recorded in the audit log/);
    await shot('lookup-en');

    // Observation inputs: the replayed resolver log, read to its last line.
    await open('observationInputs');
    const lines = readFileSync(path.join(dir, 'logs', 'query.log'), 'utf8')
      .trimEnd()
      .split('\n').length;
    const replay = page.getByTestId('observe-input-replay:bind-querylog');
    assert.match(
      (await replay.getByTestId('observe-position').textContent()) ?? '',
      new RegExp(`query\\.log.*line ${lines.toLocaleString('en-US')}`),
    );
    await shot('observationInputs-en');

    // Jobs: each import of the fill, all succeeded.
    await open('jobs');
    const reportCount = filled.steps.filter((s) => s.step.startsWith('report ')).length;
    await page.getByTestId('job-row').first().waitFor();
    const kinds = await texts('job-kind');
    assert.equal(kinds.filter((k) => k === 'abuse.import').length, reportCount);
    for (const kind of ['subscribers.import', 'attribute.import', 'intel.fetch', 'observe.replay']) {
      assert.ok(kinds.includes(kind), `a ${kind} job: ${kinds.join(', ')}`);
    }
    assert.deepEqual(new Set(await texts('job-state')), new Set(['Succeeded']));
    await shot('jobs-en');

    // Dead letters: the C2 feed's broken rows, with the reason of each.
    await open('deadLetters');
    const rejected = (filled.steps.find((s) => s.step === 'c2 feed')!.result as { rejected: number }).rejected;
    await rows('deadletter-row', rejected);
    assert.deepEqual(new Set(await texts('deadletter-source')), new Set(['c2-threatfox']));
    assert.ok(
      (await texts('deadletter-reason')).some((r) => r.includes('"yesterday" is not a time')),
      'the row with a date that is not one',
    );
    await shot('deadLetters-en');

    // Audit log: the fill's report imports, by the command line.
    await open('audit');
    await page.getByTestId('audit-filter-action').fill('abuse.import');
    await page.getByTestId('audit-apply').click();
    await rows('audit-row', reportCount);
    assert.deepEqual(new Set(await texts('audit-actor')), new Set(['cli:root']));
    await shot('audit-en');
    await page.getByTestId('audit-clear').click();

    // Settings: the administrator and the viewer made beside the server.
    await open('settings');
    const user = (name: string) => page.locator(`[data-testid="user-row"][data-username="${name}"]`);
    await user('watcher').waitFor();
    assert.equal((await user('admin').getByTestId('user-row-role').textContent())?.trim(), 'Administrator');
    assert.equal((await user('watcher').getByTestId('user-row-role').textContent())?.trim(), 'Viewer');
    await shot('settings-en');
  });

  test('a spam case from new through notify now, resolve and close; the timeline shows each step', async () => {
    const subscriber = filled.world.spammers[0]!;
    await page.goto(`${server!.baseUrl}/cases?subscriber=${subscriber.id}`);
    const row = await rows('case-row', 1);
    assert.equal((await row.getByTestId('case-type').textContent())?.trim(), 'Spam');
    await row.getByTestId('case-link').click();
    await page.waitForURL(/\/cases\/\d+$/);
    const caseId = Number(new URL(page.url()).pathname.split('/').pop());
    await expectText(page, 'case-title', `Case ${caseId}`);
    await expectText(page, 'case-state', 'New');
    await expectText(page, 'case-subscriber-id', subscriber.id);
    await shot('case-page-new-en');

    const act = async (action: string, reason: string) => {
      await page.getByTestId(`case-action-${action}`).click();
      await page.getByTestId('case-reason-reason').fill(reason);
      await page.getByTestId('case-reason-confirm').click();
      await page.getByTestId('case-reason').waitFor({ state: 'detached' });
    };
    await act('notify', 'tour: first notice by mail');
    assert.match(await text('case-action-outcome'), /The notice \(notice \d+\) was handed to the mail relay/);
    await expectText(page, 'case-state', 'Notified');
    assert.equal(mails.length, 1, 'one notice went through the relay');
    const mail = mails[0]!;
    assert.equal(mail.to, subscriber.email);

    await expectText(page, 'case-notice-status', 'Sent');
    await page.getByTestId('case-notice-show').click();
    const body = page.getByTestId('notice-text-body');
    await body.waitFor();
    const shown = ((await body.textContent()) ?? '').trim();
    assert.equal(shown, mail.text.trim(), 'the page shows the text that was mailed');
    assert.ok(shown.includes(subscriber.name), `the notice names ${subscriber.name}`);
    assert.ok(shown.includes(seenAs(subscriber).address), 'the notice names the address the report gave');

    await act('resolved', 'tour: the mailer was removed');
    await expectText(page, 'case-state', 'Resolved');
    await act('closed', 'tour: no new reports for a week');
    await expectText(page, 'case-state', 'Closed');
    const moves = page.locator('[data-testid="timeline-entry"][data-kind="state"]');
    await moves.nth(3).waitFor();
    assert.deepEqual(
      (await moves.getByTestId('timeline-move').allTextContents()).map((s) => s.trim()),
      ['Opened as New', 'New → Notified', 'Notified → Resolved', 'Resolved → Closed'],
    );
    const reasons = (await moves.getByTestId('timeline-reason').allTextContents()).map((s) => s.trim());
    assert.match(reasons[1]!, /by hand: tour: first notice by mail$/);
    assert.deepEqual(reasons.slice(2), ['tour: the mailer was removed', 'tour: no new reports for a week']);
    assert.equal(await page.locator('[data-testid="timeline-entry"][data-kind="notice"]').count(), 1);
    await shot('case-page-en');
  });

  test('a feed that shrank is held on fetch now, and approving retires what it dropped', async () => {
    const feed = path.join(dir, 'feeds', 'phishing.csv');
    const [header, ...entries] = readFileSync(feed, 'utf8').trimEnd().split('\n');
    writeFileSync(feed, `${[header, ...entries.slice(0, PHISHING_KEPT)].join('\n')}\n`);
    const removed = (entries.length - PHISHING_KEPT).toLocaleString('en-US');

    await open('sources');
    await page.getByTestId('source-phishing-partner-fetch').click();
    await page.getByTestId('source-phishing-partner-held-badge').waitFor({ timeout: 60_000 });
    await expectText(page, 'source-phishing-partner-held-removed', removed);
    await expectText(page, 'source-phishing-partner-held-listed', String(PHISHING_KEPT));
    await expectText(page, 'source-phishing-partner-total', entries.length.toLocaleString('en-US'));
    await shot('sources-held-en');

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByTestId('source-phishing-partner-approve').click();
    await expectText(
      page,
      'sources-notice',
      `phishing-partner: ${removed} indicators retired; ${PHISHING_KEPT} claims now.`,
    );
    await expectText(page, 'source-phishing-partner-total', String(PHISHING_KEPT));
    await page.getByTestId('source-phishing-partner-held').waitFor({ state: 'detached' });
  });

  test('a look-up with a purpose finds the subscriber, and the audit log finds the look-up by that purpose', async () => {
    const subscriber = filled.world.infections[0]!.subscriber;
    const seen = seenAs(subscriber);
    const at = filled.world.now - 3 * HOUR_MS;
    await open('lookup');
    await page.getByTestId('lookup-address').fill(seen.address);
    if (seen.port !== null) await page.getByTestId('lookup-port').fill(String(seen.port));
    await page.getByTestId('lookup-at').fill(tokyoWallTime(at));
    await page.getByTestId('lookup-purpose').selectOption('legal-disclosure');
    await page.getByTestId('lookup-reference').fill('TOUR-7');
    await page.getByTestId('lookup-submit').click();
    await rows('lookup-candidate', 1);
    await expectText(page, 'candidate-subscriber-id', subscriber.id);
    await expectText(page, 'contact-name', subscriber.name);
    await shot('lookup-result-en');

    await open('audit');
    await page.getByTestId('audit-filter-purpose').selectOption('legal-disclosure');
    await page.getByTestId('audit-apply').click();
    const entries = page.getByTestId('audit-row');
    const lookup = entries.filter({ hasText: 'attribution.lookup' });
    // The unfiltered list stays until the filtered one arrives: wait until no entry of another purpose is shown.
    await entries.filter({ hasNotText: 'legal-disclosure: TOUR-7' }).first().waitFor({ state: 'detached' });
    await lookup.first().waitFor();
    assert.equal(await lookup.count(), 1);
    assert.deepEqual(new Set(await texts('audit-purpose')), new Set(['legal-disclosure: TOUR-7']));
    assert.deepEqual(new Set(await texts('audit-actor')), new Set(['user:admin']));
    const target = `address:${seen.address}${seen.port === null ? '' : `#${seen.port}`}@${new Date(at).toISOString()}`;
    assert.equal((await lookup.getByTestId('audit-target').textContent())?.trim(), target);
    await shot('audit-purpose-en');
    await page.getByTestId('audit-clear').click();
  });

  test('in Japanese every screen speaks Japanese', async () => {
    await page.getByTestId('lang-switch').selectOption('ja');
    for (const screen of SCREENS) {
      await page.getByTestId(`nav-${screen.nav}`).click();
      await expectText(page, screen.title, screen.ja);
      await expectText(page, `nav-${screen.nav}`, screen.ja);
      await shot(`${screen.nav}-ja`);
    }
    // Words from the data follow too: the walked case's state and class.
    const subscriber = filled.world.spammers[0]!;
    await page.goto(`${server!.baseUrl}/cases?subscriber=${subscriber.id}`);
    await expectText(page, 'case-state', '完了');
    await page.getByTestId('case-link').click();
    await expectText(page, 'case-type', 'スパム spam');
    assert.match(await text('case-title'), /^ケース \d+$/);
    await shot('case-page-ja');

    await page.getByTestId('lang-switch').selectOption('en');
    await expectText(page, 'case-state', 'Closed');
    await expectText(page, 'nav-cases', 'Cases');
  });

  test('a viewer sees no action buttons, and the API refuses an action', async () => {
    const context = await session!.browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
    try {
      const viewer = await context.newPage();
      viewer.setDefaultTimeout(UI_TIMEOUT_MS);
      const viewerErrors: string[] = [];
      viewer.on('pageerror', (err) => viewerErrors.push(err.message));
      await signIn(viewer, server!.baseUrl, 'watcher', VIEWER_PASSWORD);
      await viewer.getByTestId('home-title').waitFor();
      const offered = await navigation(viewer);
      assert.deepEqual(
        offered,
        VIEWER_SCREENS.map((s) => `nav-${s}`),
      );
      await viewer.getByTestId('dash-cases-open').waitFor();
      assert.equal(await viewer.getByTestId('dash-top-subscribers').count(), 0);

      await viewer.getByTestId('nav-indicators').click();
      await viewer.getByTestId('allowlist-read-only').waitFor();
      assert.equal(await viewer.getByTestId('allowlist-form').count(), 0);
      await viewer.getByTestId('indicator-search-input').fill(filled.expected.indicator);
      await viewer.getByTestId('indicator-search-match').selectOption('exact');
      await viewer.getByTestId('indicator-search-submit').click();
      await viewer.getByTestId('indicator-result-open').click();
      await viewer.getByTestId('indicator-enforcement').waitFor();
      assert.equal(await viewer.getByTestId('indicator-allowlist-it').count(), 0);

      await viewer.getByTestId('nav-sources').click();
      await viewer.getByTestId('sources-read-only').waitFor();
      await expectText(viewer, 'source-phishing-partner-total', String(PHISHING_KEPT));
      assert.equal(await viewer.locator('[data-testid$="-fetch"], [data-testid$="-approve"]').count(), 0);

      await viewer.getByTestId('nav-enforcement').click();
      await expectText(viewer, 'enforce-rpz-live', 'v1');
      assert.equal(await viewer.locator('[data-testid$="-publish"], [data-testid$="-approve"]').count(), 0);

      for (const screen of ['observationInputs', 'jobs', 'deadLetters'] as const) {
        const s = SCREENS.find((x) => x.nav === screen)!;
        await viewer.getByTestId(`nav-${screen}`).click();
        await expectText(viewer, s.title, s.en);
      }
      await viewer.getByTestId('deadletter-row').first().waitFor();
      await viewer.screenshot({ path: path.join(shots, 'deadLetters-viewer-en.png'), fullPage: true });

      const me = (await (await viewer.request.get(`${server!.baseUrl}/api/auth/me`)).json()) as { csrfToken: string };
      const refused = await viewer.request.post(`${server!.baseUrl}/api/intel/sources/c2-threatfox/fetch`, {
        headers: { 'x-csrf-token': me.csrfToken },
      });
      assert.equal(refused.status(), 403, 'the API refuses a viewer the action too');
      assert.deepEqual(viewerErrors, [], 'no uncaught errors in the viewer page');
    } finally {
      await context.close();
    }
    assert.deepEqual(session!.pageErrors, [], 'no uncaught errors in the page');
  });
});
