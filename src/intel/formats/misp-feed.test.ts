import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isRejected, type Rejected } from '../../domain/format.js';
import { mispFeedEventFiles, mispFeedFormat } from './misp-feed.js';
import { utf8 } from './lines.js';
import { fixture as readFixture, parseAll, records, rejected, tally } from './test-helpers.js';

const dir = new URL('./fixtures/misp-feed/', import.meta.url);
const EVENT = '5f0c2b4e-8d3a-4c61-9b7e-2a1d4e6f8c01.json';
const TAGS_LAST = '7a3e9d10-42b6-4e8f-a5c7-9b1d3f5e7a02.json';
const fixture = (name: string) => readFixture(`misp-feed/${name}`);

const parse = (bytes: Uint8Array, input: string, size?: number) =>
  parseAll(mispFeedFormat, bytes, { source: 'misp-test', input, now: new Date('2026-03-05T00:00:00Z') }, size);

/** The fixture's attribute as the format serialises it into `raw`. */
function rawOf(file: string, find: (a: Record<string, unknown>) => boolean): Uint8Array {
  const event = JSON.parse(readFileSync(new URL(file, dir), 'utf8')).Event;
  const all = [...event.Attribute, ...event.Object.flatMap((o: { Attribute: unknown[] }) => o.Attribute)];
  return utf8(JSON.stringify(all.find(find)));
}

test('a feed event parses into one record per supported attribute, objects included', async () => {
  const out = await parse(fixture(EVENT), EVENT);
  assert.equal(rejected(out).length, 0);
  const got = records(out);
  // 14 attributes of supported types (+1 for domain|ip) minus deleted ones, link, comment, AS, filename, size.
  assert.equal(got.length, 14);
  assert.deepEqual(
    got.map((r) => [r.type, r.value]),
    [
      ['domain', 'c2.emotet-example.test'],
      ['ipv4', '192.0.2.45'],
      ['ip-port', '198.51.100.7:8080'],
      ['url', 'http://203.0.113.9/wp-content/uploads/loader.php'],
      ['sha256', '4d3c2b1a00112233445566778899aabbccddeeff00112233445566778899aabb'],
      ['md5', '0123456789abcdef0123456789abcdef'],
      ['domain', 'update.example.net'],
      ['ipv4', '203.0.113.77'],
      ['ipv6', '2001:db8::bad:1'],
      ['email', 'invoice@example.com'],
      ['cidr', '198.51.100.0/24'],
      ['sha1', '00112233445566778899aabbccddeeff00112233'],
      ['domain', 'mail.example.org'],
      ['ipv4', '192.0.2.200'],
    ],
  );

  const eventTags = ['tlp:green', 'misp-galaxy:malpedia="Emotet"'];
  assert.deepEqual(got[0], {
    type: 'domain',
    value: 'c2.emotet-example.test',
    category: 'c2', // the attribute's kill-chain tag beats the event's malware tag
    tags: [...eventTags, 'kill-chain:Command and Control'],
    firstSeen: '2026-03-01T21:20:00.000Z', // the attribute timestamp 1772400000
    tlp: 'green',
    mode: 'block',
    attributes: {
      type: 'domain',
      uuid: 'a1000001-0000-4000-8000-000000000001',
      category: 'Network activity',
      comment: 'サンドボックスで確認した C2',
    },
    position: `${EVENT}#a1000001-0000-4000-8000-000000000001`,
    raw: rawOf(EVENT, (a) => a.uuid === 'a1000001-0000-4000-8000-000000000001'),
  });
  assert.deepEqual(got[1], {
    type: 'ipv4',
    value: '192.0.2.45',
    category: 'malware', // the event's malpedia tag
    tags: eventTags,
    firstSeen: '2026-03-01T08:15:00.000Z', // first_seen wins over the timestamp
    lastSeen: '2026-03-04T22:00:00.000Z',
    tlp: 'green',
    mode: 'block',
    attributes: { type: 'ip-dst', uuid: 'a1000001-0000-4000-8000-000000000002', category: 'Network activity' },
    position: `${EVENT}#a1000001-0000-4000-8000-000000000002`,
    raw: rawOf(EVENT, (a) => a.uuid === 'a1000001-0000-4000-8000-000000000002'),
  });
  // to_ids false → monitor; an attribute's own TLP tag raises the event's.
  assert.deepEqual(got[8], {
    type: 'ipv6',
    value: '2001:db8::bad:1',
    category: 'malware',
    tags: [...eventTags, 'tlp:amber'],
    firstSeen: '2026-03-01T21:31:40.000Z',
    tlp: 'amber',
    mode: 'monitor',
    attributes: {
      type: 'ip-src',
      uuid: 'a1000001-0000-4000-8000-00000000000b',
      category: 'Network activity',
      comment: 'scanner seen alongside',
    },
    position: `${EVENT}#a1000001-0000-4000-8000-00000000000b`,
    raw: rawOf(EVENT, (a) => a.uuid === 'a1000001-0000-4000-8000-00000000000b'),
  });
  // An attribute inside a MISP object keeps the object's name and uuid.
  assert.deepEqual(got[11], {
    type: 'sha1',
    value: '00112233445566778899aabbccddeeff00112233',
    category: 'malware',
    tags: eventTags,
    firstSeen: '2026-03-01T21:36:40.000Z',
    tlp: 'green',
    mode: 'block',
    attributes: {
      type: 'sha1',
      uuid: 'b2000002-0000-4000-8000-000000000012',
      category: 'Payload delivery',
      object_relation: 'sha1',
      object_name: 'file',
      object_uuid: 'b2000002-0000-4000-8000-000000000001',
    },
    position: `${EVENT}#b2000002-0000-4000-8000-000000000012`,
    raw: rawOf(EVENT, (a) => a.uuid === 'b2000002-0000-4000-8000-000000000012'),
  });
  // domain|ip gives two records from one attribute, sharing its position and raw bytes.
  assert.equal(got[6]!.position, got[7]!.position);
  assert.equal(got[6]!.raw, got[7]!.raw);
  assert.equal(got[5]!.mode, 'monitor');
});

