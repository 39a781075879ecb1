import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Rejected } from '../../domain/format.js';
import { stixFormat } from './stix.js';
import { utf8 } from './lines.js';
import { fixture, parseAll, records, rejected, tally } from './test-helpers.js';

const BUNDLE = fixture('stix/bundle.json');
const objects: Record<string, unknown>[] = JSON.parse(new TextDecoder().decode(BUNDLE)).objects;
const rawOf = (id: string) => utf8(JSON.stringify(objects.find((o) => o.id === id)));

const parse = (bytes: Uint8Array, size?: number, input = 'bundle.json') =>
  parseAll(stixFormat, bytes, { source: 'stix-test', input, now: new Date('2026-03-05T00:00:00Z') }, size);

test('a bundle parses into one record per value of each supported indicator', async () => {
  const out = await parse(BUNDLE);
  const got = records(out);
  assert.deepEqual(
    got.map((r) => [r.type, r.value, r.category, r.tlp]),
    [
      ['domain', 'c2.emotet-example.test', 'c2', 'green'],
      ['ipv4', '192.0.2.10', 'blocklist', 'amber'],
      ['ipv4', '192.0.2.11', 'blocklist', 'amber'],
      ['cidr', '198.51.100.0/24', 'other', undefined],
      ['cidr', '2001:db8:4::/48', 'other', undefined],
      ['url', 'http://203.0.113.5/invoice.exe', 'malware', undefined],
      ['url', "http://203.0.113.5/it's-the-invoice.exe", 'malware', undefined],
      ['sha256', '4d3c2b1a00112233445566778899aabbccddeeff00112233445566778899aabb', 'blocklist', undefined],
      ['md5', '0123456789abcdef0123456789abcdef', 'blocklist', undefined],
      ['sha1', '00112233445566778899aabbccddeeff00112233', 'blocklist', undefined],
      ['email', 'it-support@example.net', 'phishing', 'clear'], // TLP 1.0 WHITE id → clear
      ['domain', 'update.example.com', 'other', undefined],
      // Marked with a TLP:RED definition that comes later in the bundle: held until the end, then marked red.
      ['ipv4', '203.0.113.200', 'botnet', 'red'],
    ],
  );

  assert.deepEqual(got[0], {
    type: 'domain',
    value: 'c2.emotet-example.test',
    category: 'c2', // kill-chain phase command-and-control
    confidence: 85,
    tags: ['emotet', 'epoch5'],
    firstSeen: '2026-03-01T08:00:00.000Z',
    validUntil: '2026-06-01T00:00:00.000Z',
    tlp: 'green',
    reference: 'https://cert.example.org/advisories/2026-031',
    attributes: {
      id: 'indicator--11111111-1111-4111-8111-111111111111',
      name: 'Emotet C2 domain',
      indicator_types: ['malicious-activity'],
      pattern: "[domain-name:value = 'c2.emotet-example.test']",
      created_by_ref: 'identity--0b7f5c1a-3e2d-4f60-8a91-c4d2e6b8a001',
      created: '2026-03-01T08:00:00.000Z',
      modified: '2026-03-01T08:00:00.000Z',
    },
    position: 'bundle.json#indicator--11111111-1111-4111-8111-111111111111',
    raw: rawOf('indicator--11111111-1111-4111-8111-111111111111'),
  });
  assert.deepEqual(got[11], {
    type: 'domain',
    value: 'update.example.com',
    category: 'other',
    firstSeen: '2026-03-01T12:00:00.000Z',
    mode: 'monitor', // indicator_types benign: never block
    attributes: {
      id: 'indicator--cccccccc-cccc-4ccc-8ccc-cccccccccccc',
      indicator_types: ['benign'],
      pattern: "[domain-name:value = 'update.example.com']",
      created: '2026-03-01T12:00:00.000Z',
      modified: '2026-03-01T12:00:00.000Z',
    },
    position: 'bundle.json#indicator--cccccccc-cccc-4ccc-8ccc-cccccccccccc',
    raw: rawOf('indicator--cccccccc-cccc-4ccc-8ccc-cccccccccccc'),
  });
  // The revoked indicator and the identity, malware and relationship objects give nothing.
  assert.equal(
    got.some((r) => r.value === 'revoked.example.org'),
    false,
  );
});

test('unsupported indicators are rejected naming the part and the indicator id, and the parse goes on', async () => {
  const bad = rejected(await parse(BUNDLE));
  assert.deepEqual(
    bad.map((r) => r.position),
    [
      'bundle.json#indicator--77777777-7777-4777-8777-777777777777',
      'bundle.json#indicator--88888888-8888-4888-8888-888888888888',
      'bundle.json#indicator--99999999-9999-4999-8999-999999999999',
      'bundle.json#indicator--dddddddd-dddd-4ddd-8ddd-dddddddddddd',
      'bundle.json#indicator--eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee',
    ],
  );
  const reasons = bad.map((r) => r.reason);
  assert.match(reasons[0]!, /^indicator--77777777-.*: pattern .* is not supported: AND .* at character 44$/);
  assert.match(reasons[1]!, /^indicator--88888888-.*: pattern_type "sigma" is not supported/);
  assert.match(reasons[2]!, /^indicator--99999999-.*: .*the object path process:name/);
  assert.match(reasons[3]!, /^indicator--dddddddd-.*: "valid_from" "last Tuesday" is not an RFC 3339 time/);
  assert.match(reasons[4]!, /^indicator--eeeeeeee-.*: .*the LIKE operator/);
  assert.deepEqual(bad[1]!.raw, rawOf('indicator--88888888-8888-4888-8888-888888888888'));
});

