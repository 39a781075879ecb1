import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { LeaseEvent, LeaseRecord } from '../../domain/lease.js';
import { localTimeIn } from '../../observe/local-time.js';
import { mutations, truncations } from '../../observe/line-mutations.test-support.js';
import type { LeaseContext } from '../lease-format.js';
import { freeradiusDetail } from './freeradius-detail.js';

// The freeradius-3.2-* fixtures are what FreeRADIUS 3.2.1 (Debian 12) wrote with its detail module for
// accounting requests sent by radclient (see fixtures/freeradius-README.md): the test harness's minimal
// configuration (tokyo, packet-header with log_packet_header, and the same three records in three zones) and the
// Debian package's stock configuration (debian-default, -ipv6). freeradius-hand-made.detail holds forms 3.2 did
// not write here: 2.x attributes, an integer Event-Timestamp, an auth log block, a block without Timestamp.

const zone = (name: string): LeaseContext => ({ now: Date.UTC(2026, 10, 25), localTime: localTimeIn(name) });
const tokyo = zone('Asia/Tokyo');

function fixtureLines(name: string): string[] {
  const text = readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
  return text.split('\n').slice(0, -1);
}

/** Every record of `lines` read by one reader, the end included. */
function readAll(lines: readonly string[], ctx: LeaseContext = tokyo): LeaseRecord[] {
  const reader = freeradiusDetail.reader(ctx);
  const records = lines.flatMap((line, i) => reader.line(line, i + 1));
  return [...records, ...reader.end()];
}

/** One line per record: where, what, which session or NAS, when (and since when). */
function summary(records: LeaseRecord[]): string[] {
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  return records.map((r) => {
    if (r.action === 'rejected') return `${r.evidence} rejected: ${r.reason}`;
    if (r.action === 'reset') return `${r.evidence} reset ${r.nas} ${iso(r.at)}`;
    const since = r.startedAt === undefined ? '' : ` since ${iso(r.startedAt)}`;
    return `${r.evidence} ${r.action} ${r.session} ${r.subscriberKey ?? '-'} ${iso(r.at)}${since}`;
  });
}

test('FreeRADIUS 3.2: Accounting-On, Starts, Interim-Updates, Stops and Accounting-Off', () => {
  assert.deepEqual(summary(readAll(fixtureLines('freeradius-3.2-tokyo.detail'))), [
    'line 1 reset 192.0.2.1 2026-11-24T23:26:00Z',
    'line 10 start 192.0.2.1/4d2a0001/198.51.100.7 alice@isp.example 2026-11-24T23:26:10Z',
    'line 10 start 192.0.2.1/4d2a0001/2001:db8:200:1::/64 alice@isp.example 2026-11-24T23:26:10Z',
    'line 10 start 192.0.2.1/4d2a0001/2001:db8:100::/56 alice@isp.example 2026-11-24T23:26:10Z',
    // No Event-Timestamp: received at 23:46:27, sent 5 s after the event.
    'line 32 start 192.0.2.1/4d2a0002/198.51.100.8 bob 2026-11-24T23:46:22Z',
    // carol's Start (line 43) came before her address was assigned: nothing to lease yet.
    'line 53 update 192.0.2.1/4d2a0001/198.51.100.7 alice@isp.example 2026-11-24T23:31:10Z since 2026-11-24T23:26:10Z',
    'line 53 update 192.0.2.1/4d2a0001/2001:db8:200:1::/64 alice@isp.example 2026-11-24T23:31:10Z since 2026-11-24T23:26:10Z',
    'line 53 update 192.0.2.1/4d2a0001/2001:db8:100::/56 alice@isp.example 2026-11-24T23:31:10Z since 2026-11-24T23:26:10Z',
    'line 73 update 192.0.2.1/4d2a0003/198.51.100.9 carol 2026-11-24T23:26:25Z since 2026-11-24T23:26:15Z',
    // An IPv6-only session from a NAS that gives NAS-IPv6-Address; a day below 10 ("Nov  4").
    'line 85 start 2001:db8::1/v6-0001/2001:db8:300::5 dave 2026-11-04T01:00:00Z',
    'line 85 start 2001:db8::1/v6-0001/2001:db8:400:ab00::/56 dave 2026-11-04T01:00:00Z',
    'line 98 start 192.0.2.2/x y/198.51.100.10 ユーザー"q\\ 2026-11-24T23:27:10Z',
    // The L2TP Tunnel-Start (line 111) and Failed (line 153) records are not about a subscriber's address.
    'line 121 stop 192.0.2.1/4d2a0001/198.51.100.7 alice@isp.example 2026-11-24T23:36:10Z since 2026-11-24T23:26:10Z',
    'line 121 stop 192.0.2.1/4d2a0001/2001:db8:200:1::/64 alice@isp.example 2026-11-24T23:36:10Z since 2026-11-24T23:26:10Z',
    'line 121 stop 192.0.2.1/4d2a0001/2001:db8:100::/56 alice@isp.example 2026-11-24T23:36:10Z since 2026-11-24T23:26:10Z',
    'line 138 stop 192.0.2.1/4d2a0002/198.51.100.8 bob 2026-11-24T23:45:57Z since 2026-11-24T23:43:57Z',
    'line 158 reset 192.0.2.1 2026-11-24T23:41:00Z',
  ]);
});

