// API throughput: an authenticated small GET and an audited write on Mizugiwa (SQLite and PostgreSQL),
// beside a bare Fastify server answering a tiny GET, measured by autocannon and cross-checked by wrk.
// See bench/README.md for what each row means.
import type { RawRequest } from 'autocannon';
import { createRequire } from 'node:module';
import { newestAuditId, verifyAudit } from './lib/audit.js';
import { runAutocannon, warmUp, type AutocannonSpec } from './lib/autocannon.js';
import { Cleanup } from './lib/cleanup.js';
import { rowsTable } from './lib/markdown.js';
import { startMizugiwa, type StoreKind } from './lib/mizugiwa.js';
import { startPeer } from './lib/peer.js';
import { postgresReachable } from './lib/postgres.js';
import { writeResult, type BenchResult, type Row } from './lib/result.js';
import { settings } from './lib/settings.js';
import { runWrk, wrkVersion } from './lib/wrk.js';

const GET_WORKLOAD = 'authenticated GET /api/jobs?limit=5';
const PUT_WORKLOAD = 'audited write PUT /api/subscribers/:id';
const PEER_WORKLOAD = 'GET tiny JSON, no auth, no DB';
/** Writes cycle through this many subscriber ids: the first ID_RING writes create, the rest update. */
const ID_RING = 1000;
const BODY = JSON.stringify({ name: 'Bench Subscriber', email: 'b@example.jp' });

const fastifyVersion = (createRequire(import.meta.url)('fastify/package.json') as { version: string }).version;
const { durationS, connections } = settings;
const rows: Row[] = [];
const notes: string[] = [];
const cleanup = new Cleanup();

function log(line: string): void {
  process.stdout.write(`  ${line}\n`);
}

/** PUTs to bench-0 … bench-(ring-1), round robin over all connections; `prefix` keeps warm-up ids apart. */
function ringOfWrites(prefix: string, ring: number): AutocannonSpec['requests'] {
  let next = 0;
  return [
    {
      method: 'PUT',
      setupRequest: (request: RawRequest) => ({ ...request, path: `/api/subscribers/${prefix}-${next++ % ring}` }),
    },
  ];
}

async function benchMizugiwa(store: StoreKind, wrkTool: string | undefined): Promise<void> {
  const server = await startMizugiwa(store, cleanup);
  const label = `mizugiwa (${store.kind})`;
  log(`${label} listening on ${server.url}`);
  const auth = { authorization: `Bearer ${server.token}` };

  const get = {
    workload: GET_WORKLOAD,
    server: label,
    url: `${server.url}/api/jobs?limit=5`,
    connections,
    durationS,
    headers: auth,
  };
  log(`${label}: GET warm-up 2 s, then autocannon ${durationS} s`);
  await warmUp(get);
  rows.push(await runAutocannon(get));
  if (store.kind === 'sqlite') {
    if (wrkTool) {
      log(`${label}: GET with wrk ${durationS} s`);
      rows.push(await runWrk(get, wrkTool));
    } else notes.push('wrk row skipped: /usr/bin/wrk not found (apt-get install wrk).');
  }

  const put = {
    workload: PUT_WORKLOAD,
    server: label,
    url: server.url,
    connections,
    durationS,
    method: 'PUT',
    body: BODY,
    headers: { ...auth, 'content-type': 'application/json' },
  };
  log(`${label}: PUT warm-up 2 s, then autocannon ${durationS} s`);
  await warmUp({ ...put, requests: ringOfWrites('warm', ID_RING) });
  const before = await newestAuditId(server);
  const writes = await runAutocannon({ ...put, requests: ringOfWrites('bench', ID_RING) });
  rows.push(writes);
  // Stop first: in-flight writes finish (graceful shutdown) before the trail is read and verified.
  await server.stop();
  const after = await newestAuditId(server);
  const verified = await verifyAudit(server);
  const ok = writes.requests - writes.non2xx;
  const written = after - before;
  // autocannon stops at its deadline with up to one request per connection in flight; the server still
  // completes those, so the trail may hold up to `connections` more entries than 2xx answers counted.
  const consistent = written >= ok && written <= ok + connections;
  notes.push(
    `${label} writes: ${ok} answered 2xx within the run (${Math.min(ok, ID_RING)} creates, ${Math.max(0, ok - ID_RING)} updates); ` +
      `${written} audit entries written (ids ${before + 1}–${after}, ${written - ok} for requests still in flight at the deadline)` +
      `${consistent ? '' : ' — MISMATCH'}; \`audit verify\` after stop: ${verified.message}.`,
  );
  if (!verified.ok || !consistent) process.exitCode = 1;
}

async function benchPeer(wrkTool: string | undefined): Promise<void> {
  const url = await startPeer(cleanup);
  const peer = { workload: PEER_WORKLOAD, server: `peer: bare fastify ${fastifyVersion}`, url, connections, durationS };
  log(`peer fastify on ${url}: warm-up 2 s, then autocannon ${durationS} s${wrkTool ? ' and wrk' : ''}`);
  await warmUp(peer);
  rows.push(await runAutocannon(peer));
  if (wrkTool) rows.push(await runWrk(peer, wrkTool));
}

async function main(): Promise<void> {
  process.stdout.write(`api-throughput: ${connections} connections, ${durationS} s per run\n`);
  const wrkTool = await wrkVersion();
  if (!wrkTool) log('wrk not found at /usr/bin/wrk: skipping the wrk rows');
  try {
    await benchMizugiwa({ kind: 'sqlite' }, wrkTool);
    if (await postgresReachable(settings.postgresUrl)) {
      await benchMizugiwa({ kind: 'postgres', url: settings.postgresUrl }, wrkTool);
    } else {
      const skipped = `postgres skipped: PostgreSQL not reachable at ${settings.postgresUrl.replace(/:[^:@/]*@/, ':***@')}`;
      log(skipped);
      notes.push(`${skipped}.`);
    }
    await benchPeer(wrkTool);
  } finally {
    await cleanup.run();
  }

  const result: BenchResult = {
    name: 'api-throughput',
    title: 'API throughput: authenticated read, audited write, bare-framework peer',
    rows,
    notes: [
      `Write ids cycle through a ring of ${ID_RING} (bench-0 … bench-${ID_RING - 1}) on a fresh database: the first ${ID_RING} writes create, the rest update.`,
      ...notes,
    ],
  };
  const file = writeResult(result);
  process.stdout.write(`\n${rowsTable(rows)}\n\n${result.notes.map((n) => `- ${n}`).join('\n')}\n\nwrote ${file}\n`);
}

await main();
