import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LeaseEvent } from '../../domain/lease.js';
import {
  assertSurvivesDamage,
  brief,
  ctx,
  fixtureLines,
  perLine,
  readAll,
} from '../cgnat/lease-reader.test-support.js';
import { assignmentTime } from './assignment-time.js';
import { staticCsv } from './static-csv.js';

// Static assignments are the ISP's own spreadsheet, not any program's output, so the fixtures are written by
// hand as operators keep such sheets: assignments.csv with the English header and a note that spans two lines
// (RFC 4180 quoting); assignments-ja.csv as a Japanese sheet exported from a spreadsheet (UTF-8 with a byte-order
// mark, CRLF line ends, the Japanese header and an extra column the reader leaves alone). Dates without a zone
// are Tokyo local time, as the test context reads them.

const dir = new URL('.', import.meta.url);
const lines = fixtureLines(dir, 'assignments.csv');

test('the English sheet: a start per row, and a stop for a row with an until', () => {
  const records = perLine(staticCsv, lines);
  assert.deepEqual(
    records.map((r) => r.map(brief)),
    [
      [],
      [
        {
          session: 'static/203.0.113.16/28@2026-03-31T15:00:00.000Z',
          action: 'start',
          at: '2026-03-31T15:00:00.000Z',
          address: '203.0.113.16/28',
          subscriberKey: 'C-10023',
        },
      ],
      [
        {
          session: 'static/198.51.100.7',
          action: 'start',
          at: '1970-01-01T00:00:00.000Z',
          address: '198.51.100.7',
          subscriberKey: 'C-10456',
        },
        {
          session: 'static/198.51.100.7',
          action: 'stop',
          at: '2026-03-31T15:00:00.000Z',
          address: '198.51.100.7',
          subscriberKey: 'C-10456',
        },
      ],
      [],
      [
        {
          session: 'static/198.51.100.7@2026-04-01T00:00:00.000Z',
          action: 'start',
          at: '2026-04-01T00:00:00.000Z',
          address: '198.51.100.7',
          subscriberKey: 'C-10999',
        },
      ],
      [
        {
          session: 'static/2001:db8:1000::/48@2026-03-31T15:00:00.000Z',
          action: 'start',
          at: '2026-03-31T15:00:00.000Z',
          address: '2001:db8:1000::/48',
          subscriberKey: 'C-10023',
        },
        {
          session: 'static/2001:db8:1000::/48@2026-03-31T15:00:00.000Z',
          action: 'stop',
          at: '2027-03-31T14:59:59.000Z',
          address: '2001:db8:1000::/48',
          subscriberKey: 'C-10023',
        },
      ],
      [],
    ],
  );
});

test('events carry the key kind, the row it came from, the note, and a stop says when its row began', () => {
  const records = perLine(staticCsv, lines);
  const [start, stop] = records[2] as LeaseEvent[];
  assert.equal(start!.keyKind, 'subscriber');
  assert.equal(start!.evidence, 'line 3');
  assert.equal(stop!.startedAt, 0);
  const multiLine = records[4]![0] as LeaseEvent;
  // The record began on line 4; its quoted note runs into line 5.
  assert.equal(multiLine.evidence, 'line 4');
  assert.deepEqual(multiLine.detail, { note: 'moved from C-10456,\nre-used address' });
  assert.deepEqual((records[1]![0] as LeaseEvent).detail, { note: 'head office' });
  assert.equal((records[2]![0] as LeaseEvent).detail, undefined);
});

test('a record waiting for its closing quote says where it began', () => {
  const reader = staticCsv.reader(ctx);
  reader.line(lines[0]!, 1);
  assert.deepEqual(reader.line('192.0.2.1,C-1,,,"a note', 2), []);
  assert.equal(reader.pendingFrom(), 2);
  assert.equal(reader.line('ending here"', 3).length, 1);
  assert.equal(reader.pendingFrom(), undefined);
});

