import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { sqliteStore, type TestStore } from '../../../test/support/stores.js';
import { enforceSchema } from '../../config/enforce-schema.js';
import { RSIT_TYPES } from '../../domain/abuse-event.js';
import type { LogSink } from '../../log.js';
import { renderBlockPage } from './page.js';
import { renderRestrictedPage, type RestrictedClient, type RestrictedPageInput } from './restricted-page.js';
import { PROBLEM_GROUPS, problemGroup, RESTRICTED_TEXTS } from './restricted-texts.js';
import { startSinkhole, type Sinkhole } from './server.js';

const contact = enforceSchema.parse({
  sinkhole: { contact: { name_ja: '水際ネット サポート', phone: '0120-123-456', email: 'abuse@isp.example' } },
}).sinkhole.contact;

const client: RestrictedClient = {
  restrictionId: 4,
  caseId: 1207,
  type: 'vulnerable-system',
  since: '2026-11-23T16:30:00.000Z',
};
const input = (over: Partial<RestrictedPageInput> = {}): RestrictedPageInput => ({
  client,
  reference: 'MZ-2Q7S-TF0ZD',
  contact,
  languages: ['ja', 'en'],
  timeZone: 'Asia/Tokyo',
  ...over,
});

describe('notice page texts', () => {
  test('Japanese and English say the same things: the same keys, every group with advice in both', () => {
    const { problems: jaProblems, ...ja } = RESTRICTED_TEXTS.ja;
    const { problems: enProblems, ...en } = RESTRICTED_TEXTS.en;
    assert.deepEqual(Object.keys(ja).sort(), Object.keys(en).sort());
    for (const group of PROBLEM_GROUPS) {
      assert.ok(jaProblems[group].what && enProblems[group].what, group);
      assert.equal(jaProblems[group].steps.length, enProblems[group].steps.length, group);
      assert.ok(jaProblems[group].steps.length > 0, group);
      assert.match(jaProblems[group].what, /[\u3040-\u30ff\u4e00-\u9fff]/, `${group} is Japanese`);
    }
    for (const value of [...Object.values(ja), ...Object.values(en)]) assert.ok(value.trim().length > 0);
  });

  test('each class gets the advice that fits it; every RSIT type has some', () => {
    assert.equal(problemGroup('infected-system'), 'infected');
    assert.equal(problemGroup('vulnerable-system'), 'vulnerable');
    assert.equal(problemGroup('ddos-amplifier'), 'vulnerable');
    assert.equal(problemGroup('scanner'), 'attacking');
    assert.equal(problemGroup('copyright'), 'copyright');
    assert.equal(problemGroup('spam'), 'spam');
    assert.equal(problemGroup('phishing'), 'phishing');
    assert.equal(problemGroup('test'), 'other');
    for (const type of RSIT_TYPES) assert.ok(PROBLEM_GROUPS.includes(problemGroup(type)), type);
  });
});

describe('renderRestrictedPage', () => {
  test('names the case, since when (in the operator zone), what was seen and what to do, in both languages', () => {
    const html = renderRestrictedPage(input());
    assert.match(html, /<html lang="ja">/);
    assert.match(html, /id="case-ja">1207</);
    assert.match(html, /id="case-en">1207</);
    // 16:30 UTC on the 23rd is the 24th in Tokyo.
    assert.match(html, /2026年11月24日/);
    assert.match(html, /24 November 2026/);
    assert.ok(html.includes(RESTRICTED_TEXTS.ja.problems.vulnerable.what));
    for (const step of RESTRICTED_TEXTS.en.problems.vulnerable.steps.map((s) => s.replace("'", '&#39;')))
      assert.ok(html.includes(step), step);
    assert.match(html, /id="reference-ja">MZ-2Q7S-TF0ZD</);
    assert.match(html, /0120-123-456/);
    assert.ok(html.indexOf('id="restricted-ja"') < html.indexOf('id="restricted-en"'), 'Japanese first');
  });

  test('one language when the browser prefers it; the same stylesheet as the block page (the CSP hash holds)', () => {
    const en = renderRestrictedPage(input({ languages: ['en'] }));
    assert.doesNotMatch(en, /restricted-ja/);
    assert.match(en, /<html lang="en">/);
    const style = (html: string) => /<style>([\s\S]*?)<\/style>/.exec(html)?.[1];
    const block = renderBlockPage({
      host: 'x.example',
      categories: ['c2'],
      reference: 'r',
      contact,
      languages: ['en'],
    });
    assert.equal(style(en), style(block));
    assert.doesNotMatch(en, /<script/i);
  });

  test('a copyright case is an awareness message, not an accusation', () => {
    const html = renderRestrictedPage(input({ client: { ...client, type: 'copyright' }, languages: ['en'] }));
    assert.match(html, /does not mean you did it on purpose/);
  });
});

describe('the sinkhole answers a restricted client with its notice page', () => {
  let store: TestStore;
  let sinkhole: Sinkhole;
  const warnings: unknown[] = [];
  const log = { info: () => {}, warn: (o: unknown) => void warnings.push(o), error: () => {} } as unknown as LogSink;
  let broken = false;

  before(async () => {
    store = await sqliteStore();
    sinkhole = await startSinkhole({
      config: enforceSchema.parse({ sinkhole: { listen: '127.0.0.1:0' } }).sinkhole,
      db: store.db,
      lookup: (host) => (host === 'evil.example' ? { categories: ['c2'] } : undefined),
      log,
      restricted: (ip) => {
        if (broken) throw new Error('index broken');
        return ip === '127.0.0.23' ? client : undefined;
      },
      timeZone: 'Asia/Tokyo',
    });
  });
  after(async () => {
    await sinkhole?.close();
    await store?.dispose();
  });

  /** A GET from a chosen loopback address, as the restricted subscriber's browser would send it. */
  const fetchFrom = (localAddress: string, host: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const { port } = sinkhole.address().http;
      const req = http.get(
        { host: '127.0.0.1', port, localAddress, path: '/', headers: { host, 'accept-language': 'ja' } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
    });

  test('any name from the restricted address: the notice page of its case; other clients: the block page', async () => {
    const mine = await fetchFrom('127.0.0.23', 'www.example.com');
    assert.equal(mine.status, 403);
    assert.match(mine.body, /id="case-ja">1207</);
    assert.match(mine.body, /インターネット接続を一時的に制限しています/);
    const other = await fetchFrom('127.0.0.1', 'evil.example');
    assert.doesNotMatch(other.body, /case-ja/);
    assert.match(other.body, /evil\.example/);
    await sinkhole.flush();
    const hits = await store.db.selectFrom('sinkholeHits').select(['clientIp', 'host']).orderBy('id').execute();
    assert.deepEqual(hits, [
      { clientIp: '127.0.0.23', host: 'www.example.com' },
      { clientIp: '127.0.0.1', host: 'evil.example' },
    ]);
  });

  test('a failing restricted-client look-up still shows a page (the block page), with a warning', async () => {
    broken = true;
    const r = await fetchFrom('127.0.0.23', 'www.example.com');
    broken = false;
    assert.equal(r.status, 403);
    assert.doesNotMatch(r.body, /case-ja/);
    assert.equal(warnings.length, 1);
  });
});
