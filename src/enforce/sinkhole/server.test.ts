import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { storeKinds, sqliteStore, type TestStore } from '../../../test/support/stores.js';
import { enforceSchema } from '../../config/enforce-schema.js';
import type { LogSink } from '../../log.js';
import type { NewSinkholeHit } from '../../store/schema.js';
import {
  countHitsSince,
  createReferenceGenerator,
  deleteHitsBefore,
  findHitByReference,
  insertHits,
  listRecentHits,
  normaliseReference,
  referenceTime,
} from './hits.js';
import { clientOf, hostOnly, startSinkhole, type Sinkhole, type SinkholeOptions } from './server.js';
import { TEXTS } from './texts.js';

const WAIT_MS = 5_000;

type Logged = { level: string; obj: unknown; msg: string };
function captureLog(): LogSink & { lines: Logged[] } {
  const lines: Logged[] = [];
  const at = (level: string) => (obj: unknown, msg?: string) => void lines.push({ level, obj, msg: msg ?? '' });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') } as LogSink & { lines: Logged[] };
}

const config = (over: Record<string, unknown> = {}) =>
  enforceSchema.parse({
    sinkhole: { listen: '127.0.0.1:0', contact: { phone: '0120-000-111', email: 'abuse@isp.example' }, ...over },
  }).sinkhole;

const lookup: SinkholeOptions['lookup'] = (host) =>
  host === 'evil.example' || host.endsWith('.evil.example') ? { categories: ['c2'] } : undefined;

type Reply = { status: number; headers: Record<string, string>; body: string; localPort: number; raw: string };

