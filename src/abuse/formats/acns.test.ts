import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { AbuseEvent } from '../../domain/abuse-event.js';
import { isRejected, type Rejected } from '../../domain/format.js';
import { acnsFormat } from './acns.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/acns/${name}`, import.meta.url)));
const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const ctx = (input: string) => ({ source: 'abuse-mailbox', input, now: new Date('2026-11-21T00:00:00Z') });

async function* chunks(bytes: Uint8Array, size = bytes.length || 1): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function parse(bytes: Uint8Array, input = 'mailbox', size?: number): Promise<(AbuseEvent | Rejected)[]> {
  const out: (AbuseEvent | Rejected)[] = [];
  for await (const r of acnsFormat.parse(chunks(bytes, size), ctx(input))) out.push(r);
  return out;
}

async function one(bytes: Uint8Array, input?: string): Promise<AbuseEvent> {
  const out = await parse(bytes, input);
  assert.equal(out.length, 1, JSON.stringify(out));
  assert.ok(!isRejected(out[0]), (out[0] as Rejected).reason);
  return out[0] as AbuseEvent;
}

async function rejection(bytes: Uint8Array, input?: string): Promise<Rejected> {
  const out = await parse(bytes, input);
  assert.equal(out.length, 1);
  assert.ok(isRejected(out[0]), 'expected a Rejected');
  return out[0];
}

/** The bare notice of xml-attachment.eml, edited: for the pieces a notice can get wrong. */
const notice = text(fixture('notice.xml'));
const edited = (from: string | RegExp, to: string) => {
  const changed = notice.replace(from, to);
  assert.notEqual(changed, notice, `${String(from)} is in notice.xml`);
  return utf8(changed);
};

test('a BitTorrent notice in a PGP-signed plain-text mail becomes one copyright event', async () => {
  assert.deepEqual(await one(fixture('bittorrent-plain.eml')), {
    type: 'copyright',
    identifier: 'bittorrent',
    time: '2026-11-18T15:42:07.000Z',
    source: { address: '203.0.113.45', port: 51413 },
    protocol: 'bittorrent',
    reporter: 'Example Pictures, Inc.',
    reportType: 'acns',
    evidence: 'message <a3f09c2e71b84d5e9c06.1763480527@rights.example.com>',
    detail: {
      case_id: 'a3f09c2e71b84d5e9c06',
      case_status: 'Open',
      case_severity: 'Normal',
      complainant_contact: 'Example Rights Protection - Compliance',
      complainant_email: 'p2p@rights.example.com',
      number_files: '1',
      deja_vu: 'No',
      title: 'Harbour Lights',
      file_name: 'Harbour.Lights.S02E04.1080p.WEB.h264-EXAMPLE.mkv',
      file_size: '1573042176',
      hash: 'SHA1:5e2b0f7c9a1d3e4f60718293a4b5c6d7e8f90a1b',
      content_type: 'TV',
    },
  });
});

test('a notice in a base64 .xml attachment: IPv6 source, evidence names the attachment, 4 GiB size kept as text', async () => {
  const event = await one(fixture('xml-attachment.eml'));
  assert.equal(event.source.address, '2001:db8:4a0:12::7');
  assert.equal(event.source.port, 6881);
  assert.equal(event.time, '2026-11-19T02:10:55.000Z');
  assert.equal(
    event.evidence,
    'message <0d7e44b1c5a9f2836e1b.1763518261@rights.example.com> attachment ACNS-0d7e44b1c5a9f2836e1b.xml',
  );
  assert.equal(event.detail!.case_id, '0d7e44b1c5a9f2836e1b');
  assert.equal(event.detail!.file_size, '4294967296');
});

test('several items: one event, item fields line up one line per item, a bare "&" in a title survives', async () => {
  const event = await one(fixture('several-items.eml'));
  assert.equal(event.time, '2026-11-17T21:01:31.000Z', '+00:00 offset');
  assert.equal(event.detail!.title, 'Harbour & Hills', 'the same title once');
  assert.equal(event.detail!.deja_vu, 'Yes');
  assert.equal(event.detail!.number_files, '3');
  assert.deepEqual(event.detail!.file_name!.split('\n'), [
    'Harbour.and.Hills.S01E01.720p.HDTV.x264-EXAMPLE.mkv',
    'Harbour.and.Hills.S01E02.720p.HDTV.x264-EXAMPLE.mkv',
    'Harbour.and.Hills.S01E03.720p.HDTV.x264-EXAMPLE.mkv',
  ]);
  assert.deepEqual(event.detail!.file_size!.split('\n'), ['735051776', '736100352', '737148928']);
  assert.deepEqual(event.detail!.hash!.split('\n'), [
    'SHA1:9f8e7d6c5b4a39281706f5e4d3c2b1a099887701',
    'SHA1:9f8e7d6c5b4a39281706f5e4d3c2b1a099887702',
    'SHA1:9f8e7d6c5b4a39281706f5e4d3c2b1a099887703',
  ]);
});

