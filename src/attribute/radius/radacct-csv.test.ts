import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { LeaseRecord } from '../../domain/lease.js';
import { localTimeIn } from '../../observe/local-time.js';
import { mutations, truncations } from '../../observe/line-mutations.test-support.js';
import type { LeaseContext } from '../lease-format.js';
import { radacctCsv } from './radacct-csv.js';

// The fixtures were written by FreeRADIUS 3.2.1 (Debian 12) with its stock sql module and queries into the stock
// radacct schema of PostgreSQL 15 and MariaDB 10.11, from accounting sent with radclient, and dumped with psql's
// \copy (csv header; text with header) under TimeZone Asia/Tokyo and with mysql --batch, the MariaDB session
// writing in +09:00: see fixtures/radacct-record.sh, which made them. The sessions, 2026-11-25 (Tokyo):
//   alice  Start 12:00, Interim 12:05 and 12:10, Stop 12:30; IPv4, a Framed-IPv6-Prefix and a delegated prefix
//   bob    Start 12:01, Interim 12:06 and 12:11, still open
//   carol  Start 12:02, IPv6 address and interface id only, still open
//   erin   Start 12:03 on NAS 192.0.2.2, closed at 12:40 by that NAS's Accounting-On
//   o'hara Start 12:04, a User-Name FreeRADIUS escapes
//   frank  Start 12:04:10 from a NAS that sends only NAS-IPv6-Address (MySQL's queries store the packet's source)
//   dave   a Stop at 12:20 (Acct-Session-Time 600) whose Start never came

const ctx: LeaseContext = { now: Date.UTC(2026, 10, 25, 12), localTime: localTimeIn('Asia/Tokyo') };

function fixtureLines(name: string): string[] {
  const text = readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
  return text.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1);
}

function read(lines: string[], context = ctx): LeaseRecord[] {
  const reader = radacctCsv.reader(context);
  const out = lines.flatMap((line, i) => reader.line(line, i + 1));
  assert.equal(reader.pendingFrom(), undefined);
  return [...out, ...reader.end()];
}

/** `line 2 start 192.0.2.1/0000A001/198.51.100.10 12:00:00` in Tokyo time, or the rejection. */
function brief(records: LeaseRecord[]): string[] {
  return records.map((r) => {
    if (r.action === 'rejected') return `${r.evidence} rejected: ${r.reason}`;
    if (r.action === 'reset') return `${r.evidence} reset ${r.nas}`;
    const tokyo = new Date(r.at + 9 * 3_600_000).toISOString().slice(11, 19);
    return `${r.evidence} ${r.action} ${r.session} ${tokyo}${r.interimSeconds ? ` every ${r.interimSeconds}s` : ''}`;
  });
}

const expected = (frankNas: string) => [
  'line 2 start 192.0.2.1/0000A001/198.51.100.10 12:00:00',
  'line 2 stop 192.0.2.1/0000A001/198.51.100.10 12:30:00',
  'line 2 start 192.0.2.1/0000A001/2001:db8:ffff:1::/64 12:00:00',
  'line 2 stop 192.0.2.1/0000A001/2001:db8:ffff:1::/64 12:30:00',
  'line 2 start 192.0.2.1/0000A001/2001:db8:100::/56 12:00:00',
  'line 2 stop 192.0.2.1/0000A001/2001:db8:100::/56 12:30:00',
  'line 3 start 192.0.2.1/0000A002/198.51.100.11 12:01:00',
  'line 3 update 192.0.2.1/0000A002/198.51.100.11 12:11:00 every 300s',
  'line 4 start 192.0.2.1/0000A003/2001:db8:ffff:2::10 12:02:00',
  'line 5 start 192.0.2.2/0000B001/198.51.100.20 12:03:00',
  'line 5 stop 192.0.2.2/0000B001/198.51.100.20 12:40:00',
  'line 6 start 192.0.2.1/0000A005/198.51.100.14 12:04:00',
  `line 7 start ${frankNas}/0000C001/198.51.100.30 12:04:10`,
  'line 8 start 192.0.2.1/0000A004/198.51.100.13 12:10:00',
  'line 8 stop 192.0.2.1/0000A004/198.51.100.13 12:20:00',
];

