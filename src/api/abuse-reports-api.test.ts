import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bearer, testAppWithDataDir, type TestApp } from '../../test/support/app.js';
import { addSato, SATO_NOVEMBER } from '../../test/support/sato.js';
import { storeKinds } from '../../test/support/stores.js';
import { evidencePath } from '../abuse/evidence.js';
import { INLINE_UPLOAD_BYTES } from './routes/abuse-reports.js';

// Reports by hand through the API: a raw body or a form, recognised or named, answered with what came
// of it (or run as a job when large), listed, shown and downloaded as evidence; the saved CSV mappings.

const fixtures = join(import.meta.dirname, '../abuse/formats/fixtures');
const fixture = (path: string) => readFileSync(join(fixtures, path));
const BOUNDARY = '----------------------------5c1d0e8f7a2b4d63';

/** A form as curl -F sends it: the file part, then any text fields. */
function form(file: { name: string; type: string; body: Buffer }, fields: Record<string, string> = {}): Buffer {
  const parts = [
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`,
    ),
    file.body,
    Buffer.from('\r\n'),
  ];
  for (const [k, v] of Object.entries(fields))
    parts.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(parts);
}
const formType = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };

for (const kind of await storeKinds()) {
  describe(`abuse reports API on ${kind.name}`, { skip: kind.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await testAppWithDataDir(await kind.open(), 'mizugiwa-abuse-api-');
      // 198.51.100.23 is sato's all month: the ARF fixture and two rows of the sinkhole report name it.
      await addSato(t.store.db, SATO_NOVEMBER);
    });
    after(async () => {
      await t?.close();
    });

    const upload = (
      role: keyof TestApp['tokens'],
      payload: Buffer | string,
      headers: Record<string, string>,
      query = '',
    ) =>
      t.app.inject({
        method: 'POST',
        url: `/api/abuse/reports${query}`,
        headers: { ...bearer(t.tokens[role]), ...headers },
        payload,
      });
    const get = (role: keyof TestApp['tokens'], url: string) =>
      t.app.inject({ method: 'GET', url, headers: bearer(t.tokens[role]) });

    test('a raw mail is recognised, stored, parsed and attributed; the same bytes again are the same report', async () => {
      const arf = fixture('arf/abuse-standard.eml');
      const first = await upload('abuse_desk', arf, { 'content-type': 'message/rfc822' });
      assert.equal(first.statusCode, 201, first.body);
      const out = first.json();
      assert.equal(out.format, 'arf');
      assert.equal(out.state, 'parsed');
      assert.equal(out.events, 1);
      assert.equal(out.duplicate, false);
      assert.deepEqual(out.attribution, { attributed: 1, unassigned: 0, casesOpened: 1 });
      const again = await upload('admin', arf, { 'content-type': 'application/octet-stream' });
      assert.equal(again.statusCode, 200, again.body);
      assert.equal(again.json().duplicate, true);
      assert.equal(again.json().reportId, out.reportId);

      const shown = (await get('analyst', `/api/abuse/reports/${out.reportId}`)).json();
      assert.equal(shown.report.transport, 'upload');
      assert.match(shown.report.origin, /^upload by token:\d+:test-abuse_desk\//);
      assert.equal(shown.report.messageId, '<arf-20261124011238-7f3a@fbl.example.net>');
      assert.deepEqual(shown.events, { attributed: 1 });
      const audit = await t.store.db
        .selectFrom('auditEntries')
        .selectAll()
        .where('action', '=', 'abuse.import')
        .where('target', '=', `abuse-report:${out.reportId}`)
        .execute();
      assert.equal(audit.length, 2, 'each upload is audited, the duplicate too');
    });

    test('X-ARF JSON as the body is the report, not a JSON request', async () => {
      const res = await upload('abuse_desk', fixture('xarf/v4-connection-login-attack.json'), {
        'content-type': 'application/json',
      });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().format, 'xarf');
      assert.equal(res.json().events, 1);
    });

    test('a form carries the file and its name; the Shadowserver report type comes from that name', async () => {
      const name = '2026-11-20-event4_sinkhole-asn64500-jp.csv';
      const res = await upload(
        'abuse_desk',
        form({ name, type: 'text/csv', body: fixture(`shadowserver/${name}`) }),
        formType,
      );
      assert.equal(res.statusCode, 201, res.body);
      const out = res.json();
      assert.equal(out.format, 'shadowserver');
      assert.equal(out.events, 3);
      assert.equal(out.attribution.attributed, 2, 'the two rows of 198.51.100.23');
      assert.equal(out.attribution.unassigned, 1);
      const events = await t.store.db
        .selectFrom('abuseEvents')
        .selectAll()
        .where('reportId', '=', out.reportId)
        .execute();
      assert.ok(
        events.every((e) => e.reportType === 'event4_sinkhole' && e.evidence.startsWith(`${name}:`)),
        JSON.stringify(events[0]),
      );
    });

    test('a CSV list needs a saved mapping; mappings are saved (checked), listed and shown', async () => {
      const list = fixture('csv-mapping/nict-notice.csv');
      const noMapping = await upload('abuse_desk', list, { 'content-type': 'text/csv' }, '?format=csv');
      assert.equal(noMapping.statusCode, 400);
      assert.equal(noMapping.json().code, 'abuse.mapping_required');
      const unknown = await upload('abuse_desk', list, { 'content-type': 'text/csv' }, '?format=csv&mapping=nict');
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().code, 'abuse.mapping_not_found');

      const put = (role: keyof TestApp['tokens'], name: string, payload: unknown) =>
        t.app.inject({
          method: 'PUT',
          url: `/api/abuse/mappings/${name}`,
          headers: bearer(t.tokens[role]),
          payload: payload as object,
        });
      const mapping = JSON.parse(fixture('csv-mapping/nict-notice.mapping.json').toString('utf8'));
      const invalid = await put('abuse_desk', 'broken', { name: 'broken', columns: {} });
      assert.equal(invalid.statusCode, 422);
      assert.equal(invalid.json().code, 'abuse.mapping_invalid');
      assert.equal((await put('analyst', 'nict', mapping)).statusCode, 403);
      assert.equal((await put('abuse_desk', 'bad name!', mapping)).statusCode, 400);
      const saved = await put('abuse_desk', 'nict', mapping);
      assert.equal(saved.statusCode, 200, saved.body);
      const listed = (await get('analyst', '/api/abuse/mappings')).json();
      assert.deepEqual(
        listed.items.map((m: { name: string }) => m.name),
        ['nict'],
      );
      assert.match(listed.items[0].updatedBy, /test-abuse_desk/);
      const one = (await get('analyst', '/api/abuse/mappings/nict')).json();
      assert.deepEqual(one.mapping, mapping);
      assert.equal((await get('analyst', '/api/abuse/mappings/none')).json().code, 'abuse.mapping_not_found');

      const read = await upload(
        'abuse_desk',
        form({ name: 'notice.csv', type: 'text/csv', body: list }, { format: 'csv', mapping: 'nict' }),
        formType,
      );
      assert.equal(read.statusCode, 201, read.body);
      assert.equal(read.json().format, 'csv');
      assert.ok(read.json().events > 0);
    });

    test('empty uploads, forms without a file or cut short, and bad options are refused with the reason', async () => {
      const empty = await upload('abuse_desk', '', { 'content-type': 'text/plain' });
      assert.equal(empty.statusCode, 400);
      assert.equal(empty.json().code, 'abuse.upload_empty');
      const fieldsOnly = Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="format"\r\n\r\narf\r\n--${BOUNDARY}--\r\n`,
      );
      assert.equal((await upload('abuse_desk', fieldsOnly, formType)).json().code, 'abuse.upload_no_file');
      const whole = form({ name: 'a.eml', type: 'message/rfc822', body: fixture('arf/fraud.eml') });
      const cut = await upload('abuse_desk', whole.subarray(0, whole.length - 30), formType);
      assert.equal(cut.statusCode, 400);
      assert.equal(cut.json().code, 'abuse.upload_bad_form');
      assert.match(cut.json().message, /cut short/);
      const badFormat = await upload('abuse_desk', 'x', { 'content-type': 'text/plain' }, '?format=pdf');
      assert.equal(badFormat.statusCode, 400);
      const badField = await upload(
        'abuse_desk',
        form({ name: 'a.eml', type: 'message/rfc822', body: Buffer.from('x') }, { format: 'pdf' }),
        formType,
      );
      assert.equal(badField.statusCode, 400);
      assert.match(badField.json().message, /form field format/);
      const ja = await t.app.inject({
        method: 'POST',
        url: '/api/abuse/reports',
        headers: { ...bearer(t.tokens.abuse_desk), 'content-type': 'text/plain', 'accept-language': 'ja' },
        payload: '',
      });
      assert.match(ja.json().message, /アップロードが空です/);
      const left = await t.store.db.selectFrom('abuseReports').select('id').where('transport', '=', 'upload').execute();
      assert.equal(left.length, 4, 'no refused upload left a report');
    });

    test('a large upload runs as a job, whose message says what came of it', async () => {
      // An ARF report quoting a long original message: one event, more than the inline limit.
      const arf = fixture('arf/abuse-standard.eml')
        .toString('latin1')
        .replace('<arf-20261124011238-7f3a@fbl.example.net>', '<arf-large-1@fbl.example.net>')
        .replace(
          'Genuine watches at 90% off',
          `${'Genuine watches, all models, all colours, ask for the catalogue\r\n'.repeat(Math.ceil(INLINE_UPLOAD_BYTES / 60))}Genuine watches at 90% off`,
        );
      const res = await upload('abuse_desk', Buffer.from(arf, 'latin1'), { 'content-type': 'message/rfc822' });
      assert.equal(res.statusCode, 202, res.body);
      const { jobId } = res.json();
      let job: { state: string; message: string | null; kind: string; done: number; total: number | null } | undefined;
      for (let i = 0; i < 200; i++) {
        job = (await get('admin', `/api/jobs/${jobId}`)).json();
        if (job!.state !== 'running') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(job?.state, 'succeeded', JSON.stringify(job));
      assert.equal(job?.kind, 'abuse.import');
      assert.equal(job?.done, job?.total, 'progress reached the whole file');
      assert.match(job!.message!, /^report \d+, format arf, parsed: 1 events/);
      const reports = (await get('analyst', '/api/abuse/reports?format=arf&transport=upload')).json();
      assert.ok(reports.items.some((r: { messageId: string }) => r.messageId === '<arf-large-1@fbl.example.net>'));
    });

    test('reports are listed newest first with filters and pages; a free-text mail shows its suggestions', async () => {
      const mail = await upload('abuse_desk', fixture('free-text/partner-prose.eml'), {
        'content-type': 'message/rfc822',
      });
      assert.equal(mail.json().state, 'triage');
      const shown = (await get('analyst', `/api/abuse/reports/${mail.json().reportId}`)).json();
      assert.ok(
        shown.suggestions.some((s: { kind: string; value: string }) => s.kind === 'address' && s.value === '192.0.2.7'),
      );

      const all = (await get('analyst', '/api/abuse/reports?limit=500')).json();
      const ids = all.items.map((r: { id: number }) => r.id);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => b - a),
        'newest first',
      );
      const page1 = (await get('analyst', '/api/abuse/reports?limit=2')).json();
      assert.deepEqual(
        page1.items.map((r: { id: number }) => r.id),
        ids.slice(0, 2),
      );
      const page2 = (await get('analyst', `/api/abuse/reports?limit=2&before=${page1.next}`)).json();
      assert.deepEqual(
        page2.items.map((r: { id: number }) => r.id),
        ids.slice(2, 4),
      );
      const triage = (await get('analyst', '/api/abuse/reports?state=triage')).json();
      assert.deepEqual(
        triage.items.map((r: { id: number }) => r.id),
        [mail.json().reportId],
      );
      const future = (await get('analyst', '/api/abuse/reports?from=2099-01-01T00:00:00Z')).json();
      assert.deepEqual(future.items, []);
      assert.equal((await get('analyst', '/api/abuse/reports?transport=fax')).statusCode, 400);
      assert.equal((await get('analyst', '/api/abuse/reports/999999')).json().code, 'abuse.report_not_found');
    });

    test('the evidence downloads as received, and the download is audited', async () => {
      const arf = fixture('arf/abuse-standard.eml');
      const [row] = await t.store.db
        .selectFrom('abuseReports')
        .selectAll()
        .where('messageId', '=', '<arf-20261124011238-7f3a@fbl.example.net>')
        .execute();
      const res = await get('analyst', `/api/abuse/reports/${row!.id}/evidence`);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['content-type'], 'message/rfc822');
      assert.match(String(res.headers['content-disposition']), /report-\d+\.eml/);
      assert.deepEqual(res.rawPayload, arf);
      assert.equal(res.headers['x-content-sha256'], row!.sha256);
      const audit = await t.store.db
        .selectFrom('auditEntries')
        .selectAll()
        .where('action', '=', 'abuse.evidence.read')
        .where('target', '=', `abuse-report:${row!.id}`)
        .execute();
      assert.equal(audit.length, 1);
      assert.match(audit[0]!.actor, /test-analyst/);

      const [csv] = await t.store.db
        .selectFrom('abuseReports')
        .selectAll()
        .where('format', '=', 'shadowserver')
        .execute();
      const download = await get('analyst', `/api/abuse/reports/${csv!.id}/evidence`);
      assert.match(String(download.headers['content-type']), /^text\/csv/);
      rmSync(evidencePath(t.config.data_dir, csv!.sha256));
      const gone = await get('analyst', `/api/abuse/reports/${csv!.id}/evidence`);
      assert.equal(gone.statusCode, 404);
      assert.equal(gone.json().code, 'abuse.evidence_missing');
    });

    test('who may do what: reading takes abuse.read, uploading and saving mappings abuse.write', async () => {
      const arf = fixture('arf/fraud.eml');
      for (const role of ['viewer', 'analyst', 'legal'] as const) {
        const res = await upload(role, arf, { 'content-type': 'message/rfc822' });
        assert.equal(res.statusCode, 403, `${role} uploading`);
        assert.equal(res.json().code, 'auth.forbidden');
      }
      assert.equal((await t.app.inject({ method: 'POST', url: '/api/abuse/reports', payload: arf })).statusCode, 401);
      assert.equal((await get('viewer', '/api/abuse/reports')).statusCode, 403);
      assert.equal((await get('viewer', '/api/abuse/mappings')).statusCode, 403);
      for (const role of ['analyst', 'legal', 'abuse_desk', 'admin'] as const)
        assert.equal((await get(role, '/api/abuse/reports')).statusCode, 200, role);
      const none = await t.store.db
        .selectFrom('abuseReports')
        .select('id')
        .where('messageId', 'like', '%fraud%')
        .execute();
      assert.equal(none.length, 0, 'a refused upload stored nothing');
    });

    test('the desk in /metrics: reports by transport, format and state; events; cases', async () => {
      const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body
        .split('\n')
        .filter((l) => l.startsWith('mizugiwa_abuse'))
        .join('\n');
      assert.match(text, /mizugiwa_abuse_reports\{transport="upload",format="arf",state="parsed"\} 2/);
      assert.match(text, /mizugiwa_abuse_report_events\{transport="upload",format="shadowserver",kind="event"\} 3/);
      // Sato's address in both ARF reports, two sinkhole rows and one row of the NICT list.
      assert.match(text, /mizugiwa_abuse_events\{state="attributed"\} 5/);
      assert.match(text, /mizugiwa_abuse_unassigned\{reason="no-lease"\} \d+/);
      // The queue counted from its own index (migration 0015) is the sum of its reasons; nothing is left `new`.
      const byReason = [...text.matchAll(/mizugiwa_abuse_unassigned\{reason="[^"]+"\} (\d+)/g)];
      const queued = byReason.reduce((sum, m) => sum + Number(m[1]), 0);
      assert.ok(queued > 0);
      assert.match(text, new RegExp(`^mizugiwa_abuse_events\\{state="unassigned"\\} ${queued}$`, 'm'));
      assert.doesNotMatch(text, /mizugiwa_abuse_events\{state="new"\}/);
      assert.match(text, /mizugiwa_abuse_cases\{type="spam",state="new"\} 1/);
      assert.match(text, /mizugiwa_abuse_cases\{type="infected-system",state="new"\} 1/);
      assert.doesNotMatch(text, /mizugiwa_abuse_intake_received/, 'live intake counters only under serve');
    });
  });
}