test('quoted-printable body: decoded, a Japanese title kept, a +09:00 time turned into UTC', async () => {
  const raw = text(fixture('quoted-printable.eml'));
  assert.match(raw, /acns\.net\/ACN=\r\nS/, 'the fixture cuts the schema location with a soft line break');
  const event = await one(fixture('quoted-printable.eml'));
  assert.equal(event.time, '2026-11-20T14:15:42.000Z');
  assert.equal(event.detail!.title, '水際の灯台');
  assert.equal(event.source.address, '192.0.2.201');
});

test('broken XML is rejected with where and why; its raw is the notice, which replays once corrected', async () => {
  const r = await rejection(fixture('broken-xml.eml'));
  assert.equal(r.position, 'message <3c6d9e0f1a2b4c5d6e7f.1763452812@rights.example.com>');
  assert.match(r.reason, /^notice 3c6d9e0f1a2b4c5d6e7f: the XML is not well-formed: .*'Prot'.*\(line 24, column 16/);
  const xml = text(r.raw);
  assert.match(xml, /^<Infringement xmlns="http:\/\/www\.acns\.net\/ACNS"/);
  assert.match(xml, /<\/Infringement>$/);
  const replayed = await one(utf8(xml.replace('</Prot>', '</Port>')), 'dead-letter');
  assert.equal(replayed.source.address, '203.0.113.46');
  assert.equal(replayed.evidence, 'dead-letter');
});

test('a notice without an IP address is rejected: it cannot be attributed', async () => {
  const r = await rejection(fixture('no-ip.eml'));
  assert.equal(r.position, 'message <91ab2cd3ef4a5b6c7d8e.1763292153@rights.example.com>');
  assert.equal(
    r.reason,
    'notice 91ab2cd3ef4a5b6c7d8e: no <Source><IP_Address>: the notice cannot be attributed to a subscriber without it; ask the complainant (p2p@rights.example.com) for the address',
  );
});

test('a bare XML notice (a portal download, a dead letter) is read as well as a mail', async () => {
  const event = await one(fixture('notice.xml'), 'ACNS-0d7e44b1c5a9f2836e1b.xml');
  assert.equal(event.evidence, 'ACNS-0d7e44b1c5a9f2836e1b.xml');
  assert.equal(event.source.address, '2001:db8:4a0:12::7');
});

test('each missing or invalid piece is rejected with its reason', async () => {
  const cases: [Uint8Array, RegExp][] = [
    [edited('2001:db8:4a0:12::7', '2001:db8::zz'), /<Source><IP_Address>: "2001:db8::zz" is not an IPv6 address/],
    [edited('<IP_Address>2001:db8:4a0:12::7', '<IP_Address>203.0.113.300'), /"203\.0\.113\.300" is not an IPv4/],
    [edited('<Port>6881</Port>', '<Port>70000</Port>'), /<Source><Port> "70000" is not a port number from 1 to 65535/],
    [edited('<Port>6881</Port>', '<Port>http</Port>'), /<Source><Port> "http" is not a port number/],
    [
      edited(/<TimeStamp>2026-11-19T02:10:55Z/g, '<TimeStamp>2026-11-19T02:10:55'),
      /<Source><TimeStamp> "2026-11-19T02:10:55" has no time zone \(Z or ±hh:mm\).*ask the complainant \(p2p@rights\.example\.com\)/,
    ],
    [
      edited(
        '<TimeStamp>2026-11-19T02:10:55Z</TimeStamp>\n    <IP',
        '<TimeStamp>2026-02-30T02:10:55Z</TimeStamp>\n    <IP',
      ),
      /"2026-02-30T02:10:55Z" is not an ISO 8601 time/,
    ],
    [edited(/<TimeStamp>[^<]*<\/TimeStamp>/g, ''), /no <Source><TimeStamp>: attribution needs the time/],
    [edited(/<Source>[\s\S]*<\/Source>/, ''), /no <Source> element/],
    [edited(/<Complainant>[\s\S]*<\/Complainant>/, ''), /no <Complainant><Entity>/],
    [edited('</Infringement>', ''), /<Infringement> is never closed/],
  ];
  for (const [bytes, reason] of cases) {
    const r = await rejection(bytes, 'edited.xml');
    assert.equal(r.position, 'edited.xml');
    assert.match(r.reason, /^notice 0d7e44b1c5a9f2836e1b: /);
    assert.match(r.reason, reason);
  }
});

test('the Source time falls back to the first item time; the complainant falls back to its contact', async () => {
  const event = await one(
    utf8(
      notice
        .replace('<TimeStamp>2026-11-19T02:10:55Z</TimeStamp>\n    <IP', '<IP')
        .replace(/<TimeStamp>2026-11-19T02:10:55Z/, '<TimeStamp>2026-11-19T11:00:00+09:00')
        .replace(/<Entity>Example Pictures, Inc\.<\/Entity>/, ''),
    ),
  );
  assert.equal(event.time, '2026-11-19T02:00:00.000Z');
  assert.equal(event.reporter, 'Example Rights Protection - Compliance');
});

test('a namespace prefix, a P2P type with a protocol subtype, a host name and no port', async () => {
  const xml = [
    '<acns:Infringement xmlns:acns="http://www.acns.net/ACNS">',
    '<acns:Case><acns:ID>prefixed-1</acns:ID></acns:Case>',
    '<acns:Complainant><acns:Entity>Example Records</acns:Entity></acns:Complainant>',
    '<acns:Source><acns:TimeStamp>2026-11-19T02:10:55.250Z</acns:TimeStamp>',
    '<acns:IP_Address>192.0.2.9</acns:IP_Address><acns:DNS_Name>h9.example.jp</acns:DNS_Name>',
    '<acns:Type>P2P</acns:Type><acns:SubType BaseType="P2P" Protocol="Gnutella"/></acns:Source>',
    '</acns:Infringement>',
  ].join('\n');
  assert.deepEqual(await one(utf8(xml), 'p.xml'), {
    type: 'copyright',
    identifier: 'p2p/gnutella',
    time: '2026-11-19T02:10:55.250Z',
    source: { address: '192.0.2.9', hostname: 'h9.example.jp' },
    protocol: 'gnutella',
    reporter: 'Example Records',
    reportType: 'acns',
    evidence: 'p.xml',
    detail: { case_id: 'prefixed-1' },
  });
});

/** A mail with the notice of notice.xml in its body (as `body`) and as an attachment. */
function mailWith(body: string): Uint8Array {
  const b64 = Buffer.from(notice)
    .toString('base64')
    .replace(/(.{76})/g, '$1\r\n');
  return utf8(
    [
      'From: Example Rights Protection <p2p@rights.example.com>',
      'To: abuse@example.jp',
      'Subject: Notice of Claimed Infringement - Case ID 0d7e44b1c5a9f2836e1b',
      'Message-ID: <twice@rights.example.com>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=UTF-8',
      '',
      body,
      '--b1',
      'Content-Type: text/xml; name="notice.xml"',
      'Content-Disposition: attachment; filename="notice.xml"',
      'Content-Transfer-Encoding: base64',
      '',
      b64,
      '--b1--',
      '',
    ].join('\r\n'),
  );
}

test('the same notice in the body and in an attachment is one event; a broken copy gives way to a good one', async () => {
  const twice = await parse(mailWith(`Dear abuse team,\r\n\r\n${notice.replace(/\n/g, '\r\n')}`));
  assert.equal(twice.length, 1);
  assert.equal((twice[0] as AbuseEvent).evidence, 'message <twice@rights.example.com>', 'the first copy wins');

  const brokenBody = await parse(mailWith(notice.replace('</Port>', '</Prot>')));
  assert.equal(brokenBody.length, 1);
  assert.ok(!isRejected(brokenBody[0]));
  assert.equal((brokenBody[0] as AbuseEvent).evidence, 'message <twice@rights.example.com> attachment notice.xml');
});

test('a mail without a notice, and empty input, are rejected whole', async () => {
  const prose = utf8(
    'From: someone@example.net\r\nTo: abuse@example.jp\r\nMessage-ID: <prose@example.net>\r\nSubject: piracy\r\n\r\nYour user shares our films.\r\n',
  );
  const r = await rejection(prose);
  assert.equal(r.position, 'message <prose@example.net>');
  assert.match(r.reason, /^no ACNS notice found/);
  assert.equal(text(r.raw), text(prose), 'the whole mail is the dead letter');

  const empty = await rejection(new Uint8Array(0), 'x.eml');
  assert.equal(empty.position, 'x.eml');
  assert.match(empty.reason, /^empty input/);
});

test('7-byte chunks give the same results as one chunk', async () => {
  for (const name of ['bittorrent-plain.eml', 'xml-attachment.eml', 'broken-xml.eml', 'notice.xml']) {
    assert.deepEqual(await parse(fixture(name), name, 7), await parse(fixture(name), name));
  }
});

test('sniff: the namespace in the text, across QP soft breaks, inside base64; not in other mail', () => {
  const sniff = acnsFormat.sniff!;
  for (const name of [
    'bittorrent-plain.eml',
    'xml-attachment.eml',
    'several-items.eml',
    'quoted-printable.eml',
    'broken-xml.eml',
    'no-ip.eml',
    'notice.xml',
  ])
    assert.equal(sniff(fixture(name)), true, name);
  assert.ok(!text(fixture('xml-attachment.eml')).includes('acns.net'), 'only the base64 part names the namespace');
  assert.equal(
    sniff(utf8('Content-Transfer-Encoding: quoted-printable\r\n\r\nxmlns=3D"http://www.acns.n=\r\net/ACNS"')),
    true,
  );
  assert.equal(sniff(utf8('From: a@example.net\r\nSubject: hello\r\n\r\nNothing about copyright.\r\n')), false);
  assert.equal(sniff(utf8('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>')), false);
  assert.equal(sniff(new Uint8Array(0)), false);
});
