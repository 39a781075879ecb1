import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RSIT_TYPES } from '../../domain/abuse-event.js';
import type { AbuseEventRow } from '../../store/schema.js';
import { builtInTemplateNames, NOTICE_LOCALES } from './builtin-templates.js';
import { templateResolver } from './notice-templates.js';
import type { CaseForNotice, NoticeContact } from './notice-view.js';
import { renderDigest, type DigestOptions } from './render.js';

const contact = (name: string, hours: string): NoticeContact => ({
  name,
  mail: 'support@isp.example.jp',
  phone: '0120-000-000',
  web: 'https://www.isp.example.jp/security/',
  hours,
});
const OPTIONS: DigestOptions = {
  zone: 'Asia/Tokyo',
  contact: {
    ja: contact('みずぎわネット サポートセンター', '平日 9:00～18:00'),
    en: contact('Mizugiwa Net Support', 'weekdays 9:00-18:00 JST'),
  },
};
const templates = templateResolver();

let nextId = 1;
function event(over: Partial<AbuseEventRow> & { occurredAt: string }): AbuseEventRow {
  return {
    id: nextId++,
    reportId: 1,
    seq: 0,
    type: 'infected-system',
    identifier: null,
    sourceAddress: '203.0.113.5',
    sourcePort: null,
    sourceHostname: null,
    sourceUrl: null,
    destination: null,
    protocol: null,
    reporter: 'shadowserver',
    reportType: 'event4_sinkhole',
    evidence: 'test.csv:2',
    detail: null,
    needsReview: 0,
    state: 'attributed',
    unassignedReason: null,
    subscriberKey: 'taro@isp',
    subscriberId: 'C-1001',
    caseId: 12,
    createdAt: '2026-11-21T00:00:00.000Z',
    ...over,
  };
}

function kase(over: Partial<CaseForNotice> & { events: AbuseEventRow[] }): CaseForNotice {
  const times = over.events.map((e) => e.occurredAt).sort();
  return {
    id: 12,
    type: 'infected-system',
    firstEventAt: times[0]!,
    lastEventAt: times.at(-1)!,
    eventCount: over.events.length,
    kind: 'notice',
    previousNoticeAt: null,
    eventsSinceNotice: 0,
    reporters: [...new Set(over.events.map((e) => e.reporter))],
    ...over,
  };
}

const infected = kase({
  events: [
    event({ occurredAt: '2026-11-20T05:05:07.000Z', sourcePort: 51234, identifier: 'mirai' }),
    event({ occurredAt: '2026-11-19T23:30:00.000Z', sourcePort: 40001, identifier: 'mirai' }),
  ],
});
const copyright = kase({
  id: 15,
  type: 'copyright',
  events: [
    event({
      type: 'copyright',
      occurredAt: '2026-11-18T15:42:07.000Z',
      sourceAddress: '2001:db8::7',
      sourcePort: 6881,
      protocol: 'bittorrent',
      reporter: 'Example Pictures Rights Office',
      reportType: 'acns',
      detail: JSON.stringify({ title: 'Example Movie 2', file_name: 'Example.Movie.2.mkv' }),
    }),
  ],
});