/** One raw exchange: what we send is exactly what the server gets (curl and fetch would tidy it). */
function exchange(port: number, request: string | Buffer, host = '127.0.0.1'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    const chunks: Buffer[] = [];
    let localPort = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${WAIT_MS} ms`));
    }, WAIT_MS);
    socket.on('connect', () => {
      localPort = socket.localPort ?? 0;
      socket.write(request);
    });
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => {}); // a reset after the answer is fine; what arrived is judged below
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = raw.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body: rest.join('\r\n\r\n'), localPort, raw });
    });
  });
}

const get = (port: number, path: string, headers: Record<string, string>, method = 'GET') =>
  exchange(
    port,
    `${method} ${path} HTTP/1.1\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n`,
  );

const referenceIn = (body: string) => /id="reference-(?:ja|en)">(MZ-[0-9A-Z]{4}-[0-9A-Z]{5})</.exec(body)?.[1];

for (const kind of await storeKinds()) {
  describe(`sinkhole hits store on ${kind.name}`, { skip: kind.skip }, () => {
    let store: TestStore;
    before(async () => {
      store = await kind.open();
    });
    after(async () => store?.dispose());

    test('insert in chunks, list newest first with filters, count since, find by a misheard reference, purge', async () => {
      const next = createReferenceGenerator(() => 0);
      const base = Date.parse('2026-04-01T00:00:00.000Z');
      const hits: NewSinkholeHit[] = Array.from({ length: 1_234 }, (_, i) => {
        const at = new Date(base + i * 1000);
        return {
          at: at.toISOString(),
          clientIp: i % 2 ? '192.0.2.7' : '2001:db8::7',
          clientPort: 40_000 + i,
          host: i % 3 ? 'evil.example' : 'phish.example',
          path: `/p/${i}`,
          userAgent: i % 5 ? 'ua' : null,
          reference: next(at),
        };
      });
      assert.equal(await insertHits(store.db, hits), 1_234);
      assert.equal(await insertHits(store.db, []), 0);

      const recent = await listRecentHits(store.db, { limit: 3 });
      assert.deepEqual(
        recent.map((h) => h.path),
        ['/p/1233', '/p/1232', '/p/1231'],
      );
      const v4 = await listRecentHits(store.db, { limit: 10_000, clientIp: '192.0.2.7' });
      assert.equal(v4.length, 617);
      const phish = await listRecentHits(store.db, { limit: 2, host: 'phish.example', clientIp: '2001:db8::7' });
      assert.deepEqual(
        phish.map((h) => h.path),
        ['/p/1230', '/p/1224'],
      );
      assert.equal((await listRecentHits(store.db, { limit: 0 })).length, 1);

      assert.equal(await countHitsSince(store.db, new Date(base + 1_000 * 1_000)), 234);
      assert.equal(await countHitsSince(store.db, '2030-01-01T00:00:00.000Z'), 0);

      const wanted = hits[777] as NewSinkholeHit;
      const heard = wanted.reference.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o').replace(/1/g, 'l');
      const found = await findHitByReference(store.db, heard);
      assert.equal(found?.path, '/p/777');
      assert.equal(found?.clientPort, 40_777);
      assert.equal(await findHitByReference(store.db, 'MZ-nope'), undefined);
      // A hit whose time and reference disagree (the clock stepped back) is still found.
      const stray = { ...wanted, at: '2025-01-01T00:00:00.000Z', reference: next(new Date(base + 9e9)), path: '/x' };
      await insertHits(store.db, [stray]);
      assert.equal((await findHitByReference(store.db, stray.reference))?.path, '/x');

      assert.equal(await deleteHitsBefore(store.db, new Date(base + 1_000 * 1_000)), 1_001);
      assert.equal(await countHitsSince(store.db, '2000-01-01T00:00:00.000Z'), 234);
    });

    test('the server stores hits on this store, written in batches and flushed on close', async () => {
      const log = captureLog();
      const sinkhole = await startSinkhole({
        config: config(),
        db: store.db,
        lookup,
        log,
        limits: { batchSize: 10_000, flushMs: 60_000 },
      });
      const before = await countHitsSince(store.db, '2000-01-01T00:00:00.000Z');
      const { port } = sinkhole.address().http;
      const replies = await Promise.all(
        Array.from({ length: 15 }, (_, i) => get(port, `/burst/${i}`, { Host: `h${i}.evil.example` })),
      );
      assert.ok(replies.every((r) => r.status === 403));
      // Answered without waiting for the database: nothing is written until the batch is due.
      assert.equal(await countHitsSince(store.db, '2000-01-01T00:00:00.000Z'), before);
      await sinkhole.close();
      assert.equal(await countHitsSince(store.db, '2000-01-01T00:00:00.000Z'), before + 15);
      const rows = await listRecentHits(store.db, { limit: 15 });
      assert.deepEqual(new Set(rows.map((r) => r.reference)), new Set(replies.map((r) => referenceIn(r.body))));
      assert.deepEqual(sinkhole.stats().stored, 15);
    });
  });
}

describe('reference numbers', () => {
  test('short, readable, unique within a second and across a clock step back', () => {
    const next = createReferenceGenerator();
    const at = new Date('2026-05-05T05:05:05.000Z');
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(next(at));
    seen.add(next(new Date(at.getTime() - 3_600_000)));
    assert.equal(seen.size, 100_001);
    for (const ref of [...seen].slice(0, 50)) assert.match(ref, /^MZ-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{5}$/);
  });

  test('the time can be read back; misheard characters are forgiven; nonsense is refused', () => {
    const at = new Date('2026-05-05T05:05:05.000Z');
    const ref = createReferenceGenerator(() => 0)(at);
    assert.equal(referenceTime(ref)?.toISOString(), at.toISOString());
    assert.equal(normaliseReference(` ${ref.toLowerCase().replace(/-/g, '')} `), ref);
    assert.equal(normaliseReference('mz-oooo-iiiil'), 'MZ-0000-11111');
    for (const bad of ['', 'MZ-', 'MZ-0000-1111', 'MZ-0000-111111', 'MZ-U000-00000', '<script>']) {
      assert.equal(normaliseReference(bad), undefined, bad);
    }
  });
});

test('hostOnly: the Host header without port, trailing dot or case; long values cut', () => {
  const cases: [string, string][] = [
    ['EVIL.Example:8080', 'evil.example'],
    ['evil.example.', 'evil.example'],
    ['evil.example.:80', 'evil.example'],
    ['[2001:db8::1]:80', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['192.0.2.1:80', '192.0.2.1'],
    ['2001:db8::1', '2001:db8::1'],
    ['  spaced.example  ', 'spaced.example'],
    ['', ''],
  ];
  for (const [raw, expected] of cases) assert.equal(hostOnly(raw), expected, raw);
  assert.equal(hostOnly('a'.repeat(1000)).length, 255);
});

test('clientOf: the address from the socket; IPv4-mapped as IPv4; an IPv6 /64 is one client', () => {
  assert.deepEqual(clientOf({ remoteAddress: '::ffff:192.0.2.1', remotePort: 5 }), {
    ip: '192.0.2.1',
    port: 5,
    key: '192.0.2.1',
  });
  const a = clientOf({ remoteAddress: '2001:db8:1:2:aaaa::1', remotePort: 1 });
  const b = clientOf({ remoteAddress: '2001:0db8:0001:0002:bbbb::2', remotePort: 2 });
  assert.equal(a?.ip, '2001:db8:1:2:aaaa::1');
  assert.equal(a?.key, '2001:db8:1:2::/64');
  assert.equal(b?.key, a?.key);
  assert.notEqual(clientOf({ remoteAddress: '2001:db8:1:3::1', remotePort: 1 })?.key, a?.key);
  assert.equal(clientOf({ remoteAddress: undefined, remotePort: undefined }), undefined);
});

describe('sinkhole server', () => {
  let store: TestStore;
  let sinkhole: Sinkhole;
  let port: number;
  const log = captureLog();
  const clock = new Date('2026-06-01T09:00:00.000Z');

  before(async () => {
    store = await sqliteStore();
    sinkhole = await startSinkhole({
      config: config({ tls_listen: '127.0.0.1:0' }),
      db: store.db,
      lookup: (host) => {
        if (host === 'boom.example') throw new Error('matcher exploded');
        return lookup(host);
      },
      log,
      now: () => clock,
      limits: { perClientPerMinute: 1_000 },
    });
    port = sinkhole.address().http.port;
  });
  after(async () => {
    await sinkhole?.close();
    await store?.dispose();
  });

  test('a GET gets the page, 403, the headers, and is stored with the port from the socket', async () => {
    const r = await get(port, '/some/path?q=1', {
      Host: 'Evil.Example:8080',
      'Accept-Language': 'ja',
      'User-Agent': 'test-agent',
      'X-Forwarded-For': '203.0.113.9',
    });
    assert.equal(r.status, 403);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.equal(r.headers['connection'], 'close');
    assert.equal(r.headers['content-language'], 'ja');
    assert.match(r.headers['content-security-policy'] ?? '', /^default-src 'none'; style-src 'sha256-/);
    assert.equal(Number(r.headers['content-length']), Buffer.byteLength(r.body));
    assert.ok(r.body.includes('<span class="host">evil.example</span>'));
    assert.ok(r.body.includes(TEXTS.ja['category.c2']));
    const reference = referenceIn(r.body);
    assert.ok(reference);
    await sinkhole.flush();
    const [hit] = await listRecentHits(store.db, { limit: 1 });
    assert.deepEqual(hit && { ...hit, id: 0 }, {
      id: 0,
      at: clock.toISOString(),
      clientIp: '127.0.0.1',
      clientPort: r.localPort,
      host: 'evil.example',
      path: '/some/path?q=1',
      userAgent: 'test-agent',
      reference,
    });
  });

  test('HEAD: the headers without the body', async () => {
    const r = await get(port, '/', { Host: 'evil.example' }, 'HEAD');
    assert.equal(r.status, 403);
    assert.ok(Number(r.headers['content-length']) > 1000);
    assert.equal(r.body, '');
  });

  test('every method, odd targets and no Host at all get the page', async () => {
    const requests = [
      'POST /gate.php HTTP/1.1\r\nHost: evil.example\r\nContent-Type: application/json\r\nContent-Length: 4\r\n\r\n{bad',
      'PROPFIND /x HTTP/1.1\r\nHost: evil.example\r\n\r\n',
      'DELETE /%zz%%/../x HTTP/1.1\r\nHost: evil.example\r\n\r\n',
      'OPTIONS * HTTP/1.1\r\nHost: evil.example\r\n\r\n',
      'GET /x HTTP/1.1\r\n\r\n',
      'GET /x HTTP/1.0\r\n\r\n',
      'GET /ws HTTP/1.1\r\nHost: evil.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      'PUT /up HTTP/1.1\r\nHost: evil.example\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    ];
    for (const request of requests) {
      const r = await exchange(port, request);
      assert.equal(r.status, 403, request.split('\r\n')[0]);
      assert.ok(r.body.includes('</html>'), request.split('\r\n')[0]);
    }
  });

  test('a proxy-style absolute URL names the host; an IPv6 literal Host loses its port', async () => {
    const r = await exchange(port, 'GET http://c2.evil.example/beacon?id=7 HTTP/1.1\r\nHost: ignored.example\r\n\r\n');
    assert.ok(r.body.includes('<span class="host">c2.evil.example</span>'));
    await get(port, '/v6', { Host: '[2001:db8::5]:80' });
    await sinkhole.flush();
    const [v6, abs] = await listRecentHits(store.db, { limit: 2 });
    assert.equal(v6?.host, '2001:db8::5');
    assert.deepEqual([abs?.host, abs?.path], ['c2.evil.example', '/beacon?id=7']);
  });

  test('language: en, ja, and both when neither is preferred', async () => {
    const en = await get(port, '/', { Host: 'evil.example', 'Accept-Language': 'en-US,en;q=0.9' });
    assert.ok(en.body.includes('<html lang="en">') && en.body.includes(TEXTS.en['category.c2']));
    assert.ok(!en.body.includes(TEXTS.ja.heading));
    const both = await get(port, '/', { Host: 'evil.example' });
    assert.equal(both.headers['content-language'], 'ja, en');
    assert.ok(both.body.indexOf(TEXTS.ja.heading) < both.body.indexOf(TEXTS.en.heading));
  });

  test('an XSS attempt in Host comes back escaped', async () => {
    const r = await get(port, '/', { Host: '"><script>alert(1)</script>' });
    assert.equal(r.status, 403);
    assert.ok(!r.body.includes('<script'));
    assert.ok(r.body.includes('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;'));
  });

  test('a failing category lookup still gives the page, with the generic category', async () => {
    const r = await get(port, '/', { Host: 'boom.example', 'Accept-Language': 'en' });
    assert.equal(r.status, 403);
    assert.ok(r.body.includes(TEXTS.en['category.unknown']));
    assert.ok(log.lines.some((l) => l.msg.includes('lookup failed')));
  });

  test('malformed requests get a 400 (a CONNECT a 403), and the server keeps serving', async () => {
    const garbage: [string | Buffer, number][] = [
      [Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a]), 400],
      ['FOO / HTTP/1.1\r\nHost: a\r\n\r\n', 400],
      ['GET /\x01 HTTP/1.1\r\n\r\n', 400],
      [`GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`, 400],
      ['GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', 400],
      ['GET / HTTP/9.9\r\nHost: a\r\n\r\n', 400],
      ['CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n', 403],
    ];
    const before = sinkhole.stats().malformed;
    for (const [request, status] of garbage) {
      const r = await exchange(port, request);
      assert.equal(r.status, status, `${JSON.stringify(request.slice(0, 30))} → ${r.raw.slice(0, 60)}`);
    }
    assert.equal(sinkhole.stats().malformed, before + 6);
    await sinkhole.flush();
    const [connect] = await listRecentHits(store.db, { limit: 1 });
    assert.deepEqual([connect?.host, connect?.path], ['evil.example', '']);
    // Half a request, then the client goes away.
    const half = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => half.on('connect', resolve));
    half.write('GET / HTTP/1.1\r\nHost: eva');
    half.destroy();
    const ok = await get(port, '/', { Host: 'evil.example' });
    assert.equal(ok.status, 403);
  });

  test('a flood from one client: the first N a minute are stored, the rest counted and shown the last reference', async () => {
    const flood = await sqliteStore();
    const floodLog = captureLog();
    let now = new Date('2026-06-01T10:00:00.000Z');
    const s = await startSinkhole({
      config: config(),
      db: flood.db,
      lookup,
      log: floodLog,
      now: () => now,
      limits: { perClientPerMinute: 5, perMinute: 1_000 },
    });
    try {
      const p = s.address().http.port;
      const refs: (string | undefined)[] = [];
      for (let i = 0; i < 12; i++) refs.push(referenceIn((await get(p, `/${i}`, { Host: 'evil.example' })).body));
      assert.equal(new Set(refs.slice(0, 5)).size, 5);
      assert.ok(
        refs.slice(5).every((r) => r === refs[4]),
        'suppressed hits show the last stored reference',
      );
      now = new Date(now.getTime() + 60_000);
      const later = referenceIn((await get(p, '/later', { Host: 'evil.example' })).body);
      assert.notEqual(later, refs[4]);
      await s.flush();
      assert.equal(await countHitsSince(flood.db, '2000-01-01T00:00:00.000Z'), 6);
      assert.deepEqual([s.stats().stored, s.stats().suppressed, s.stats().requests], [6, 7, 13]);
      const warning = floodLog.lines.find((l) => l.level === 'warn' && l.msg.includes('counted, not stored'));
      assert.ok(warning, 'the minute with suppressed hits is reported');
      assert.equal((warning.obj as { suppressed: number }).suppressed, 7);
    } finally {
      await s.close();
      await flood.dispose();
    }
  });

  test('the overall limit holds whatever the per-client one says', async () => {
    const flood = await sqliteStore();
    const s = await startSinkhole({
      config: config(),
      db: flood.db,
      lookup,
      log: captureLog(),
      now: () => new Date('2026-06-01T11:00:00.000Z'), // no minute boundary mid-test
      limits: { perClientPerMinute: 100, perMinute: 3 },
    });
    try {
      for (let i = 0; i < 5; i++) await get(s.address().http.port, `/${i}`, { Host: 'evil.example' });
      await s.flush();
      assert.equal(await countHitsSince(flood.db, '2000-01-01T00:00:00.000Z'), 3);
      assert.equal(s.stats().suppressed, 2);
    } finally {
      await s.close();
      await flood.dispose();
    }
  });

  test('the TLS listener answers a ClientHello with a fatal alert and closes at once', async () => {
    const tlsPort = sinkhole.address().tls?.port;
    assert.ok(tlsPort);
    const started = Date.now();
    const hello = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00]);
    const r = await exchange(tlsPort, hello);
    assert.deepEqual([...Buffer.from(r.raw, 'latin1')], [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x70]);
    assert.ok(Date.now() - started < 2_000);

    const err = await new Promise<Error>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('TLS client still waiting')), WAIT_MS);
      const c = tls.connect({
        port: tlsPort,
        host: '127.0.0.1',
        servername: 'evil.example',
        rejectUnauthorized: false,
      });
      c.on('secureConnect', () => reject(new Error('handshake must not succeed')));
      c.on('error', (e) => {
        clearTimeout(timer);
        resolve(e);
      });
    });
    assert.match(err.message, /unrecognized name|alert number 112/i);
    assert.ok(sinkhole.stats().tlsRefused >= 2);
  });

  test('a database that fails: pages still served, hits kept for a retry, counted as lost at close', async () => {
    const broken = await sqliteStore();
    await broken.db.destroy(); // every query now fails
    const brokenLog = captureLog();
    const s = await startSinkhole({ config: config(), db: broken.db, lookup, log: brokenLog, limits: { flushMs: 20 } });
    try {
      for (let i = 0; i < 3; i++) {
        const r = await get(s.address().http.port, '/', { Host: 'evil.example' });
        assert.equal(r.status, 403);
      }
      await s.flush();
    } finally {
      await s.close();
      await broken.dispose().catch(() => {});
    }
    assert.equal(s.stats().lost, 3);
    assert.equal(s.stats().stored, 0);
    assert.ok(brokenLog.lines.some((l) => l.level === 'error' && l.msg.includes('could not be written')));
  });

  test('close is bounded even with a client that never sends anything', async () => {
    const other = await sqliteStore();
    const s = await startSinkhole({
      config: config({ tls_listen: '127.0.0.1:0' }),
      db: other.db,
      lookup,
      log: captureLog(),
    });
    const idle = net.connect(s.address().http.port, '127.0.0.1');
    const idleTls = net.connect(s.address().tls!.port, '127.0.0.1');
    idle.on('error', () => {});
    idleTls.on('error', () => {});
    await Promise.all([idle, idleTls].map((c) => new Promise((resolve) => c.on('connect', resolve))));
    const started = Date.now();
    await s.close();
    await s.close(); // twice is harmless
    assert.ok(Date.now() - started < 4_000, `close took ${Date.now() - started} ms`);
    idle.destroy();
    idleTls.destroy();
    await other.dispose();
  });

  test('bad listen settings fail at start with the config key named', async () => {
    await assert.rejects(
      startSinkhole({ config: config({ tls_listen: 'nonsense' }), db: store.db, lookup, log: captureLog() }),
      /enforce\.sinkhole\.tls_listen/,
    );
    await assert.rejects(
      startSinkhole({ config: config({ tls_listen: `127.0.0.1:${port}` }), db: store.db, lookup, log: captureLog() }),
      /enforce\.sinkhole\.tls_listen: cannot listen/,
    );
  });
});
