import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bearer, testAppWithDataDir, type TestApp } from '../../test/support/app.js';
import { addSato, SATO_NOVEMBER } from '../../test/support/sato.js';
import { storeKinds } from '../../test/support/stores.js';
import type { Role } from '../domain/roles.js';
import { INLINE_UPLOAD_BYTES } from './routes/abuse-reports.js';

// What the Reports intake screen and the template editor ask of the API: a preview of what an import
// would give (read by the import's own parser and mapping, nothing stored), the cells of a Shift_JIS list
// while a mapping is written, what came of an upload that ran as a job and which cases it touched, and a
// template rendered against sample facts without reading anyone's data.

const fixtures = join(import.meta.dirname, '../abuse/formats/fixtures');
const fixture = (path: string) => readFileSync(join(fixtures, path));
const SINKHOLE = '2026-11-20-event4_sinkhole-asn64500-jp.csv';

/** The NICT list's mapping as the screen builds it: one class for every row, the finding as the identifier. */
const NICT_DRAFT = {
  name: 'nict-ui',
  encoding: 'shift_jis',
  skip_lines: 1,
  columns: { time: '調査日時', address: 'IPアドレス', port: 'ポート', protocol: 'プロトコル', identifier: '検知内容' },
  type: 'vulnerable-system',
  time_zone: 'Asia/Tokyo',
  time_format: 'yyyy/MM/dd HH:mm:ss',
  reporter: 'nict',
  report_type: 'notice',
};

