import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { Observation } from '../../domain/observation.js';
import type { LineContext } from '../line-format.js';
import { localTimeIn } from '../local-time.js';
import { squidAccessLog } from './squid-access-log.js';
import { mutations, truncations } from '../line-mutations.test-support.js';

// Fixtures, written by a real squid 5.7 on 127.0.0.1 (in its own mount namespace, so /var/log/squid was
// a temporary directory), with curl making requests through it to a local node HTTP server on port 39180
// and names from a hosts file. squid.conf logged every request three times (access_log … logformat=squid,
// =common, =combined) and included the snippet Mizugiwa's squid point renders, which writes
// mizugiwa.log (listed.test blocked with deny_info's 302; watched.test and 127.0.0.7 monitored). An
// operator rule denied .denied.test with a 403. The last three lines of each file come from a second run
// with TZ=Asia/Tokyo (so the common format's stamps carry +0900) and strip_query_terms off.
//   access-native.txt, access-common.txt, access-combined.txt, mizugiwa-monitor.txt

const ctx: LineContext = { now: Date.UTC(2026, 10, 25), localTime: localTimeIn('Asia/Tokyo') };
const lines = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .slice(0, -1);
const parse = (line: string) => squidAccessLog.parseLine(line, ctx);

/**
 * What a request line says. `literal` is an address written as the host; `upstream` the address squid
 * connected to, which only the native format logs.
 */
type Request = {
  at: string;
  client?: string;
  url?: string;
  domain?: string;
  literal?: string;
  upstream?: string;
  port: number;
  detail: string;
  blocked: boolean;
};

/** The requests of the capture, in log order; null for the two connections that never sent a request. */
// prettier-ignore
const REQUESTS: (Request | null)[] = [
  { at: '21:45:05.760', url: 'http://plain.test:39180/index.html', domain: 'plain.test', upstream: '127.0.0.1', port: 39180, detail: 'GET 200', blocked: false },
  // strip_query_terms (the default) cut the query off before squid logged the URL.
  { at: '21:45:05.773', url: 'http://www.example.test:39180/search?', domain: 'www.example.test', upstream: '127.0.0.1', port: 39180, detail: 'GET 200', blocked: false },
  { at: '21:45:05.787', url: 'http://plain.test:39180/form', domain: 'plain.test', upstream: '127.0.0.1', port: 39180, detail: 'POST 200', blocked: false },
  // curl asked for WWW.Example.TEST; squid logs the host in lower case.
  { at: '21:45:05.799', url: 'http://www.example.test:39180/Mixed/Case', domain: 'www.example.test', upstream: '127.0.0.1', port: 39180, detail: 'HEAD 200', blocked: false },
  { at: '21:45:05.810', url: 'http://denied.test:39180/', domain: 'denied.test', port: 39180, detail: 'GET 403', blocked: true },
  { at: '21:45:05.820', url: 'http://listed.test:39180/page', domain: 'listed.test', port: 39180, detail: 'GET 302', blocked: true },
  { at: '21:45:05.833', url: 'http://watched.test:39180/page', domain: 'watched.test', upstream: '127.0.0.1', port: 39180, detail: 'GET 200', blocked: false },
  { at: '21:45:05.846', url: 'http://byaddress.test:39180/', domain: 'byaddress.test', upstream: '127.0.0.7', port: 39180, detail: 'GET 200', blocked: false },
  { at: '21:45:05.856', url: 'http://127.0.0.7:39180/direct-ip', literal: '127.0.0.7', upstream: '127.0.0.7', port: 39180, detail: 'GET 200', blocked: false },
  { at: '21:45:10.869', url: 'http://nosuch.invalid/', domain: 'nosuch.invalid', port: 80, detail: 'GET 000', blocked: false },
  { at: '21:45:10.876', url: 'http://127.0.0.1:1/closed-port', literal: '127.0.0.1', upstream: '127.0.0.1', port: 1, detail: 'GET 503', blocked: false },
  { at: '21:45:10.882', client: '::1', url: 'http://v6only.test:39180/over-v6', domain: 'v6only.test', upstream: '::1', port: 39180, detail: 'GET 200', blocked: false },
  { at: '21:45:10.889', client: '::1', url: 'http://[::1]:39180/literal-v6', literal: '::1', upstream: '::1', port: 39180, detail: 'GET 200', blocked: false },
  { at: '21:45:10.897', domain: 'plain.test', upstream: '127.0.0.1', port: 39180, detail: 'CONNECT 200', blocked: false },
  { at: '21:45:10.919', domain: 'denied.test', port: 443, detail: 'CONNECT 403', blocked: true },
  { at: '21:45:10.927', literal: '127.0.0.1', upstream: '127.0.0.1', port: 39180, detail: 'CONNECT 200', blocked: false },
  { at: '21:45:10.952', literal: '::1', upstream: '::1', port: 39180, detail: 'CONNECT 200', blocked: false },
  { at: '21:45:11.870', domain: 'nosuch.invalid', port: 443, detail: 'CONNECT 500', blocked: false },
  null, // a connection closed before it sent anything: error:transaction-end-before-headers
  null, // GARBAGE: error:invalid-request
  { at: '21:45:12.046', url: 'ftp://plain.test/pub/file.txt', domain: 'plain.test', upstream: '127.0.0.1', port: 21, detail: 'GET 503', blocked: false },
  { at: '21:45:33.502', url: 'http://www.example.test:39180/search?q=mizugiwa&lang=ja', domain: 'www.example.test', upstream: '127.0.0.1', port: 39180, detail: 'GET 200', blocked: false },
  { at: '21:45:33.509', url: 'http://sub.listed.test:39180/login.php', domain: 'sub.listed.test', port: 39180, detail: 'GET 302', blocked: true },
  { at: '21:45:33.517', client: '::1', domain: 'denied.test', port: 8443, detail: 'CONNECT 403', blocked: true },
];

