// The Sightings and Observation inputs screens against the real server: sightings written into the server's store (as
// the observation pipeline writes them), then in Chromium the newest first with paging, filters by client and by a
// time range typed in the operator's zone (Asia/Tokyo), the server's message for a bad filter, a filter in the address
// (a dashboard link, a reload), the Japanese screen, the inputs with their positions and highlighted errors and drops,
// and a viewer who is not shown sightings at all.
// Needs Chromium (Debian package `chromium`) and a build (`npm run build`, which `npm test` runs first).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openSqlite, SQLITE_FILE_NAME } from '../../src/store/open.js';
import { writeObservationFlush, type SightingDelta } from '../../src/store/sightings.js';
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
/** The screen shows 50 sightings a page. */
const PAGE_SIZE = 50;
const REPLAY_INPUT = 'replay:bind-querylog';

const sighting = (over: Partial<SightingDelta> & Pick<SightingDelta, 'windowStart'>): SightingDelta => {
  const start = Date.parse(over.windowStart);
  return {
    indicatorType: 'domain',
    indicatorValue: 'c2.example',
    point: 'dns',
    client: '192.0.2.10',
    firstSeen: new Date(start + 60_000).toISOString(),
    lastSeen: new Date(start + 180_000).toISOString(),
    count: 1,
    blockedCount: 0,
    categories: ['c2'],
    sources: ['feed-a'],
    input: 'resolver1',
    detail: null,
    subscriber: null,
    ...over,
  };
};

// 60 older ones for paging, then three: 09:00, 10:00 and 11:00 in Tokyo on 1 April 2025. Written in time order, so
// the newest has the highest id, as in a running server.
const BULK = Array.from({ length: 60 }, (_, i) =>
  sighting({
    windowStart: new Date(Date.parse('2025-03-31T00:00:00.000Z') + i * 300_000).toISOString(),
    indicatorValue: 'bulk.example',
    client: `10.0.0.${i + 1}`,
    categories: ['malware'],
    input: 'bulk',
  }),
);
const RECENT = [
  sighting({ windowStart: '2025-04-01T00:00:00.000Z', count: 12, blockedCount: 12, detail: 'A NXDOMAIN' }),
  sighting({
    windowStart: '2025-04-01T01:00:00.000Z',
    indicatorValue: 'phish.example',
    point: 'proxy',
    client: '2001:db8::7',
    count: 3,
    blockedCount: 1,
    categories: ['phishing'],
    input: 'squid1',
  }),
  sighting({
    windowStart: '2025-04-01T02:00:00.000Z',
    indicatorType: 'ipv4',
    indicatorValue: '198.51.100.9',
    point: 'firewall',
    count: 5,
    categories: ['botnet', 'c2'],
    input: 'fw1',
  }),
];

/** Waits until the table has `count` rows and returns the text of one column's cells, top to bottom. */
async function column(page: Page, testId: string, count: number): Promise<string[]> {
  const rows = page.getByTestId('sighting-row');
  // Row `count` there and row `count + 1` gone: the table has been redrawn with the expected number of rows.
  await rows.nth(count - 1).waitFor({ timeout: UI_TIMEOUT_MS });
  await rows.nth(count).waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
  assert.equal(await rows.count(), count);
  return (await rows.getByTestId(testId).allTextContents()).map((s) => s.trim());
}

