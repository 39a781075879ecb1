import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storeKinds, type TestStore } from '../../../test/support/stores.js';
import { caseTimeline, moveCase } from '../cases.js';
import { exportNoticesCsv } from './export-csv.js';
import { listNotices } from './notices.js';
import { runNotifier, type NotifyResult } from './notify.js';
import {
  addCase,
  addEvents,
  addSubscriber,
  DAY,
  DESK,
  HOUR,
  iso,
  noticesConfig,
  recordingSender,
} from './notices.test-support.js';

const config = noticesConfig();

for (const kind of await storeKinds()) {
  describe(`the notifier on ${kind.name}`, { skip: kind.skip }, () => {
    let store: TestStore;
    const T = Date.now();
    let taroInfected = 0;
    let taroCopyright = 0;
    let johnScan = 0;

    before(async () => {
      store = await kind.open();
      await addSubscriber(store.db, 'C-1001', { name: '山田 太郎', email: 'taro@example.jp' });
      await addSubscriber(store.db, 'C-2002', { name: 'John Smith', email: 'john@example.jp', locale: 'en' });
      await addSubscriber(store.db, 'C-3003', {
        name: '佐藤 花子',
        email: null,
        phone: '03-0000-0003',
        address: '東京都千代田区千代田 1-1',
      });
      taroInfected = await addCase(store.db, 'C-1001', [
        { time: iso(T - 3 * HOUR), identifier: 'mirai' },
        { time: iso(T - 2 * HOUR), identifier: 'mirai' },
      ]);
      taroCopyright = await addCase(store.db, 'C-1001', [
        {
          time: iso(T - 5 * HOUR),
          type: 'copyright',
          reporter: 'Example Pictures Rights Office',
          reportType: 'acns',
          protocol: 'bittorrent',
          detail: { title: 'Example Movie 2', file_name: 'Example.Movie.2.mkv' },
        },
      ]);
      johnScan = await addCase(store.db, 'C-2002', [{ time: iso(T - HOUR), type: 'scanner' }]);
      await addEvents(store.db, 'C-3003', [{ time: iso(T - HOUR), type: 'vulnerable-system' }]);
    });
    after(async () => store?.dispose());

    const run = (sender = recordingSender(), at = T) =>
      runNotifier({ db: store.db, config, sender, now: new Date(at) }, { dryRun: false }).then((r) => ({ r, sender }));
    /** The cases in the digests mailed to one subscriber (the clock moves on for everyone in these tests). */
    const mailedTo = (r: NotifyResult, subscriberId: string) =>
      r.digests
        .filter((d) => d.subscriberId === subscriberId && d.channel === 'email')
        .map((d) => d.cases.map((c) => [c.id, c.kind]));

    test('a dry run shows one digest per subscriber, in their language, and changes nothing', async () => {
      const result = await runNotifier({ db: store.db, config, audit: DESK, now: new Date(T) }, { dryRun: true });
      assert.deepEqual(
        result.digests.map((d) => [d.subscriberId, d.locale, d.channel, d.cases.map((c) => c.id).sort()]),
        [
          ['C-1001', 'ja', 'email', [taroInfected, taroCopyright].sort()],
          ['C-2002', 'en', 'email', [johnScan]],
          ['C-3003', 'ja', 'export', result.digests[2]!.cases.map((c) => c.id)],
        ],
      );
      assert.equal(result.awaitingExport, 1);
      assert.match(result.digests[0]!.body, /山田 太郎 様/);
      assert.match(result.digests[1]!.body, /Dear John Smith/);
      assert.equal((await listNotices(store.db, {}, { limit: 10, offset: 0 })).length, 0);
      const { case: c } = await caseTimeline(store.db, taroInfected);
      assert.equal(c.state, 'new');
      const reads = await store.db
        .selectFrom('auditEntries')
        .selectAll()
        .where('action', '=', 'subscriber.read')
        .where('actor', '=', 'cli:desk')
        .execute();
      assert.equal(reads.at(-1)?.purpose, 'abuse-notice: notifier dry run');
    });

    test('a run sends one digest per subscriber, records it, and moves each case by the notifier', async () => {
      const { r, sender } = await run();
      assert.equal(r.sent, 2);
      assert.equal(r.awaitingExport, 1);
      assert.deepEqual(sender.sent.map((s) => s.to).sort(), ['john@example.jp', 'taro@example.jp']);
      const taro = sender.sent.find((s) => s.to === 'taro@example.jp')!;
      assert.match(taro.messageId, /^<mizugiwa\.notice\.[0-9a-z]+\.[0-9a-f]{16}@isp\.example\.jp>$/);
      assert.match(taro.text, /ウイルス（マルウェア）感染の疑い（管理番号: \d+）/);
      assert.match(taro.text, /作品名: Example Movie 2/);
      const [notice] = await listNotices(store.db, { subscriberId: 'C-1001' }, { limit: 10, offset: 0 });
      assert.equal(notice?.status, 'sent');
      assert.equal(notice?.kind, 'notice');
      assert.equal(notice?.messageId, taro.messageId);
      assert.deepEqual(notice?.cases.map((c) => c.caseId).sort(), [taroInfected, taroCopyright].sort());
      const { case: c, timeline } = await caseTimeline(store.db, taroInfected);
      assert.equal(c.state, 'notified');
      const move = timeline.findLast((t) => t.kind === 'state');
      assert.ok(move?.kind === 'state');
      assert.equal(move.actor, 'system:notifier');
      assert.equal(move.reason, `notice ${notice!.id} sent by e-mail to the subscriber (Message-ID ${taro.messageId})`);
    });

    test('within the interval, a new case of a class just told about waits; another class goes at once', async () => {
      const again = await addCase(store.db, 'C-2002', [{ time: iso(T - 30 * 60_000), type: 'scanner' }]);
      // The earlier case took it; a new case (after a resolution) is what the interval holds back.
      await moveCase(store.db, DESK, johnScan, 'resolved', 'subscriber removed the malware');
      const fresh = await addCase(store.db, 'C-2002', [{ time: iso(T - 20 * 60_000), type: 'scanner' }]);
      const spam = await addCase(store.db, 'C-2002', [{ time: iso(T - 20 * 60_000), type: 'spam' }]);
      assert.equal(again, johnScan);
      const { r, sender } = await run(recordingSender(), T + 3 * HOUR);
      assert.equal(r.sent, 1);
      assert.deepEqual(mailedTo(r, 'C-2002'), [[[spam, 'notice']]]);
      assert.match(sender.sent[0]!.text, /Junk e-mail \(spam\)/);
      const later = await run(recordingSender(), T + 25 * HOUR);
      assert.deepEqual(mailedTo(later.r, 'C-2002'), [[[fresh, 'notice']]]);
    });

    test('a reminder goes when the problem is still seen after remind_after_days; not before, not if it stopped', async () => {
      // Seen again after the notice (which went out just now, by the real clock).
      await addEvents(store.db, 'C-1001', [{ time: iso(Date.now() + 2 * DAY), identifier: 'mirai' }]);
      assert.deepEqual(mailedTo((await run(recordingSender(), T + 6 * DAY)).r, 'C-1001'), [], '6 days: too early');
      const { r, sender } = await run(recordingSender(), T + 7 * DAY + HOUR);
      assert.deepEqual(
        mailedTo(r, 'C-1001'),
        [[[taroInfected, 'reminder']]],
        'the copyright case saw nothing new: no reminder',
      );
      assert.match(sender.sent[0]!.text, /^【再度のお知らせ】|にお知らせした後も、同じ問題が 1 件確認されています/m);
      const [notice] = await listNotices(store.db, { caseId: taroInfected }, { limit: 1, offset: 0 });
      assert.equal(notice?.kind, 'reminder');
      assert.equal((await caseTimeline(store.db, taroInfected)).case.state, 'reminded');
    });

    test('a send that fails is recorded and retried by the next run with the same Message-ID', async () => {
      await addSubscriber(store.db, 'C-4004', { name: '田中 一郎', email: 'ichiro@example.jp' });
      const c = await addCase(store.db, 'C-4004', [
        { time: iso(T), type: 'ddos-amplifier', source: { address: '203.0.113.9', port: 1900 } },
      ]);
      const failing = recordingSender();
      failing.outcomes.set('ichiro@example.jp', [
        { ok: false, permanent: false, error: 'connect ECONNREFUSED 127.0.0.1:2525' },
      ]);
      const first = await run(failing, T + 8 * DAY);
      assert.equal(first.r.failed, 1);
      const [failed] = await listNotices(store.db, { subscriberId: 'C-4004' }, { limit: 1, offset: 0 });
      assert.equal(failed?.status, 'failed');
      assert.equal(failed?.error, 'connect ECONNREFUSED 127.0.0.1:2525');
      assert.equal((await caseTimeline(store.db, c!)).case.state, 'new');
      const second = await run(recordingSender(), T + 8 * DAY + HOUR);
      assert.equal(second.r.retried, 1);
      assert.deepEqual(
        mailedTo(second.r, 'C-4004'),
        [],
        'the case is not rendered again: the failed notice carries it',
      );
      const sentTo = (s: typeof first.sender) => s.sent.filter((n) => n.to === 'ichiro@example.jp');
      assert.equal(sentTo(second.sender)[0]?.messageId, sentTo(first.sender)[0]?.messageId);
      const [sent] = await listNotices(store.db, { subscriberId: 'C-4004' }, { limit: 1, offset: 0 });
      assert.equal(sent?.status, 'sent');
      assert.equal(sent?.attempts, 2);
      assert.equal((await caseTimeline(store.db, c!)).case.state, 'notified');
    });

    test('an address the relay refuses for good is a bounce: flagged, noted on the case, not retried', async () => {
      await addSubscriber(store.db, 'C-5005', { name: '鈴木 次郎', email: 'gone@example.jp' });
      const c = await addCase(store.db, 'C-5005', [{ time: iso(T), type: 'brute-force' }]);
      const refusing = recordingSender();
      refusing.outcomes.set('gone@example.jp', [
        {
          ok: false,
          permanent: true,
          status: '5.1.1',
          error: '550 5.1.1 <gone@example.jp>: Recipient address rejected: User unknown',
        },
      ]);
      const { r } = await run(refusing, T + 9 * DAY);
      assert.equal(r.bounced, 1);
      const [n] = await listNotices(store.db, { subscriberId: 'C-5005' }, { limit: 1, offset: 0 });
      assert.equal(n?.status, 'bounced');
      assert.equal(n?.bounceStatus, '5.1.1');
      const { case: row, timeline } = await caseTimeline(store.db, c!);
      assert.equal(row.state, 'new');
      assert.ok(timeline.some((t) => t.kind === 'note' && /did not reach the subscriber.*5\.1\.1/.test(t.text)));
      assert.equal((await run(recordingSender(), T + 9 * DAY + HOUR)).r.retried, 0);
    });

    test('two runs at the same moment send a case once', async () => {
      await addSubscriber(store.db, 'C-6006', { name: '高橋 三郎', email: 'saburo@example.jp' });
      await addEvents(store.db, 'C-6006', [{ time: iso(T), type: 'c2-server' }]);
      const a = recordingSender();
      const b = recordingSender();
      await Promise.all([run(a, T + 9 * DAY + 2 * HOUR), run(b, T + 9 * DAY + 2 * HOUR)]);
      const sent = [...a.sent, ...b.sent].filter((n) => n.to === 'saburo@example.jp');
      assert.equal(sent.length, 1);
      assert.equal((await listNotices(store.db, { subscriberId: 'C-6006' }, { limit: 5, offset: 0 })).length, 1);
    });

    test('the CSV export lists subscribers without e-mail once, with their cases, and records them', async () => {
      const first = await exportNoticesCsv(store.db, config, DESK, new Date(T + 10 * DAY));
      assert.equal(first.rows, 1);
      assert.ok(first.csv.startsWith('\uFEFFsubscriber_id,name,name_kana,phone,postal_address,language,notice_id,'));
      const [, row] = first.csv.trim().split('\r\n');
      const cells = row!.split(',');
      assert.deepEqual(cells.slice(0, 6), [
        'C-3003',
        '佐藤 花子',
        '',
        '03-0000-0003',
        '東京都千代田区千代田 1-1',
        'ja',
      ]);
      assert.equal(cells[7], 'notice');
      assert.equal(cells[9], 'vulnerable-system');
      assert.match(cells[11]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$/);
      const [n] = await listNotices(store.db, { subscriberId: 'C-3003' }, { limit: 1, offset: 0 });
      assert.equal(n?.status, 'exported');
      assert.equal(n?.channel, 'export');
      assert.equal(String(n?.id), cells[6]);
      const caseId = Number(cells[8]);
      assert.equal((await caseTimeline(store.db, caseId)).case.state, 'notified');
      const second = await exportNoticesCsv(store.db, config, DESK, new Date(T + 10 * DAY));
      assert.equal(second.rows, 0, 'exported cases are not exported twice');
      assert.equal(
        second.csv,
        '\uFEFFsubscriber_id,name,name_kana,phone,postal_address,language,notice_id,kind,case_ids,classes,events,first_event,last_event\r\n',
      );
    });
  });
}