test('a whole event: NAS, key, interim interval and the detail kept as evidence', () => {
  const [, alice] = readAll(fixtureLines('freeradius-3.2-tokyo.detail'));
  assert.deepEqual(alice, {
    session: '192.0.2.1/4d2a0001/198.51.100.7',
    action: 'start',
    at: Date.parse('2026-11-24T23:26:10Z'),
    address: '198.51.100.7',
    evidence: 'line 10',
    nas: '192.0.2.1',
    subscriberKey: 'alice@isp.example',
    keyKind: 'user',
    interimSeconds: 300,
    detail: {
      'Calling-Station-Id': '00:11:22:33:44:55',
      'Called-Station-Id': 'bng1',
      'NAS-Port-Id': 'ge-0/0/1.100:100-2001',
      'NAS-Port': '1001',
      'NAS-Port-Type': 'Ethernet',
      'NAS-IP-Address': '192.0.2.1',
      'NAS-Identifier': 'bng1.example.net',
      'Service-Type': 'Framed-User',
      'Framed-Protocol': 'PPP',
    },
  });
});

test("log_packet_header's Packet-Src/Dst lines change nothing", () => {
  const withHeader = readAll(fixtureLines('freeradius-3.2-packet-header.detail'));
  assert.deepEqual(
    summary(withHeader).map((s) => s.replace(/^line \d+ /, '')),
    summary(readAll(fixtureLines('freeradius-3.2-tokyo.detail')))
      .filter((s) => /^line (1|10|85|121) /.test(s))
      .map((s) => s.replace(/^line \d+ /, '')),
  );
});

test('the Debian stock configuration: Acct-Unique-Session-Id added, a missing Event-Timestamp filled in', () => {
  assert.deepEqual(summary(readAll(fixtureLines('freeradius-3.2-debian-default.detail'))), [
    'line 1 reset 192.0.2.1 2026-11-24T23:26:00Z',
    'line 11 start 192.0.2.1/4d2a0001/198.51.100.7 alice@isp.example 2026-11-24T23:26:10Z',
    'line 11 start 192.0.2.1/4d2a0001/2001:db8:200:1::/64 alice@isp.example 2026-11-24T23:26:10Z',
    'line 11 start 192.0.2.1/4d2a0001/2001:db8:100::/56 alice@isp.example 2026-11-24T23:26:10Z',
    // preprocess wrote Event-Timestamp = arrival − Acct-Delay-Time: the same instant as without it.
    'line 34 start 192.0.2.1/4d2a0002/198.51.100.8 bob 2026-11-24T23:46:23Z',
    'line 47 update 192.0.2.1/4d2a0001/198.51.100.7 alice@isp.example 2026-11-24T23:31:10Z since 2026-11-24T23:26:10Z',
    'line 47 update 192.0.2.1/4d2a0001/2001:db8:200:1::/64 alice@isp.example 2026-11-24T23:31:10Z since 2026-11-24T23:26:10Z',
    'line 47 update 192.0.2.1/4d2a0001/2001:db8:100::/56 alice@isp.example 2026-11-24T23:31:10Z since 2026-11-24T23:26:10Z',
    'line 68 stop 192.0.2.1/4d2a0001/198.51.100.7 alice@isp.example 2026-11-24T23:36:10Z since 2026-11-24T23:26:10Z',
    'line 68 stop 192.0.2.1/4d2a0001/2001:db8:200:1::/64 alice@isp.example 2026-11-24T23:36:10Z since 2026-11-24T23:26:10Z',
    'line 68 stop 192.0.2.1/4d2a0001/2001:db8:100::/56 alice@isp.example 2026-11-24T23:36:10Z since 2026-11-24T23:26:10Z',
    'line 86 stop 192.0.2.1/4d2a0002/198.51.100.8 bob 2026-11-24T23:45:58Z since 2026-11-24T23:43:58Z',
    'line 100 reset 192.0.2.1 2026-11-24T23:41:00Z',
  ]);
  const [event] = readAll(fixtureLines('freeradius-3.2-debian-default.detail')).slice(1);
  assert.equal((event as LeaseEvent).detail!['Acct-Unique-Session-Id'], '2fe54346661d512f1afb9af3db0bbf28');
  assert.deepEqual(summary(readAll(fixtureLines('freeradius-3.2-debian-default-ipv6.detail'))), [
    'line 1 start 2001:db8::1/v6-0001/2001:db8:300::5 dave 2026-11-04T01:00:00Z',
    'line 1 start 2001:db8::1/v6-0001/2001:db8:400:ab00::/56 dave 2026-11-04T01:00:00Z',
  ]);
});

