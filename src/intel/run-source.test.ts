import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { configSchema } from '../config/schema.js';
import type { SourceConfig } from '../config/intel-schema.js';
import { missingProgram } from '../../test/support/components.js';
import { sqliteStore, type TestStore } from '../../test/support/stores.js';
import { compileAllowlists } from './allowlist/check.js';
import { countClaims } from './claims-store.js';
import { runSource } from './run-source.js';

const OPENSSL = '/usr/bin/openssl';
const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-fetch-'));
const allow = compileAllowlists([]).checker;
const FEED = 'evil-1.example\nevil-2.example\nevil-3.example\nevil-4.example\n';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const routes = new Map<string, Handler>();
let server: Server;
let base: string;
let store: TestStore;

function source(overrides: Record<string, unknown>): SourceConfig {
  const config = configSchema.parse({
    intel: {
      sources: [
        { name: 'feed', format: 'plain', url: `${base}/feed.txt`, ca_file: join(dir, 'cert.pem'), ...overrides },
      ],
    },
  });
  return config.intel.sources[0]!;
}
const run = (s: SourceConfig) => runSource(store.db, s, { baseDir: dir, spoolDir: join(dir, 'spool'), allow });

describe('fetching sources over HTTPS', { skip: missingProgram(OPENSSL, 'openssl') }, () => {
  before(async () => {
    execFileSync(
      OPENSSL,
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    server = createServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (req, res) => {
        const handler = routes.get(req.url ?? '');
        if (handler) handler(req, res);
        else res.writeHead(404).end('not here');
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    store = await sqliteStore();
  });
  after(async () => {
    server?.close();
    await store?.dispose();
  });

  test('a download is ingested; the next run asks conditionally and a 304 changes nothing', async () => {
    const seen: (string | undefined)[] = [];
    routes.set('/feed.txt', (req, res) => {
      seen.push(req.headers['if-none-match'] as string | undefined);
      if (req.headers['auth-key'] !== 'k-123') return void res.writeHead(403).end();
      if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304).end();
      res.writeHead(200, { etag: '"v1"', 'content-type': 'text/plain' }).end(FEED);
    });
    const s = source({ headers: { 'Auth-Key': 'k-123' } });
    const first = await run(s);
    assert.equal(first.status, 'ingested');
    assert.equal(first.status === 'ingested' && first.result.accepted, 4);
    assert.deepEqual(await run(s), { status: 'not-modified' });
    assert.deepEqual(seen, [undefined, '"v1"']);
  });

  test('gzip (by Content-Encoding, or a .gz name) is decompressed as it streams', async () => {
    routes.set('/enc.txt', (_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(FEED)));
    routes.set('/file.txt.gz', (_req, res) => res.writeHead(200).end(gzipSync(FEED)));
    for (const path of ['/enc.txt', '/file.txt.gz']) {
      const r = await run(source({ name: `gz${path.length}`, url: `${base}${path}` }));
      assert.equal(r.status === 'ingested' && r.result.accepted, 4, path);
    }
  });

  test('an HTML error page, an empty body, a cut-off gzip or an oversized body is refused and nothing is retired', async () => {
    routes.set('/html', (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><body>Maintenance</body></html>'),
    );
    routes.set('/empty', (_req, res) => res.writeHead(200).end(''));
    routes.set('/cut.gz', (_req, res) => {
      const gz = gzipSync(Array.from({ length: 5000 }, (_, i) => `cut-${i}.example`).join('\n'));
      res.writeHead(200).end(gz.subarray(0, gz.length - 200));
    });
    routes.set('/big', (_req, res) => res.writeHead(200).end('big.example\n'.repeat(1000)));
    const before = await countClaims(store.db, 'feed');
    await assert.rejects(
      run(source({ url: `${base}/html` })),
      /does not look like plain \(it starts with "<!DOCTYPE html><html><body>Maintenance/,
    );
    await assert.rejects(run(source({ url: `${base}/empty` })), /the feed is empty; the source's indicators are kept/);
    await assert.rejects(run(source({ url: `${base}/cut.gz` })), /damaged or cut off/);
    await assert.rejects(run(source({ url: `${base}/big`, max_bytes: 2048 })), /larger than max_bytes \(2048 bytes\)/);
    assert.equal(await countClaims(store.db, 'feed'), before, 'nothing of the refused downloads was applied');
    assert.deepEqual(readdirSync(join(dir, 'spool')), [], 'spooled downloads are removed');
    const row = await store.db
      .selectFrom('intelSources')
      .select('lastResult')
      .where('name', '=', 'feed')
      .executeTakeFirstOrThrow();
    assert.match(row.lastResult ?? '', /larger than max_bytes/, 'the failure is recorded on the source');
  });

  test('server errors are retried with backoff; a refusal is explained and not retried', async () => {
    let calls = 0;
    routes.set('/flaky', (_req, res) => (++calls === 1 ? res.writeHead(503).end() : res.writeHead(200).end(FEED)));
    const r = await run(source({ name: 'flaky', url: `${base}/flaky` }));
    assert.equal(r.status, 'ingested');
    assert.equal(calls, 2);
    let denied = 0;
    routes.set('/denied', (_req, res) => (denied++, res.writeHead(401).end()));
    await assert.rejects(
      run(source({ name: 'denied', url: `${base}/denied` })),
      /answered 401 .*check the source headers, e\.g\. an Auth-Key/,
    );
    assert.equal(denied, 1);
  });

  test('certificates are always verified: an unknown CA is refused with the fix', async () => {
    routes.set('/ok', (_req, res) => res.writeHead(200).end(FEED));
    await assert.rejects(
      run(source({ name: 'noca', url: `${base}/ok`, ca_file: undefined })),
      /TLS certificate does not verify .*set the source's ca_file/,
    );
  });

  test('a MISP feed directory is read through its manifest, event by event', async () => {
    const feedDir = join(dir, 'misp');
    mkdirSync(feedDir);
    const fixtures = new URL('./formats/fixtures/misp-feed/', import.meta.url).pathname;
    const manifest = JSON.parse(readFileSync(join(fixtures, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(feedDir, 'manifest.json'), JSON.stringify(manifest));
    for (const uuid of Object.keys(manifest))
      writeFileSync(join(feedDir, `${uuid}.json`), readFileSync(join(fixtures, `${uuid}.json`)));
    const config = configSchema.parse({ intel: { sources: [{ name: 'misp', format: 'misp-feed', file: feedDir }] } });
    const r = await runSource(store.db, config.intel.sources[0]!, {
      baseDir: dir,
      spoolDir: join(dir, 'spool'),
      allow,
    });
    assert.equal(r.status, 'ingested');
    assert.ok(r.status === 'ingested' && r.result.accepted > 3, JSON.stringify(r));
  });
});
