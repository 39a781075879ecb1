// The sinkhole as a subscriber meets it: a real matcher built from a claim in a temp SQLite store,
// curl asking as a browser would after the RPZ redirect, the hit read back from the database, HTTPS
// refused at once, and the page rendered by headless Chromium under its own CSP (desktop and phone).
// Needs curl (Debian package curl) and, for the browser part, Chromium (package chromium).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { enforceSchema } from '../../src/config/enforce-schema.js';
import type { LogSink } from '../../src/log.js';
import { createLiveMatcher } from '../../src/match/live.js';
import { listRecentHits } from '../../src/enforce/sinkhole/hits.js';
import { startSinkhole, type Sinkhole } from '../../src/enforce/sinkhole/server.js';
import { TEXTS } from '../../src/enforce/sinkhole/texts.js';
import { migrate } from '../../src/store/migrate.js';
import { openSqlite, type Store } from '../../src/store/open.js';
import { missingProgram } from '../support/components.js';

const CURL = '/usr/bin/curl';
const CHROMIUM = '/usr/bin/chromium';
const COMMAND_TIMEOUT_MS = 15_000;
const UI_TIMEOUT_MS = 15_000;

const curlMissing = missingProgram(CURL, 'curl');
const chromiumMissing = missingProgram(CHROMIUM, 'chromium');

type Run = { code: number; stdout: string; stderr: string; ms: number };