test('event tags written after the attributes still apply to them (TLP 1.0 white → clear)', async () => {
  const got = records(await parse(fixture(TAGS_LAST), TAGS_LAST));
  assert.equal(got.length, 3);
  for (const r of got) {
    assert.equal(r.tlp, 'clear');
    assert.equal(r.category, 'phishing');
    assert.deepEqual(r.tags, ['tlp:white', 'circl:incident-classification="phishing"']);
  }
  assert.deepEqual(
    got.map((r) => [r.type, r.value, r.mode]),
    [
      ['url', 'https://webmail-login.example.net/owa/auth.php', 'block'],
      ['domain', 'webmail-login.example.net', 'block'],
      ['email', 'it-support@example.org', 'monitor'],
    ],
  );
});

test('each kind of bad attribute is rejected with a reason, and the parse goes on', async () => {
  const out = await parse(fixture('bad-event.json'), 'bad-event.json');
  const bad = rejected(out);
  assert.deepEqual(
    bad.map((r) => r.position),
    [1, 2, 3, 4, 5, 6]
      .map((n) => `bad-event.json#d4000004-0000-4000-8000-00000000000${n}`)
      .concat('bad-event.json:Attribute[6]'),
  );
  const reasons = bad.map((r) => r.reason);
  assert.match(reasons[0]!, /Attribute\[0\]: "type" is missing/);
  assert.match(reasons[1]!, /"value" is missing or empty/);
  assert.match(reasons[2]!, /"to_ids" is "maybe", expected true or false/);
  assert.match(reasons[3]!, /"first_seen" "yesterday" is not an ISO 8601 time/);
  assert.match(reasons[4]!, /"timestamp" "soon" is not epoch seconds/);
  assert.match(reasons[5]!, /"192\.0\.2\.10" is not address\|port/);
  assert.match(reasons[6]!, /Attribute\[6\] is not an object/);
  assert.match(new TextDecoder().decode(bad[2]!.raw), /"to_ids":"maybe"/);
  const good = records(out);
  assert.deepEqual(
    good.map((r) => [r.value, r.tlp, r.category]),
    [['still-read.example.com', 'red', 'other']],
  );
});

test('a broken, empty or foreign input is one Rejected, never an exception', async () => {
  const whole = fixture(EVENT);
  const cut = await parse(whole.subarray(0, Math.floor(whole.length / 2)), EVENT);
  const last = cut.at(-1)!;
  assert.ok(isRejected(last));
  assert.match(last.reason, /invalid JSON in MISP event file/);
  assert.ok(records(cut).length > 0, 'what was read before the break is kept');

  const empty = await parse(new Uint8Array(0), 'empty.json');
  assert.equal(empty.length, 1);
  assert.match((empty[0] as Rejected).reason, /input is empty/);

  const other = await parse(utf8('{"response": []}'), 'x.json');
  assert.equal(other.length, 1);
  assert.match((other[0] as Rejected).reason, /no "Event" object/);

  const array = await parse(utf8('[1, 2]'), 'x.json');
  assert.equal(array.length, 1);
  assert.match((array[0] as Rejected).reason, /not a JSON object/);

  // Tags after the attributes, then a break: the held attributes are not used without their TLP, and it says so.
  const tagsLast = fixture(TAGS_LAST);
  const held = await parse(tagsLast.subarray(0, Buffer.from(tagsLast).indexOf('"Tag"')), TAGS_LAST);
  assert.equal(records(held).length, 0);
  assert.match((held.at(-1) as Rejected).reason, /3 attribute\(s\)\/object\(s\) read before it were not used/);
});

