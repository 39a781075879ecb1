import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRejected, type Rejected } from '../../domain/format.js';
import type { ClaimRecord } from '../claim-record.js';
import { utf8 } from './lines.js';
import { rpzFormat, rpzIpTrigger } from './rpz.js';
import { fixture as read, parseAll, tally } from './test-helpers.js';

const ctx = (input: string) => ({ source: 'test', input, now: new Date('2026-11-20T00:00:00Z') });
const text = (raw: Uint8Array) => new TextDecoder().decode(raw);

const collect = (bytes: Uint8Array, input: string, size?: number, format = rpzFormat()) =>
  parseAll(format, bytes, ctx(input), size);
const brief = (r: ClaimRecord | Rejected) =>
  isRejected(r) ? `rejected ${r.position}` : `${r.type} ${r.value} ${(r.attributes as { action: string }).action}`;

test('URLhaus RPZ: SOA, NS and comments skipped; each trigger a domain with action and comment', async () => {
  const out = await collect(read('rpz/urlhaus.rpz'), 'urlhaus.rpz');
  assert.equal(out.length, 4);
  assert.deepEqual(out[1], {
    type: 'domain',
    value: 'malware-dl.example.com',
    attributes: {
      action: 'nxdomain',
      comment: 'Malware download (2026-11-02), see https://urlhaus.abuse.ch/host/malware-dl.example.com/',
    },
    position: 'urlhaus.rpz:12',
    raw: utf8(
      'malware-dl.example.com CNAME . ; Malware download (2026-11-02), see https://urlhaus.abuse.ch/host/malware-dl.example.com/',
    ),
  });
  assert.deepEqual(
    out.map((r) => (r as ClaimRecord).value),
    ['testentry.rpz.urlhaus.abuse.ch', 'malware-dl.example.com', 'payload.example.net', 'files.example.org'],
  );
});

test('partner zone: $ORIGIN, multi-line SOA, every action, wildcards, inherited owners, rpz-ip triggers', async () => {
  const out = await collect(read('rpz/partner.rpz'), 'partner.rpz');
  assert.deepEqual(out.map(brief), [
    'domain phish.example.com nxdomain',
    'domain phish.example.com nxdomain',
    'domain nodata.example.org nodata',
    'domain drop.example.net drop',
    'domain ok.example.com passthru',
    'domain walled.example.com redirect',
    'domain local.example.test redirect',
    'domain local.example.test redirect',
    'domain c2.example.com nxdomain',
    'cidr 192.0.2.0/24 nxdomain',
    'ipv4 198.51.100.10 nxdomain',
    'cidr 2001:db8::/48 nxdomain',
    'ipv6 2001:db8::1 drop',
    'rejected partner.rpz:30',
    'rejected partner.rpz:31',
  ]);
  assert.deepEqual(out[1], {
    type: 'domain',
    value: 'phish.example.com',
    attributes: { action: 'nxdomain', wildcard: true },
    position: 'partner.rpz:14',
    raw: utf8('*.phish.example.com        CNAME .'),
  });
  assert.deepEqual(out[4], {
    type: 'domain',
    value: 'ok.example.com',
    mode: 'monitor',
    attributes: { action: 'passthru', comment: 'false positive, allowlisted' },
    position: 'partner.rpz:17',
    raw: utf8('ok.example.com             CNAME rpz-passthru.    ; false positive, allowlisted'),
  });
  assert.deepEqual((out[5] as ClaimRecord).attributes, { action: 'redirect', target: 'garden.example.net.' });
  assert.deepEqual(out[7], {
    type: 'domain',
    value: 'local.example.test',
    attributes: { action: 'redirect', target: '2001:db8::53', rrtype: 'AAAA' },
    position: 'partner.rpz:20',
    raw: utf8('                           AAAA  2001:db8::53'),
  });
  assert.deepEqual(out[9], {
    type: 'cidr',
    value: '192.0.2.0/24',
    attributes: { action: 'nxdomain' },
    position: 'partner.rpz:24',
    raw: utf8('24.0.2.0.192.rpz-ip        CNAME .'),
  });
  assert.equal((out[13] as Rejected).reason, 'line 30: trigger type not imported (rpz-client-ip)');
  assert.equal((out[14] as Rejected).reason, 'line 31: trigger type not imported (rpz-nsdname)');
});

test('absolute owners: origin from the option or from the SOA; names outside the zone rejected', async () => {
  const zone = [
    'rpz.example.net. 300 IN SOA ns1.example.net. hostmaster.example.net. 1 3600 600 604800 300',
    'rpz.example.net. 300 IN NS localhost.',
    'bad.example.com.rpz.example.net. CNAME .',
    'Bad.Example.ORG.RPZ.example.net. CNAME .',
    'elsewhere.example.com. CNAME .',
    'relative.example CNAME .',
  ].join('\n');
  const out = await collect(utf8(zone), 'z');
  assert.deepEqual(out.map(brief), [
    'domain bad.example.com nxdomain',
    'domain Bad.Example.ORG nxdomain',
    'rejected z:5',
    'domain relative.example nxdomain',
  ]);
  assert.equal(
    (out[2] as Rejected).reason,
    'line 5: owner "elsewhere.example.com." is outside the zone rpz.example.net.',
  );

  const noSoa = 'bad.example.com.rpz.example.net. CNAME .\n';
  assert.deepEqual((await collect(utf8(noSoa), 'z', undefined, rpzFormat({ origin: 'rpz.example.net' }))).map(brief), [
    'domain bad.example.com nxdomain',
  ]);
  const unknown = (await collect(utf8(noSoa), 'z'))[0] as Rejected;
  assert.match(unknown.reason, /absolute but the zone origin is not known/);
});