describe('a digest rendered in Japanese', () => {
  const { subject, body } = renderDigest(
    { subscriber: { id: 'C-1001', name: '山田 太郎' }, locale: 'ja', cases: [copyright, infected] },
    templates,
    OPTIONS,
  );

  test('is one mail for both cases, addressed to the subscriber, with the important mark in the subject', () => {
    assert.equal(subject, '【重要】お客様のインターネット回線に関するセキュリティ上のお知らせ');
    assert.match(body, /^山田 太郎 様\n/);
    assert.equal(body.match(/管理番号: /g)?.length, 2);
    assert.ok(body.indexOf('管理番号: 15') < body.indexOf('管理番号: 12'), 'the case seen first comes first');
  });

  test('says what was seen, when in Japan time, from which address and port, and who reported it', () => {
    assert.match(body, /時刻はすべて日本時間です。/);
    assert.match(body, /・2026年11月20日 14:05:07\u3000IP アドレス 203\.0\.113\.5（ポート 51234）\u3000検知名: mirai/);
    assert.match(body, /・2026年11月20日 08:30:00\u3000IP アドレス 203\.0\.113\.5（ポート 40001）/);
    assert.ok(body.indexOf('08:30:00') < body.indexOf('14:05:07'), 'events in time order');
    assert.match(body, /期間: 2026年11月20日 08:30:00 ～ 2026年11月20日 14:05:07（合計 2 件）/);
    assert.match(body, /報告元: The Shadowserver Foundation（/);
  });

  test('gives the remediation steps of each class', () => {
    assert.match(body, /ウイルス対策ソフトで、すべての機器の「フルスキャン（完全スキャン）」/);
    assert.match(body, /情報セキュリティ安心相談窓口/);
    assert.match(body, /Wi-Fi には推測されにくいパスワードを設定し/);
  });

  test('names the work of a copyright notice without accusing the subscriber', () => {
    assert.match(
      body,
      /・2026年11月19日 00:42:07\u3000IP アドレス 2001:db8::7（ポート 6881）\u3000bittorrent\n\u3000作品名: Example Movie 2\n\u3000ファイル名: Example\.Movie\.2\.mkv/,
    );
    assert.match(body, /このお知らせは、お客様が行ったと判断するものではありません。/);
    assert.match(body, /連絡元: Example Pictures Rights Office/);
  });

  test("ends with the ISP's contact, and never asks for a password", () => {
    assert.match(
      body,
      /みずぎわネット サポートセンター\n電話: 0120-000-000\nメール: support@isp\.example\.jp\nウェブ: https:\/\/www\.isp\.example\.jp\/security\/\n受付時間: 平日 9:00～18:00\n/,
    );
    assert.match(body, /パスワード、カード番号などをお尋ねすることはありません/);
  });

  test('leaves no template syntax, no empty values and no runs of blank lines', () => {
    assert.doesNotMatch(body, /\{\{|\}\}|undefined|null|NaN/);
    assert.doesNotMatch(body, /\n\n\n/);
    assert.doesNotMatch(body, / \n/);
  });
});