test('PostgreSQL 15, psql \\copy … csv header', () => {
  const records = read(fixtureLines('radacct-postgresql-15.csv'));
  assert.deepEqual(brief(records), expected('2001:db8::1'));
  assert.deepEqual(records[7], {
    session: '192.0.2.1/0000A002/198.51.100.11',
    action: 'update',
    at: Date.parse('2026-11-25T03:11:00Z'),
    startedAt: Date.parse('2026-11-25T03:01:00Z'),
    interimSeconds: 300,
    address: '198.51.100.11',
    subscriberKey: 'bob@example.jp',
    keyKind: 'user',
    nas: '192.0.2.1',
    evidence: 'line 3',
    detail: {
      callingstationid: '02:00:5e:00:53:02',
      nasportid: 'xe-0/0/0.100:100-201',
      acctuniqueid: 'bb35e7c19acaf1469d20fa459174dc0f',
    },
  });
  // As stored: FreeRADIUS escaped o'hara's quote, comma, backslashes and double quotes.
  assert.equal(records[11]?.action === 'start' && records[11].subscriberKey, 'o=27hara=2C =5C=22q=5C=22@example.jp');
  assert.deepEqual(records[8]?.action === 'start' && records[8].detail?.framedinterfaceid, '0:0:0:10');
});

test('PostgreSQL 15, psql \\copy … (format text, header): the same records', () => {
  assert.deepEqual(
    read(fixtureLines('radacct-postgresql-15-text.tsv')),
    read(fixtureLines('radacct-postgresql-15.csv')),
  );
});

test('MariaDB 10.11, mysql --batch: zone-less times read in the context zone', () => {
  const lines = fixtureLines('radacct-mariadb-10.11.tsv');
  const records = read(lines);
  assert.deepEqual(brief(records), expected('127.0.0.1'));
  // Apart from frank's NAS, what MySQL holds is what PostgreSQL holds.
  const postgres = read(fixtureLines('radacct-postgresql-15.csv'));
  assert.deepEqual(
    records.filter((r) => r.evidence !== 'line 7'),
    postgres.filter((r) => r.evidence !== 'line 7'),
  );
  // Read as if the server were in UTC, every time moves by nine hours.
  const utc = read(lines, { ...ctx, localTime: localTimeIn('UTC') });
  assert.equal(utc[0]?.action === 'start' && utc[0].at, Date.parse('2026-11-25T12:00:00Z'));
});

