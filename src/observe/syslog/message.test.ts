import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LineContext } from '../line-format.js';
import { localTimeIn } from '../local-time.js';
import { syslogPrefix } from '../syslog-prefix.js';
import { parseSyslogMessage, toLogLine, type MessageContext, type SyslogMessage } from './message.js';

const NOW = Date.UTC(2026, 10, 24, 12);
const ctx: MessageContext = { now: NOW, localTime: localTimeIn('Asia/Tokyo'), fromHost: '192.0.2.9' };
const iso = (ms: number) => new Date(ms).toISOString();
const BOM = '\u{feff}';

function parse(text: string | Uint8Array, context: MessageContext = ctx): SyslogMessage {
  const m = parseSyslogMessage(typeof text === 'string' ? Buffer.from(text) : text, context);
  if (typeof m === 'string') assert.fail(`rejected ${JSON.stringify(text)}: ${m}`);
  return m;
}

function reason(text: string | Uint8Array): string {
  const m = parseSyslogMessage(typeof text === 'string' ? Buffer.from(text) : text, ctx);
  if (typeof m !== 'string') assert.fail(`accepted ${JSON.stringify(text)} as ${JSON.stringify(m)}`);
  return m;
}

test('RFC 5424 §6.5 example 1: no PROCID, no SD, a BOM before MSG', () => {
  const m = parse(
    `<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - ${BOM}'su root' failed for lonvick on /dev/pts/8`,
  );
  assert.deepEqual(m, {
    format: 'rfc5424',
    facility: 4,
    severity: 2,
    time: Date.UTC(2003, 9, 11, 22, 14, 15, 3),
    host: 'mymachine.example.com',
    app: 'su',
    msgid: 'ID47',
    msg: "'su root' failed for lonvick on /dev/pts/8",
  });
});

test('RFC 5424 §6.5 example 2: microseconds and a negative offset', () => {
  const m = parse(
    "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
  );
  assert.equal(iso(m.time), '2003-08-24T12:14:15.000Z');
  assert.equal(m.facility, 20);
  assert.equal(m.severity, 5);
  assert.equal(m.host, '192.0.2.1');
  assert.equal(m.app, 'myproc');
  assert.equal(m.pid, '8710');
  assert.equal(m.msgid, undefined);
  assert.equal(m.msg, "%% It's time to make the do-nuts.");
});

test('RFC 5424 §6.5 examples 3 and 4: structured data, with and without MSG', () => {
  const sd = '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]';
  const m = parse(
    `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 ${sd} ${BOM}An application event`,
  );
  assert.deepEqual(m.structuredData, [
    {
      id: 'exampleSDID@32473',
      params: [
        ['iut', '3'],
        ['eventSource', 'Application'],
        ['eventID', '1011'],
      ],
    },
  ]);
  assert.equal(m.msg, 'An application event');
  const only = parse(
    `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 ${sd}[examplePriority@32473 class="high"]`,
  );
  assert.equal(only.structuredData?.length, 2);
  assert.deepEqual(only.structuredData?.[1], { id: 'examplePriority@32473', params: [['class', 'high']] });
  assert.equal(only.msg, '');
});

test('RFC 5424 PARAM-VALUE escapes: \\" \\\\ \\] are unescaped, other backslashes kept, "] " inside does not end SD', () => {
  const m = parse(
    '<13>1 2026-11-24T01:00:00Z h app - - [x@1 a="b\\]c\\"d\\\\e" f="\\n"][y@1 g="] not msg"] real message',
  );
  assert.deepEqual(m.structuredData, [
    {
      id: 'x@1',
      params: [
        ['a', 'b]c"d\\e'],
        ['f', '\\n'],
      ],
    },
    { id: 'y@1', params: [['g', '] not msg']] },
  ]);
  assert.equal(m.msg, 'real message');
  assert.deepEqual(parse('<13>1 2026-11-24T01:00:00Z h app - - [x@1 a=""] m').structuredData, [
    { id: 'x@1', params: [['a', '']] },
  ]);
});

test('RFC 5424 NILVALUEs: no time takes now, no host takes the sender address, no app is "-"', () => {
  const m = parse('<13>1 - - - - - -');
  assert.equal(m.time, NOW);
  assert.equal(m.host, '192.0.2.9');
  assert.equal(m.app, '-');
  assert.equal(m.pid, undefined);
  assert.equal(m.msg, '');
  assert.equal(parse('<13>1 - - - - - -', { now: NOW, localTime: ctx.localTime }).host, '-');
  assert.equal(parse('<13>1 - - - - - - hi').msg, 'hi');
});