for (const kind of await storeKinds()) {
  describe(`abuse intake API (preview, import results, sample previews) on ${kind.name}`, { skip: kind.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await testAppWithDataDir(await kind.open(), 'mizugiwa-abuse-intake-api-');
      // 198.51.100.23 is sato's all month: two rows of the sinkhole report name it.
      await addSato(t.store.db, SATO_NOVEMBER);
    });
    after(async () => {
      await t?.close();
    });

    const call = (role: Role, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object, lang = 'en') =>
      t.app.inject({ method, url, headers: { ...bearer(t.tokens[role]), 'accept-language': lang }, payload });
    const preview = (role: Role, body: Record<string, unknown>) =>
      call(role, 'POST', '/api/abuse/reports/preview', body);
    const stored = async () => ({
      reports: (await t.store.db.selectFrom('abuseReports').select('id').execute()).length,
      letters: (await t.store.db.selectFrom('deadLetters').select('id').execute()).length,
    });

    test('a Shadowserver report is recognised and previewed as events; a cut-off last line is left out', async () => {
      const before = await stored();
      const bytes = fixture(`shadowserver/${SINKHOLE}`);
      const whole = await preview('abuse_desk', {
        fileName: SINKHOLE,
        content: bytes.toString('base64'),
        complete: true,
      });
      assert.equal(whole.statusCode, 200, whole.body);
      const out = whole.json();
      assert.equal(out.format, 'shadowserver');
      assert.equal(out.detected, true);
      assert.equal(out.csv, null);
      assert.deepEqual(out.counts, { events: 3, rejected: 0, suggestions: 0 });
      assert.equal(out.partial, false);
      assert.deepEqual(
        out.events.map((e: { address: string }) => e.address).sort(),
        ['198.51.100.23', '198.51.100.23', '203.0.113.140'].sort(),
        JSON.stringify(out.events),
      );
      assert.ok(out.events.every((e: { reportType: string }) => e.reportType === 'event4_sinkhole'));

      // The first bytes up to the middle of the last row: that row is not read (it would be a broken record).
      const cut = bytes.subarray(0, bytes.lastIndexOf(0x0a, bytes.length - 2) + 10);
      const part = (
        await preview('abuse_desk', { fileName: SINKHOLE, content: cut.toString('base64'), complete: false, limit: 1 })
      ).json();
      assert.deepEqual(part.counts, { events: 2, rejected: 0, suggestions: 0 });
      assert.equal(part.events.length, 1, 'limit');
      assert.equal(part.partial, true);
      assert.deepEqual(await stored(), before, 'a preview stores nothing');
    });

    test('a Shift_JIS list: its cells while a mapping is written, then its events read through the draft', async () => {
      const list = fixture('csv-mapping/nict-notice.csv').toString('base64');
      const start = (
        await preview('abuse_desk', { fileName: 'notice.csv', content: list, complete: true, format: 'csv' })
      ).json();
      assert.equal(start.format, 'csv');
      assert.deepEqual(start.events, []);
      // Read as UTF-8 with no lines skipped, the title line is the "header": the screen shows it garbled.
      assert.notEqual(start.csv.columns[1], 'IPアドレス');

      const layoutOnly = (
        await preview('abuse_desk', {
          fileName: 'notice.csv',
          content: list,
          complete: true,
          mapping: { encoding: 'shift_jis', skip_lines: 1 },
        })
      ).json();
      assert.deepEqual(layoutOnly.csv.columns, [
        '調査日時',
        'IPアドレス',
        'ポート',
        'プロトコル',
        '検知内容',
        '機器の種類',
        '備考',
      ]);
      assert.deepEqual(layoutOnly.csv.rows[0].slice(0, 2), ['2026/11/19 10:15:03', '192.0.2.10']);
      assert.ok(
        layoutOnly.csv.problems.some((p: string) => p.startsWith('columns: required')),
        layoutOnly.csv.problems,
      );
      assert.ok(layoutOnly.csv.problems.some((p: string) => p.startsWith('reporter')));
      assert.deepEqual(layoutOnly.events, []);

      const read = (
        await preview('abuse_desk', { fileName: 'notice.csv', content: list, complete: true, mapping: NICT_DRAFT })
      ).json();
      assert.deepEqual(read.csv.problems, []);
      assert.equal(read.counts.events, 4);
      assert.deepEqual(
        read.events.map((e: { address: string }) => e.address),
        ['192.0.2.10', '192.0.2.11', '198.51.100.23', '203.0.113.5'],
      );
      assert.equal(read.events[0].identifier, 'ID・パスワード設定不備');
      assert.equal(read.events[0].time, '2026-11-19T01:15:03.000Z', 'Tokyo wall-clock time');
      assert.equal(read.events[0].detail['機器の種類'], 'ネットワークカメラ');

      const badTime = (
        await preview('abuse_desk', {
          fileName: 'notice.csv',
          content: list,
          complete: true,
          mapping: { ...NICT_DRAFT, time_format: 'iso' },
        })
      ).json();
      assert.equal(badTime.counts.events, 0);
      assert.equal(badTime.counts.rejected, 4);
      assert.match(badTime.rejected[0].reason, /is not a time in the format ISO 8601/);
      assert.match(badTime.rejected[0].raw, /192\.0\.2\.10/, 'the rejected row, decoded');

      // Saved, the mapping is offered for the same list when no format is given, and previews by name.
      assert.equal((await call('abuse_desk', 'PUT', '/api/abuse/mappings/nict-ui', NICT_DRAFT)).statusCode, 200);
      const auto = (await preview('abuse_desk', { fileName: 'notice.csv', content: list, complete: true })).json();
      assert.equal(auto.format, null);
      assert.deepEqual(auto.matchingMappings, ['nict-ui']);
      const named = (
        await preview('abuse_desk', { fileName: 'notice.csv', content: list, complete: true, mappingName: 'nict-ui' })
      ).json();
      assert.equal(named.counts.events, 4);
      const other = (
        await preview('abuse_desk', {
          fileName: 'x.csv',
          content: fixture('csv-mapping/jpcert-list.csv').toString('base64'),
          complete: true,
        })
      ).json();
      assert.deepEqual(other.matchingMappings, [], 'a list without those columns');
    });

    test('bad preview requests are refused with the reason; only the desk may preview', async () => {
      const bad = await preview('abuse_desk', { fileName: 'a.csv', content: '***', complete: true });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().message, /base64/);
      const unknown = await preview('abuse_desk', {
        fileName: 'a.csv',
        content: '',
        complete: true,
        mappingName: 'nope',
      });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().code, 'abuse.mapping_not_found');
      for (const role of ['viewer', 'analyst', 'legal'] as const)
        assert.equal((await preview(role, { fileName: 'a', content: '', complete: true })).statusCode, 403, role);
    });

    test('an upload run as a job: its outcome once it ends, and the cases its events went to', async () => {
      const name = SINKHOLE;
      // The report's own rows, then enough rows of an address nobody held to pass the inline limit.
      const rows = fixture(`shadowserver/${name}`).toString('utf8').trimEnd().split('\n');
      const filler = rows.find((r) => r.includes('"203.0.113.140"'))!.replace('203.0.113.140', '192.0.2.200');
      const big = [...rows, ...Array(Math.ceil(INLINE_UPLOAD_BYTES / filler.length) + 10).fill(filler)].join('\n');
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/abuse/reports?filename=${name}`,
        headers: { ...bearer(t.tokens.abuse_desk), 'content-type': 'text/csv' },
        payload: `${big}\n`,
      });
      assert.equal(res.statusCode, 202, res.body);
      const { jobId } = res.json();
      let result: { job: { state: string }; outcome: Record<string, unknown> | null } | undefined;
      for (let i = 0; i < 300; i++) {
        result = (await call('analyst', 'GET', `/api/abuse/imports/${jobId}`)).json();
        if (result!.job.state !== 'running') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(result?.job.state, 'succeeded', JSON.stringify(result));
      const outcome = result!.outcome as {
        reportId: number;
        format: string;
        events: number;
        duplicate: boolean;
        attribution: { attributed: number; unassigned: number; casesOpened: number };
      };
      assert.equal(outcome.format, 'shadowserver');
      assert.equal(outcome.duplicate, false);
      assert.ok(outcome.events > 1000, String(outcome.events));
      assert.deepEqual(Object.keys(outcome.attribution).sort(), ['attributed', 'casesOpened', 'unassigned']);

      const cases = await call('analyst', 'GET', `/api/abuse/reports/${outcome.reportId}/cases`);
      assert.equal(cases.statusCode, 200, cases.body);
      assert.equal(cases.json().total, 1);
      assert.equal(cases.json().items[0].subscriberId, 'C-23');
      assert.equal(cases.json().items[0].events, 2);
      assert.equal((await call('analyst', 'GET', '/api/abuse/reports/999999/cases')).statusCode, 404);
      assert.equal((await call('viewer', 'GET', `/api/abuse/imports/${jobId}`)).statusCode, 403);

      const notImport = await t.store.db
        .insertInto('jobs')
        .values({
          kind: 'audit.verify',
          state: 'succeeded',
          done: 0,
          createdBy: 'test',
          startedAt: new Date().toISOString(),
          updatedAt: new Date().toISOString(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const other = await call('analyst', 'GET', `/api/abuse/imports/${notImport.id}`);
      assert.equal(other.statusCode, 404);
      assert.equal(other.json().code, 'job.not_found');
    });

    test('a template renders against sample facts in both languages without reading anyone, drafts too', async () => {
      const audited = async () =>
        (await t.store.db.selectFrom('auditEntries').select('id').where('action', '=', 'subscriber.read').execute())
          .length;
      const reads = await audited();
      const ja = await call('admin', 'POST', '/api/abuse/templates/scanner/ja/preview', {});
      assert.equal(ja.statusCode, 200, ja.body);
      assert.match(ja.json().body, /見本 太郎/);
      assert.match(ja.json().body, /192\.0\.2\.10/);
      assert.match(ja.json().body, /ほかのコンピューターへの無差別な接続/);
      assert.equal(ja.json().caseType, 'scanner');
      const en = (await call('admin', 'POST', '/api/abuse/templates/copyright/en/preview', {})).json();
      assert.match(en.body, /Taro Sample/);
      assert.match(en.body, /file name: Sample\.Work\.2026\.1080p\.mkv/);
      assert.match(en.subject, /security problem/);

      const draft = await call('admin', 'POST', '/api/abuse/templates/scanner/ja/preview', {
        source:
          '---\ntitle: 下書きの見出し\n---\n■ {{heading}}\n{{#events}}・{{address}} ポート {{targetPort}}\n{{/events}}',
      });
      assert.equal(draft.statusCode, 200, draft.body);
      assert.match(draft.json().body, /■ 下書きの見出し/);
      assert.match(draft.json().body, /・192\.0\.2\.10 ポート 23/);
      const reminder = (
        await call('admin', 'POST', '/api/abuse/templates/scanner/en/preview', { kind: 'reminder' })
      ).json();
      assert.match(reminder.subject, /^Reminder:/);

      const broken = await call(
        'admin',
        'POST',
        '/api/abuse/templates/scanner/ja/preview',
        { source: '---\ntitle: x\n---\n{{#events}}\n' },
        'ja',
      );
      assert.equal(broken.statusCode, 400);
      assert.equal(broken.json().code, 'abuse.template_invalid');
      assert.match(broken.json().message, /^テンプレート scanner（ja）は使えません: body: /);
      assert.equal(await audited(), reads, 'no subscriber was read');
      assert.equal((await call('abuse_desk', 'POST', '/api/abuse/templates/scanner/ja/preview', {})).statusCode, 403);
      assert.equal((await call('viewer', 'POST', '/api/abuse/templates/scanner/ja/preview', {})).statusCode, 403);
    });
  });
}
