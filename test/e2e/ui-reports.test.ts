// The Reports intake screen and the notice-template editor against the real server, in Chromium: a Shadowserver file
// large enough to be imported as a job (its progress, then the result with the case it touched), a Shift_JIS list
// read through a mapping built on the screen (the preview shows the decoded Japanese and the right addresses, the
// mapping is saved and the list imported), the Japanese template of a class edited with both previews following the
// text, saved (the API then has it) and reverted, the server's reason for a template that does not render, the
// screens in Japanese, and a viewer who has no intake screen and whom the API refuses.
// Needs Chromium (Debian package `chromium`) and a build (`npm run build`).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { openSqlite, SQLITE_FILE_NAME } from '../../src/store/open.js';
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
import { addSato, SATO_NOVEMBER } from '../support/sato.js';
import type { Served } from '../support/serve.js';
import { ADMIN_PASSWORD, startUiServe, tearDownUi, uiWorkDir, VIEWER_PASSWORD } from '../support/ui-serve.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../src/abuse/formats/fixtures');
const SINKHOLE = '2026-11-20-event4_sinkhole-asn64500-jp.csv';
/** Above the 2 MiB the server imports while the request waits: this file is imported as a job. */
const FILLER_ROWS = 16_000;

/** Test ids that appeared in the page at any moment since this was called (progress shows only while it lasts). */
// Run in the page, as text: this project's type check has no DOM library.
const WATCH_TEST_IDS = `(() => {
  window.seenTestIds = new Set();
  new MutationObserver(() => {
    for (const el of document.querySelectorAll('[data-testid]')) window.seenTestIds.add(el.getAttribute('data-testid'));
  }).observe(document.body, { childList: true, subtree: true });
})()`;

async function watchTestIds(page: Page): Promise<void> {
  await page.evaluate(WATCH_TEST_IDS);
}

async function seenTestIds(page: Page): Promise<string[]> {
  return page.evaluate<string[]>('[...window.seenTestIds]');
}

/** Drops a file with this name and text on the element, as a person dragging it there from the desktop. */
async function dropFile(page: Page, testId: string, name: string, text: string): Promise<void> {
  await page.evaluate(`(() => {
    const data = new DataTransfer();
    data.items.add(new File([${JSON.stringify(text)}], ${JSON.stringify(name)}, { type: 'message/rfc822' }));
    document.querySelector('[data-testid="${testId}"]')
      .dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  })()`);
}