test('bad fields of an indicator are rejected with what was expected', async () => {
  const bundle = (indicator: Record<string, unknown>) =>
    utf8(
      JSON.stringify({
        type: 'bundle',
        id: 'bundle--6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a50',
        objects: [
          {
            type: 'indicator',
            id: 'indicator--1',
            pattern_type: 'stix',
            pattern: "[url:value = 'http://x.test/']",
            ...indicator,
          },
          'not an object',
          { id: 'x--1' },
          { type: 'indicator', id: 'indicator--2', pattern: "[domain-name:value = 'still.example.com']" },
        ],
      }),
    );
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ confidence: 101 }, /indicator--1: "confidence" 101 is not an integer 0–100/],
    [{ confidence: 'high' }, /"confidence" "high" is not an integer/],
    [{ valid_until: '2026-03-01' }, /"valid_until" "2026-03-01" is not an RFC 3339 time/],
    [{ pattern: 42 }, /indicator--1: "pattern" is missing or not a string/],
    [{ pattern: "[url:value = 'http://x.test/'" }, /expected \] at character 30, found the end of the pattern/],
  ];
  for (const [fields, reason] of cases) {
    const out = await parse(bundle(fields));
    const bad = rejected(out);
    assert.equal(bad.length, 3, JSON.stringify(fields));
    assert.match(bad[0]!.reason, reason);
    assert.equal(bad[0]!.position, 'bundle.json#indicator--1');
    assert.match(bad[1]!.reason, /objects\[1\] is not an object/);
    assert.match(bad[2]!.reason, /objects\[2\] has no "type"/);
    // STIX 2.0 indicators have no pattern_type; the one after the bad ones is still read.
    assert.deepEqual(
      records(out).map((r) => r.value),
      ['still.example.com'],
    );
  }
});

test('a broken, empty or foreign input is one Rejected, never an exception', async () => {
  const cut = await parse(BUNDLE.subarray(0, Math.floor(BUNDLE.length / 2)));
  assert.ok(records(cut).length > 0);
  assert.match((cut.at(-1) as Rejected).reason, /invalid JSON in STIX bundle/);

  for (const [text, reason] of [
    ['', /input is empty/],
    ['  \n', /input is empty/],
    ['[]', /not a JSON object/],
    ['{"type": "indicator", "id": "indicator--1"}', /not a STIX bundle: "type" is "indicator"/],
    ['{"type": "bundle", "id": "bundle--1"}', /no "objects" array/],
    ['<!DOCTYPE html><html></html>', /invalid JSON/],
  ] as const) {
    const out = await parse(utf8(text));
    assert.equal(out.length, 1, text);
    assert.match((out[0] as Rejected).reason, reason);
  }
});

test('sniff knows a bundle from HTML, empty input and a MISP event', () => {
  assert.equal(stixFormat.sniff!(BUNDLE), true);
  assert.equal(stixFormat.sniff!(utf8('{"id": "bundle--6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a50", "objects": [')), true);
  assert.equal(stixFormat.sniff!(utf8('<!DOCTYPE html><html><body>Not found</body></html>')), false);
  assert.equal(stixFormat.sniff!(new Uint8Array(0)), false);
  assert.equal(
    stixFormat.sniff!(utf8('{"Event": {"uuid": "5f0c2b4e-8d3a-4c61-9b7e-2a1d4e6f8c01", "Attribute": []}}')),
    false,
  );
  assert.equal(stixFormat.sniff!(utf8('{"5f0c2b4e-8d3a-4c61-9b7e-2a1d4e6f8c01": {"timestamp": "1"}}')), false);
});

test('input split into 7-byte chunks gives the same records as one chunk', async () => {
  assert.deepEqual(await parse(BUNDLE, 7), await parse(BUNDLE));
});

test('a generated bundle of 200,000 indicators parses with every record counted', async () => {
  const n = 200_000;
  async function* big() {
    yield utf8('{"type": "bundle", "id": "bundle--6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a50", "objects": [');
    let text = '';
    for (let i = 0; i < n; i++) {
      const pattern =
        i % 2 === 0
          ? `[ipv4-addr:value = '10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}']`
          : `[domain-name:value = 'host${i}.example.com']`;
      text += `${i ? ',' : ''}{"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-${String(i).padStart(12, '0')}", "indicator_types": ["malicious-activity"], "pattern": "${pattern}", "pattern_type": "stix", "valid_from": "2026-03-01T00:00:00Z", "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}`;
      if (text.length > 65536) {
        yield utf8(text);
        text = '';
      }
    }
    yield utf8(`${text}]}`);
  }
  const ctx = { source: 'stix-test', input: 'big.json', now: new Date() };
  const { records: count, rejected: bad } = await tally(stixFormat, big(), ctx);
  assert.equal(bad, 0);
  assert.equal(count, n);
});
