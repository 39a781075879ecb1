import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { pollToCron, shadowserverApiConfigSchema } from '../../config/shadowserver-api-schema.js';
import {
  fetchNewReports,
  type ReportSink,
  type SeenReports,
  type ShadowserverApiOptions,
  type ShadowserverReport,
} from './shadowserver-api.js';
import { ShadowserverApiError } from './shadowserver-http.js';
import {
  startShadowserverApiServer,
  type FakeReport,
  type ShadowserverApiServer,
} from '../../../test/support/shadowserver-api-server.js';

const KEY = 'q7Rz2mWk9TbX4vLp';
const SECRET = 'N3dFh8sYc1GjUe6KoA5tMw0ZrBx7PiQv';
// 01:00 on 6 March in Tokyo is still 5 March in UTC, and the API's dates are UTC dates.
const NOW = (): Date => new Date('2024-03-05T16:00:00Z');

// Shadowserver CSVs as they arrive: every text field quoted, numbers bare, LF line ends.
const SCAN_SMB_CSV =
  [
    '"timestamp","ip","protocol","port","hostname","tag","asn","geo","region","city","naics","sic","smb_implant","smb_major_number","smb_minor_number","smb_version_string","smb_os_string","smb_software_version","smbv1_support","sector"',
    '"2024-03-05 02:14:51","192.0.2.10","tcp",445,,"smb",64500,"JP","TOKYO","CHIYODA",517311,,"N",1,0,,"Windows Server 2008 R2 Standard 7601 Service Pack 1",,"Y",',
    '"2024-03-05 02:15:07","198.51.100.23","tcp",445,"nas.example.jp","smb",64500,"JP","OSAKA","OSAKA",517311,,"N",3,1,,"Samba 4.9.5",,"N",',
  ].join('\n') + '\n';
const SINKHOLE_CSV =
  [
    '"timestamp","protocol","src_ip","src_port","src_asn","src_geo","src_region","src_city","dst_ip","dst_port","dst_asn","dst_geo","infection","family","tag","application","http_url","http_host","http_agent"',
    '"2024-03-04 11:02:33","tcp","203.0.113.45",51324,64500,"JP","KANAGAWA","YOKOHAMA","198.51.100.200",80,64511,"US","andromeda","andromeda","","http","/in.php","sinkhole.example.net","Mozilla/4.0"',
  ].join('\n') + '\n';
const TELNET_CSV =
  '"timestamp","ip","protocol","port","hostname","tag","asn","geo","region","city","banner"\n' +
  '"2024-03-04 08:41:19","203.0.113.7","tcp",23,,"telnet",64500,"JP","HOKKAIDO","SAPPORO","login:"\n';

const SMB_ID = 'Hq2vRk7TnW4pXe9LmB3sYc6DfG8jKa1NzU5oPi0QwErTyUiOpA';
const SINKHOLE_ID = 'Wd4nTz8KpQ1rVb6YmX3cLs9GhJ2fEa7UoI5kNw0BtRyZeMxPqC';
const TELNET_ID = 'Lk8sPb3WnZ6qTr1YvC9mXd4GfH7jEa2UoK5iNt0BwRyQeMzAsD';
const OLD_ID = 'Ta5mRv2KpW8nQz1XbL6cYs3GhJ9fDe4UoI7kNw0BtPyZrEqMxC';

function fakeReport(id: string, date: string, type: string, csv: string, extra: Partial<FakeReport> = {}): FakeReport {
  return {
    id,
    date,
    type,
    report: 'example-isp',
    file: `${date}-${type}-example_isp-asn.csv`,
    chunks: [csv],
    ...extra,
  };
}

function standardReports(): FakeReport[] {
  return [
    fakeReport(SMB_ID, '2024-03-05', 'scan_smb', SCAN_SMB_CSV),
    // The list gives this one no url: it comes through reports/download.
    fakeReport(SINKHOLE_ID, '2024-03-04', 'event4_sinkhole_http', SINKHOLE_CSV, { withoutUrl: true }),
    fakeReport(TELNET_ID, '2024-03-03', 'scan_telnet', TELNET_CSV),
    // Before the dates listed: never offered.
    fakeReport(OLD_ID, '2024-02-20', 'scan_smb', SCAN_SMB_CSV),
  ];
}

type Delivered = Omit<ShadowserverReport, 'body'> & { text: string; chunks: number };

function collectingSink(): { sink: ReportSink; delivered: Delivered[] } {
  const delivered: Delivered[] = [];
  const sink: ReportSink = async ({ body, ...report }) => {
    const parts: Uint8Array[] = [];
    for await (const chunk of body) parts.push(chunk);
    delivered.push({ ...report, text: Buffer.concat(parts).toString('utf8'), chunks: parts.length });
  };
  return { sink, delivered };
}

