import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import { pino } from 'pino';
import { eventually } from '../../test/support/daemon.js';
import { startShadowserverApiServer, type ShadowserverApiServer } from '../../test/support/shadowserver-api-server.js';
import { storeKinds, type TestStore } from '../../test/support/stores.js';
import { buildApp } from '../api/server.js';
import { applyLeaseRecords } from '../attribute/apply-leases.js';
import { configSchema } from '../config/index.js';
import type { LeaseEvent } from '../domain/lease.js';
import { startAbuse, type Abuse } from './abuse.js';
import { addUserSubscribers } from '../../test/support/subscribers.js';

// What `serve` runs for the desk, with real transports on loopback: a mail through the SMTP listener and
// one dropped into a Maildir become reports, events and cases; the same mail again adds nothing; a
// store that cannot take a mail makes the listener answer 451 and counts it; the Shadowserver API is
// fetched once per report; a late lease log is caught up by the no-lease retry; and it all stops.

const fixtures = join(import.meta.dirname, '../abuse/formats/fixtures');
const fixture = (path: string) => readFileSync(join(fixtures, path));
const system = { actor: { kind: 'system', component: 'test' } } as const;
const KEY = 'test-api-key-0123';
const SECRET = 'test-secret-4567';
const today = new Date().toISOString().slice(0, 10);
const RTSP_FILE = `${today}-scan_rtsp-asn64500-jp.csv`;

const lease = (user: string, address: string, from: string, to: string): LeaseEvent[] => {
  const common = { session: `${user}/${from}`, address, subscriberKey: user, keyKind: 'user' as const, evidence: 'l' };
  return [
    { ...common, action: 'start', at: Date.parse(from) },
    { ...common, action: 'stop', at: Date.parse(to) },
  ];
};

