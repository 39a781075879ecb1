import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { CATEGORIES, type Category } from '../../domain/indicator.js';
import { BLOCK_PAGE_CSP, escapeHtml, pageLanguages, renderBlockPage, type BlockPageInput } from './page.js';
import { TEXTS, type TextKey } from './texts.js';

const contact = {
  name_ja: '水際ネット サポートセンター',
  name_en: 'Mizugiwa Net support centre',
  phone: '0120-123-456',
  email: 'abuse@isp.example',
  url: 'https://isp.example/security',
};

const input = (over: Partial<BlockPageInput> = {}): BlockPageInput => ({
  host: 'evil.example',
  categories: ['c2'],
  reference: 'MZ-2Q7S-TF0ZD',
  contact,
  languages: ['ja'],
  ...over,
});

const count = (text: string, part: string) => text.split(part).length - 1;

describe('block page texts', () => {
  test('Japanese and English have exactly the same keys, none empty', () => {
    const ja = Object.keys(TEXTS.ja).sort();
    const en = Object.keys(TEXTS.en).sort();
    assert.deepEqual(ja, en);
    for (const lang of ['ja', 'en'] as const) {
      for (const [key, value] of Object.entries(TEXTS[lang])) assert.ok(value.trim().length > 0, `${lang}.${key}`);
    }
  });

  test('every category (and the unknown case) has plain words in both languages', () => {
    for (const c of [...CATEGORIES, 'unknown']) {
      const key = `category.${c}` as TextKey;
      assert.ok(TEXTS.ja[key], `ja ${key}`);
      assert.ok(TEXTS.en[key], `en ${key}`);
      assert.match(TEXTS.ja[key], /[\u3040-\u30ff\u4e00-\u9fff]/, `ja ${key} is Japanese`);
    }
    assert.equal(TEXTS.ja['category.c2'], 'ウイルス等に感染した機器を遠隔操作するサーバー (C2)');
    assert.equal(TEXTS.en['category.c2'], 'a server that remote-controls infected devices (C2)');
  });

  test('placeholders are the same in both languages', () => {
    for (const key of Object.keys(TEXTS.en) as TextKey[]) {
      const holes = (s: string) => (s.match(/\{[a-z_]+\}/g) ?? []).sort();
      assert.deepEqual(holes(TEXTS.ja[key]), holes(TEXTS.en[key]), key);
    }
  });
});

describe('language from Accept-Language', () => {
  const cases: [string | undefined, string[]][] = [
    [undefined, ['ja', 'en']],
    ['', ['ja', 'en']],
    ['ja', ['ja']],
    ['ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7', ['ja']],
    ['en-US,en;q=0.9,ja;q=0.8', ['en']],
    ['EN-gb', ['en']],
    ['fr-FR,fr;q=0.9', ['ja', 'en']],
    ['fr, en;q=0.5', ['en']],
    ['de, ja;q=0.3', ['ja']],
    ['ja, en', ['ja', 'en']],
    ['*', ['ja', 'en']],
    ['*;q=0.5, en;q=0.2', ['ja']],
    ['ja;q=0, en;q=0', ['ja', 'en']],
    ['ja;q=0', ['ja', 'en']],
    ['en;q=abc, ja;q=0.1', ['ja']],
    ['en;q=7, ja;q=0.1', ['ja']],
    [';;;,,,=q', ['ja', 'en']],
    ['x'.repeat(20_000), ['ja', 'en']],
  ];
  for (const [header, expected] of cases) {
    test(`${JSON.stringify(header?.slice(0, 40))} → ${expected.join('+')}`, () => {
      assert.deepEqual(pageLanguages(header), expected);
    });
  }
});

