import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { storeKinds, type TestStore } from '../../../test/support/stores.js';
import { importSubscriberFile } from '../../attribute/import-subscribers.js';
import { readSubscribers } from '../../store/subscribers.js';
import { runNotifier } from './notify.js';
import { addEvents, DESK, iso, noticesConfig } from './notices.test-support.js';

// The language of a subscriber's notices comes from the subscriber list (a `language` / `言語` column);
// a list without the column leaves it as it was; a subscriber with none gets abuse.notices.default_locale.

for (const kind of await storeKinds()) {
  describe(`the subscriber's language on ${kind.name}`, { skip: kind.skip }, () => {
    let store: TestStore;
    const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-locale-'));
    before(async () => {
      store = await kind.open();
    });
    after(async () => {
      await store?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    const importCsv = async (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return importSubscriberFile(store.db, DESK, join(dir, name));
    };
    const locales = async () =>
      (
        await readSubscribers(store.db, { ...DESK, purpose: { kind: 'abuse-notice' } }, { ids: ['C-1', 'C-2', 'C-3'] })
      ).map((s) => [s.id, s.locale]);

    test('is imported from the language column and kept when a later list has none', async () => {
      const first = await importCsv(
        'first.csv',
        '加入者ID,氏名,メール,言語\nC-1,山田 太郎,taro@example.jp,日本語\nC-2,John Smith,john@example.jp,English\nC-3,李 明,li@example.jp,\n',
      );
      assert.equal(first.imported, 3);
      assert.deepEqual(await locales(), [
        ['C-1', 'ja'],
        ['C-2', 'en'],
        ['C-3', null],
      ]);
      await importCsv('second.csv', 'id,name,email\nC-2,John Smith,john.smith@example.jp\n');
      assert.deepEqual(await locales(), [
        ['C-1', 'ja'],
        ['C-2', 'en'],
        ['C-3', null],
      ]);
    });

    test('decides the language of the digest, with the default for a subscriber who has none', async () => {
      for (const id of ['C-1', 'C-2', 'C-3'])
        await addEvents(store.db, id, [{ time: iso(Date.now() - 3_600_000), type: 'scanner' }]);
      const dry = async (defaultLocale: string) =>
        (
          await runNotifier(
            { db: store.db, config: noticesConfig({ default_locale: defaultLocale }), audit: DESK },
            { dryRun: true },
          )
        ).digests.map((d) => [
          d.subscriberId,
          d.locale,
          d.subject.startsWith('【') || d.subject.startsWith('Important'),
        ]);
      assert.deepEqual(await dry('ja'), [
        ['C-1', 'ja', true],
        ['C-2', 'en', true],
        ['C-3', 'ja', true],
      ]);
      assert.deepEqual(
        (await dry('en')).map(([id, locale]) => [id, locale]),
        [
          ['C-1', 'ja'],
          ['C-2', 'en'],
          ['C-3', 'en'],
        ],
      );
    });
  });
}