test('RFC 5424 stamps: offsets, fractions of any length, no offset read as local time', () => {
  assert.equal(iso(parse('<13>1 2026-11-24T10:00:00.123456+09:00 h a - - - x').time), '2026-11-24T01:00:00.123Z');
  assert.equal(iso(parse('<13>1 2026-11-24T10:00:00.1+0900 h a - - - x').time), '2026-11-24T01:00:00.100Z');
  assert.equal(iso(parse('<13>1 2026-11-24T10:00:00.999999999Z h a - - - x').time), '2026-11-24T10:00:00.999Z');
  assert.equal(iso(parse('<13>1 2026-11-24T10:00:00 h a - - - x').time), '2026-11-24T01:00:00.000Z');
  assert.equal(iso(parse('<13>1 2024-02-29T00:00:00Z h a - - - x').time), '2024-02-29T00:00:00.000Z');
});

test('RFC 5424 messages that cannot be read say why', () => {
  assert.match(reason('<192>1 2026-11-24T01:00:00Z h a - - - x'), /PRI "<192>" is not <0> to <191>/);
  assert.match(reason('<abc>1 - - - - - -'), /PRI/);
  assert.match(reason('<13'), /PRI/);
  assert.match(reason('<>x'), /PRI/);
  assert.match(reason('<13>1 2026-13-01T00:00:00Z h a - - - x'), /not a real date/);
  assert.match(reason('<13>1 2026-02-30T00:00:00Z h a - - - x'), /not a real date/);
  assert.match(reason('<13>1 2026-11-24T00:00:60Z h a - - - x'), /not a real date/);
  assert.match(reason('<13>1 2026-11-24T00:00:00+25:00 h a - - - x'), /offset/);
  assert.match(reason('<13>1 1969-12-31T23:59:59Z h a - - - x'), /1970 to 9999/);
  assert.match(reason('<13>1 0000-01-01T00:00:00Z h a - - - x'), /1970 to 9999/);
  assert.match(reason('<13>1 yesterday h a - - - x'), /not RFC 3339/);
  assert.match(reason('<13>1 2026-11-24T01:00:00Z host'), /ends before the space after HOSTNAME/);
  assert.match(reason('<13>1 2026-11-24T01:00:00Z host app 1 ID'), /MSGID/);
  assert.match(reason('<13>1 2026-11-24T01:00:00Z  app 1 ID - x'), /HOSTNAME is empty/);
  assert.match(reason('<13>1 2026-11-24T01:00:00Z h a - - [x@1 a="b'), /never closed/);
  assert.match(reason('<13>1 2026-11-24T01:00:00Z h a - - [x@1 a="b"'), /never closed/);
  assert.match(reason('<13>1 2026-11-24T01:00:00Z h a - - [x@1 a=b]'), /expected ="value"/);
  assert.match(reason('<13>1 2026-11-24T01:00:00Z h a - - [ a="b"]'), /SD-ID missing/);
  assert.match(reason('<13>1 2026-11-24T01:00:00Z h a - - [x@1]junk'), /space after STRUCTURED-DATA/);
  assert.match(reason('<13>1 2026-11-24T01:00:00Z h a - - junk'), /neither "-" nor \[/);
  assert.match(reason('<13>1 2026-11-24T01:00:00Z h a - - -junk'), /space after STRUCTURED-DATA/);
});

test('RFC 3164: a BSD stamp in the senders zone, host, tag and pid', () => {
  const m = parse('<30>Nov 24 10:00:00 ns1 named[812]: client @0x7f 127.0.0.2#5353 (a.example): query: a.example IN A');
  assert.equal(m.format, 'rfc3164');
  assert.equal(m.facility, 3);
  assert.equal(m.severity, 6);
  assert.equal(iso(m.time), '2026-11-24T01:00:00.000Z');
  assert.equal(m.host, 'ns1');
  assert.equal(m.app, 'named');
  assert.equal(m.pid, '812');
  assert.equal(m.msg, 'client @0x7f 127.0.0.2#5353 (a.example): query: a.example IN A');
  const kernel = parse('<4>Nov  4 10:00:00 gw kernel: [ 12.3] IN=eth0 OUT=');
  assert.equal(iso(kernel.time), '2026-11-04T01:00:00.000Z');
  assert.equal(kernel.app, 'kernel');
  assert.equal(kernel.pid, undefined);
  assert.equal(kernel.msg, '[ 12.3] IN=eth0 OUT=');
  const postfix = parse('<22>Nov 24 10:00:00 mx postfix/smtpd[4242]: connect from unknown[192.0.2.1]');
  assert.equal(postfix.app, 'postfix/smtpd');
  assert.equal(postfix.pid, '4242');
});

test('RFC 3164 stamps: unpadded day, fraction, a year, the year before now, and days that do not exist', () => {
  assert.equal(iso(parse('<13>Nov 4 10:00:00 h a: x').time), '2026-11-04T01:00:00.000Z');
  assert.equal(iso(parse('<13>Nov 24 10:00:00.250 h a: x').time), '2026-11-24T01:00:00.250Z');
  assert.equal(
    iso(parse('<189>Nov 24 2025 10:00:00 rtr %SYS-5-CONFIG_I: Configured').time),
    '2025-11-24T01:00:00.000Z',
  );
  const newYear = { ...ctx, now: Date.UTC(2027, 0, 1, 0, 30) };
  assert.equal(iso(parse('<13>Dec 31 23:59:00 h a: x', newYear).time), '2026-12-31T14:59:00.000Z');
  assert.match(reason('<13>Feb 30 10:00:00 h a: x'), /not a real date/);
  assert.match(reason('<13>Nov 24 25:00:00 h a: x'), /not a real date/);
});

test('RFC 3164 deviations: no hostname, ISO stamp (rsyslog), no PRI, no stamp, no tag', () => {
  const noHost = parse('<13>Nov 24 10:00:00 named[812]: lame server');
  assert.equal(noHost.host, '192.0.2.9');
  assert.equal(noHost.app, 'named');
  assert.equal(noHost.msg, 'lame server');
  assert.equal(parse('<13>Nov 24 10:00:00 kernel: [ 1.0] x').host, '192.0.2.9');

  const rsyslog = parse('<13>2026-11-24T10:00:00.123456+09:00 ns1 named[1]: x');
  assert.equal(iso(rsyslog.time), '2026-11-24T01:00:00.123Z');
  assert.equal(rsyslog.host, 'ns1');
  assert.equal(rsyslog.app, 'named');
  assert.equal(iso(parse('<13>2026-11-24T10:00:00 h a: x').time), '2026-11-24T01:00:00.000Z');

  const noPri = parse('Nov 24 10:00:00 h sshd[9]: Accepted publickey');
  assert.equal(noPri.facility, 1);
  assert.equal(noPri.severity, 5);
  assert.equal(noPri.app, 'sshd');
  assert.equal(parse('2026-11-24T01:00:00Z h a: x').host, 'h');

  const noStamp = parse('<13>named: hello');
  assert.equal(noStamp.time, NOW);
  assert.equal(noStamp.host, '192.0.2.9');
  assert.equal(noStamp.app, 'named');
  assert.equal(noStamp.msg, 'hello');

  const noTag = parse('<13>Nov 24 10:00:00 h just some words');
  assert.equal(noTag.host, 'h');
  assert.equal(noTag.app, '-');
  assert.equal(noTag.msg, 'just some words');

  const asa = parse('<164>Nov 24 2026 10:00:00 fw : %ASA-4-106023: Deny tcp');
  assert.equal(asa.host, 'fw');
  assert.equal(asa.app, '-');
  assert.equal(asa.msg, '%ASA-4-106023: Deny tcp');

  assert.equal(parse('<13>Nov 24 10:00:00 fe80::1 app: x').host, 'fe80::1');
  assert.equal(parse('<13>Nov 24 10:00:00 h').host, 'h');
  assert.equal(parse('<13>Nov 24 10:00:00').host, '192.0.2.9');
  assert.equal(parse('<13>Nov 24 10:00:00 h a[1] no colon').pid, '1');
  assert.equal(parse('<13>Nov 24 10:00:00 h [12.5] x').app, '-');
});

test('trailers some senders add are not part of MSG; invalid UTF-8 is kept as U+FFFD', () => {
  assert.equal(parse('<13>Nov 24 10:00:00 h a: x\r\n').msg, 'x');
  assert.equal(parse('<13>1 - h a - - - x\n\0').msg, 'x');
  assert.equal(parse(Buffer.from([...Buffer.from('<13>Nov 24 10:00:00 h a: '), 0xff, 0x41])).msg, '\u{fffd}A');
  assert.equal(parse('<13>1 - h a - - - 日本語のメッセージ').msg, '日本語のメッセージ');
});

test('what is not syslog at all is refused', () => {
  assert.equal(reason(''), 'empty message');
  assert.equal(reason('\r\n'), 'empty message');
  assert.match(reason('hello world'), /not a syslog message/);
  assert.match(reason(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])), /not a syslog message/);
  assert.match(reason('GET / HTTP/1.1'), /not a syslog message/);
});