describe('block page', () => {
  test('Japanese: heading, the name, its category in plain words, advice, contact and reference', () => {
    const html = renderBlockPage(input());
    assert.match(html, /^<!doctype html>\n<html lang="ja">/);
    assert.match(html, /<section lang="ja" id="block-ja">/);
    assert.ok(html.includes('このサイトへのアクセスをブロックしました'));
    assert.ok(html.includes('<span class="host">evil.example</span>'));
    assert.ok(html.includes('脅威ドメインへアクセスしようとしたため、ブロックしました'));
    assert.ok(html.includes('ウイルス等に感染した機器を遠隔操作するサーバー (C2)'));
    assert.ok(html.includes('パスワード'));
    assert.ok(html.includes('ウイルス対策ソフト'));
    assert.ok(html.includes('水際ネット サポートセンター'));
    assert.ok(!html.includes('Mizugiwa Net support centre'));
    assert.ok(html.includes('<a href="tel:0120123456">0120-123-456</a>'));
    assert.ok(html.includes('<a href="mailto:abuse@isp.example">abuse@isp.example</a>'));
    assert.ok(html.includes('<a href="https://isp.example/security">https://isp.example/security</a>'));
    assert.ok(html.includes('<span class="ref" id="reference-ja">MZ-2Q7S-TF0ZD</span>'));
    assert.ok(!html.includes('lang="en"'));
    assert.ok(!html.includes(TEXTS.en.heading));
  });

  test('English only', () => {
    const html = renderBlockPage(input({ languages: ['en'], categories: ['phishing'] }));
    assert.match(html, /<html lang="en">/);
    assert.ok(html.includes(TEXTS.en.heading));
    assert.ok(html.includes(escapeHtml(TEXTS.en['category.phishing'])));
    assert.ok(html.includes('Mizugiwa Net support centre'));
    assert.ok(html.includes('id="reference-en">MZ-2Q7S-TF0ZD<'));
    assert.ok(!/[\u3040-\u30ff]/.test(html), 'no Japanese on the English page');
  });

  test('both languages: Japanese first, each section with its own lang', () => {
    const html = renderBlockPage(input({ languages: ['ja', 'en'] }));
    assert.match(html, /<html lang="ja">/);
    const ja = html.indexOf('<section lang="ja"');
    const en = html.indexOf('<section lang="en"');
    assert.ok(ja > 0 && en > ja);
    assert.match(html, /<title>アクセスをブロックしました \/ Access blocked<\/title>/);
    assert.equal(count(html, 'MZ-2Q7S-TF0ZD'), 2);
  });

  test('self-contained: no scripts, no external resources, noindex, viewport, no inline style attributes', () => {
    const html = renderBlockPage(input({ languages: ['ja', 'en'] }));
    assert.ok(html.includes('<meta name="robots" content="noindex">'));
    assert.ok(html.includes('<meta name="viewport" content="width=device-width, initial-scale=1">'));
    assert.ok(html.includes('<meta charset="utf-8">'));
    for (const banned of ['<script', '<link', '<img', '<iframe', '<object', ' src=', 'style=', '@import', 'url(']) {
      assert.ok(!html.toLowerCase().includes(banned), `page contains ${banned}`);
    }
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no event handler attributes');
    // The only URLs are the contact links (navigation, not loads).
    const urls = html.match(/https?:\/\/[^"<\s]+/g) ?? [];
    assert.deepEqual([...new Set(urls)], ['https://isp.example/security']);
  });

  test('the CSP allows exactly the page stylesheet, by hash, and nothing else', () => {
    const html = renderBlockPage(input());
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1];
    assert.ok(style);
    const hash = createHash('sha256').update(style).digest('base64');
    assert.ok(BLOCK_PAGE_CSP.includes(`style-src 'sha256-${hash}'`), BLOCK_PAGE_CSP);
    assert.match(BLOCK_PAGE_CSP, /default-src 'none'/);
    assert.match(BLOCK_PAGE_CSP, /frame-ancestors 'none'/);
    assert.ok(!BLOCK_PAGE_CSP.includes('unsafe'));
    assert.ok(!BLOCK_PAGE_CSP.includes('script-src'));
  });

  test('categories: several in order, duplicates once, unknown values ignored, none → the generic text', () => {
    const html = renderBlockPage(input({ categories: ['phishing', 'c2', 'phishing'] }));
    const phishing = html.indexOf(escapeHtml(TEXTS.ja['category.phishing']));
    const c2 = html.indexOf(TEXTS.ja['category.c2']);
    assert.ok(phishing > 0 && c2 > phishing);
    assert.equal(count(html, '<li class="category">'), 2);
    for (const categories of [undefined, [], ['nonsense' as Category]]) {
      const page = renderBlockPage(input({ categories }));
      assert.equal(count(page, '<li class="category">'), 1);
      assert.ok(page.includes(TEXTS.ja['category.unknown']));
    }
  });

  test('no host (a request without one): the lead does not name one', () => {
    const html = renderBlockPage(input({ host: '' }));
    assert.ok(html.includes(TEXTS.ja.lead_no_host));
    assert.ok(!html.includes('class="host"'));
  });

  test('contact: empty fields are left out; a non-web URL is shown, never linked', () => {
    const bare = renderBlockPage(input({ contact: { ...contact, phone: '', email: '', url: '' } }));
    assert.ok(bare.includes('水際ネット サポートセンター'));
    assert.ok(!bare.includes('<dl>'));
    const sneaky = renderBlockPage(
      input({
        contact: { ...contact, url: 'javascript:alert(1)', email: 'x@y" onclick="z', phone: '+81 3-1234-5678' },
      }),
    );
    assert.ok(!sneaky.includes('href="javascript'));
    assert.ok(sneaky.includes('<dd>javascript:alert(1)</dd>'));
    assert.ok(!sneaky.includes('mailto:'));
    assert.ok(sneaky.includes('x@y&quot; onclick=&quot;z'));
    assert.ok(sneaky.includes('href="tel:+81312345678"'));
  });

  test('the same input gives the same bytes', () => {
    assert.equal(
      renderBlockPage(input({ languages: ['ja', 'en'] })),
      renderBlockPage(input({ languages: ['ja', 'en'] })),
    );
  });
});

describe('block page escaping (the Host header is attacker-controlled)', () => {
  const benign = renderBlockPage(input({ host: 'a.example', languages: ['ja', 'en'] }));
  const attacks = [
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    "evil.example' onmouseover='alert(1)",
    '</span></p><script src=//x.example/a.js></script>',
    '<style>body{display:none}</style>',
    '&lt;already-escaped&gt;',
    "$' $& $` $1",
    '</title><meta http-equiv="refresh" content="0;url=https://evil.example">',
  ];
  for (const host of attacks) {
    test(JSON.stringify(host), () => {
      const html = renderBlockPage(input({ host, languages: ['ja', 'en'] }));
      // Escaped everywhere it appears, so the document has the same tags as for a harmless name.
      assert.equal(count(html, '<'), count(benign, '<'));
      assert.equal(count(html, '>'), count(benign, '>'));
      assert.ok(html.includes(`<span class="host">${escapeHtml(host)}</span>`));
      assert.ok(!html.includes(host), 'the raw value never appears');
    });
  }

  test('control characters are dropped and a very long name is cut', () => {
    const html = renderBlockPage(input({ host: `evil\u0000\u001b[31m\u0085.example${'a'.repeat(400)}` }));
    assert.ok(html.includes('<span class="host">evil[31m.exampleaaa'));
    assert.ok(![...html].some((c) => c !== '\n' && (c < ' ' || (c >= '\u007f' && c <= '\u009f'))));
    const shown = /<span class="host">([^<]*)<\/span>/.exec(html)?.[1] ?? '';
    assert.equal(shown.length, 254);
    assert.ok(shown.endsWith('…'));
  });

  test('escapeHtml escapes the five characters that matter in text and attributes', () => {
    assert.equal(
      escapeHtml(`<a href="x" title='y'>&</a>`),
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    assert.equal(escapeHtml('例え.jp plain'), '例え.jp plain');
  });
});