/** Runs a program without blocking the event loop (the sinkhole answering it lives in this process). */
function run(file: string, args: string[]): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(file, args, { timeout: COMMAND_TIMEOUT_MS, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

const quietLog: LogSink = { info: () => {}, warn: () => {}, error: (...a: unknown[]) => console.error(...a) };

describe('sinkhole end to end', { skip: curlMissing }, () => {
  let dir: string;
  let store: Store;
  let sinkhole: Sinkhole;
  let base: string;
  let tlsPort: number;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mizugiwa-sinkhole-'));
    store = openSqlite(path.join(dir, 'mizugiwa.db'));
    await migrate(store);
    const now = new Date();
    await store.db
      .insertInto('claims')
      .values({
        source: 'e2e-feed',
        type: 'domain',
        value: 'evil.example',
        category: 'c2',
        confidence: 90,
        tags: null,
        firstSeen: now.toISOString(),
        lastSeen: now.toISOString(),
        validUntil: new Date(now.getTime() + 86_400_000).toISOString(),
        tlp: 'clear',
        reference: null,
        mode: 'block',
        attributes: null,
        suppressedBy: null,
        reviewBy: null,
        generation: 1,
        updatedAt: now.toISOString(),
      })
      .execute();
    const matcher = await createLiveMatcher(store.db);
    const config = enforceSchema.parse({
      sinkhole: {
        listen: '127.0.0.1:0',
        tls_listen: '127.0.0.1:0',
        contact: {
          name_ja: 'みずぎわ光 サポートセンター',
          name_en: 'Mizugiwa Hikari support',
          phone: '0120-000-123',
          email: 'abuse@isp.example',
          url: 'https://isp.example/security',
        },
      },
    }).sinkhole;
    sinkhole = await startSinkhole({
      config,
      db: store.db,
      lookup: (host) => matcher.current.domain(host)?.ref,
      log: quietLog,
    });
    base = `http://127.0.0.1:${sinkhole.address().http.port}`;
    tlsPort = sinkhole.address().tls!.port;
  });

  after(async () => {
    await sinkhole?.close();
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('curl with Accept-Language: ja gets the Japanese page naming the host and its category; the hit is stored', async () => {
    const r = await run(CURL, [
      '-s',
      '-H',
      'Host: evil.example',
      '-H',
      'Accept-Language: ja',
      '-w',
      '\n%{http_code} %{local_port}',
      `${base}/some/path`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    const [status, localPort] = (lines.pop() ?? '').split(' ');
    const body = lines.join('\n');
    assert.equal(status, '403');
    assert.ok(body.includes('<html lang="ja">'));
    assert.ok(body.includes(TEXTS.ja.heading));
    assert.ok(body.includes('<span class="host">evil.example</span>'));
    assert.ok(body.includes('脅威ドメインへアクセスしようとしたため、ブロックしました'));
    assert.ok(body.includes('ウイルス等に感染した機器を遠隔操作するサーバー (C2)'));
    assert.ok(body.includes('みずぎわ光 サポートセンター'));
    assert.ok(!body.includes(TEXTS.en.heading));
    const reference = /id="reference-ja">(MZ-[0-9A-Z-]+)</.exec(body)?.[1];

    await sinkhole.flush();
    const [hit] = await listRecentHits(store.db, { limit: 1 });
    assert.equal(hit?.host, 'evil.example');
    assert.equal(hit?.path, '/some/path');
    assert.equal(hit?.clientIp, '127.0.0.1');
    assert.equal(hit?.clientPort, Number(localPort));
    assert.match(hit?.userAgent ?? '', /^curl\//);
    assert.equal(hit?.reference, reference);
  });

  test('Accept-Language: en gives the English page; no header gives both, Japanese first', async () => {
    const en = await run(CURL, ['-s', '-H', 'Host: evil.example', '-H', 'Accept-Language: en', `${base}/`]);
    assert.ok(en.stdout.includes('<html lang="en">'));
    assert.ok(en.stdout.includes(TEXTS.en.heading));
    assert.ok(en.stdout.includes('a server that remote-controls infected devices (C2)'));
    assert.ok(!en.stdout.includes(TEXTS.ja.heading));

    const both = await run(CURL, ['-s', '-H', 'Host: evil.example', `${base}/`]);
    const ja = both.stdout.indexOf(TEXTS.ja.heading);
    assert.ok(ja > 0 && both.stdout.indexOf(TEXTS.en.heading) > ja);
  });

  test('the response headers: 403, no-store, a strict CSP, Connection: close', async () => {
    const r = await run(CURL, ['-s', '-I', '-H', 'Host: evil.example', `${base}/`]);
    assert.match(r.stdout, /^HTTP\/1\.1 403 /);
    assert.match(r.stdout, /^cache-control: no-store\r$/im);
    assert.match(r.stdout, /^connection: close\r$/im);
    assert.match(r.stdout, /^content-security-policy: default-src 'none'; style-src 'sha256-/im);
  });

  test('HTTPS is refused at once with a TLS alert, not left hanging', async () => {
    const r = await run(CURL, ['-sS', '-m', '10', `https://127.0.0.1:${tlsPort}/`]);
    assert.equal(r.code, 35, `curl: ${r.stderr}`); // CURLE_SSL_CONNECT_ERROR
    assert.match(r.stderr, /unrecognized name/i);
    assert.ok(r.ms < 3_000, `took ${r.ms} ms`);
  });

  describe('in Chromium', { skip: chromiumMissing }, () => {
    let browser: Browser | undefined;
    let shotDir: string;

    before(async () => {
      shotDir = await mkdtemp(path.join(os.tmpdir(), 'mizugiwa-sinkhole-shots-'));
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          // What the RPZ redirect does for a real subscriber: the blocked name resolves to the sinkhole.
          '--host-resolver-rules=MAP *.example 127.0.0.1',
        ],
      });
    });
    after(async () => {
      await browser?.close();
      if (shotDir) console.log(`# sinkhole screenshots: ${shotDir}`);
    });

    for (const viewport of [
      { name: 'desktop', width: 1280, height: 800 },
      { name: 'phone', width: 360, height: 740 },
    ]) {
      test(`the Japanese page renders under its CSP without a violation (${viewport.name})`, async () => {
        const context = await browser!.newContext({ locale: 'ja-JP', viewport, isMobile: viewport.name === 'phone' });
        try {
          const page = await context.newPage();
          page.setDefaultTimeout(UI_TIMEOUT_MS);
          const problems: string[] = [];
          page.on('console', (m) => {
            // The page itself arrives with 403, which Chromium reports as a failed load: expected.
            if (/status of 403/.test(m.text())) return;
            if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(m.text());
          });
          page.on('pageerror', (e) => problems.push(e.message));
          // Browser code as strings: this project compiles without the DOM library.
          await page.addInitScript({
            content:
              'window.cspViolations = []; document.addEventListener("securitypolicyviolation", ' +
              '(e) => window.cspViolations.push(e.violatedDirective + " " + e.blockedURI));',
          });
          const host = 'a-rather-long-subdomain-name-used-for-tracking-subscribers.evil.example';
          const port = sinkhole.address().http.port;
          const response = await page.goto(`http://${host}:${port}/login?user=you`);
          assert.equal(response?.status(), 403);

          const heading = page.locator('#heading-ja');
          await heading.waitFor({ state: 'visible' });
          assert.equal((await heading.textContent())?.trim(), TEXTS.ja.heading);
          assert.equal(await page.locator('#heading-en').count(), 0);
          assert.equal(await page.getAttribute('html', 'lang'), 'ja');
          assert.equal((await page.locator('#lead-ja .host').textContent())?.trim(), host);
          // The hashed stylesheet applied (a wrong hash would leave the page unstyled, without an error
          // some Chromium builds print), and nothing spills sideways on a phone.
          const layout = (await page.evaluate(
            '({ maxWidth: getComputedStyle(document.querySelector("main")).maxWidth, ' +
              'overflow: document.documentElement.scrollWidth - window.innerWidth })',
          )) as { maxWidth: string; overflow: number };
          assert.equal(layout.maxWidth, '672px');
          assert.ok(layout.overflow <= 0, `the page is ${layout.overflow}px wider than the screen`);
          await page.screenshot({ path: path.join(shotDir, `block-ja-${viewport.name}.png`), fullPage: true });

          const violations = await page.evaluate('window.cspViolations');
          assert.deepEqual(violations, [], 'no CSP violation');
          assert.deepEqual(problems, [], 'no console errors');

          // The detector works and the policy is enforced: a style the page did not ship is refused.
          await page.evaluate(
            'const s = document.createElement("style"); s.textContent = "body{display:none}"; document.head.append(s);',
          );
          await page.waitForFunction('window.cspViolations.length > 0', undefined, { timeout: UI_TIMEOUT_MS });
          assert.ok(await heading.isVisible(), 'the injected style did not apply');
        } finally {
          await context.close();
        }
      });
    }

    test('an English browser gets the English page', async () => {
      const context = await browser!.newContext({ locale: 'en-US' });
      try {
        const page = await context.newPage();
        await page.goto(`http://evil.example:${sinkhole.address().http.port}/`);
        const heading = page.locator('#heading-en');
        await heading.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
        assert.equal((await heading.textContent())?.trim(), TEXTS.en.heading);
        await page.screenshot({ path: path.join(shotDir, 'block-en-desktop.png'), fullPage: true });
      } finally {
        await context.close();
      }
    });
  });
});