function memorySeen(): SeenReports & { ids: Set<string> } {
  const ids = new Set<string>();
  return { ids, has: async (id) => ids.has(id), add: async (id) => void ids.add(id) };
}

async function withServer(
  reports: FakeReport[],
  body: (api: ShadowserverApiServer, options: ShadowserverApiOptions) => Promise<void>,
): Promise<void> {
  const api = await startShadowserverApiServer({ apiKey: KEY, secret: SECRET, reports });
  try {
    await body(api, { baseUrl: api.baseUrl, apiKey: KEY, secret: SECRET, now: NOW, backoffMs: 5, timeoutMs: 5000 });
  } finally {
    await api.close();
  }
}

const apiCalls = (api: ShadowserverApiServer, method: string) => api.calls.filter((c) => c.path === `/api2/${method}`);
const downloads = (api: ShadowserverApiServer, id: string) => api.calls.filter((c) => c.path === `/dl/${id}`);

describe('fetchNewReports against a local Reports API', () => {
  test('lists the last two UTC dates and today, signed the way the API documents', async () => {
    await withServer(standardReports(), async (api, options) => {
      const { sink, delivered } = collectingSink();
      const result = await fetchNewReports(options, sink, memorySeen());

      const [list, ...more] = apiCalls(api, 'reports/list');
      assert.equal(more.length, 0);
      assert.equal(list!.method, 'POST');
      assert.equal(list!.contentType, 'application/json');
      assert.deepEqual(JSON.parse(list!.body), { apikey: KEY, date: '2024-03-03:2024-03-05' });
      // The signature is over the exact bytes sent, keyed with the secret; the server verified it too.
      assert.equal(list!.hmac2, createHmac('sha256', SECRET).update(list!.body).digest('hex'));
      assert.equal(list!.signatureValid, true);

      const [download] = apiCalls(api, 'reports/download');
      assert.deepEqual(JSON.parse(download!.body), { apikey: KEY, id: SINKHOLE_ID });
      assert.equal(download!.signatureValid, true);
      assert.equal(downloads(api, SMB_ID).length, 1, 'a report with a url is fetched from it');

      assert.deepEqual(result, { listed: 3, new: 3, fetched: 3, failed: 0, failures: [] });
      assert.deepEqual(
        delivered.map(({ id, fileName, type, reportDate, text }) => ({ id, fileName, type, reportDate, text })),
        [
          {
            id: SMB_ID,
            fileName: '2024-03-05-scan_smb-example_isp-asn.csv',
            type: 'scan_smb',
            reportDate: '2024-03-05',
            text: SCAN_SMB_CSV,
          },
          {
            id: SINKHOLE_ID,
            fileName: '2024-03-04-event4_sinkhole_http-example_isp-asn.csv',
            type: 'event4_sinkhole_http',
            reportDate: '2024-03-04',
            text: SINKHOLE_CSV,
          },
          {
            id: TELNET_ID,
            fileName: '2024-03-03-scan_telnet-example_isp-asn.csv',
            type: 'scan_telnet',
            reportDate: '2024-03-03',
            text: TELNET_CSV,
          },
        ],
      );
    });
  });

  test('passes the reports filter and one type to reports/list; several types are filtered here', async () => {
    const reports = [
      ...standardReports(),
      { ...fakeReport(SMB_ID.replace('H', 'J'), '2024-03-05', 'scan_smb', SCAN_SMB_CSV), report: 'other-list' },
    ];
    await withServer(reports, async (api, options) => {
      const one = await fetchNewReports(
        { ...options, reports: ['example-isp'], types: ['scan_smb'], days: 1 },
        collectingSink().sink,
        memorySeen(),
      );
      assert.deepEqual(JSON.parse(apiCalls(api, 'reports/list')[0]!.body), {
        apikey: KEY,
        date: '2024-03-04:2024-03-05',
        reports: ['example-isp'],
        type: 'scan_smb',
      });
      assert.equal(one.listed, 1);

      const { sink, delivered } = collectingSink();
      const several = await fetchNewReports({ ...options, types: ['scan_smb', 'scan_telnet'] }, sink, memorySeen());
      assert.deepEqual(JSON.parse(apiCalls(api, 'reports/list')[1]!.body), {
        apikey: KEY,
        date: '2024-03-03:2024-03-05',
      });
      assert.equal(several.listed, 3);
      assert.deepEqual(delivered.map((d) => d.type).sort(), ['scan_smb', 'scan_smb', 'scan_telnet']);
    });
  });

  test('fetches each report once: a second run skips the ids already seen', async () => {
    await withServer(standardReports(), async (api, options) => {
      const seen = memorySeen();
      const first = await fetchNewReports(options, collectingSink().sink, seen);
      assert.equal(first.fetched, 3);
      assert.deepEqual([...seen.ids].sort(), [SINKHOLE_ID, SMB_ID, TELNET_ID].sort());

      const { sink, delivered } = collectingSink();
      const second = await fetchNewReports(options, sink, seen);
      assert.deepEqual(second, { listed: 3, new: 0, fetched: 0, failed: 0, failures: [] });
      assert.equal(delivered.length, 0);
      assert.equal(apiCalls(api, 'reports/list').length, 2);
      assert.equal(apiCalls(api, 'reports/download').length, 1, 'no download on the second run');
      assert.equal(downloads(api, SMB_ID).length + downloads(api, TELNET_ID).length, 2);
    });
  });

  test('marks a report seen only after the sink resolved for it', async () => {
    await withServer(standardReports(), async (_api, options) => {
      const seen = memorySeen();
      const { sink, delivered } = collectingSink();
      const refusing: ReportSink = async (report) => {
        if (report.id === SINKHOLE_ID) throw new Error('database is locked');
        await sink(report);
      };
      const first = await fetchNewReports(options, refusing, seen);
      assert.equal(first.fetched, 2);
      assert.equal(first.failed, 1);
      assert.match(first.failures[0]!.reason, /database is locked/);
      assert.equal(seen.ids.has(SINKHOLE_ID), false);

      const second = await fetchNewReports(options, sink, seen);
      assert.deepEqual([second.new, second.fetched], [1, 1]);
      assert.equal(delivered.at(-1)!.id, SINKHOLE_ID);
    });
  });

  test('retries a 500 and a dropped connection with backoff, then goes on', async () => {
    await withServer(standardReports(), async (api, options) => {
      api.inject('/api2/reports/list', 500);
      api.inject(`/dl/${SMB_ID}`, 'drop');
      api.inject('/api2/reports/download', 502, 503);
      const { sink, delivered } = collectingSink();
      const result = await fetchNewReports(options, sink, memorySeen());
      assert.deepEqual(result, { listed: 3, new: 3, fetched: 3, failed: 0, failures: [] });
      assert.equal(apiCalls(api, 'reports/list').length, 2);
      assert.equal(downloads(api, SMB_ID).length, 2);
      assert.equal(apiCalls(api, 'reports/download').length, 3);
      assert.equal(delivered.find((d) => d.id === SMB_ID)!.text, SCAN_SMB_CSV);
    });
  });

  test('stops at once on a refused signature, naming the settings to check and neither credential', async () => {
    await withServer(standardReports(), async (api, options) => {
      const wrong = 'Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp';
      const error = await fetchNewReports({ ...options, secret: `${wrong}\n` }, collectingSink().sink, memorySeen())
        .then(() => undefined)
        .catch((err: unknown) => err);
      assert.ok(error instanceof ShadowserverApiError, String(error));
      assert.equal(error.status, 401);
      assert.match(error.message, /reports\/list.*401.*Invalid HMAC2 signature/);
      assert.match(error.message, /api_key_file/);
      assert.match(error.message, /secret_file/);
      assert.ok(!error.message.includes(wrong) && !error.message.includes(KEY));
      assert.equal(apiCalls(api, 'reports/list').length, 1, '4xx is not retried');
      assert.equal(api.calls[0]!.signatureValid, false);
    });
  });

  test('a base_url without the API is a 404 that says to check base_url', async () => {
    await withServer(standardReports(), async (api, options) => {
      await assert.rejects(
        fetchNewReports({ ...options, baseUrl: `${api.origin}/api/` }, collectingSink().sink, memorySeen()),
        (err: unknown) => err instanceof ShadowserverApiError && /404.*check base_url/.test(err.message),
      );
      assert.equal(api.calls.length, 1);
    });
  });

  test('one report failing to download does not stop the others, and is reported', async () => {
    const reports = standardReports();
    reports[0]!.failWith = 404;
    reports[1]!.failWith = 503;
    await withServer(reports, async (api, options) => {
      const seen = memorySeen();
      const { sink, delivered } = collectingSink();
      const result = await fetchNewReports({ ...options, attempts: 2 }, sink, seen);
      assert.deepEqual([result.listed, result.new, result.fetched, result.failed], [3, 3, 1, 2]);
      assert.deepEqual(
        delivered.map((d) => d.id),
        [TELNET_ID],
      );
      const [notFound, unavailable] = result.failures;
      assert.equal(notFound!.id, SMB_ID);
      assert.match(notFound!.reason, /2024-03-05-scan_smb-example_isp-asn\.csv.*404.*not available/);
      assert.equal(unavailable!.id, SINKHOLE_ID);
      assert.match(unavailable!.reason, /503.*after 2 attempts/);
      assert.equal(downloads(api, SMB_ID).length, 1, '404 is not retried');
      assert.deepEqual([...seen.ids], [TELNET_ID]);
    });
  });

  test(
    'streams a report: the sink reads the first bytes before the server has sent the last',
    { timeout: 10_000 },
    async () => {
      // Cut at arbitrary byte offsets, mid-field and mid-line: the bytes must arrive whole and in order.
      const bytes = Buffer.from(SCAN_SMB_CSV);
      const cuts = [0, 37, 180, 181, 290, bytes.length];
      const chunks = cuts.slice(1).map((end, i) => bytes.subarray(cuts[i], end));
      let release!: () => void;
      const beforeLastChunk = new Promise<void>((resolve) => (release = resolve));
      const reports = [fakeReport(SMB_ID, '2024-03-05', 'scan_smb', '', { chunks, beforeLastChunk })];
      await withServer(reports, async (_api, options) => {
        const received: Uint8Array[] = [];
        const result = await fetchNewReports(
          options,
          async (report) => {
            for await (const chunk of report.body) {
              // Were the body buffered whole, the first chunk would never come: the last one waits for this.
              if (received.length === 0) release();
              received.push(chunk);
            }
          },
          memorySeen(),
        );
        assert.equal(result.fetched, 1);
        assert.ok(received.length > 1, `expected several chunks, got ${received.length}`);
        assert.deepEqual(Buffer.concat(received), bytes);
      });
    },
  );

  test('a request that gets no answer in time is given up, with the time said', async () => {
    await withServer(standardReports(), async (api, options) => {
      api.inject('/api2/reports/list', 'hang', 'hang');
      const started = Date.now();
      await assert.rejects(
        fetchNewReports({ ...options, timeoutMs: 200, attempts: 2 }, collectingSink().sink, memorySeen()),
        (err: unknown) =>
          err instanceof ShadowserverApiError && /no answer within 0\.2 s \(after 2 attempts\)/.test(err.message),
      );
      assert.ok(Date.now() - started < 3000);
    });
  });

  test('a download that stalls midway fails that report only', async () => {
    const reports = standardReports();
    reports[2]!.chunks = [TELNET_CSV.slice(0, 40), TELNET_CSV.slice(40)];
    reports[2]!.stallAfterFirstChunk = true;
    await withServer(reports, async (_api, options) => {
      const seen = memorySeen();
      const result = await fetchNewReports({ ...options, timeoutMs: 300 }, collectingSink().sink, seen);
      assert.deepEqual([result.fetched, result.failed], [2, 1]);
      assert.equal(result.failures[0]!.id, TELNET_ID);
      assert.match(result.failures[0]!.reason, /scan_telnet.*no data for 0\.3 s/);
      assert.equal(seen.ids.has(TELNET_ID), false);
    });
  });

  test('an empty key or secret is refused before any request', async () => {
    await assert.rejects(
      fetchNewReports({ apiKey: ' \n', secret: SECRET }, collectingSink().sink, memorySeen()),
      /API key is empty: check api_key_file/,
    );
  });
});

