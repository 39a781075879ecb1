import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { AbuseEvent } from '../../domain/abuse-event.js';
import { isRejected, type Rejected } from '../../domain/format.js';
import { jsonErrorIndex, xarfFormat } from './xarf.js';

const dir = new URL('./fixtures/xarf/', import.meta.url);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, dir)));
const utf8 = (s: string) => new TextEncoder().encode(s);
const crlf = (s: string) => utf8(s.replace(/\r?\n/g, '\r\n'));

async function parse(bytes: Uint8Array, input = 'input'): Promise<(AbuseEvent | Rejected)[]> {
  const out: (AbuseEvent | Rejected)[] = [];
  async function* whole() {
    yield bytes;
  }
  for await (const r of xarfFormat.parse(whole(), { source: 'test', input, now: new Date('2026-11-21T00:00:00Z') }))
    out.push(r);
  return out;
}
async function rejectedOnly(bytes: Uint8Array, input = 'input'): Promise<Rejected> {
  const out = await parse(bytes, input);
  assert.equal(out.length, 1);
  assert.ok(isRejected(out[0]), 'expected a Rejected');
  return out[0] as Rejected;
}

test('sniff: every X-ARF fixture, JSON or mail, looks like X-ARF', () => {
  const names = readdirSync(dir).filter((n) => n.endsWith('.json') || n.endsWith('.eml'));
  assert.ok(names.length >= 20);
  for (const name of names) assert.equal(xarfFormat.sniff!(fixture(name).subarray(0, 4096)), true, name);
});

test('sniff: other reports and feeds do not', () => {
  const others = [
    // an ARF feedback loop report
    'From: fbl@isp.example.com\r\nContent-Type: multipart/report; report-type=feedback-report; boundary="b"\r\n\r\n--b\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: FBL/1.0\r\nVersion: 1\r\n',
    // a free-text complaint
    'From: someone@example.com\r\nSubject: your customer is scanning us\r\n\r\n203.0.113.5 scanned our network.\r\n',
    // a Shadowserver CSV
    '"timestamp","ip","port","asn","geo"\n"2026-11-20 00:00:01","203.0.113.5",23,64500,"JP"\n',
    // abuse.ch Feodo Tracker JSON
    '[{"ip_address":"192.0.2.80","port":443,"status":"online","as_number":64500}]',
    // a JSON object that is no report
    '{"ip": "203.0.113.5", "Version": 2}',
  ];
  for (const other of others) assert.equal(xarfFormat.sniff!(utf8(other)), false, other.slice(0, 40));
});

test('JSON without an X-ARF version, with the imagined "Version": "4", or not an object', async () => {
  const imagined = await rejectedOnly(
    utf8('{"Version": "4", "ReporterInfo": {"ReporterOrg": "x"}, "Report": {"ReportClass": "Activity"}}'),
    'imagined.json',
  );
  assert.equal(
    imagined.reason,
    'unknown version: "Version": "4" is not an X-ARF JSON version (1, 2 or 3); XARF v4 reports carry "xarf_version": "4.x.y" instead',
  );
  assert.equal(imagined.position, 'imagined.json');
  const none = await rejectedOnly(utf8('{"source": "203.0.113.5"}'));
  assert.equal(
    none.reason,
    'unknown version: the object has neither xarf_version (XARF v4) nor Version (X-ARF JSON 1 to 3), so it is no X-ARF report',
  );
  const array = await rejectedOnly(utf8('  [{"xarf_version": "4.2.0"}]'), 'list.json');
  assert.equal(array.reason, 'expected one JSON object (an X-ARF report), got [{"xarf_version":"4.2.0"}]');
  const nested = await rejectedOnly(utf8('{"xarf_version": "4.2.0", "category": ["connection"]}'));
  assert.match(nested.reason, /^unknown class: category \["connection"\] is not one of /);
});

test('invalid JSON: the byte offset counts UTF-8 bytes (and a BOM), not characters', async () => {
  // The trailing comma is found at the closing brace: character 21, byte 25, since "水際" is 6 bytes in UTF-8.
  const r = await rejectedOnly(utf8('{"org": "水際", "x": 1,}'), 'report.json');
  assert.equal(r.position, 'report.json@25');
  assert.equal(r.reason, 'invalid JSON at byte 25 (line 1, column 22): Expected double-quoted property name');
  // V8 gives no position for an unexpected token: it is found by scanning.
  const bom = await rejectedOnly(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('{"a": tru}')]), 'bom.json');
  assert.equal(bom.position, 'bom.json@12');
  assert.equal(bom.reason, "invalid JSON at byte 12 (line 1, column 10): Unexpected token '}'");
});