test('Event-Timestamps in local time: read in the server zone, summer and winter, named or numeric zones', () => {
  const expected = [
    'line 1 start 192.0.2.1/b-1/198.51.100.20 summer 2026-07-01T10:00:00Z',
    'line 10 stop 192.0.2.1/b-1/198.51.100.20 summer 2026-07-01T11:00:00Z since 2026-07-01T10:00:00Z',
    'line 20 start 192.0.2.1/b-2/198.51.100.21 winter 2026-11-24T10:00:00Z',
  ];
  assert.deepEqual(summary(readAll(fixtureLines('freeradius-3.2-berlin.detail'), zone('Europe/Berlin'))), expected);
  assert.deepEqual(
    summary(readAll(fixtureLines('freeradius-3.2-sao-paulo.detail'), zone('America/Sao_Paulo'))),
    expected,
  );
  // UTC and numeric offsets say what they are, whatever zone the source is configured with.
  assert.deepEqual(summary(readAll(fixtureLines('freeradius-3.2-utc.detail'), zone('UTC'))), expected);
  assert.deepEqual(summary(readAll(fixtureLines('freeradius-3.2-utc.detail'), zone('Asia/Tokyo'))), expected);
});

test('a source configured with the wrong zone is refused, not read hours off', () => {
  const records = readAll(fixtureLines('freeradius-3.2-berlin.detail'), tokyo);
  assert.equal(records.length, 3);
  const [first] = records;
  assert.equal(first!.action, 'rejected');
  assert.equal(
    first!.action === 'rejected' && first!.reason,
    'the header "Wed Nov 25 00:46:27 2026" and Timestamp 1795563987 (both when FreeRADIUS received the request) are 8 hours apart when the header is read in the time zone configured for this source: set the source\'s zone to the one the FreeRADIUS server runs in, or its local Event-Timestamps are read wrongly',
  );
});

test('older and rarer forms: 2.x attributes, integer Event-Timestamp, auth log blocks, no Timestamp line', () => {
  assert.deepEqual(summary(readAll(fixtureLines('freeradius-hand-made.detail'))), [
    'line 1 start 192.0.2.9/00A1B2C3/198.51.100.50 old-style 2026-11-24T23:50:00Z',
    'line 13 update lns.example.net/i-1/198.51.100.51 integer-stamp 2026-11-24T23:50:04Z since 2026-11-24T22:50:04Z',
    'line 13 update lns.example.net/i-1/203.0.113.16/28 integer-stamp 2026-11-24T23:50:04Z since 2026-11-24T22:50:04Z',
    // line 24 is an Access-Request written by the detail module in authorize: not accounting.
    // Without Timestamp the header says when it arrived (08:50:07 Tokyo), less the 7 s of Acct-Delay-Time.
    'line 30 stop 192.0.2.9/n-1/198.51.100.52 no-timestamp-line 2026-11-24T23:50:00Z since 2026-11-24T23:49:00Z',
    'line 39 start 192.0.2.9/u-1/2001:db8:abcd:1200::/56 utc-stamp 2026-11-24T23:50:08Z',
  ]);
});