/** The Observation a request gives in the native format (ms, upstream address) or common (seconds, none). */
function expected(r: Request | null, native: boolean): Observation | null {
  if (!r) return null;
  const time = Date.parse(`2026-11-24T${r.at}Z`);
  const o: Observation = {
    time: native ? time : Math.floor(time / 1000) * 1000,
    point: 'proxy',
    client: r.client ?? '127.0.0.1',
  };
  o.port = r.port;
  if (r.url) o.url = r.url;
  if (r.domain) o.domain = r.domain;
  const addresses = [r.literal, native ? r.upstream : undefined].filter((a): a is string => a !== undefined);
  if (addresses.length > 0) o.addresses = [...new Set(addresses)];
  o.detail = r.detail;
  o.blocked = r.blocked;
  return o;
}

describe('squid access.log', () => {
  test('native format: every captured line', () => {
    assert.deepEqual(
      lines('access-native.txt').map(parse),
      REQUESTS.map((r) => expected(r, true)),
    );
  });

  test('common format: the same requests, to the second, without upstream addresses; +0900 stamps too', () => {
    assert.deepEqual(
      lines('access-common.txt').map(parse),
      REQUESTS.map((r) => expected(r, false)),
    );
  });

  test('combined format: referer and user agent change nothing', () => {
    assert.deepEqual(
      lines('access-combined.txt').map(parse),
      REQUESTS.map((r) => expected(r, false)),
    );
  });

  test("Mizugiwa's monitor log (its snippet's access_log … logformat=squid)", () => {
    const denied = REQUESTS.filter((r) => r?.url?.includes('listed.test'));
    const watched = REQUESTS.filter((r) => r && /watched|byaddress|direct-ip/.test(r.url ?? ''));
    const want = [denied[0]!, ...watched, denied[1]!].map((r) => expected(r, true));
    assert.deepEqual(lines('mizugiwa-monitor.txt').map(parse), want);
  });

  test('the examples of the design brief', () => {
    assert.deepEqual(
      parse(
        '1732410000.123    45 192.0.2.10 TCP_MISS/200 1234 GET http://www.example.com/path - HIER_DIRECT/198.51.100.1 text/html',
      ),
      {
        time: 1732410000123,
        point: 'proxy',
        client: '192.0.2.10',
        port: 80,
        url: 'http://www.example.com/path',
        domain: 'www.example.com',
        addresses: ['198.51.100.1'],
        detail: 'GET 200',
        blocked: false,
      },
    );
    assert.deepEqual(
      parse(
        '192.0.2.10 - - [24/Nov/2026:10:00:00 +0900] "GET http://www.example.com/ HTTP/1.1" 200 1234 "referer" "agent" TCP_MISS:HIER_DIRECT',
      ),
      {
        time: Date.UTC(2026, 10, 24, 1),
        point: 'proxy',
        client: '192.0.2.10',
        port: 80,
        url: 'http://www.example.com/',
        domain: 'www.example.com',
        detail: 'GET 200',
        blocked: false,
      },
    );
    assert.deepEqual(
      parse(
        '1732410000.123     0 2001:DB8:0:0::10 TCP_DENIED/403 3411 CONNECT www.example.com:443 - HIER_NONE/- text/html',
      ),
      {
        time: 1732410000123,
        point: 'proxy',
        client: '2001:db8::10',
        port: 443,
        domain: 'www.example.com',
        detail: 'CONNECT 403',
        blocked: true,
      },
    );
  });

  test('hosts: user info, upper case, the root dot, https and IPv6 literals; peers are not the origin', () => {
    const o = (line: string) => parse(`1732410000.000 1 192.0.2.10 ${line}`) as Observation;
    assert.equal(
      o('TCP_MISS/200 1 GET http://user:pw@WWW.Example.COM./x - HIER_DIRECT/198.51.100.1 -').domain,
      'www.example.com',
    );
    assert.equal(o('TCP_MISS/200 1 GET https://bumped.example/ - PINNED/198.51.100.1 -').port, 443);
    assert.deepEqual(o('TCP_MISS/200 1 GET http://[2001:DB8::0:1]:8080/ - HIER_DIRECT/2001:db8::1 -').addresses, [
      '2001:db8::1',
    ]);
    // Through a parent proxy %<a is the parent's address, not the site's.
    assert.equal(o('TCP_MISS/200 1 GET http://a.example/ - FIRSTUP_PARENT/10.0.0.1 -').addresses, undefined);
    assert.deepEqual(o('TCP_MISS/200 1 GET http://a.example/ - ORIGINAL_DST/198.51.100.9 -').addresses, [
      '198.51.100.9',
    ]);
  });

  test('blocked: TCP_DENIED and TCP_DENIED_REPLY; a 407 (asking for credentials) says nothing', () => {
    const blocked = (result: string) =>
      (parse(`1732410000.000 1 192.0.2.10 ${result} 1 GET http://a.example/ - HIER_NONE/- -`) as Observation).blocked;
    assert.equal(blocked('TCP_DENIED/403'), true);
    assert.equal(blocked('TCP_DENIED_REPLY/403'), true);
    assert.equal(blocked('TCP_DENIED/407'), undefined);
    assert.equal(blocked('TCP_HIT/200'), false);
    const common = parse('192.0.2.10 - - [24/Nov/2026:10:00:00 +0900] "GET http://a.example/ HTTP/1.1" 403 1');
    assert.equal((common as Observation).blocked, undefined, 'a common line without squid codes cannot tell');
  });

  test('a user agent with quotes, spaces and something like codes in it', () => {
    const line =
      '192.0.2.10 - alice [24/Nov/2026:10:00:00 -0500] "GET http://a.example/ HTTP/1.1" 200 5 "-" "x" TCP_DENIED:HIER_NONE y" TCP_MISS:HIER_DIRECT';
    const o = parse(line) as Observation;
    assert.equal(o.time, Date.UTC(2026, 10, 24, 15));
    assert.equal(o.blocked, false);
  });

  test('lines that came through syslog keep squid’s own time', () => {
    const o = parse(
      '2026-11-24T10:00:09.000+09:00 proxy1 squid[812]: 1732410000.123 1 192.0.2.10 TCP_MISS/200 1 GET http://a.example/ - HIER_DIRECT/198.51.100.1 -',
    );
    assert.equal((o as Observation).time, 1732410000123);
    assert.equal(parse('Nov 24 10:00:00 proxy1 squid[812]: Reconfiguring Squid Cache (version 5.7)...'), null);
  });

  test('reasons for what is meant to be a request and cannot be read; null for nothing', () => {
    assert.equal(parse(''), null);
    assert.equal(parse('   '), null);
    for (const line of [
      'this is not a squid log',
      '1732410000.123 45 192.0.2.10 TCP_MISS/200 1234 GET',
      '1732410000.123 45 not-an-ip TCP_MISS/200 1234 GET http://a.example/ - HIER_DIRECT/- -',
      '1732410000.123 45 192.0.2.10 TCP_MISS 1234 GET http://a.example/ - HIER_DIRECT/- -',
      '1732410000.123 45 192.0.2.10 TCP_MISS/200 1234 GET /relative - HIER_DIRECT/- -',
      '1732410000.123 45 192.0.2.10 TCP_MISS/200 1234 GET http://a.example:99999/ - HIER_DIRECT/- -',
      '1732410000.123 45 192.0.2.10 TCP_MISS/200 1234 CONNECT [::1:443 - HIER_DIRECT/- -',
      '192.0.2.10 - - [24/Nov/2026:25:00:00 +0900] "GET http://a.example/ HTTP/1.1" 200 1 TCP_MISS:HIER_DIRECT',
      '192.0.2.10 - - [24/Nov/2026:10:00:00 +0900] GET http://a.example/ HTTP/1.1 200 1 TCP_MISS:HIER_DIRECT',
    ]) {
      assert.equal(typeof parse(line), 'string', line);
    }
  });
});

describe('squid access.log, damaged', () => {
  const all = ['access-native.txt', 'access-common.txt', 'access-combined.txt'].flatMap(lines);
  const check = (line: string) => {
    const r = parse(line);
    if (r === null || typeof r === 'string') return;
    assert.equal(r.point, 'proxy');
    assert.ok(
      Number.isFinite(r.time) && r.client !== '' && (r.domain !== undefined || r.addresses !== undefined),
      line,
    );
  };

  test('every truncation of every fixture line is read without throwing', () => {
    for (const line of truncations(all)) check(line);
  });

  test('random byte changes, deletions and insertions never throw', () => {
    for (const line of mutations(all, {
      seed: 39128,
      rounds: 20_000,
      alphabet: ' /:[]"-.@?#_TCPDENIED0123456789\u0000\u00e9\ufffd',
    }))
      check(line);
  });
});
