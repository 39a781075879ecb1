// The Dead letters screen against the real server: a partner CSV feed whose rows have a non-numeric score (one of
// them `<b>not bold</b>`) is fetched with the CLI, so those rows become dead letters. In Chromium an administrator
// opens one and reads its raw line exactly as it came (the markup as text, not bold), replays it and is told it still
// fails (the feed's column mapping was not fixed), then replays the whole source; a record that is not UTF-8 shows as hex; a viewer sees the list without any
// button; the Japanese screen. Needs Chromium (Debian package `chromium`) and a build (`npm run build`).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import {
  chromiumMissing,
  expectText,
  openBrowser,
  screenshotDir,
  signIn,
  signInFirstTime,
  type BrowserSession,
} from '../support/browser.js';
import type { Served } from '../support/serve.js';
import { ADMIN_PASSWORD, cliOk, startUiServe, tearDownUi, uiWorkDir, VIEWER_PASSWORD } from '../support/ui-serve.js';

const BAD_LINE = 'c2-b.example,<b>not bold</b>,seen twice';
const OTHER_BAD_LINE = 'c2-c.example,high,seen once';
const HEADER = 'indicator,score,note';
/** A CSV dead letter keeps its header line with the row, so a replay maps the same columns. */
const BAD_RECORD = `${HEADER}\n${BAD_LINE}`;

