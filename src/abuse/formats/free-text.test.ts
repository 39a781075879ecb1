import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { TriageSuggestion } from '../../domain/abuse-event.js';
import { isRejected, type Rejected } from '../../domain/format.js';
import { freeTextFormat, suggestionsIn } from './free-text.js';

const ctx = { source: 'abuse-inbox', input: 'inbox', now: new Date('2026-12-01T00:00:00Z') };

function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`./fixtures/free-text/${name}`, import.meta.url)));
}

async function* chunks(bytes: Uint8Array, size = bytes.length || 1): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function parse(bytes: Uint8Array, size?: number): Promise<(TriageSuggestion | Rejected)[]> {
  const out: (TriageSuggestion | Rejected)[] = [];
  for await (const r of freeTextFormat.parse(chunks(bytes, size), ctx)) out.push(r);
  return out;
}

async function suggestions(name: string): Promise<TriageSuggestion[]> {
  const out = await parse(fixture(name));
  assert.deepEqual(out.filter(isRejected), []);
  return out as TriageSuggestion[];
}

/** `kind value` per suggestion: what a person triaging sees first. */
const values = (list: TriageSuggestion[]) => list.map((s) => `${s.kind} ${s.value}`);
const find = (list: TriageSuggestion[], value: string) => {
  const s = list.find((x) => x.value === value);
  assert.ok(s, `${value} not suggested; got ${values(list).join(', ')}`);
  return s;
};

test('a police enquiry in ISO-2022-JP: full-width address, port on the next line, Japanese times as JST', async () => {
  const list = await suggestions('police-letter-iso-2022-jp.eml');
  assert.deepEqual(values(list), [
    'address 198.51.100.42:51234',
    'time 2026-11-24T01:05:00.000Z',
    'url https://login.example.com/account/',
    'hostname login.example.com',
    'time 2026-11-24T01:07:12.000Z',
    'address 198.51.100.42',
  ]);
  assert.match(find(list, '198.51.100.42:51234').context, /通信元IPアドレス:198\.51\.100\.42 ポート 51234/);
  // Refanged in the value, as written in the context.
  assert.match(
    find(list, 'https://login.example.com/account/').context,
    /hxxps:\/\/login\.example\[\.\]com\/account\//,
  );
  for (const s of list) assert.equal(s.evidence, 'message <20261125093000.4410@police.example.jp>');
});

test('a partner mail in Shift_JIS: [IPv6]:port, "(ポート 8443)", slash and offset times, a private address marked', async () => {
  const list = await suggestions('partner-shift-jis.eml');
  assert.deepEqual(values(list), [
    'address [2001:db8:20::7]:443',
    'address 203.0.113.61:8443',
    'time 2026-11-24T01:05:00.000Z',
    'time 2026-11-24T01:20:00.000Z',
    'url https://www.example.jp/wp-login.php',
    'hostname www.example.jp',
    'address 192.168.10.5',
  ]);
  assert.match(
    find(list, '192.168.10.5').context,
    /^\[private address\] .*社内の検証用機器 192\.168\.10\.5 は無関係です/,
  );
  assert.doesNotMatch(find(list, '203.0.113.61:8443').context, /private/);
});

test('English prose: ports, ISO and RFC 2822 times, zone suffixes, defanged names, IPv6, no version numbers', async () => {
  const list = await suggestions('partner-prose.eml');
  assert.deepEqual(values(list), [
    'address 192.0.2.7', // from the subject
    'address 192.0.2.7:8080',
    'address 192.0.2.8:443',
    'time 2026-11-24T01:05:00.000Z',
    'time 2026-11-24T01:45:10.000Z',
    'url http://malware.example.net/payload.bin',
    'hostname malware.example.net',
    'hostname c2-panel.example.org',
    'address 2001:db8:1::25',
    'time 2026-11-24T01:50:00.000Z', // "2026-11-24 01:50:00 (UTC)"
    'time 2026-11-24T01:52:00.000Z', // "2026-11-24 10:52 JST"
    'address 198.51.100.200',
    'address 10.0.0.5',
    'address 127.0.0.1',
    'url https://portal.example.com/incidents/2026-1124?ref=abuse', // the sentence's full stop is not the URL's
    'hostname portal.example.com',
  ]);
  assert.match(find(list, '10.0.0.5').context, /^\[private address\] /);
  assert.match(find(list, '127.0.0.1').context, /^\[loopback address\] /);
  assert.match(find(list, 'c2-panel.example.org').context, /talked to c2-panel\[\.\]example\[\.\]org over IPv6/);
  const context = find(list, '192.0.2.7:8080').context;
  assert.ok(!context.includes('\n'), 'context is one line');
  assert.ok(context.length <= 30 + '192.0.2.7:8080'.length + 30 + 2, `context of ~60 characters: ${context}`);
});

