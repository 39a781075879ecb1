import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storeKinds, type TestStore } from '../../../test/support/stores.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import { builtInTemplate } from './builtin-templates.js';
import { getTemplate, listTemplates, loadTemplates, revertTemplate, setTemplate } from './notice-templates.js';
import { runNotifier } from './notify.js';
import { previewTemplate } from './preview.js';
import { parseTemplateSource } from './template-source.js';
import { addCase, addSubscriber, DESK, iso, noticesConfig, recordingSender } from './notices.test-support.js';

const SECTION = `---
title: 'ウイルス感染のお知らせ（{{typeLabel}}）'
---
■ {{heading}} / {{case.reference}}
{{#events}}
* {{time}} {{address}}{{#port}}:{{port}}{{/port}}
{{/events}}
当社独自の手順をご覧ください: https://www.isp.example.jp/virus/
`;

test('a template is checked before it is used: front matter, Mustache, and what the notice needs', () => {
  const problem = (source: string, role: 'digest' | 'section' = 'section') => {
    const r = parseTemplateSource(source, role);
    return r.ok ? 'ok' : r.problem;
  };
  assert.equal(problem(SECTION), 'ok');
  assert.match(problem('no front matter\n{{#events}}{{/events}}'), /must begin with a front matter block/);
  assert.match(problem('---\ntitle: [a\n---\n{{#events}}{{/events}}'), /front matter is not valid YAML/);
  assert.match(problem('---\ntitel: x\n---\n{{#events}}{{/events}}'), /knows only title and subject, not titel/);
  assert.match(problem('---\nsubject: x\n---\n{{#events}}{{/events}}'), /needs a title/);
  assert.match(
    problem('---\ntitle: x\n---\n{{#events}}\n・{{time}}\n'),
    /^body: Unclosed section "events".*every \{\{#name\}\} has its/,
  );
  assert.match(
    problem('---\ntitle: x\n---\nnothing about what was seen\n'),
    /put \{\{#events\}\} … \{\{\/events\}\} in the body/,
  );
  assert.match(
    problem('---\nsubject: x\n---\nDear {{subscriber.name}}\n', 'digest'),
    /must contain \{\{\{sections\}\}\}/,
  );
  assert.match(problem('---\ntitle: x\n---\n{{#events}}{{/events}}', 'digest'), /needs a subject/);
  assert.equal(problem(builtInTemplate('digest', 'ja')!, 'digest'), 'ok');
});

for (const kind of await storeKinds()) {
  describe(`notice templates on ${kind.name}`, { skip: kind.skip }, () => {
    let store: TestStore;
    let caseId = 0;
    before(async () => {
      store = await kind.open();
      await addSubscriber(store.db, 'C-1001', { name: '山田 太郎', email: 'taro@example.jp' });
      caseId = await addCase(store.db, 'C-1001', [
        { time: '2026-11-20T05:05:07.000Z', source: { address: '203.0.113.5', port: 51234 } },
      ]);
    });
    after(async () => store?.dispose());

    test('an admin overrides a template; the change is audited with both texts; notices use it', async () => {
      await setTemplate(store.db, DESK, 'infected-system', 'ja', SECTION);
      const t = await getTemplate(store.db, 'infected-system', 'ja');
      assert.equal(t.overridden, true);
      assert.equal(t.source, SECTION);
      assert.equal(t.builtInSource, builtInTemplate('infected-system', 'ja'));
      assert.equal(t.updatedBy, 'cli:desk');
      const listed = await listTemplates(store.db);
      assert.deepEqual(
        listed.filter((l) => l.name === 'infected-system').map((l) => [l.locale, l.overridden]),
        [
          ['ja', true],
          ['en', false],
        ],
      );
      const [entry] = await store.db
        .selectFrom('auditEntries')
        .selectAll()
        .where('action', '=', 'abuse.template.set')
        .execute();
      assert.equal(entry?.target, 'notice-template:infected-system.ja');
      assert.deepEqual(JSON.parse(entry!.detail!), { source: SECTION, previous: null });

      const sender = recordingSender();
      await runNotifier({ db: store.db, config: noticesConfig(), sender }, { dryRun: false });
      assert.match(
        sender.sent[0]!.text,
        /■ ウイルス感染のお知らせ（ウイルス（マルウェア）感染の疑い） \/ \d+\n\* 2026年11月20日 14:05:07 203\.0\.113\.5:51234\n当社独自の手順/,
      );
      assert.match(sender.sent[0]!.text, /^山田 太郎 様/, 'the digest around it is still the built-in one');
    });

    test('a template that cannot work is refused with the reason, and the old one stays', async () => {
      await assert.rejects(
        () => setTemplate(store.db, DESK, 'infected-system', 'ja', '---\ntitle: x\n---\n{{#events}}\n'),
        (e: unknown) =>
          e instanceof UserFacingError && e.key === 'abuse.template_invalid' && /Unclosed section/.test(e.message),
      );
      await assert.rejects(
        () => setTemplate(store.db, DESK, 'no-such-class', 'ja', SECTION),
        /no notice template "no-such-class"/,
      );
      await assert.rejects(() => setTemplate(store.db, DESK, 'spam', 'fr', SECTION), /ja and en, not "fr"/);
      assert.equal((await getTemplate(store.db, 'infected-system', 'ja')).source, SECTION);
    });

    test('a class without a template of its own uses generic; an admin may write one for it', async () => {
      const t = await getTemplate(store.db, 'data-leak', 'en');
      assert.equal(t.usesTemplate, 'generic');
      assert.equal(t.builtIn, false);
      assert.equal(t.source, builtInTemplate('generic', 'en'));
      const resolve = await loadTemplates(store.db);
      assert.equal(resolve('data-leak', 'en').name, 'generic');
      await setTemplate(store.db, DESK, 'data-leak', 'en', SECTION);
      assert.equal((await loadTemplates(store.db))('data-leak', 'en').name, 'data-leak');
      assert.ok((await listTemplates(store.db)).some((l) => l.name === 'data-leak' && l.locale === 'en'));
    });

    test('a preview renders the saved template or a draft against a real case, and reads the subscriber audited', async () => {
      const draft = SECTION.replace('当社独自の手順', '下書きの手順');
      const p = await previewTemplate(store.db, noticesConfig(), DESK, {
        name: 'infected-system',
        caseId,
        source: draft,
        kind: 'reminder',
      });
      assert.equal(p.locale, 'ja');
      assert.equal(p.subscriberId, 'C-1001');
      assert.match(p.subject, /^【再度のお知らせ】/);
      assert.match(p.body, /下書きの手順/);
      assert.equal((await getTemplate(store.db, 'infected-system', 'ja')).source, SECTION, 'a draft is not saved');
      const en = await previewTemplate(store.db, noticesConfig(), DESK, { name: 'digest', caseId, locale: 'en' });
      assert.match(en.body, /^Dear 山田 太郎,/);
      assert.match(en.body, /2026-11-20 14:05:07 {2}IP address 203\.0\.113\.5 \(port 51234\)/);
      const [read] = await store.db
        .selectFrom('auditEntries')
        .selectAll()
        .where('action', '=', 'subscriber.read')
        .orderBy('id', 'desc')
        .execute();
      assert.equal(read?.purpose, `abuse-notice: template preview, case ${caseId}`);
      await assert.rejects(
        () => previewTemplate(store.db, noticesConfig(), DESK, { name: 'spam', caseId, source: '---\n---\n' }),
        /cannot be used/,
      );
      await assert.rejects(
        () => previewTemplate(store.db, noticesConfig(), DESK, { name: 'spam', caseId: 999999 }),
        /no case with id 999999/,
      );
    });

    test('revert goes back to the built-in template, audited with the text removed', async () => {
      await revertTemplate(store.db, DESK, 'infected-system', 'ja');
      const t = await getTemplate(store.db, 'infected-system', 'ja');
      assert.equal(t.overridden, false);
      assert.equal(t.source, builtInTemplate('infected-system', 'ja'));
      const [entry] = await store.db
        .selectFrom('auditEntries')
        .selectAll()
        .where('action', '=', 'abuse.template.revert')
        .execute();
      assert.deepEqual(JSON.parse(entry!.detail!), { removed: SECTION });
      await assert.rejects(
        () => revertTemplate(store.db, DESK, 'infected-system', 'ja'),
        (e: unknown) => e instanceof UserFacingError && e.statusCode === 404,
      );
    });
  });
}

test('times in notices and exports', async () => {
  const { noticeTime, noticeDate, zonedIso, zoneName } = await import('./time-format.js');
  assert.equal(noticeTime('2026-12-31T15:00:00Z', 'ja', 'Asia/Tokyo'), '2027年1月1日 00:00:00');
  assert.equal(noticeTime('2026-12-31T15:00:00Z', 'en', 'Asia/Tokyo'), '2027-01-01 00:00:00');
  assert.equal(noticeDate('2026-12-31T15:00:00Z', 'ja', 'UTC'), '2026年12月31日');
  assert.equal(zonedIso('2026-12-31T15:00:00.000Z', 'Asia/Tokyo'), '2027-01-01T00:00:00+09:00');
  assert.equal(zonedIso('2026-07-01T12:00:00Z', 'America/New_York'), '2026-07-01T08:00:00-04:00');
  assert.equal(zoneName('Asia/Tokyo', 'ja'), '日本時間');
  assert.equal(noticeTime('not a time', 'ja', 'Asia/Tokyo'), 'not a time');
  assert.equal(iso(0), '1970-01-01T00:00:00.000Z');
});