test('hand-made CSV: columns in any order and case, quoting, CRLF, a byte-order mark, a repeated header', () => {
  const header =
    '\uFEFFAcctSessionId,UserName,NASIPAddress,AcctStartTime,AcctStopTime,FramedIPAddress,CallingStationId';
  const lines = [
    `${header}\r`,
    'S1,"o\'hara, ""q""",192.0.2.1,2026-11-25 08:30:00+05:30,,198.51.100.40,"02:00:5e:00:53:09"\r',
    '',
    header.slice(1),
    'S2,bob,192.0.2.1,2026-11-25 12:00:00+09',
    'S3,"cut,192.0.2.1,2026-11-25 12:00:00+09,,198.51.100.42,',
    'S4,x"y",192.0.2.1,2026-11-25 12:00:00+09,,198.51.100.43,',
    ',carol,192.0.2.1,2026-11-25 12:00:00+09,,198.51.100.44,',
    'S5,dave,192.0.2.1,2026-11-25 12:00:00+09,2026-11-25 11:00:00+09,198.51.100.45,',
    'S6,erin,192.0.2.1,2026-11-25 12:00:00+09,,,',
  ];
  const records = read(lines);
  assert.deepEqual(records[0], {
    session: '192.0.2.1/S1/198.51.100.40',
    action: 'start',
    at: Date.parse('2026-11-25T03:00:00Z'),
    address: '198.51.100.40',
    subscriberKey: 'o\'hara, "q"',
    keyKind: 'user',
    nas: '192.0.2.1',
    evidence: 'line 2',
    detail: { callingstationid: '02:00:5e:00:53:09' },
  });
  assert.deepEqual(brief(records.slice(1)), [
    'line 5 rejected: the line has 4 fields but the header on line 1 names 7: the line is cut or has an unquoted ' +
      'separator in a value',
    'line 6 rejected: a quoted value does not close on this line: the line is cut, or a value holds a line break, ' +
      'which FreeRADIUS never writes (it escapes one as =0A)',
    'line 7 rejected: the line is not a CSV record: a value has a quote in its middle or text after its closing ' +
      'quote (a value with a quote in it is written in quotes, with the quote doubled)',
    'line 8 rejected: the radacct row has no acctsessionid, so its start, updates and stop cannot be joined: check ' +
      'that the export includes the acctsessionid column and that the NAS sends Acct-Session-Id',
    'line 9 rejected: session S5: acctstoptime (2026-11-25T02:00:00.000Z) is before acctstarttime ' +
      '(2026-11-25T03:00:00.000Z): check the NAS clock',
  ]);
  // A dead letter keeps the line as it was.
  assert.equal(records[4]?.action === 'rejected' && records[4].raw, lines[7]);
});

test('hand-made tab-separated: backslash escapes, NULL and \\N', () => {
  const records = read([
    'acctsessionid\tusername\tnasipaddress\tacctstarttime\tacctupdatetime\tacctinterval\tframedipaddress',
    'S1\ttab\\there\\\\x\t192.0.2.1\t2026-11-25 12:00:00\tNULL\tNULL\t198.51.100.50',
    'S2\t\\N\t192.0.2.1\t2026-11-25 12:00:00+09\t2026-11-25 12:05:00+09\t300\t198.51.100.51',
  ]);
  assert.deepEqual(brief(records), [
    'line 2 start 192.0.2.1/S1/198.51.100.50 12:00:00',
    'line 3 start 192.0.2.1/S2/198.51.100.51 12:00:00',
    'line 3 update 192.0.2.1/S2/198.51.100.51 12:05:00 every 300s',
  ]);
  assert.equal(records[0]?.action === 'start' && records[0].subscriberKey, 'tab\there\\x');
  assert.equal(records[1]?.action === 'start' && records[1].subscriberKey, undefined);
});

test('a file without a header row is rejected line by line, saying how to export one', () => {
  const records = read(fixtureLines('radacct-postgresql-15.csv').slice(1, 3));
  assert.equal(records.length, 2);
  for (const record of records) {
    assert.equal(record.action, 'rejected');
    assert.match(
      (record as { reason: string }).reason,
      /^expected the header row of a radacct dump .* no acctsessionid or acctstarttime column: export with a header/,
    );
  }
});

test('never throws on damaged lines', () => {
  for (const name of ['radacct-postgresql-15.csv', 'radacct-postgresql-15-text.tsv', 'radacct-mariadb-10.11.tsv']) {
    const [header, ...rows] = fixtureLines(name);
    const reader = radacctCsv.reader(ctx);
    reader.line(header!, 1);
    let line = 2;
    for (const damaged of [
      ...truncations(rows),
      ...mutations(rows, { seed: 6, rounds: 3000, alphabet: ',\t"\\:.-+/ 0129NUL' }),
    ]) {
      for (const record of reader.line(damaged, line++)) {
        if (record.action === 'rejected') assert.ok(record.reason.length > 0 && record.raw === damaged);
        else if (record.action !== 'reset') assert.ok(Number.isFinite(record.at));
      }
    }
    // Damage to the header is rejected, not thrown.
    for (const damaged of truncations([header!])) radacctCsv.reader(ctx).line(damaged, 1);
  }
});