test('sniff knows an event file from HTML, empty input, the manifest and a STIX bundle', () => {
  assert.equal(mispFeedFormat.sniff!(fixture(EVENT)), true);
  assert.equal(mispFeedFormat.sniff!(fixture(TAGS_LAST)), true);
  assert.equal(mispFeedFormat.sniff!(utf8('<!DOCTYPE html><html><body>502 Bad Gateway</body></html>')), false);
  assert.equal(mispFeedFormat.sniff!(new Uint8Array(0)), false);
  assert.equal(mispFeedFormat.sniff!(fixture('manifest.json')), false);
  assert.equal(mispFeedFormat.sniff!(utf8('{"type": "bundle", "id": "bundle--1", "objects": []}')), false);
  assert.equal(mispFeedFormat.sniff!(utf8('"first_seen_utc","ioc_id","ioc_value"\n')), false);
});

test('input split into 7-byte chunks gives the same records as one chunk', async () => {
  for (const name of [EVENT, TAGS_LAST, 'bad-event.json']) {
    assert.deepEqual(await parse(fixture(name), name, 7), await parse(fixture(name), name));
  }
});

test('the manifest lists the event files to fetch', () => {
  assert.deepEqual(mispFeedEventFiles(fixture('manifest.json')), [
    {
      uuid: '5f0c2b4e-8d3a-4c61-9b7e-2a1d4e6f8c01',
      file: '5f0c2b4e-8d3a-4c61-9b7e-2a1d4e6f8c01.json',
      timestamp: '2026-03-04T22:00:00.000Z',
    },
    {
      uuid: '7a3e9d10-42b6-4e8f-a5c7-9b1d3f5e7a02',
      file: '7a3e9d10-42b6-4e8f-a5c7-9b1d3f5e7a02.json',
      timestamp: '2026-02-20T13:10:00.000Z',
    },
  ]);
});

test('a bad manifest throws an Error naming what is wrong', () => {
  assert.throws(() => mispFeedEventFiles(utf8('<html>')), /manifest\.json is not valid JSON/);
  assert.throws(() => mispFeedEventFiles(utf8('[]')), /must be an object keyed by event uuid, got an array/);
  assert.throws(
    () => mispFeedEventFiles(utf8('{"../../etc/passwd": {"timestamp": "1"}}')),
    /key "\.\.\/\.\.\/etc\/passwd" is not an event uuid/,
  );
  assert.throws(
    () => mispFeedEventFiles(utf8('{"5f0c2b4e-8d3a-4c61-9b7e-2a1d4e6f8c01": {"info": "x"}}')),
    /entry for 5f0c2b4e-8d3a-4c61-9b7e-2a1d4e6f8c01 has timestamp missing, expected epoch seconds/,
  );
  assert.throws(() => mispFeedEventFiles(utf8('{"5f0c2b4e-8d3a-4c61-9b7e-2a1d4e6f8c01": 3}')), /is not an object/);
});

test('a generated event of 200,000 attributes parses with every record counted', async () => {
  const n = 200_000;
  async function* big() {
    yield utf8(
      '{"Event": {"uuid": "5f0c2b4e-8d3a-4c61-9b7e-2a1d4e6f8c01", "Tag": [{"name": "tlp:green"}], "Attribute": [',
    );
    let text = '';
    for (let i = 0; i < n; i++) {
      const type = i % 2 === 0 ? 'ip-dst' : 'domain';
      const value = i % 2 === 0 ? `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` : `host${i}.example.com`;
      text += `${i ? ',' : ''}{"type": "${type}", "category": "Network activity", "to_ids": true, "timestamp": "${1772400000 + i}", "uuid": "a1000001-0000-4000-8000-${String(i).padStart(12, '0')}", "value": "${value}"}`;
      if (text.length > 65536) {
        yield utf8(text);
        text = '';
      }
    }
    yield utf8(`${text}]}}`);
  }
  const ctx = { source: 'misp-test', input: 'big.json', now: new Date() };
  const { records: count, rejected: bad } = await tally(mispFeedFormat, big(), ctx);
  assert.equal(bad, 0);
  assert.equal(count, n);
});