const block = (...attributes: string[]) => ['Wed Nov 25 08:50:00 2026', ...attributes.map((a) => `\t${a}`)];
const session = [
  'Acct-Status-Type = Start',
  'Acct-Session-Id = "s-1"',
  'NAS-IP-Address = 192.0.2.9',
  'Framed-IP-Address = 198.51.100.60',
];

test('a block ends at its blank line; CRLF line ends and space indents are read too', () => {
  const lines = [...block(...session, 'Timestamp = 1795564200'), ''];
  const reader = freeradiusDetail.reader(tokyo);
  for (let i = 0; i < lines.length - 1; i++) {
    assert.deepEqual(reader.line(lines[i]!, i + 1), []);
    assert.equal(reader.pendingFrom(), 1);
  }
  assert.deepEqual(summary(reader.line('', lines.length)), [
    'line 1 start 192.0.2.9/s-1/198.51.100.60 - 2026-11-24T23:50:00Z',
  ]);
  assert.equal(reader.pendingFrom(), undefined);
  assert.deepEqual(reader.line('', 7), [], 'blank lines between blocks');
  const crlf = lines.map((l) => `${l.replace('\t', '    ')}\r`);
  assert.deepEqual(summary(readAll(crlf)), ['line 1 start 192.0.2.9/s-1/198.51.100.60 - 2026-11-24T23:50:00Z']);
});

test('a block cut short: without its Timestamp line it is a dead letter, with it it is read', () => {
  const cut = block(...session);
  const next = block(...session, 'Timestamp = 1795564200');
  assert.deepEqual(summary(readAll([...cut, ...next, ''])), [
    'line 1 rejected: the block ends without its Timestamp line and blank line: the file was cut short while FreeRADIUS wrote it, so attributes may be missing',
    'line 6 start 192.0.2.9/s-1/198.51.100.60 - 2026-11-24T23:50:00Z',
  ]);
  assert.deepEqual(
    summary(readAll(next)),
    ['line 1 start 192.0.2.9/s-1/198.51.100.60 - 2026-11-24T23:50:00Z'],
    'no final blank line',
  );
  assert.deepEqual(summary(readAll(cut)), [
    'line 1 rejected: the block ends without its Timestamp line and blank line: the file was cut short while FreeRADIUS wrote it, so attributes may be missing',
  ]);
});

test('a file read from the middle of a block: the attribute lines are one block from where they start', () => {
  const tail = block(...session, 'Timestamp = 1795564200').slice(3);
  assert.deepEqual(summary(readAll([...tail, ''])), [
    'line 1 rejected: the accounting record has no Acct-Status-Type, so it is not known whether the session started, went on or ended',
  ]);
});

test('a damaged line makes its block a dead letter that names the line and keeps the text', () => {
  const lines = [...block(...session, 'Calling-Station-Id "00:11"', 'Timestamp = 1795564200'), ''];
  const records = readAll(lines);
  assert.deepEqual(records, [
    {
      action: 'rejected',
      reason: 'line 6: "Calling-Station-Id \\"00:11\\"" is not an "Attribute = value" line',
      evidence: 'line 1',
      raw: lines.slice(0, -1).join('\n'),
    },
  ]);
  const reasons = (line: string) => summary(readAll([...block(...session, line, 'Timestamp = 1'), '']));
  assert.deepEqual(reasons('User-Name = "open'), [
    'line 1 rejected: line 6: the value of User-Name has no closing quote',
  ]);
  assert.deepEqual(reasons('User-Name = "a" b'), [
    'line 1 rejected: line 6: the value of User-Name has " b" after its closing quote',
  ]);
  assert.deepEqual(reasons('-bad name = 1'), ['line 1 rejected: line 6: "-bad name" is not an attribute name']);
  assert.deepEqual(reasons('Event-Timestamp = "Nov 31 2026 10:00:00 JST"'), [
    'line 1 rejected: Event-Timestamp "Nov 31 2026 10:00:00 JST": not a date as FreeRADIUS writes one ("Nov 25 2026 08:26:10 JST") nor seconds since 1970',
  ]);
  assert.deepEqual(reasons('Event-Timestamp = "Nov 25 2026 10:00:00 +2500"'), [
    'line 1 rejected: Event-Timestamp "Nov 25 2026 10:00:00 +2500": the zone offset "+2500" is not an offset from UTC',
  ]);
  assert.deepEqual(summary(readAll(['Wed Nov 25 08:50:00 2026', ''])), [
    'line 1 rejected: the header "Wed Nov 25 08:50:00 2026" is followed by no attribute lines',
  ]);
});