test('toLogLine writes the form syslog-prefix.ts reads', () => {
  const m = parse('<30>Nov 24 10:00:00.123 ns1 named[812]: query: a.example IN A');
  assert.equal(toLogLine(m), '2026-11-24T01:00:00.123Z ns1 named[812]: query: a.example IN A');
  assert.equal(toLogLine(parse('<13>1 - - - - - - x')), '2026-11-24T12:00:00.000Z 192.0.2.9 -: x');
  assert.equal(
    toLogLine(parse('<13>1 2026-11-24T01:00:00Z h a - - - one\ntwo\r\nthree\rfour')),
    '2026-11-24T01:00:00.000Z h a: one two three four',
  );
  assert.equal(
    toLogLine(parse('<13>1 2026-11-24T01:00:00Z h a:b[c] p:1]x - - m')),
    '2026-11-24T01:00:00.000Z h a_b_c_[p_1_x]: m',
  );
  assert.equal(
    toLogLine({ ...m, host: '', app: '', pid: undefined }),
    '2026-11-24T01:00:00.123Z - -: query: a.example IN A',
  );
});

/** toLogLine then syslogPrefix gives back the time, host, tag and message. */
function assertRoundTrip(m: SyslogMessage): void {
  const line = toLogLine(m);
  assert.ok(!/[\r\n]/.test(line), `one line: ${JSON.stringify(line)}`);
  const lineCtx: LineContext = { now: NOW, localTime: ctx.localTime };
  const p = syslogPrefix(line, lineCtx);
  assert.ok(p, `syslogPrefix cannot read ${JSON.stringify(line)}`);
  assert.equal(p.time, m.time, line);
  assert.equal(p.host, m.host.length === 0 ? '-' : m.host.replace(/[\x00-\x20\x7f]/g, '_'), line); // eslint-disable-line no-control-regex
  assert.equal(p.tag, m.app.length === 0 ? '-' : m.app.replace(/[\x00-\x20\x7f:[\]]/g, '_'), line); // eslint-disable-line no-control-regex
  assert.equal(line.slice(p.rest), m.msg.replace(/\r\n|[\r\n]/g, ' '), line);
}

