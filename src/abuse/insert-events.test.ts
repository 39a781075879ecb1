import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { storeKinds, type TestStore } from '../../test/support/stores.js';
import type { NewAbuseEvent } from '../store/schema.js';
import { insertEvents } from './insert-events.js';
import { receiveReport } from './receive-report.js';

const HEADER =
  '"timestamp","protocol","src_ip","src_port","src_asn","src_geo","src_region","src_city","src_hostname","src_naics","src_sector","device_vendor","device_type","device_model","severity","dst_ip","dst_port","dst_asn","dst_geo","dst_region","dst_city","dst_hostname","dst_naics","dst_sector","public_source","infection","family","tag","application","version","event_id","ssl_cipher","ssl_servername"';

/** A Shadowserver sinkhole report of `n` rows, one second apart, from 198.51.100.0/24. */
function sinkholeReport(n: number): string {
  const lines = [HEADER];
  for (let i = 0; i < n; i++) {
    const t = new Date(Date.UTC(2026, 10, 20) + i * 1000).toISOString().slice(0, 19).replace('T', ' ');
    lines.push(
      `"${t}","tcp","198.51.100.${(i % 254) + 1}",${49152 + (i % 16000)},64500,"JP","TOKYO","SHINJUKU",,517311,,,,,"critical","192.0.2.80",80,64510,"US",,,,,,,"andromeda","andromeda","andromeda","http",,,,`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function row(reportId: number, seq: number): NewAbuseEvent {
  return {
    reportId,
    seq,
    type: seq % 2 ? 'infected-system' : 'vulnerable-system',
    identifier: seq % 3 ? `bot-${seq}` : null,
    occurredAt: new Date(Date.UTC(2026, 10, 20) + seq * 1000).toISOString(),
    sourceAddress: seq % 7 ? `203.0.113.${seq % 250}` : null,
    sourcePort: seq % 5 ? 1024 + seq : null,
    sourceHostname: seq % 11 ? null : `host-${seq}.example.jp`,
    sourceUrl: seq % 13 ? null : `http://example.com/a?q="${seq}"&x='y'`,
    destination: seq % 2 ? JSON.stringify({ address: '192.0.2.1', port: 443 }) : null,
    protocol: 'tcp',
    reporter: 'shadowserver',
    reportType: 'event4_sinkhole',
    evidence: `test.csv:${seq + 2}`,
    detail: JSON.stringify({ note: `見えた ${seq}`, quote: '"', backslash: '\\' }),
    needsReview: seq % 17 ? 0 : 1,
    state: 'new',
    createdAt: '2026-11-21T00:00:00.000Z',
  };
}

for (const kind of await storeKinds()) {
  describe(`event rows into abuse_events on ${kind.name}`, { skip: kind.skip }, () => {
    let store: TestStore;
    let dataDir: string;
    before(async () => {
      store = await kind.open();
      dataDir = mkdtempSync(join(tmpdir(), 'mizugiwa-insert-events-'));
    });
    after(async () => {
      await store?.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    });

    test('a batch of thousands of rows is stored as given, every column', async () => {
      // 2,500 rows of 22 columns: far more bound values than one SQLite statement may carry.
      const rows = Array.from({ length: 2500 }, (_, i) => row(9001, i));
      await insertEvents(store.db, rows);
      const stored = await store.db
        .selectFrom('abuseEvents')
        .selectAll()
        .where('reportId', '=', 9001)
        .orderBy('seq')
        .execute();
      assert.equal(stored.length, rows.length);
      for (const [i, r] of rows.entries()) {
        const { id: _id, ...got } = stored[i]!;
        assert.deepEqual(
          { ...got, reportId: Number(got.reportId) },
          { ...r, unassignedReason: null, subscriberKey: null, subscriberId: null, caseId: null },
        );
      }
      await insertEvents(store.db, []);
    });

    test('a Shadowserver report of 12,000 rows imports whole through receiveReport', async () => {
      const text = sinkholeReport(12_000);
      const file = join(dataDir, '2026-11-20-event4_sinkhole-asn64500-jp.csv');
      writeFileSync(file, text);
      const outcome = await receiveReport({ db: store.db, dataDir }, Readable.from([Buffer.from(text)]), {
        transport: 'cli',
        origin: file,
        fileName: '2026-11-20-event4_sinkhole-asn64500-jp.csv',
      });
      assert.equal(outcome.state, 'parsed');
      assert.equal(outcome.events, 12_000);
      const counted = await store.db
        .selectFrom('abuseEvents')
        .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('seq').as('last')])
        .where('reportId', '=', outcome.reportId)
        .executeTakeFirstOrThrow();
      assert.deepEqual([Number(counted.n), Number(counted.last)], [12_000, 11_999]);
      const last = await store.db
        .selectFrom('abuseEvents')
        .selectAll()
        .where('reportId', '=', outcome.reportId)
        .where('seq', '=', 11_999)
        .executeTakeFirstOrThrow();
      assert.equal(last.occurredAt, '2026-11-20T03:19:59.000Z');
      assert.equal(last.evidence, '2026-11-20-event4_sinkhole-asn64500-jp.csv:12001');
    });
  });
}