for (const kind of await storeKinds()) {
  describe(`the abuse desk under serve on ${kind.name}`, { skip: kind.skip }, () => {
    let dir: string;
    let store: TestStore;
    let api: ShadowserverApiServer;
    let abuse: Abuse;
    let maildir: string;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'mizugiwa-abuse-life-'));
      store = await kind.open();
      await applyLeaseRecords(
        store.db,
        'radius',
        lease('sato@isp', '198.51.100.23', '2026-11-01T00:00:00Z', '2026-12-31T00:00:00Z'),
        {
          format: 'freeradius-detail',
        },
      );
      await addUserSubscribers(store.db, system, [
        ['C-23', 'sato@isp'],
        ['C-150', 'ito@isp'],
      ]);
      api = await startShadowserverApiServer({
        apiKey: KEY,
        secret: SECRET,
        reports: [
          {
            id: '4711000001',
            date: today,
            type: 'scan_rtsp',
            report: 'example-isp',
            file: RTSP_FILE,
            chunks: [fixture('shadowserver/2026-11-20-scan_rtsp-asn64500-jp.csv')],
          },
        ],
      });
      writeFileSync(join(dir, 'key'), `${KEY}\n`, { mode: 0o600 });
      writeFileSync(join(dir, 'secret'), `${SECRET}\n`, { mode: 0o600 });
      maildir = join(dir, 'Maildir');
      mkdirSync(maildir);
      const config = configSchema.parse({
        data_dir: join(dir, 'data'),
        abuse: {
          intake: {
            smtp: { listen: '127.0.0.1', port: 0, recipients: ['abuse@example.jp'] },
            maildir: [{ path: 'Maildir', scan_seconds: 1 }],
            // Nothing listens there: the poller logs why and keeps trying, and takes nothing else down.
            imap: [
              { host: '127.0.0.1', port: 9, secure: false, user: 'abuse', password_file: 'key', poll_seconds: 60 },
            ],
            shadowserver_api: { base_url: api.baseUrl, api_key_file: 'key', secret_file: 'secret', poll: 60 },
          },
          // The operator's schema: it adds scan_rtsp, which the bundled one would read generically.
          shadowserver_schema: join(fixtures, 'shadowserver/custom-schema.json'),
        },
      });
      // Relative paths resolve against the config's directory.
      abuse = await startAbuse({ db: store.db, config, configDir: dir, log: pino({ level: 'silent' }) });
    });
    after(async () => {
      try {
        await abuse?.stop();
        await api?.close();
        await store?.dispose();
      } finally {
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    });

    const smtp = () =>
      nodemailer.createTransport({
        host: '127.0.0.1',
        port: abuse.smtpAddress()!.port,
        secure: false,
        ignoreTLS: true,
      });
    const reports = () => store.db.selectFrom('abuseReports').selectAll().orderBy('id').execute();
    const received = (transport: string, outcome: string) =>
      abuse.status().received.find((r) => r.transport === transport && r.outcome === outcome)?.count ?? 0;

    test('describe() says where each transport listens or reads', () => {
      const lines = abuse.describe().join('\n');
      assert.match(lines, new RegExp(`SMTP on 127\\.0\\.0\\.1:${abuse.smtpAddress()!.port} for abuse@example\\.jp`));
      assert.match(lines, new RegExp(`Maildir ${maildir.replaceAll('/', '\\/')} `));
      assert.match(lines, /IMAP imap:\/\/abuse@127\.0\.0\.1:9\/INBOX every 60 s/);
      assert.match(lines, /Shadowserver Reports API http:\/\/127\.0\.0\.1:\d+\/api2\/ on "7 \* \* \* \*"/);
      assert.match(lines, /attributed as they arrive and every minute/);
      assert.match(lines, /Shadowserver report types from \/.*custom-schema\.json/);
    });

    test('a mail through the SMTP listener becomes a report, an event and a case; the same mail again adds nothing', async () => {
      const arf = fixture('arf/abuse-standard.eml');
      const info = await smtp().sendMail({ envelope: { from: 'fbl@example.net', to: ['abuse@example.jp'] }, raw: arf });
      assert.match(info.response, /^250 /);
      const [row] = (await reports()).filter((r) => r.transport === 'smtp');
      assert.ok(row, 'stored before the 250');
      assert.equal(row.format, 'arf');
      assert.match(row.origin, /^smtp \[127\.0\.0\.1\]:\d+ .*from <fbl@example\.net> to <abuse@example\.jp>$/);
      await eventually('the case of C-23', async () => {
        const cases = await store.db.selectFrom('abuseCases').selectAll().where('subscriberId', '=', 'C-23').execute();
        return cases.length === 1 || `${cases.length} cases`;
      });
      // Relayed again, it carries another Received header: other bytes, the same Message-ID.
      await smtp().sendMail({ envelope: { from: 'fbl@example.net', to: ['abuse@example.jp'] }, raw: arf });
      assert.equal((await reports()).filter((r) => r.transport === 'smtp').length, 1);
      assert.equal(
        (await store.db.selectFrom('abuseEvents').selectAll().where('reportId', '=', row.id).execute()).length,
        1,
      );
      assert.equal(received('smtp', 'stored'), 1);
      assert.equal(received('smtp', 'duplicate'), 1);
    });

    test('when the store cannot take a mail the sender is told to retry (451), and it is counted', async () => {
      const evidence = join(dir, 'data', 'evidence');
      rmSync(evidence, { recursive: true, force: true });
      writeFileSync(evidence, 'not a directory');
      try {
        await assert.rejects(
          smtp().sendMail({
            envelope: { from: 'fbl@example.net', to: ['abuse@example.jp'] },
            raw: fixture('arf/fraud.eml'),
          }),
          (err: { responseCode?: number }) => err.responseCode === 451,
        );
      } finally {
        rmSync(evidence, { force: true });
      }
      assert.equal(received('smtp', 'failed'), 1);
      const retried = await smtp().sendMail({
        envelope: { from: 'fbl@example.net', to: ['abuse@example.jp'] },
        raw: fixture('arf/fraud.eml'),
      });
      assert.match(retried.response, /^250 /, 'the retry is taken once the store is back');
    });

    test('a mail in the Maildir becomes a report and moves to cur/; a no-lease event is caught up by the retry', async () => {
      writeFileSync(join(maildir, 'new', '1795000000.M1P1.mx1'), fixture('xarf/v4-json-attachment.eml'));
      await eventually('the Maildir report', async () => {
        const row = (await reports()).find((r) => r.transport === 'maildir');
        return (row?.state === 'parsed' && readdirSync(join(maildir, 'cur')).length === 1) || String(row?.state);
      });
      assert.deepEqual(readdirSync(join(maildir, 'cur')), ['1795000000.M1P1.mx1:2,S']);
      const unassigned = async () =>
        (
          await store.db.selectFrom('abuseEvents').selectAll().where('sourceAddress', '=', '203.0.113.150').execute()
        )[0];
      await eventually(
        'the X-ARF event queued for want of a lease',
        async () => (await unassigned())?.unassignedReason === 'no-lease' || String((await unassigned())?.state),
      );

      // The lease log of that hour arrives late.
      await applyLeaseRecords(
        store.db,
        'radius',
        lease('ito@isp', '203.0.113.150', '2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z'),
        {
          format: 'freeradius-detail',
        },
      );
      const s = await abuse.retryNoLease();
      assert.ok(s.attributed >= 1, JSON.stringify(s));
      const event = await unassigned();
      assert.equal(event?.state, 'attributed');
      assert.equal(event?.subscriberId, 'C-150');
    });

    test("the Shadowserver API report is fetched once, read with the operator's schema, and remembered", async () => {
      // Fetched at start; fetched again here should that first run have met the unwritable store above.
      await abuse.fetchShadowserver();
      await eventually('the fetched report', async () => {
        const row = (await reports()).find((r) => r.transport === 'shadowserver-api');
        return row?.state === 'parsed' || String(row?.state);
      });
      const row = (await reports()).find((r) => r.transport === 'shadowserver-api')!;
      assert.equal(row.reportType, 'scan_rtsp');
      assert.equal(row.origin, `shadowserver-api report 4711000001/${RTSP_FILE}`);
      assert.ok(row.events > 0);
      const events = await store.db.selectFrom('abuseEvents').selectAll().where('reportId', '=', row.id).execute();
      assert.ok(events.every((e) => e.evidence.startsWith(`${RTSP_FILE}:`)));
      assert.ok(
        events.every((e) => e.type === 'potentially-unwanted-accessible' && Number(e.needsReview) === 0),
        'classified by the schema file, not flagged for review',
      );
      const seen = await store.db.selectFrom('shadowserverFetched').selectAll().execute();
      assert.deepEqual(
        seen.map((s) => [s.id, s.fileName, s.reportType, s.reportDate, Number(s.reportId)]),
        [['4711000001', RTSP_FILE, 'scan_rtsp', today, Number(row.id)]],
      );
      const downloads = () => api.calls.filter((c) => c.path === '/dl/4711000001').length;
      const before = downloads();
      await abuse.fetchShadowserver();
      assert.equal(downloads(), before, 'a report fetched before is not downloaded again');
      assert.ok(api.calls.filter((c) => c.path === '/api2/reports/list').length >= 2, 'but the list is asked again');
      const input = abuse.status().inputs.find((i) => i.transport === 'shadowserver-api')!;
      assert.equal(input.counters.fetched, 1);
      assert.ok(input.counters.runs! >= 2);
    });

    test('/metrics shows what the running intake did since start', async () => {
      const app = await buildApp({
        store,
        config: configSchema.parse({ data_dir: join(dir, 'data') }),
        configDir: dir,
        log: pino({ level: 'silent' }),
        abuse,
      });
      try {
        const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
        assert.match(text, /mizugiwa_abuse_intake_received\{transport="smtp",outcome="stored"\} 2/);
        assert.match(text, /mizugiwa_abuse_intake_received\{transport="smtp",outcome="duplicate"\} 1/);
        assert.match(text, /mizugiwa_abuse_intake_received\{transport="smtp",outcome="failed"\} 1/);
        assert.match(text, /mizugiwa_abuse_intake_received\{transport="maildir",outcome="stored"\} 1/);
        assert.match(
          text,
          /mizugiwa_abuse_intake_input\{transport="smtp",input="127\.0\.0\.1:\d+",counter="accepted"\} 3/,
        );
        assert.match(
          text,
          /mizugiwa_abuse_intake_input\{transport="imap",input="imap:\/\/abuse@127\.0\.0\.1:9\/INBOX",counter="connected"\} 0/,
        );
        assert.match(text, /mizugiwa_abuse_attribution\{counter="runs"\} [1-9]/);
        assert.match(
          text,
          /mizugiwa_abuse_reports\{transport="shadowserver-api",format="shadowserver",state="parsed"\} 1/,
        );
      } finally {
        await app.close();
      }
    });

    test('stop() closes the listener and the watchers, and can be called twice', async () => {
      const port = abuse.smtpAddress()!.port;
      await abuse.stop();
      await abuse.stop();
      await assert.rejects(
        nodemailer
          .createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 2000 })
          .sendMail({ envelope: { from: 'a@example.net', to: ['abuse@example.jp'] }, raw: 'Subject: x\r\n\r\nx\r\n' }),
      );
      writeFileSync(join(maildir, 'new', '1795000001.M2P1.mx1'), fixture('arf/virus.eml'));
      await new Promise((r) => setTimeout(r, 1500));
      assert.ok(existsSync(join(maildir, 'new', '1795000001.M2P1.mx1')), 'nothing is read after stop');
    });
  });
}

describe('a Shadowserver schema file that cannot be used', () => {
  test('is logged and reported; the bundled schema is used and the desk still starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-abuse-schema-'));
    const [kind] = await storeKinds();
    const store = await kind!.open();
    try {
      writeFileSync(join(dir, 'schema.json'), '{"reports": {"scan_new": {"type": "not-a-class"}}}');
      const lines: string[] = [];
      const log = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
      const abuse = await startAbuse({
        db: store.db,
        config: configSchema.parse({ data_dir: join(dir, 'data'), abuse: { shadowserver_schema: 'schema.json' } }),
        configDir: dir,
        log,
      });
      await abuse.stop();
      assert.match(abuse.describe().join('\n'), /Shadowserver schema file FAILED to load/);
      assert.ok(
        lines.some((l) => /schema\.json/.test(l) && /bundled schema/.test(l)),
        lines.join('\n'),
      );
      assert.equal(abuse.context.shadowserverSchema, undefined);
    } finally {
      await store.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