test('round trip through syslogPrefix: fixtures of both forms', () => {
  const fixtures = [
    '<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \u{feff}su failed',
    "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time",
    '<165>1 2003-10-11T22:14:15.003Z h evntslog - ID47 [a@1 b="c"]',
    '<13>1 - - - - - -',
    '<13>1 2026-11-24T01:00:00Z h a - - -  leading space',
    '<13>1 2026-11-24T01:00:00Z h a - - - a: colon: inside',
    '<13>1 2026-11-24T01:00:00Z [::1] a - - - v6 host',
    '<13>1 2026-11-24T01:00:00Z h app:with:colons 12:34 - - m',
    '<13>1 2026-11-24T01:00:00Z h\u0001x a\tb - - - control characters',
    '<13>1 2026-11-24T01:00:00Z h a - - - multi\nline\r\nmessage\n\nhere',
    '<30>Nov 24 10:00:00 ns1 named[812]: query',
    '<4>Nov  4 10:00:00 gw kernel: [ 12.3] IN=eth0',
    '<13>Nov 24 10:00:00 named[812]: lame server',
    '<13>2026-11-24T10:00:00.123456+09:00 ns1 named[1]: x',
    'Nov 24 10:00:00 h sshd[9]: Accepted',
    '<13>named: hello',
    '<13>Nov 24 10:00:00 h just some words',
    '<164>Nov 24 2026 10:00:00 fw : %ASA-4-106023: Deny',
    '<13>Nov 24 10:00:00 fe80::1 app: x',
    '<13>Nov 24 10:00:00 h a:',
    '<13>Nov 24 10:00:00',
    '<13>1 9999-12-31T23:59:59.999Z h a - - - end of time',
    '<13>1 1970-01-01T00:00:00Z h a - - - start of time',
  ];
  for (const f of fixtures) assertRoundTrip(parse(f));
});

test('round trip through syslogPrefix: every millisecond', () => {
  for (let ms = 0; ms < 1000; ms++) {
    assertRoundTrip(parse(`<13>1 2026-11-24T01:00:00.${String(ms).padStart(3, '0')}Z h a - - - m`));
  }
});

test('round trip through syslogPrefix: random fields, and random bytes never throw', () => {
  let seed = 42;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const alphabet = 'abc:[]- \t\r\n\u0000\u00e9日\\"=<>0123456789';
  const text = (n: number) => Array.from({ length: random(n) + 1 }, () => alphabet[random(alphabet.length)]).join('');
  const token = (n: number) => text(n).replace(/\s/g, '') || 'x';
  for (let k = 0; k < 2000; k++) {
    const m: SyslogMessage = {
      format: 'rfc5424',
      facility: random(24),
      severity: random(8),
      time: Date.UTC(1970 + random(8000), random(12), 1 + random(28), random(24), random(60), random(60), random(1000)),
      host: token(10),
      app: token(10),
      msg: text(40),
    };
    if (random(2)) m.pid = token(6);
    assertRoundTrip(m);
  }
  for (let k = 0; k < 5000; k++) {
    const bytes = Buffer.from(Array.from({ length: random(80) }, () => random(256)));
    if (k % 2) Buffer.from('<13>1 ').copy(bytes);
    const m = parseSyslogMessage(bytes, ctx);
    if (typeof m !== 'string') assertRoundTrip(m);
  }
});