test('quoted values: FreeRADIUS escapes undone, octal escapes as bytes of UTF-8', () => {
  const name = (quoted: string) => {
    const [event] = readAll([...block(...session, `User-Name = ${quoted}`, 'Timestamp = 1795564200'), '']);
    return (event as LeaseEvent).subscriberKey;
  };
  assert.equal(name('"a\\"b\\\\c"'), 'a"b\\c');
  assert.equal(name('"tab\\there"'), 'tab\there');
  assert.equal(name('"\\343\\203\\246"'), 'ユ');
  assert.equal(name('"ユーザー"'), 'ユーザー');
  assert.equal(name('"x\\qy"'), 'xqy');
  assert.equal(name('bare-word'), 'bare-word');
});

test('a record written some other way than FreeRADIUS does (a block too long) is refused', () => {
  const long = block(...session, ...Array.from({ length: 2100 }, (_, i) => `Cisco-AVPair = "n=${i}"`), 'Timestamp = 1');
  const [record] = readAll([...long, '']);
  assert.equal(record!.action, 'rejected');
  assert.match(record!.action === 'rejected' ? record!.reason : '', /more than 2000 lines without a blank line/);
  assert.ok(record!.action === 'rejected' && record!.raw.length <= 64 * 1024);
});

test('read in pieces split where pendingFrom says, as a tailer resumes, a file gives the same records', () => {
  const lines = fixtureLines('freeradius-3.2-tokyo.detail');
  const whole = readAll(lines);
  for (const cut of [1, 5, 9, 10, 40, 100, lines.length - 1]) {
    const first = freeradiusDetail.reader(tokyo);
    const records = lines.slice(0, cut).flatMap((line, i) => first.line(line, i + 1));
    const resume = first.pendingFrom() ?? cut + 1;
    const second = freeradiusDetail.reader(tokyo);
    for (let n = resume; n <= lines.length; n++) records.push(...second.line(lines[n - 1]!, n));
    records.push(...second.end());
    assert.deepEqual(records, whole, `cut after line ${cut}`);
  }
});

/** What any record must look like, whatever the reader was fed. */
function assertWellFormed(record: LeaseRecord, input: string): void {
  const where = JSON.stringify(input);
  if (record.action === 'rejected') {
    assert.ok(record.reason.length > 0, where);
    assert.match(record.evidence, /^line \d+$/, where);
    return;
  }
  assert.ok(Number.isFinite(record.at), where);
  assert.ok(record.nas && record.nas.length > 0, where);
  if (record.action === 'reset') return;
  assert.match(record.address, /^[0-9a-f.:]+(\/\d{1,3})?$/, where);
  assert.ok(record.session.endsWith(`/${record.address}`), where);
  if (record.startedAt !== undefined)
    assert.ok(Number.isFinite(record.startedAt) && record.startedAt <= record.at, where);
}

test('damaged fixture lines never throw and never give a malformed record', () => {
  for (const name of [
    'freeradius-3.2-tokyo.detail',
    'freeradius-3.2-debian-default.detail',
    'freeradius-hand-made.detail',
  ]) {
    const lines = fixtureLines(name);
    // The damaged line in its own block (from the header before it to the blank line after): enough context,
    // and a fraction of the time of reading the whole file each time.
    const damaged = (index: number, replacement: string) => {
      let from = index;
      while (from > 0 && lines[from - 1] !== '') from--;
      let to = index;
      while (to < lines.length && lines[to] !== '') to++;
      const copy = lines.slice(from, to + 1);
      copy[index - from] = replacement;
      return copy;
    };
    const check = (copy: string[], replacement: string) => {
      let records: LeaseRecord[] = [];
      try {
        records = readAll(copy);
      } catch (error) {
        assert.fail(`${name}: threw ${String(error)} on ${JSON.stringify(replacement)}`);
      }
      for (const record of records) assertWellFormed(record, replacement);
    };
    // Every truncation of every line, in place.
    lines.forEach((line, index) => {
      for (const cut of truncations([line])) check(damaged(index, cut), cut);
    });
    // Random edits with the format's own delimiters, in place of a random line.
    let round = 0;
    for (const edited of mutations(lines, { seed: 6, rounds: 3000, alphabet: '\t =":/.\\0129aZ-\r' })) {
      check(damaged(round++ % lines.length, edited), edited);
    }
  }
});