describe('shadowserverApiConfigSchema', () => {
  test('fills the defaults and turns poll into a cron expression', () => {
    const config = shadowserverApiConfigSchema.parse({ api_key_file: '/etc/mizugiwa/ss.key', secret_file: '/x' });
    assert.deepEqual(config, {
      base_url: 'https://transform.shadowserver.org/api2/',
      api_key_file: '/etc/mizugiwa/ss.key',
      secret_file: '/x',
      days: 2,
      poll: '7 * * * *',
      timeout_seconds: 60,
    });
    const minutes = shadowserverApiConfigSchema.parse({ api_key_file: 'k', secret_file: 's', poll: 30 });
    assert.equal(minutes.poll, '*/30 * * * *');
  });

  test('explains a poll, base_url or type it cannot use', () => {
    const problems = (input: Record<string, unknown>): string => {
      const parsed = shadowserverApiConfigSchema.safeParse({ api_key_file: 'k', secret_file: 's', ...input });
      assert.equal(parsed.success, false);
      return parsed.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    };
    assert.match(problems({ poll: 45 }), /^poll: expected a cron expression .* got 45$/);
    assert.match(problems({ poll: 'every hour' }), /^poll: /);
    assert.match(problems({ base_url: 'http://transform.shadowserver.org/api2/' }), /^base_url: expected an https URL/);
    assert.match(problems({ types: ['Scan SMB'] }), /^types\.0: expected a report type/);
    assert.match(problems({ api_key: 'inline' }), /api_key/);
  });

  test('poll minutes map onto cron only where cron can say them', () => {
    assert.equal(pollToCron(15), '*/15 * * * *');
    assert.equal(pollToCron('60'), '7 * * * *');
    assert.equal(pollToCron(360), '7 */6 * * *');
    assert.equal(pollToCron('17 */2 * * *'), '17 */2 * * *');
    assert.equal(pollToCron(90), undefined);
    assert.equal(pollToCron(0), undefined);
  });
});