test('bad lines are rejected with the reason and the parse goes on', async () => {
  const zone = [
    '$ORIGIN rpz.example.net.',
    '33.1.2.0.192.rpz-ip CNAME .',
    '24.2.0.192.rpz-ip CNAME .',
    '64.zz.db8.zz.2001.rpz-ip CNAME .',
    '48.zz.xyz1.2001.rpz-ip CNAME .',
    '* CNAME .',
    'nothing.example',
    'nodata-missing.example CNAME',
    '$INCLUDE other.zone',
    '$GENERATE 1-10 host$ CNAME .',
    'close.example CNAME . )',
    'ok.example CNAME .',
    'open.example TXT ( "never closed"',
  ].join('\n');
  const out = await collect(utf8(zone), 'bad.rpz');
  assert.deepEqual(
    out.map((r) => (isRejected(r) ? r.reason : brief(r))),
    [
      'line 2: rpz-ip trigger "33.1.2.0.192.rpz-ip": prefix length 33 is out of range for IPv4 (1–32)',
      'line 3: rpz-ip trigger "24.2.0.192.rpz-ip": "24.2.0.192" is not a reversed IPv4 address (4 labels) or IPv6 address (8 groups or "zz")',
      'line 4: rpz-ip trigger "64.zz.db8.zz.2001.rpz-ip": "64.zz.db8.zz.2001" has more than one "zz"',
      'line 5: rpz-ip trigger "48.zz.xyz1.2001.rpz-ip": "xyz1" in "48.zz.xyz1.2001" is not an IPv6 group',
      'line 6: wildcard "*" at the apex would match every name',
      'line 7: no record type after the owner, TTL and class',
      'line 8: CNAME record without data',
      'line 9: $INCLUDE is not followed: a feed must be one whole zone file',
      'line 10: directive $GENERATE is not supported',
      'line 11: ")" without "("',
      'domain ok.example nxdomain',
      'line 13: "(" not closed at the end of the file',
    ],
  );
  assert.equal(text(out[0]!.raw), '33.1.2.0.192.rpz-ip CNAME .');
});

test('rpz-ip labels to addresses and prefixes', () => {
  assert.deepEqual(rpzIpTrigger('24.0.2.0.192'), { type: 'cidr', value: '192.0.2.0/24' });
  assert.deepEqual(rpzIpTrigger('32.1.2.0.192'), { type: 'ipv4', value: '192.0.2.1' });
  assert.deepEqual(rpzIpTrigger('48.zz.db8.2001'), { type: 'cidr', value: '2001:db8::/48' });
  assert.deepEqual(rpzIpTrigger('128.1.zz.db8.2001'), { type: 'ipv6', value: '2001:db8::1' });
  assert.deepEqual(rpzIpTrigger('64.0.0.0.0.0.0.DB8.2001'), { type: 'cidr', value: '2001:db8::/64' });
  assert.deepEqual(rpzIpTrigger('128.1.0.0.1.0.0.db8.2001'), { type: 'ipv6', value: '2001:db8::1:0:0:1' });
  assert.deepEqual(rpzIpTrigger('128.1.zz'), { type: 'ipv6', value: '::1' });
  assert.equal(typeof rpzIpTrigger('0.0.2.0.192'), 'string');
});

test('multi-line entries keep all their lines as raw bytes, at the first line', async () => {
  const zone = '$ORIGIN rpz.example.net.\nnote.example TXT ( "blocked by"\n  "the abuse desk" ) ; why\n';
  const [r] = await collect(utf8(zone), 'm');
  assert.deepEqual(r, {
    type: 'domain',
    value: 'note.example',
    attributes: { action: 'redirect', target: '"blocked by" "the abuse desk"', rrtype: 'TXT', comment: 'why' },
    position: 'm:2',
    raw: utf8('note.example TXT ( "blocked by"\n  "the abuse desk" ) ; why'),
  });
});

test('sniff: true on zones, false on HTML, empty, plain lists, hosts files and CSV', () => {
  const sniff = rpzFormat().sniff!;
  assert.equal(sniff(read('rpz/urlhaus.rpz')), true);
  assert.equal(sniff(read('rpz/partner.rpz')), true);
  assert.equal(sniff(utf8('bad.example CNAME .\n')), true);
  assert.equal(sniff(utf8('<!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>\n')), false);
  assert.equal(sniff(new Uint8Array(0)), false);
  assert.equal(sniff(read('plain/spamhaus-drop.txt')), false);
  assert.equal(sniff(read('plain/feodo-ipblocklist.txt')), false);
  assert.equal(sniff(read('hosts/stevenblack.hosts')), false);
  assert.equal(sniff(read('csv/partner.csv')), false);
});

test('7-byte chunks give the same records as one chunk', async () => {
  for (const name of ['rpz/urlhaus.rpz', 'rpz/partner.rpz']) {
    assert.deepEqual(await collect(read(name), name, 7), await collect(read(name), name));
  }
});

test('200,000 rows stream through', async () => {
  const rows = 200_000;
  async function* generated() {
    yield utf8('$TTL 30\n@ SOA rpz.example.net. hostmaster.example.net. 1 300 1800 604800 30\n NS localhost.\n');
    for (let i = 0; i < rows; i += 1000) {
      let s = '';
      for (let j = i; j < i + 1000; j++) s += `host${j}.example.com CNAME . ; Malware download (2026-11-20)\n`;
      yield utf8(s);
    }
  }
  const { records: count } = await tally(rpzFormat(), generated(), ctx('gen'));
  assert.equal(count, rows);
});
