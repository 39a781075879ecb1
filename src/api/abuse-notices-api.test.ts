import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer, testApp, type TestApp } from '../../test/support/app.js';
import { storeKinds } from '../../test/support/stores.js';
import { runNotifier } from '../abuse/notices/notify.js';
import {
  addCase,
  addEvents,
  addSubscriber,
  iso,
  noticesConfig,
  recordingSender,
} from '../abuse/notices/notices.test-support.js';
import { configSchema } from '../config/schema.js';
import type { Role } from '../domain/roles.js';

const SECTION = `---
title: お知らせ
---
{{#events}}
・{{time}} {{address}}
{{/events}}
`;

for (const kind of await storeKinds()) {
  describe(`abuse notices API on ${kind.name}`, { skip: kind.skip }, () => {
    let t: TestApp;
    let noticeId = 0;
    let caseId = 0;
    before(async () => {
      const store = await kind.open();
      t = await testApp(store, { abuse: { ...configSchema.parse({}).abuse, notices: noticesConfig() } });
      await addSubscriber(store.db, 'C-1001', { name: '山田 太郎', email: 'taro@example.jp' });
      await addSubscriber(store.db, 'C-2002', { name: 'John Smith', email: 'john@example.jp', locale: 'en' });
      caseId = await addCase(store.db, 'C-1001', [{ time: iso(Date.now() - 3_600_000) }]);
      const sender = recordingSender();
      await runNotifier({ db: store.db, config: t.config.abuse.notices, sender }, { dryRun: false });
      noticeId = sender.sent[0]!.noticeId;
      await addEvents(store.db, 'C-2002', [{ time: iso(Date.now() - 3_600_000), type: 'spam' }]);
    });
    after(() => t.close());

    const call = (role: Role, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object, lang = 'en') =>
      t.app.inject({ method, url, headers: { ...bearer(t.tokens[role]), 'accept-language': lang }, payload });

    test('the desk lists notices without their text or recipient; a viewer may not', async () => {
      const res = await call('analyst', 'GET', '/api/abuse/notices?status=sent');
      assert.equal(res.statusCode, 200, res.body);
      const [n] = res.json().items;
      assert.equal(n.id, noticeId);
      assert.equal(n.subscriberId, 'C-1001');
      assert.deepEqual(n.cases, [{ caseId, kind: 'notice' }]);
      assert.equal('body' in n || 'recipient' in n, false);
      assert.equal((await call('analyst', 'GET', `/api/abuse/notices?case=${caseId}`)).json().items.length, 1);
      assert.equal((await call('analyst', 'GET', '/api/abuse/notices?status=bounced')).json().items.length, 0);
      assert.equal((await call('viewer', 'GET', '/api/abuse/notices')).statusCode, 403);
      assert.equal((await call('analyst', 'GET', '/api/abuse/notices?status=lost')).statusCode, 400);
    });

    test("a notice's text and recipient need a purpose and a role that reads subscribers; the read is audited", async () => {
      const plain = await call('analyst', 'GET', `/api/abuse/notices/${noticeId}`);
      assert.equal(plain.statusCode, 200, plain.body);
      assert.equal(plain.json().body, null);
      const analyst = await call('analyst', 'GET', `/api/abuse/notices/${noticeId}?purpose=abuse-notice`);
      assert.equal(analyst.statusCode, 403);
      assert.equal(analyst.json().code, 'auth.forbidden');
      const desk = await call(
        'abuse_desk',
        'GET',
        `/api/abuse/notices/${noticeId}?purpose=abuse-notice&reference=CASE-${caseId}`,
      );
      assert.equal(desk.statusCode, 200, desk.body);
      assert.equal(desk.json().recipient, 'taro@example.jp');
      assert.match(desk.json().body, /^山田 太郎 様/);
      const [entry] = await t.store.db
        .selectFrom('auditEntries')
        .selectAll()
        .where('action', '=', 'abuse.notice.read')
        .execute();
      assert.equal(entry?.purpose, `abuse-notice: CASE-${caseId}`);
      const missing = await call('analyst', 'GET', '/api/abuse/notices/999999', undefined, 'ja');
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().message, 'ID 999999 の通知はありません。');
    });

    test('the dry run shows the digests due now and sends nothing', async () => {
      const res = await call('abuse_desk', 'POST', '/api/abuse/notify/dry-run');
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.digests.length, 1);
      assert.equal(body.digests[0].subscriberId, 'C-2002');
      assert.equal(body.digests[0].recipient, 'john@example.jp');
      assert.match(body.digests[0].body, /^Dear John Smith,/);
      assert.equal(body.awaitingExport, 0);
      assert.equal((await call('analyst', 'POST', '/api/abuse/notify/dry-run')).statusCode, 403);
      assert.equal((await call('analyst', 'GET', '/api/abuse/notices')).json().items.length, 1, 'nothing was sent');
    });

    test('an admin edits, previews and reverts a template; others may not', async () => {
      const list = await call('admin', 'GET', '/api/abuse/templates');
      assert.equal(list.statusCode, 200, list.body);
      assert.ok(
        list.json().items.some((i: { name: string; locale: string }) => i.name === 'copyright' && i.locale === 'ja'),
      );
      assert.equal((await call('abuse_desk', 'GET', '/api/abuse/templates')).statusCode, 403);
      assert.equal(
        (await call('abuse_desk', 'PUT', '/api/abuse/templates/spam/ja', { source: SECTION })).statusCode,
        403,
      );

      const bad = await call(
        'admin',
        'PUT',
        '/api/abuse/templates/spam/ja',
        { source: '---\ntitle: x\n---\nno events\n' },
        'ja',
      );
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().code, 'abuse.template_invalid');
      assert.match(bad.json().message, /^テンプレート spam（ja）は使えません: .*\{\{#events\}\}/);

      const put = await call('admin', 'PUT', '/api/abuse/templates/infected-system/ja', { source: SECTION });
      assert.equal(put.statusCode, 204, put.body);
      const got = (await call('admin', 'GET', '/api/abuse/templates/infected-system/ja')).json();
      assert.equal(got.overridden, true);
      assert.equal(got.source, SECTION);
      assert.match(got.builtInSource, /ウイルス（マルウェア）感染の疑い/);

      const preview = await call('admin', 'POST', '/api/abuse/templates/infected-system/ja/preview', { caseId });
      assert.equal(preview.statusCode, 200, preview.body);
      assert.match(preview.json().body, /■ お知らせ|・\d{4}年\d+月\d+日 \d\d:\d\d:\d\d 203\.0\.113\.5/);
      assert.equal(preview.json().caseType, 'infected-system');
      const draft = await call('admin', 'POST', '/api/abuse/templates/digest/en/preview', {
        caseId,
        source: '---\nsubject: Draft for {{subscriber.name}}\n---\n{{{sections}}}\n',
      });
      assert.equal(draft.json().subject, 'Draft for 山田 太郎');

      assert.equal((await call('admin', 'POST', '/api/abuse/templates/infected-system/ja/revert')).statusCode, 204);
      const again = await call('admin', 'POST', '/api/abuse/templates/infected-system/ja/revert');
      assert.equal(again.statusCode, 404);
      assert.equal(again.json().code, 'abuse.template_not_overridden');
      assert.equal((await call('admin', 'GET', '/api/abuse/templates/nothing/ja')).statusCode, 404);
      assert.equal((await call('admin', 'GET', '/api/abuse/templates/spam/de')).statusCode, 400);
    });
  });
}