describe('browser UI: reports intake and notice templates', { skip: chromiumMissing }, () => {
  let workDir: string;
  let shotDir: string;
  let server: Served | undefined;
  let session: BrowserSession | undefined;
  let page: Page;
  let bigFile: string;
  let bigRows: number;

  before(async () => {
    workDir = await uiWorkDir('reports');
    shotDir = screenshotDir('reports');
    server = await startUiServe(workDir, [{ username: 'watcher', role: 'viewer', password: VIEWER_PASSWORD }]);

    // 198.51.100.23 is sato's all month (as RADIUS would have said): two rows of the sinkhole report name it.
    const store = openSqlite(path.join(workDir, 'data', SQLITE_FILE_NAME));
    try {
      await addSato(store.db, SATO_NOVEMBER);
    } finally {
      await store.close();
    }

    // The sinkhole report's three rows, then rows of an address nobody held, to pass the inline limit.
    const rows = readFileSync(path.join(FIXTURES, 'shadowserver', SINKHOLE), 'utf8')
      .trimEnd()
      .split('\n');
    const filler = rows.find((r) => r.includes('"203.0.113.140"'))!.replace('203.0.113.140', '192.0.2.200');
    bigRows = rows.length - 1 + FILLER_ROWS;
    bigFile = path.join(workDir, SINKHOLE);
    writeFileSync(bigFile, `${[...rows, ...Array<string>(FILLER_ROWS).fill(filler)].join('\n')}\n`);

    session = await openBrowser('en-US');
    page = session.page;
  });

  after(async () => {
    await tearDownUi({ session, server, workDir });
  });

  test('a Shadowserver file is recognised, previewed, imported as a job with progress, and its result shown', async () => {
    await signInFirstTime(page, server!.baseUrl, 'admin', server!.password!, ADMIN_PASSWORD);
    await page.getByTestId('nav-reports').click();
    await expectText(page, 'reports-title', 'Reports intake');

    await page.getByTestId('report-file').setInputFiles(bigFile);
    await expectText(page, 'report-detected', 'Recognised as: Shadowserver CSV.');
    const addresses = page.getByTestId('preview-event-address');
    await addresses.nth(2).waitFor();
    assert.deepEqual((await addresses.allTextContents()).slice(0, 3), [
      '198.51.100.23:49733p23-ipoe.example.jp',
      '203.0.113.140:61022',
      '198.51.100.23:1027',
    ]);
    assert.match((await page.getByTestId('preview-counts').textContent()) ?? '', /Only the first 256 KiB/);

    await watchTestIds(page);
    await page.getByTestId('report-import').click();
    await page.getByTestId('import-result').waitFor({ timeout: 60_000 });
    const seen = await seenTestIds(page);
    assert.ok(seen.includes('import-job'), `the job's progress was shown: ${seen.join(', ')}`);
    assert.ok(seen.includes('upload-progress') || seen.includes('upload-processing'), seen.join(', '));

    await expectText(page, 'result-events', bigRows.toLocaleString('en-US'));
    await expectText(page, 'result-rejected', '0');
    await expectText(page, 'result-cases-touched', '1');
    await expectText(page, 'result-attributed', '2');
    await expectText(page, 'result-unassigned', (bigRows - 2).toLocaleString('en-US'));
    const caseLink = page.getByTestId('result-case-link');
    assert.match((await caseLink.textContent()) ?? '', /^Case \d+ \(Infected system, C-23\): 2 events$/);
    assert.match((await caseLink.getAttribute('href')) ?? '', /^\/cases\/\d+$/);
    assert.equal(await page.getByTestId('result-open-cases').getAttribute('href'), '/cases');
    await page.screenshot({ path: path.join(shotDir, 'reports-intake-result-en.png'), fullPage: true });
  });

  test('a Shift_JIS list is read through a mapping built on the screen, saved and imported', async () => {
    await page.getByTestId('import-another').click();
    await page.getByTestId('report-file').setInputFiles(path.join(FIXTURES, 'csv-mapping', 'nict-notice.csv'));
    await page.getByTestId('report-not-detected').waitFor();
    await page.getByTestId('report-format').selectOption('csv');
    await page.getByTestId('report-mapping').selectOption('__new__');
    await page.getByTestId('mapping-builder').waitFor();

    await page.getByTestId('mapping-encoding').selectOption('shift_jis');
    await page.getByTestId('mapping-skip-lines').fill('1');
    await page.getByTestId('csv-sample-column').filter({ hasText: 'IPアドレス' }).waitFor();
    await page.getByTestId('mapping-name').fill('nict-ui');
    await page.getByTestId('mapping-column-time').selectOption('調査日時');
    await page.getByTestId('mapping-column-address').selectOption('IPアドレス');
    await page.getByTestId('mapping-column-port').selectOption('ポート');
    await page.getByTestId('mapping-column-protocol').selectOption('プロトコル');
    await page.getByTestId('mapping-column-identifier').selectOption('検知内容');
    await page.getByTestId('mapping-class').selectOption('vulnerable-system');
    await page.getByTestId('mapping-time-format').fill('yyyy/MM/dd HH:mm:ss');
    await page.getByTestId('mapping-reporter').fill('nict');
    await page.getByTestId('mapping-report-type').fill('notice');
    assert.equal(await page.getByTestId('report-import').isDisabled(), true, 'a list imports through a saved mapping');

    const addresses = page.getByTestId('preview-event-address');
    await addresses.nth(3).waitFor();
    assert.deepEqual(await addresses.allTextContents(), [
      '192.0.2.10:23',
      '192.0.2.11:2323',
      '198.51.100.23:8080',
      '203.0.113.5:22',
    ]);
    assert.deepEqual(await page.getByTestId('preview-event-identifier').allTextContents(), [
      'ID・パスワード設定不備',
      'ID・パスワード設定不備',
      'マルウェア感染',
      'ID・パスワード設定不備',
    ]);
    assert.match((await page.getByTestId('preview-event').first().textContent()) ?? '', /ネットワークカメラ/);
    // 10:15:03 on the sender's clock in Tokyo, shown in the operator's zone (Tokyo too).
    assert.match((await page.getByTestId('preview-event').first().locator('time').textContent()) ?? '', /10:15:03/);
    await page.getByTestId('mapping-problems').waitFor({ state: 'detached' });
    await page.screenshot({ path: path.join(shotDir, 'reports-intake-mapping-en.png'), fullPage: true });

    await page.getByTestId('mapping-save').click();
    await expectText(page, 'mapping-saved', 'Saved the mapping “nict-ui”.');
    assert.equal(await page.getByTestId('report-mapping').inputValue(), 'nict-ui');
    const saved = await page.request.get(`${server!.baseUrl}/api/abuse/mappings/nict-ui`);
    assert.equal(saved.status(), 200);
    assert.equal(((await saved.json()) as { mapping: { encoding: string } }).mapping.encoding, 'shift_jis');

    await page.getByTestId('report-import').click();
    await page.getByTestId('import-result').waitFor();
    await expectText(page, 'result-events', '4');
    assert.match((await page.getByTestId('result-report').textContent()) ?? '', /CSV list with a column mapping, read/);

    // The same list again: the saved mapping is found by its columns, and the file is the report already received.
    await page.getByTestId('import-another').click();
    await page.getByTestId('report-file').setInputFiles(path.join(FIXTURES, 'csv-mapping', 'nict-notice.csv'));
    await expectText(
      page,
      'report-mapping-suggested',
      'The saved mapping “nict-ui” fits this list and has been chosen.',
    );
    await page.getByTestId('preview-event').nth(3).waitFor();
    await page.getByTestId('report-import').click();
    await page.getByTestId('result-duplicate').waitFor();
  });

  test('the Japanese template of a class: both previews follow the text, saved, read back, reverted', async () => {
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-tab-templates').click();
    await page.getByTestId('template-edit-scanner').click();
    const ja = page.getByTestId('template-source-ja');
    const en = page.getByTestId('template-source-en');
    await page
      .getByTestId('template-preview-body-ja')
      .filter({ hasText: 'ほかのコンピューターへの無差別な接続' })
      .waitFor();
    await page.getByTestId('template-preview-body-en').filter({ hasText: 'Taro Sample' }).waitFor();
    assert.match((await page.getByTestId('template-preview-body-ja').textContent()) ?? '', /見本 太郎 様/);

    const original = await ja.inputValue();
    const edited = original.replace(/^title: .*$/m, 'title: 試験用の見出し（UI テスト）');
    assert.notEqual(edited, original);
    await ja.fill(edited);
    await page.getByTestId('template-preview-body-ja').filter({ hasText: '■ 試験用の見出し（UI テスト）' }).waitFor();
    const enText = await en.inputValue();
    await en.fill(enText.replace(/^title: .*$/m, 'title: Heading typed in the test'));
    await page.getByTestId('template-preview-body-en').filter({ hasText: 'Heading typed in the test' }).waitFor();
    // Japanese stays Japanese: the English edit did not touch it.
    assert.match((await page.getByTestId('template-preview-body-ja').textContent()) ?? '', /試験用の見出し/);

    // A text that does not render: the server's reason, in place of the preview.
    await en.fill('---\ntitle: x\n---\nno events here\n');
    const problem = page.getByTestId('template-preview-error-en');
    await problem.waitFor();
    assert.match((await problem.textContent()) ?? '', /The template scanner \(en\) cannot be used: .*\{\{#events\}\}/);
    await en.fill(enText);
    await page.getByTestId('template-preview-en').waitFor();

    await page.getByTestId('template-save-ja').click();
    await expectText(page, 'template-done-ja', 'Saved.');
    await expectText(page, 'template-state-scanner-ja', 'Changed');
    const stored = (await (await page.request.get(`${server!.baseUrl}/api/abuse/templates/scanner/ja`)).json()) as {
      source: string;
      overridden: boolean;
    };
    assert.equal(stored.overridden, true);
    assert.equal(stored.source, edited);
    await page.screenshot({ path: path.join(shotDir, 'notice-templates-en.png'), fullPage: true });

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByTestId('template-revert-ja').click();
    await expectText(page, 'template-done-ja', 'Back to the built-in template.');
    await expectText(page, 'template-state-scanner-ja', 'Built-in');
    assert.equal(await ja.inputValue(), original);
    const reverted = (await (await page.request.get(`${server!.baseUrl}/api/abuse/templates/scanner/ja`)).json()) as {
      overridden: boolean;
    };
    assert.equal(reverted.overridden, false);
  });

  test('in Japanese both screens and their words follow', async () => {
    await page.getByTestId('lang-switch').selectOption('ja');
    await expectText(page, 'settings-tab-templates', '通知テンプレート');
    await page.getByTestId('template-edit-scanner').click();
    await expectText(page, 'template-editing', '編集中: スキャン (scanner)');
    await page.getByTestId('template-preview-ja').waitFor();
    await page.screenshot({ path: path.join(shotDir, 'notice-templates-ja.png'), fullPage: true });

    await page.getByTestId('nav-reports').click();
    await expectText(page, 'reports-title', 'レポート取込');
    await page.getByTestId('report-file').setInputFiles(path.join(FIXTURES, 'csv-mapping', 'nict-notice.csv'));
    await expectText(
      page,
      'report-mapping-suggested',
      '保存済みのマッピング「nict-ui」がこのリストに合うため、選択しました。',
    );
    await page.getByTestId('preview-event').nth(3).waitFor();
    assert.match((await page.getByTestId('preview-counts').textContent()) ?? '', /イベント 4 件/);
    await page.screenshot({ path: path.join(shotDir, 'reports-intake-ja.png'), fullPage: true });

    // A file dropped on the screen is read as one chosen.
    const mail = readFileSync(path.join(FIXTURES, 'arf', 'fraud.eml'), 'utf8');
    await dropFile(page, 'report-drop', 'dropped.eml', mail);
    await page
      .getByTestId('report-file-name')
      .filter({ hasText: /^dropped\.eml（1\.6 KiB）$/ })
      .waitFor();
    await expectText(page, 'report-detected', '判別結果: ARF（フィードバックレポートのメール）');
    assert.deepEqual(session!.pageErrors, [], 'no uncaught errors in the page');
  });

  test('a viewer has no Reports intake and cannot save templates; the API refuses too', async () => {
    const context = await session!.browser.newContext({ locale: 'en-US' });
    try {
      const viewer = await context.newPage();
      viewer.setDefaultTimeout(UI_TIMEOUT_MS);
      await signIn(viewer, server!.baseUrl, 'watcher', VIEWER_PASSWORD);
      await viewer.getByTestId('home-title').waitFor();
      assert.equal(await viewer.getByTestId('nav-reports').count(), 0);
      assert.equal(await viewer.getByTestId('nav-settings').count(), 0);
      await viewer.goto(`${server!.baseUrl}/reports`);
      await viewer.getByTestId('home-title').waitFor();
      assert.equal(await viewer.getByTestId('reports-title').count(), 0);

      const { csrfToken } = (await (await viewer.request.get(`${server!.baseUrl}/api/auth/me`)).json()) as {
        csrfToken: string;
      };
      const headers = { 'x-csrf-token': csrfToken };
      const put = await viewer.request.put(`${server!.baseUrl}/api/abuse/templates/scanner/ja`, {
        headers,
        data: { source: '---\ntitle: x\n---\n{{#events}}{{address}}{{/events}}\n' },
      });
      assert.equal(put.status(), 403);
      assert.equal(((await put.json()) as { code: string }).code, 'auth.forbidden');
      const preview = await viewer.request.post(`${server!.baseUrl}/api/abuse/reports/preview`, {
        headers,
        data: { fileName: 'a.csv', content: '', complete: true },
      });
      assert.equal(preview.status(), 403);
      const upload = await viewer.request.post(`${server!.baseUrl}/api/abuse/reports?filename=a.eml`, {
        headers: { ...headers, 'content-type': 'message/rfc822' },
        data: readFileSync(path.join(FIXTURES, 'arf', 'fraud.eml')),
      });
      assert.equal(upload.status(), 403);
    } finally {
      await context.close();
    }
  });
});