test('an HTML-only mail: cells kept apart, the link target read from href', async () => {
  const list = await suggestions('partner-html.eml');
  assert.deepEqual(values(list), [
    'address 203.0.113.77',
    'time 2026-11-23T18:30:00.000Z',
    'url https://secure-pay.example.com/login',
    'hostname secure-pay.example.com',
  ]);
});

test('a mail with no text yields nothing and no error', async () => {
  assert.deepEqual(await parse(fixture('no-text.eml')), []);
});

test('the input may arrive in any chunks', async () => {
  assert.deepEqual(await parse(fixture('partner-shift-jis.eml'), 7), await parse(fixture('partner-shift-jis.eml')));
});

test('times without a zone are taken as UTC, or JST in a Japanese mail, and say so', () => {
  const [english] = suggestionsIn('Attack at 2026-11-24 10:05:00 from the host.', 'm');
  assert.equal(english!.value, '2026-11-24T10:05:00.000Z');
  assert.match(english!.context, /^\[no time zone written: UTC assumed\] /);
  const [japanese] = suggestionsIn('攻撃日時 2026/11/24 10:05:00 です', 'm');
  assert.equal(japanese!.value, '2026-11-24T01:05:00.000Z');
  assert.match(japanese!.context, /^\[no time zone written: JST assumed\] /);
  const [afternoon] = suggestionsIn('2026年11月24日(火) 午後1時05分', 'm');
  assert.equal(afternoon!.value, '2026-11-24T04:05:00.000Z');
  assert.doesNotMatch(afternoon!.context, /assumed/, 'the Japanese form is Japanese time');
  const [utc] = suggestionsIn('2026年11月24日 10:05 (UTC)', 'm');
  assert.equal(utc!.value, '2026-11-24T10:05:00.000Z', 'a (UTC) suffix overrides JST');
  assert.deepEqual(suggestionsIn('on 2026-02-30 10:00 UTC and 2026-11-24 25:00 UTC', 'm'), []);
});

test('defanged forms are refanged; brackets and punctuation around a URL are not part of it', () => {
  const list = suggestionsIn(
    'IP 198[.]51[.]100[.]7 served hxxp[://]bad(.)example{.}net/x (see http://example.com/a_(b)) and (http://example.com/c).',
    'm',
  );
  assert.deepEqual(values(list), [
    'address 198.51.100.7',
    'url http://bad.example.net/x',
    'hostname bad.example.net',
    'url http://example.com/a_(b)',
    'hostname example.com',
    'url http://example.com/c',
  ]);
});

test('hostnames only when defanged or in a URL; addresses not taken from times, MACs or versions', () => {
  const list = suggestionsIn(
    'see report.pdf and example.com; MAC 00:1a:2b:3c:4d:5e at 10:05:00; build 1.2.3.4.5, v2.10.0.1, 10.0.19041.1; ' +
      'mapped ::ffff:192.0.2.1; zero ::',
    'm',
  );
  assert.deepEqual(values(list), ['address ::ffff:192.0.2.1']);
});

test('the same value is suggested once, with the context of its first appearance', () => {
  const list = suggestionsIn('first 192.0.2.9 here. Later 192.0.2.9 again, and 192.0.2.9 once more.', 'm');
  assert.equal(list.length, 1);
  assert.match(list[0]!.context, /^first 192\.0\.2\.9 here/);
});