test('the Japanese sheet: BOM, CRLF, Japanese header, an extra column, slashed dates', () => {
  const records = readAll(staticCsv, fixtureLines(dir, 'assignments-ja.csv'));
  assert.deepEqual(records.map(brief), [
    {
      session: 'static/192.0.2.64/26@2026-03-31T15:00:00.000Z',
      action: 'start',
      at: '2026-03-31T15:00:00.000Z',
      address: '192.0.2.64/26',
      subscriberKey: 'K-0001',
    },
    {
      session: 'static/192.0.2.64/26@2026-03-31T15:00:00.000Z',
      action: 'stop',
      // Until 30 September is through the end of that day, Tokyo time.
      at: '2026-09-30T15:00:00.000Z',
      address: '192.0.2.64/26',
      subscriberKey: 'K-0001',
    },
    {
      session: 'static/192.0.2.200',
      action: 'start',
      at: '1970-01-01T00:00:00.000Z',
      address: '192.0.2.200',
      subscriberKey: 'K-0002',
    },
  ]);
  assert.deepEqual((records[0] as LeaseEvent).detail, { note: '本社回線' });
});

test('bad rows are refused, saying which row and how to fix it', () => {
  const records = readAll(staticCsv, fixtureLines(dir, 'assignments-damaged.csv'));
  const reasons = records.map((r) => (r.action === 'rejected' ? `${r.evidence}: ${r.reason}` : `kept ${r.action}`));
  assert.equal(reasons.length, 7);
  assert.match(reasons[0]!, /^line 2: .*has host bits set: the network is 192\.0\.2\.0\/24.*write the network address/);
  assert.match(reasons[1]!, /^line 3: .*"not-an-ip" is not an IPv4 address/);
  assert.match(reasons[2]!, /^line 4: .*the row for 192\.0\.2\.0\/24 has no subscriber id; fill it in/);
  assert.match(reasons[3]!, /^line 5: .*the since \(開始\) date "2026-02-30" is not a real date/);
  assert.match(reasons[4]!, /^line 6: .*ends \(2026-03-01\) before it starts \(2026-04-01\)/);
  assert.match(reasons[5]!, /^line 7: .*not valid CSV.*check its quotes/);
  assert.match(reasons[6]!, /^line 8: .*the file ends inside a quoted field/);
});

test('a sheet without the required columns refuses its header and then each row', () => {
  const records = readAll(staticCsv, fixtureLines(dir, 'assignments-bad-header.csv'));
  assert.equal(records.length, 2);
  assert.match(
    records[0]!.action === 'rejected' ? records[0]!.reason : '',
    /header naming the columns prefix and subscriber_id \(or プレフィックス and 加入者ID\).*it names: address, customer/,
  );
  assert.match(records[1]!.action === 'rejected' ? records[1]!.reason : '', /the header row \(line 1\) is unusable/);
});

test('assignment times: dates, date-times, zones, ends of days', () => {
  const t = (text: string, end = false) => {
    const v = assignmentTime(text, ctx, end);
    return typeof v === 'string' ? v : new Date(v).toISOString();
  };
  assert.equal(t('2026-04-01'), '2026-03-31T15:00:00.000Z');
  assert.equal(t('2026/4/1'), '2026-03-31T15:00:00.000Z');
  assert.equal(t('2026-04-01', true), '2026-04-01T15:00:00.000Z');
  assert.equal(t('2026-12-31', true), '2026-12-31T15:00:00.000Z');
  assert.equal(t('2026-04-01 09:30'), '2026-04-01T00:30:00.000Z');
  assert.equal(t('2026-04-01T09:30:15.250+09:00'), '2026-04-01T00:30:15.250Z');
  assert.equal(t('2026-04-01T00:00:00Z'), '2026-04-01T00:00:00.000Z');
  assert.equal(t('2026-04-01T00:00:00-0130'), '2026-04-01T01:30:00.000Z');
  assert.match(t('2026-13-01'), /not a real date/);
  assert.match(t('2026-04-01 25:00'), /not a real time of day/);
  assert.match(t('April 1st'), /write 2026-04-01/);
});

test('damaged copies of every fixture line never throw', () => {
  // Each damaged line is read as the row after a good header.
  const withHeader = {
    ...staticCsv,
    reader: (c: typeof ctx) => {
      const r = staticCsv.reader(c);
      r.line('prefix,subscriber_id,since,until,note', 0);
      return r;
    },
  };
  assertSurvivesDamage(withHeader, lines.slice(1), ',"/:.- 0123456789abcdefTZ+\r\n');
});