describe('a digest rendered in English', () => {
  const { subject, body } = renderDigest(
    { subscriber: { id: 'C-2002', name: 'John Smith' }, locale: 'en', cases: [infected] },
    templates,
    OPTIONS,
  );
  test('has the same facts, in English, with times in JST said to be so', () => {
    assert.equal(subject, 'Important: a security problem seen on your internet connection');
    assert.match(body, /^Dear John Smith,\n/);
    assert.match(body, /All times are Japan Standard Time \(JST, UTC\+9\)\./);
    assert.match(body, /- 2026-11-20 14:05:07 {2}IP address 203\.0\.113\.5 \(port 51234\) {2}detected as: mirai/);
    assert.match(body, /Reported by: The Shadowserver Foundation \(a non-profit/);
    assert.match(body, /Phone: 0120-000-000\nE-mail: support@isp\.example\.jp/);
    assert.match(body, /Hours: weekdays 9:00-18:00 JST/);
    assert.doesNotMatch(body, /[ぁ-んァ-ン]|\{\{|undefined|null/);
  });
});

test('a reminder says when the subscriber was told and how often it was seen since', () => {
  const { subject, body } = renderDigest(
    {
      subscriber: { id: 'C-1001', name: '山田 太郎' },
      locale: 'ja',
      cases: [{ ...infected, kind: 'reminder', previousNoticeAt: '2026-11-12T01:00:00.000Z', eventsSinceNotice: 3 }],
    },
    templates,
    OPTIONS,
  );
  assert.match(subject, /^【再度のお知らせ】/);
  assert.match(body, /以前お知らせしたセキュリティ上の問題が、その後もお客様の回線で確認されています。/);
  assert.match(body, /2026年11月12日にお知らせした後も、同じ問題が 3 件確認されています。/);
});

test('a long case lists its latest events and counts the rest; missing facts leave no empty words', () => {
  const many = kase({
    type: 'vulnerable-system',
    eventCount: 25,
    events: [
      event({
        type: 'vulnerable-system',
        occurredAt: '2026-11-20T00:00:00.000Z',
        sourcePort: 23,
        detail: JSON.stringify({ device_vendor: 'ExampleCam', device_model: 'EC-100' }),
      }),
      event({ type: 'vulnerable-system', occurredAt: '2026-11-20T01:00:00.000Z' }),
    ],
  });
  const { body } = renderDigest(
    { subscriber: { id: 'C-1', name: 'A' }, locale: 'ja', cases: [many] },
    templates,
    OPTIONS,
  );
  assert.match(
    body,
    /IP アドレス 203\.0\.113\.5\u3000ポート 23（Telnet（遠隔ログイン））\u3000機器: ExampleCam EC-100\n/,
  );
  assert.match(body, /・2026年11月20日 10:00:00\u3000IP アドレス 203\.0\.113\.5\n/, 'no port, no device: nothing said');
  assert.match(body, /ほか 23 件\n/);
  assert.match(body, /初期設定のものから、推測されにくい長いもの/);
  assert.match(body, /ファームウェア（機器の内部ソフト）/);
  assert.match(body, /「遠隔管理（リモート管理）」の機能/);
});

test("a phishing site's address is written so that nobody clicks it", () => {
  const phishing = kase({
    type: 'phishing',
    events: [
      event({
        type: 'phishing',
        occurredAt: '2026-11-20T00:00:00.000Z',
        sourceUrl: 'https://login.example.com/bank/',
        sourceHostname: 'login.example.com',
      }),
    ],
  });
  const { body } = renderDigest(
    { subscriber: { id: 'C-1', name: 'A' }, locale: 'en', cases: [phishing] },
    templates,
    OPTIONS,
  );
  assert.match(body, /URL: hxxps:\/\/login\[\.\]example\[\.\]com\/bank\//);
  assert.doesNotMatch(body, /https:\/\/login/);
});

test('every built-in template renders in both languages, a class without one through generic', () => {
  const names = builtInTemplateNames();
  for (const name of ['digest', 'generic', 'infected-system', 'vulnerable-system', 'potentially-unwanted-accessible'])
    assert.ok(names.includes(name), name);
  for (const name of ['ddos-amplifier', 'spam', 'copyright', 'phishing', 'brute-force', 'scanner', 'c2-server'])
    assert.ok(names.includes(name), name);
  for (const type of RSIT_TYPES) {
    for (const locale of NOTICE_LOCALES) {
      const c = kase({
        type,
        events: [
          event({
            type,
            occurredAt: '2026-11-20T00:00:00.000Z',
            sourcePort: 22,
            destination: JSON.stringify({ address: '198.51.100.9', port: 22 }),
          }),
        ],
      });
      const { subject, body } = renderDigest(
        { subscriber: { id: 'C-1', name: 'N' }, locale, cases: [c, { ...c, id: 13, kind: 'reminder' }] },
        templates,
        OPTIONS,
      );
      assert.ok(subject.length > 10, `${type}.${locale}`);
      assert.doesNotMatch(body, /\{\{|\}\}|undefined|null/, `${type}.${locale}`);
      assert.ok(
        body.includes(locale === 'ja' ? '2026年11月20日 09:00:00' : '2026-11-20 09:00:00'),
        `${type}.${locale}`,
      );
    }
  }
  const generic = renderDigest(
    {
      subscriber: { id: 'C-1', name: 'N' },
      locale: 'ja',
      cases: [kase({ type: 'data-leak', events: [event({ type: 'data-leak', occurredAt: '2026-11-20T00:00:00Z' })] })],
    },
    templates,
    OPTIONS,
  );
  assert.match(generic.body, /■ 情報の漏えい（管理番号: 12）/);
  assert.match(generic.body, /「情報の漏えい」に関する報告がありました/);
  const brute = renderDigest(
    {
      subscriber: { id: 'C-1', name: 'N' },
      locale: 'ja',
      cases: [
        kase({
          type: 'brute-force',
          events: [
            event({
              type: 'brute-force',
              occurredAt: '2026-11-20T00:00:00Z',
              sourcePort: 50123,
              destination: JSON.stringify({ address: '198.51.100.9', port: 22 }),
            }),
          ],
        }),
      ],
    },
    templates,
    OPTIONS,
  );
  assert.match(brute.body, /接続先のポート 22（SSH（遠隔ログイン））/);
});