describe('browser UI: dead letters, raw record and replay', { skip: chromiumMissing }, () => {
  let workDir: string;
  let shots: string;
  let server: Served | undefined;
  let session: BrowserSession | undefined;
  let viewer: BrowserSession | undefined;
  let page: Page;

  before(async () => {
    workDir = await uiWorkDir('deadletters', [
      'intel:',
      '  sources:',
      '    - name: partner',
      '      format: csv',
      '      file: partner.csv',
      '      snapshot: delta',
      '      options:',
      '        columns: {value: indicator, confidence: score}',
      '    - {name: junk, format: plain, file: junk.txt}',
    ]);
    shots = screenshotDir('deadletters');
    writeFileSync(
      path.join(workDir, 'partner.csv'),
      [HEADER, 'c2-a.example,90,seen', BAD_LINE, OTHER_BAD_LINE, ''].join('\n'),
    );
    // Bytes that are not UTF-8 (0xff 0xfe) in a name: the screen must show them, not U+FFFD.
    writeFileSync(path.join(workDir, 'junk.txt'), Buffer.from('evil.example\nbad\xff\xfe..name\n', 'latin1'));
    cliOk(workDir, ['intel', 'fetch', 'junk', '--json']);
    const fetched = JSON.parse(cliOk(workDir, ['intel', 'fetch', 'partner', '--json']).trim()) as { rejected: number };
    assert.equal(fetched.rejected, 2);
    server = await startUiServe(workDir, [{ username: 'watcher', role: 'viewer', password: VIEWER_PASSWORD }]);
    session = await openBrowser();
    page = session.page;
  });

  after(async () => {
    await viewer?.browser.close();
    await tearDownUi({ session, server, workDir });
    if (shots) console.log(`# screenshots: ${shots}`);
  });

  const rowOf = (p: Page, position: string) => p.getByTestId('deadletter-row').filter({ hasText: position });

  test('Show opens the record: its raw lines exactly, markup as text, and that the read is recorded', async () => {
    await signInFirstTime(page, server!.baseUrl, 'admin', server!.password!, ADMIN_PASSWORD);
    await page.getByTestId('nav-deadLetters').click();
    await expectText(page, 'deadletters-title', 'Dead letters');
    await page.getByTestId('deadletter-row').nth(2).waitFor();
    assert.equal(await page.getByTestId('deadletter-row').count(), 3);

    await rowOf(page, 'partner.csv:3').getByTestId('deadletter-show').click();
    const raw = page.getByTestId('deadletter-raw');
    await raw.waitFor();
    assert.equal((await raw.textContent())?.replace(/\r?\n$/, ''), BAD_RECORD);
    assert.equal(await raw.locator('b').count(), 0, 'the markup in the record is shown as text');
    await expectText(page, 'deadletter-view-source', 'partner');
    assert.match((await page.getByTestId('deadletter-view-position').textContent()) ?? '', /partner\.csv:3/);
    assert.match((await page.getByTestId('deadletter-view-reason').textContent()) ?? '', /not bold|score|confidence/i);
    assert.match((await page.getByTestId('deadletter-recorded').textContent()) ?? '', /recorded in the audit log/);

    await page.getByTestId('deadletter-hex-toggle').check();
    const hex = (await page.getByTestId('deadletter-hex').textContent()) ?? '';
    assert.match(hex, /^00000000 {2}69 6e 64 69 63 61 74 6f 72 2c 73 63 6f 72 65 2c {2}indicator,score,$/m);
    await page.getByTestId('deadletter-hex-toggle').uncheck();
    await page.screenshot({ path: path.join(shots, 'deadletter-en.png'), fullPage: true });

    const audit = cliOk(workDir, ['audit', 'list', '--action', 'deadletter.read']);
    assert.match(audit, /deadletter\.read\s+deadletter:\d+/);
  });

  test('bytes that are not UTF-8 are shown as hex', async () => {
    await rowOf(page, 'junk.txt:2').getByTestId('deadletter-show').click();
    await page.getByTestId('deadletter-not-utf8').waitFor();
    assert.equal(await page.getByTestId('deadletter-raw').count(), 0);
    const hex = (await page.getByTestId('deadletter-hex').textContent()) ?? '';
    assert.equal(hex, '00000000  62 61 64 ff fe 2e 2e 6e 61 6d 65                 bad....name');
    await page.getByTestId('deadletter-close').click();
    assert.equal(await page.getByTestId('deadletter-view').count(), 0);
  });

  test('Replay of an unfixed letter says it still fails; replaying the source counts both', async () => {
    await rowOf(page, 'partner.csv:3').getByTestId('deadletter-replay-one').click();
    await expectText(page, 'deadletter-replay-outcome', 'Replayed: 0. Still failing: 1.');
    await rowOf(page, 'partner.csv:3').getByTestId('deadletter-last-error').waitFor();
    assert.equal(await rowOf(page, 'partner.csv:4').getByTestId('deadletter-last-error').count(), 0);

    await page
      .getByTestId('deadletter-replay-source')
      .filter({ hasText: /^partner$/ })
      .click();
    await expectText(page, 'deadletter-replay-outcome', 'Replayed: 0. Still failing: 2.');
    await rowOf(page, 'partner.csv:4').getByTestId('deadletter-last-error').waitFor();
    assert.match(cliOk(workDir, ['audit', 'list', '--action', 'deadletter.replay']), /deadletter\.replay/);
    await page.screenshot({ path: path.join(shots, 'deadletters-replayed-en.png'), fullPage: true });
  });

  test('Japanese labels', async () => {
    await page.getByTestId('lang-switch').selectOption('ja');
    await expectText(page, 'deadletters-title', 'デッドレター');
    await expectText(page, 'deadletter-replay-outcome', '再投入できた件数: 0。まだ失敗している件数: 2。');
    await rowOf(page, 'partner.csv:3').getByTestId('deadletter-show').click();
    await page.getByTestId('deadletter-raw').waitFor();
    assert.match((await page.getByTestId('deadletter-recorded').textContent()) ?? '', /監査ログに記録されます/);
    await expectText(page, 'deadletter-show', '表示');
    await page.screenshot({ path: path.join(shots, 'deadletter-ja.png'), fullPage: true });
  });

  test('a viewer sees the letters but no Show or Replay button', async () => {
    viewer = await openBrowser();
    await signIn(viewer.page, server!.baseUrl, 'watcher', VIEWER_PASSWORD);
    await viewer.page.getByTestId('nav-deadLetters').click();
    await viewer.page.getByTestId('deadletter-row').nth(2).waitFor();
    for (const id of ['deadletter-show', 'deadletter-replay-one', 'deadletter-replay-source']) {
      assert.equal(await viewer.page.getByTestId(id).count(), 0, `${id} is hidden from a viewer`);
    }
    await viewer.page.screenshot({ path: path.join(shots, 'deadletters-viewer-en.png'), fullPage: true });
  });
});