test('jsonErrorIndex finds the character V8 names, for every kind of syntax error', () => {
  const broken = [
    '{"a": tru}',
    '{"type": }',
    '{"a": 1 "b"}',
    '{"a": "x\ny"}',
    '{"a": 1}  x',
    '{"a": 01}',
    '{"a": -}',
    '{"a": 1e}',
    '{"a": 1.}',
    '{"a": "\\q"}',
    '{"a": "\\u12G4"}',
    '{"a": [1, 2,], "b": 3}',
    '{"a": {"b": null, "c": [true, fals]}}',
    '[1,',
    '{"a"',
  ];
  for (const text of broken) {
    let position: number | undefined;
    try {
      JSON.parse(text);
    } catch (error) {
      const at = /at position (\d+)/.exec((error as Error).message);
      position = at ? Number(at[1]) : undefined;
    }
    const index = jsonErrorIndex(text);
    if (position !== undefined) assert.equal(index, position, text);
    else assert.ok(index === text.length || '}]'.includes(text[index]!), `${text}: ${index}`);
  }
  assert.equal(jsonErrorIndex('{"a": tru}'), 9);
  const valid = '{"a": [1, {"b": "\\u00e9"}], "c": -1.5e+3, "d": false} ';
  assert.equal(jsonErrorIndex(valid), valid.length);
  assert.equal(jsonErrorIndex('['.repeat(100_000)), 100_000);
});

test('empty input and a mail without any report are rejected, the mail as raw', async () => {
  const empty = await rejectedOnly(utf8(' \r\n'), 'empty.eml');
  assert.equal(empty.reason, 'empty input: expected an X-ARF JSON report or a mail carrying one');
  const mail = crlf(
    'From: someone@example.com\nTo: abuse@example.jp\nSubject: scanning\nMessage-ID: <plain-1@example.com>\n\n203.0.113.5 scanned us at 10:00 JST.\n',
  );
  const r = await rejectedOnly(mail, 'plain.eml');
  assert.equal(
    r.reason,
    'no X-ARF report in this mail: expected a JSON attachment (application/json or a .json name), a report.txt part (X-ARF 0.2) or a JSON body; a report written for people goes to triage instead',
  );
  assert.equal(r.position, 'message <plain-1@example.com>');
  assert.deepEqual(new Uint8Array(r.raw), mail);
});

test('a mail with two JSON attachments gives one result per report; a broken one keeps its own bytes', async () => {
  const good = fixture('v4-connection-login-attack.json');
  const broken = utf8('{"xarf_version": "4.2.0", "category": "connection",\n  "type": }\n');
  const part = (name: string, bytes: Uint8Array) =>
    `--b\nContent-Type: application/json; name="${name}"\nContent-Disposition: attachment; filename="${name}"\nContent-Transfer-Encoding: base64\n\n${Buffer.from(bytes).toString('base64')}\n`;
  const mail = crlf(
    'From: reports@shield.example.com\nTo: abuse@example.jp\nSubject: two reports\nMessage-ID: <two@shield.example.com>\n' +
      'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n' +
      '--b\nContent-Type: text/plain\n\nTwo reports attached.\n' +
      part('first.json', good) +
      part('second.json', broken) +
      '--b--\n',
  );
  const out = await parse(mail, 'two.eml');
  assert.equal(out.length, 2);
  const [first, second] = out;
  assert.ok(!isRejected(first));
  assert.equal((first as AbuseEvent).type, 'brute-force');
  assert.equal((first as AbuseEvent).evidence, 'message <two@shield.example.com>');
  assert.ok(isRejected(second));
  assert.equal(second.position, 'message <two@shield.example.com> second.json@62');
  assert.equal(second.reason, "invalid JSON at byte 62 (line 2, column 11): Unexpected token '}'");
  assert.deepEqual(new Uint8Array(second.raw), broken);
});
