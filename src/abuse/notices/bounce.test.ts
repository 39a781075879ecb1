import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { storeKinds, type TestStore } from '../../../test/support/stores.js';
import { caseTimeline } from '../cases.js';
import { receiveReport, type AbuseContext } from '../receive-report.js';
import { getNotice } from './notices.js';
import { runNotifier } from './notify.js';
import { addCase, addSubscriber, bytesOf, iso, noticesConfig, recordingSender } from './notices.test-support.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/dsn/${name}`, import.meta.url), 'latin1');
const FIXTURE_ID = '<mizugiwa.notice.mhx2k1.0123456789abcdef@isp.example.jp>';
const asMail = (text: string) => bytesOf(Buffer.from(text, 'latin1'));

for (const kind of await storeKinds()) {
  describe(`bounces of notices arriving at intake on ${kind.name}`, { skip: kind.skip }, () => {
    let store: TestStore;
    let ctx: AbuseContext;
    const dataDir = mkdtempSync(join(tmpdir(), 'mizugiwa-bounce-'));
    let caseId = 0;
    let noticeId = 0;
    let messageId = '';

    before(async () => {
      store = await kind.open();
      ctx = { db: store.db, dataDir };
      await addSubscriber(store.db, 'C-1001', { name: '山田 太郎', email: 'taro.yamada@example.net' });
      caseId = await addCase(store.db, 'C-1001', [{ time: iso(Date.now() - 3_600_000) }]);
      const sender = recordingSender();
      await runNotifier({ db: store.db, config: noticesConfig(), sender }, { dryRun: false });
      messageId = sender.sent[0]!.messageId;
      noticeId = sender.sent[0]!.noticeId;
    });
    after(async () => {
      await store?.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const intake = { transport: 'maildir' as const, origin: '/var/mail/abuse/new/1', fileName: 'message' };

    test('a DSN naming a notice flags it bounced with the status and diagnostic, and notes its case', async () => {
      const dsn = fixture('postfix-user-unknown.eml').replace(FIXTURE_ID, messageId);
      const outcome = await receiveReport(ctx, asMail(dsn), intake);
      assert.deepEqual(
        { state: outcome.state, duplicate: outcome.duplicate, events: outcome.events, format: outcome.format },
        { state: 'bounce', duplicate: false, events: 0, format: null },
      );
      const notice = await getNotice(store.db, noticeId);
      assert.equal(notice.status, 'bounced');
      assert.equal(notice.bounceStatus, '5.1.1');
      assert.match(
        notice.bounceDiagnostic ?? '',
        /^550 5\.1\.1 <taro\.yamada@example\.net>: Recipient address rejected/,
      );
      const { case: row, timeline } = await caseTimeline(store.db, caseId);
      assert.equal(row.state, 'notified', 'the case keeps its state; the desk reads the note');
      const notes = timeline.filter((t) => t.kind === 'note');
      assert.equal(notes.length, 1);
      assert.match(
        notes[0]!.kind === 'note' ? notes[0]!.text : '',
        new RegExp(
          `^notice ${noticeId} did not reach the subscriber \\(taro\\.yamada@example\\.net\\): a delivery status notification came back from mx1\\.isp\\.example\\.jp, status 5\\.1\\.1: 550`,
        ),
      );
      const report = await store.db
        .selectFrom('abuseReports')
        .selectAll()
        .where('id', '=', outcome.reportId)
        .executeTakeFirstOrThrow();
      assert.equal(report.reportType, `notice:${noticeId}`);
      assert.equal(report.subject, 'Undelivered Mail Returned to Sender');
      assert.equal(
        await store.db
          .selectFrom('abuseEvents')
          .select('id')
          .where('reportId', '=', outcome.reportId)
          .executeTakeFirst(),
        undefined,
      );
    });

    test('the same bounce again is one report; a second bounce of the notice adds no second note', async () => {
      const dsn = fixture('postfix-user-unknown.eml').replace(FIXTURE_ID, messageId);
      const again = await receiveReport(ctx, asMail(dsn), intake);
      assert.equal(again.duplicate, true);
      const relayed = dsn.replace('X-Original-To: abuse@isp.example.jp\r\n', '');
      const other = await receiveReport(ctx, asMail(relayed), intake);
      assert.equal(other.duplicate, true, 'the same DSN through another path: its Message-ID is known');
      const exchange = fixture('exchange-headers-only.eml').replace(
        '<mizugiwa.notice.mhx2k9.fedcba9876543210@isp.example.jp>',
        messageId,
      );
      assert.equal((await receiveReport(ctx, asMail(exchange), intake)).state, 'bounce');
      assert.equal((await getNotice(store.db, noticeId)).bounceStatus, '5.1.10');
      const { timeline } = await caseTimeline(store.db, caseId);
      assert.equal(timeline.filter((t) => t.kind === 'note').length, 1);
    });

    test('a delay warning, a DSN for a mail that is not a notice, and an unreadable DSN change nothing', async () => {
      const delayed = await receiveReport(
        ctx,
        asMail(
          fixture('postfix-delayed.eml')
            .replace(FIXTURE_ID, messageId)
            .replace('<20261120050005.5Bq7rN1cYt2m@mx1.isp.example.jp>', '<delayed.2@mx1.isp.example.jp>'),
        ),
        intake,
      );
      assert.equal(delayed.state, 'dsn-no-failure');
      const unmatched = await receiveReport(ctx, asMail(fixture('returned-as-text.eml')), intake);
      assert.equal(unmatched.state, 'dsn-unmatched');
      const broken = await receiveReport(ctx, asMail(fixture('no-status-part.eml')), intake);
      assert.equal(broken.state, 'dsn-unreadable');
      const row = await store.db
        .selectFrom('abuseReports')
        .selectAll()
        .where('id', '=', broken.reportId)
        .executeTakeFirstOrThrow();
      assert.match(row.error ?? '', /no message\/delivery-status part/);
    });

    test('an abuse report is still read as one: a feedback report is not taken for a bounce', async () => {
      const arf = readFileSync(new URL('../formats/fixtures/arf/abuse-standard.eml', import.meta.url));
      const outcome = await receiveReport(ctx, bytesOf(arf), intake);
      assert.equal(outcome.format, 'arf');
      assert.equal(outcome.events, 1);
    });
  });
}