describe('browser UI: sightings and observation inputs', { skip: chromiumMissing }, () => {
  let workDir: string;
  let shotDir: string;
  let server: Served | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let pageErrors: string[] = [];
  let replayLog: string;

  before(async () => {
    assert.ok(existsSync(ENTRY), `${ENTRY} is missing`);
    assert.ok(existsSync(WEB_INDEX), `${WEB_INDEX} is missing: run npm run build first`);
    workDir = await mkdtemp(path.join(os.tmpdir(), 'mizugiwa-ui-sightings-'));
    shotDir = await mkdtemp(path.join(os.tmpdir(), 'mizugiwa-ui-sightings-shots-'));
    writeFileSync(path.join(workDir, 'query.log'), '');
    writeFileSync(
      path.join(workDir, 'mizugiwa.yaml'),
      [
        'observe:',
        '  inputs:',
        `    - {name: resolver1, type: file, format: bind-querylog, path: '${path.join(workDir, 'query.log')}'}`,
        'enforce:',
        '  rpz:',
        "    listen: '127.0.0.1:0'",
        '  sinkhole:',
        "    listen: '127.0.0.1:0'",
        '',
      ].join('\n'),
    );

    server = await startServe(workDir);
    assert.ok(server.password, 'the first start prints a one-time password');
    const res = runCli(['user', 'add', 'watcher', '--role', 'viewer', '--password-stdin'], {
      cwd: workDir,
      input: `${VIEWER_PASSWORD}\n`,
    });
    assert.equal(res.code, 0, res.stdout + res.stderr);

    // Beside the running server, as `observe replay` from a shell would: sightings, one input's position (400 of
    // 1000 bytes read) and this minute's counts with errors and drops.
    replayLog = path.join(workDir, 'replayed.log');
    writeFileSync(replayLog, 'x'.repeat(1000));
    const store = openSqlite(path.join(workDir, 'data', SQLITE_FILE_NAME));
    try {
      const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
      await writeObservationFlush(store.db, {
        sightings: BULK,
        counts: [{ input: REPLAY_INPUT, point: 'dns', minute, observed: 600, matched: 7, rejected: 2, dropped: 1 }],
        deadLetters: [],
        raw: [],
        positions: [
          {
            input: REPLAY_INPUT,
            path: replayLog,
            dev: 1,
            ino: statSync(replayLog).ino,
            offset: 400,
            line: 9,
            head: 'x',
          },
        ],
      });
      for (const s of RECENT) {
        await writeObservationFlush(store.db, { sightings: [s], counts: [], deadLetters: [], raw: [], positions: [] });
      }
    } finally {
      await store.close();
    }

    ({ browser, page, pageErrors } = await openBrowser('en-US'));
  });

  after(async () => {
    await browser?.close();
    if (server) await stopServe(server);
    if (workDir) await rm(workDir, { recursive: true, force: true });
    if (shotDir) console.log(`# screenshots: ${shotDir}`);
  });

  test('the Sightings screen lists the newest first, 50 a page, with older and newer pages', async () => {
    await signInFirstTime(page, server!.baseUrl, 'admin', server!.password!, ADMIN_PASSWORD);
    await expectText(page, 'home-title', 'Overview');

    await page.getByTestId('nav-sightings').click();
    await expectText(page, 'sightings-title', 'Sightings');
    assert.equal(new URL(page.url()).pathname, '/sightings');
    const clients = await column(page, 'sighting-client', PAGE_SIZE);
    assert.deepEqual(clients.slice(0, 4), ['192.0.2.10', '2001:db8::7', '192.0.2.10', '10.0.0.60']);
    assert.deepEqual((await column(page, 'sighting-point', PAGE_SIZE)).slice(0, 3), ['Firewall', 'Proxy', 'DNS']);
    assert.deepEqual((await column(page, 'sighting-blocked', PAGE_SIZE)).slice(0, 3), [
      'Monitored',
      '1 / 3 blocked',
      '12 / 12 blocked',
    ]);
    await expectText(page, 'keyset-pager-page', 'Page 1');
    await page.screenshot({ path: path.join(shotDir, 'sightings-en.png'), fullPage: true });

    await page.getByTestId('keyset-pager-older').click();
    await expectText(page, 'keyset-pager-page', 'Page 2');
    const older = await column(page, 'sighting-client', BULK.length + RECENT.length - PAGE_SIZE);
    // Page 1 held the three recent sightings and bulk 60 down to 14: page 2 goes on at 13, without a gap or a repeat.
    assert.equal(older[0], '10.0.0.13');
    assert.equal(older[older.length - 1], '10.0.0.1', 'the oldest sighting ends the last page');
    assert.equal(await page.getByTestId('keyset-pager-older').isDisabled(), true, 'no page after the last');

    await page.getByTestId('keyset-pager-newer').click();
    await expectText(page, 'keyset-pager-page', 'Page 1');
    assert.deepEqual((await column(page, 'sighting-client', PAGE_SIZE)).slice(0, 1), ['192.0.2.10']);
  });

  test('a client filter shows that client alone, times in the operator zone', async () => {
    await page.getByTestId('sightings-filter-client').fill('192.0.2.10');
    await page.getByTestId('sightings-apply').click();
    assert.deepEqual(await column(page, 'sighting-indicator', 2), ['198.51.100.9', 'c2.example']);
    assert.deepEqual(await column(page, 'sighting-blocked', 2), ['Monitored', '12 / 12 blocked']);
    // Last seen 02:03 UTC is 11:03 in Asia/Tokyo, the default zone.
    assert.match((await page.getByTestId('sighting-row').first().locator('time').textContent()) ?? '', /11:03:00/);
    assert.equal(await page.getByTestId('keyset-pager-older').isDisabled(), true);
  });

  test('a time range typed in Tokyo time selects by that time', async () => {
    // 10:00–12:00 in Tokyo is 01:00–03:00 UTC: the 02:01 firewall sighting, not the 00:01 DNS one. Read as UTC, the
    // range would find nothing of this client.
    await page.getByTestId('sightings-filter-from').fill('2025-04-01T10:00');
    await page.getByTestId('sightings-filter-to').fill('2025-04-01T12:00');
    await page.getByTestId('sightings-apply').click();
    assert.deepEqual(await column(page, 'sighting-indicator', 1), ['198.51.100.9']);
  });

  test("a filter the server refuses shows the server's reason; clearing shows everything again", async () => {
    await page.getByTestId('sightings-filter-client').fill('not-an-address');
    await page.getByTestId('sightings-apply').click();
    const error = page.getByTestId('sightings-error');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /client: expected an IPv4 or IPv6 address/);
    assert.equal(await page.getByTestId('sighting-row').count(), 0, 'no stale rows under the error');

    await page.getByTestId('sightings-clear').click();
    await page.getByTestId('sightings-error').waitFor({ state: 'detached' });
    assert.equal((await column(page, 'sighting-client', PAGE_SIZE))[0], '192.0.2.10');
    assert.equal(await page.getByTestId('sightings-filter-client').inputValue(), '');
  });

  test('a link with ?indicator= opens the list filtered; the address follows the filters and survives a reload', async () => {
    // As the dashboard links it; the server normalises the value, so the capital letters still find it.
    await page.goto(`${server!.baseUrl}/sightings?indicator=Phish.example`);
    await expectText(page, 'sightings-title', 'Sightings');
    assert.deepEqual(await column(page, 'sighting-client', 1), ['2001:db8::7']);
    assert.equal(await page.getByTestId('sightings-filter-indicator').inputValue(), 'Phish.example');

    await page.getByTestId('sightings-filter-indicator').fill('c2.example');
    await page.getByTestId('sightings-filter-point').selectOption('dns');
    await page.getByTestId('sightings-apply').click();
    await page.waitForURL(/\/sightings\?indicator=c2\.example&point=dns$/);
    // The filtered list before has one row too: wait for the new one, not just for one row.
    await expectText(page, 'sighting-blocked', '12 / 12 blocked');
    assert.deepEqual(await column(page, 'sighting-blocked', 1), ['12 / 12 blocked']);
    await page.reload();
    await expectText(page, 'sighting-blocked', '12 / 12 blocked');
    assert.deepEqual(await column(page, 'sighting-blocked', 1), ['12 / 12 blocked']);
    assert.equal(await page.getByTestId('sightings-filter-point').inputValue(), 'dns');

    // The menu's Sightings while a filter is shown: the whole list, and an empty form; back brings the filter back.
    await page.getByTestId('nav-sightings').click();
    await page.waitForURL(/\/sightings$/);
    assert.equal((await column(page, 'sighting-client', PAGE_SIZE))[0], '192.0.2.10');
    assert.equal(await page.getByTestId('sightings-filter-indicator').inputValue(), '');
    await page.goBack();
    await page.waitForURL(/\/sightings\?indicator=c2\.example&point=dns$/);
    // The whole list stays until the filtered one arrives, and has such a row too: wait for the one row alone.
    assert.deepEqual(await column(page, 'sighting-blocked', 1), ['12 / 12 blocked']);
    assert.equal(await page.getByTestId('sightings-filter-indicator').inputValue(), 'c2.example');

    await page.getByTestId('sightings-clear').click();
    await page.waitForURL(/\/sightings$/);
    assert.equal((await column(page, 'sighting-client', PAGE_SIZE))[0], '192.0.2.10');
  });

  test('in Japanese the screen and its words follow', async () => {
    await page.getByTestId('lang-switch').selectOption('ja');
    await expectText(page, 'sightings-title', 'サイティング');
    await expectText(page, 'nav-sightings', 'サイティング');
    assert.deepEqual((await column(page, 'sighting-blocked', PAGE_SIZE)).slice(0, 3), [
      '監視のみ',
      '3 件中 1 件をブロック',
      '12 件中 12 件をブロック',
    ]);
    assert.deepEqual((await column(page, 'sighting-point', PAGE_SIZE)).slice(0, 2), ['ファイアウォール', 'プロキシ']);
    await page.screenshot({ path: path.join(shotDir, 'sightings-ja.png'), fullPage: true });
  });

  test('the inputs screen shows each input with its position, and errors and drops stand out', async () => {
    await page.getByTestId('nav-observationInputs').click();
    await expectText(page, 'observe-title', '観測入力');
    const replayed = page.getByTestId(`observe-input-${REPLAY_INPUT}`);
    await replayed.waitFor();
    assert.match(
      (await replayed.getByTestId('observe-position').textContent()) ?? '',
      /replayed\.log9 行目 \(400 B の位置\)/,
    );
    assert.equal((await replayed.getByTestId('observe-behind').textContent())?.trim(), '600 B');
    assert.equal(await replayed.getByTestId('observe-errors').getAttribute('data-trouble'), 'error');
    assert.equal(await replayed.getByTestId('observe-dropped').getAttribute('data-trouble'), 'drop');
    assert.equal((await replayed.getByTestId('observe-errors').textContent())?.trim(), '2');

    // The configured input is listed; its counts depend on what the running server read, so only their look is checked.
    const configured = page.getByTestId('observe-input-resolver1');
    await configured.waitFor();
    for (const cell of ['observe-errors', 'observe-dropped']) {
      const trouble = await configured.getByTestId(cell).getAttribute('data-trouble');
      const value = Number((await configured.getByTestId(cell).textContent())?.trim());
      assert.equal(trouble === null, value === 0, `${cell}: highlighted exactly when not zero`);
    }

    // Live counters: the table when this server runs the inputs, the note when it does not, as the API says.
    const status = (await (await page.request.get(`${server!.baseUrl}/api/observe/status`)).json()) as {
      live: { input: string }[] | null;
    };
    if (status.live === null || status.live.length === 0) {
      await page.getByTestId('observe-no-live').waitFor();
    } else {
      for (const input of status.live) await page.getByTestId(`observe-live-${input.input}`).waitFor();
    }
    await page.screenshot({ path: path.join(shotDir, 'observation-inputs-ja.png'), fullPage: true });
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  });

  test('a viewer sees the inputs but no Sightings screen, not even by its address', async () => {
    const viewerContext = await browser!.newContext({ locale: 'en-US' });
    try {
      const viewer = await viewerContext.newPage();
      viewer.setDefaultTimeout(UI_TIMEOUT_MS);
      await signIn(viewer, server!.baseUrl, 'watcher', VIEWER_PASSWORD);
      await viewer.getByTestId('nav-observationInputs').waitFor();
      assert.equal(await viewer.getByTestId('nav-sightings').count(), 0);
      await viewer.goto(`${server!.baseUrl}/sightings`);
      await viewer.getByTestId('home-title').waitFor();
      assert.equal(new URL(viewer.url()).pathname, '/');
      assert.equal((await viewer.request.get(`${server!.baseUrl}/api/sightings`)).status(), 403);
    } finally {
      await viewerContext.close();
    }
  });
});
