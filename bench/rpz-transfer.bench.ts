// RPZ transfer: a 1,000,000-QNAME-trigger policy zone rendered and loaded into the transfer server,
// then Unbound loading it from Mizugiwa by AXFR next to Unbound loading the same zone from a local file
// (the peer), then a 1,000-domain change reaching Unbound by NOTIFY + IXFR. Each Unbound is timed from
// spawn to the first answer that carries the policy, polled with dig. Everything on 127.0.0.1.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { configSchema } from '../src/config/schema.js';
import { startRpzServer, type RpzServer } from '../src/enforce/rpz/server.js';
import { renderZone, zoneText, type RpzZone } from '../src/enforce/rpz/zone.js';
import type { PolicySnapshot } from '../src/enforce/snapshot.js';
import { runEnforceCycle } from '../src/enforce/cycle.js';
import type { PublishOutcome } from '../src/enforce/publish.js';
import type { RpzArtifact } from '../src/enforce/rpz/point.js';
import { readAllowlists } from '../src/intel/allowlist/load.js';
import type { ClaimRecord } from '../src/intel/claim-record.js';
import { ingest } from '../src/intel/ingest.js';
import { DEFAULT_SOURCE_DEFAULTS } from '../src/intel/source.js';
import { migrate } from '../src/store/migrate.js';
import { openSqlite } from '../src/store/open.js';
import { writeUnboundConfig } from '../test/support/unbound.js';
import { Cleanup } from './lib/cleanup.js';
import { freePort } from './lib/free-port.js';
import { repoRoot } from './lib/paths.js';
import { spawnTimed } from './lib/spawn-timed.js';
import { seconds, writeTableResult, type Measurement } from './lib/table-result.js';

const TRIGGERS = wholeNumber(process.env.BENCH_RPZ_TRIGGERS, 1_000_000);
/** Each listed domain is two QNAME triggers: the name and `*.` the name. */
const DOMAINS = Math.ceil(TRIGGERS / 2);
const CHANGES = 1000;
const GOAL_LOAD_RATIO = 1.5;
const GOAL_DELTA_S = 2;
const UNBOUND = '/usr/sbin/unbound';
const DIG = '/usr/bin/dig';
/** A load that takes longer than this is reported as failed rather than waited for. */
const LOAD_TIMEOUT_MS = 10 * 60_000;
const DELTA_TIMEOUT_MS = 60_000;

const run = promisify(execFile);
const cleanup = new Cleanup();
const rows: Measurement[] = [];
const notes: string[] = [];
const enforce = configSchema.parse({}).enforce;
const SINKHOLE = enforce.rpz.sinkhole.a!;

function log(line: string): void {
  process.stdout.write(`  ${line}\n`);
}

function wholeNumber(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 2) throw new Error(`expected a whole number ≥ 2, got "${raw}"`);
  return n;
}

const mib = (bytes: number) => bytes / 2 ** 20;
/** Names under .test, which the resolver's local auth-zone answers (NXDOMAIN) until the policy says otherwise. */
const domain = (i: number) => `host${i}.zone${i % 997}.test`;

function snapshotOf(indices: Iterable<number>): PolicySnapshot {
  const entries = [...indices].map((i) => ({
    type: 'domain' as const,
    value: domain(i),
    action: 'block' as const,
    categories: ['c2' as const],
    sources: ['bench'],
  }));
  return { point: 'rpz', entries, passthru: [], restrictedClients: [] };
}

function timed<T>(fn: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = fn();
  return { value, ms: performance.now() - started };
}

/** Polls `dig name A` until it answers the sinkhole address; the time since `since`. */
async function policyAnswered(port: number, name: string, since: number, timeoutMs: number): Promise<number> {
  for (;;) {
    const out = await run(DIG, ['@127.0.0.1', '-p', String(port), '+short', '+tries=1', '+timeout=1', name, 'A']).catch(
      () => ({ stdout: '' }),
    );
    if (out.stdout.trim() === SINKHOLE) return performance.now() - since;
    if (performance.now() - since > timeoutMs)
      throw new Error(`${name} not answered with the policy in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Peak RSS of a running process (VmHWM), in bytes: getrusage's maxrss would mix in spawned children. */
function peakRss(pid: number | undefined): number | null {
  try {
    const status = readFileSync(`/proc/${pid ?? 'self'}/status`, 'utf8');
    const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
    return Number.isFinite(kib) ? kib * 1024 : null;
  } catch {
    return null;
  }
}

function unboundConfig(dir: string, port: number, rpz: string[]): string {
  const zone =
    '$ORIGIN test.\n$TTL 60\n@ IN SOA ns.test. h.test. 1 3600 600 86400 60\n@ IN NS ns.test.\nns IN A 127.0.0.1\n';
  return writeUnboundConfig({
    dir,
    port,
    zone,
    rpz: [`name: ${enforce.rpz.zone}`, ...rpz],
    verbosity: 0,
    server: ['num-threads: 1'],
  });
}

function startUnbound(conf: string, label: string): ChildProcess {
  const child = spawn(UNBOUND, ['-d', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM') process.stderr.write(`${label} exited ${code ?? signal}:\n${stderr}\n`);
  });
  cleanup.add(`stop ${label}`, () => stop(child));
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * The whole publish path as `serve` runs it: the domains ingested as claims of one source (untimed),
 * then one timed enforcement cycle for the RPZ point — effective claims read, guards, zone rendered,
 * diffed against the live version, zone file and keys written, the version recorded.
 */
async function publishFromClaims(dir: string): Promise<Measurement> {
  const store = openSqlite(join(dir, 'publish.db'));
  try {
    await migrate(store);
    const raw = new Uint8Array(0);
    async function* claims(): AsyncIterable<ClaimRecord> {
      // Not under .test: the built-in allowlist keeps special-use names out of every artifact.
      for (let i = 0; i < DOMAINS; i++)
        yield { value: `host${i}.zone${i % 997}.c2-bench.net`, position: `gen:${i}`, raw };
    }
    const source = {
      name: 'bench',
      format: 'plain',
      snapshot: 'full' as const,
      mode: 'block' as const,
      defaults: { ...DEFAULT_SOURCE_DEFAULTS, category: 'c2' as const },
      maxRetireShare: 1,
    };
    await ingest(store.db, source, claims());
    const config = configSchema.parse({ data_dir: join(dir, 'publish-data') });
    const { lists } = readAllowlists(config.intel, dir);
    const started = performance.now();
    const { outcomes } = await runEnforceCycle(
      { db: store.db, config, allowlists: lists, audit: { actor: { kind: 'system', component: 'bench' } } },
      'rpz',
    );
    const ms = performance.now() - started;
    const outcome = outcomes[0];
    if (outcome?.status !== 'live' || outcome.entries !== DOMAINS) {
      notes.push(
        `publish from claims: expected a live version of ${DOMAINS} entries, got ${JSON.stringify(outcome?.status)} with ${outcome?.entries} — MISMATCH.`,
      );
      process.exitCode = 1;
    }
    log(`published ${outcome?.entries.toLocaleString('en-US')} domains in ${(ms / 1000).toFixed(2)} s`);
    return {
      step: 'publish from claims: one enforcement cycle for the RPZ point (read claims, guards, render, diff, zone file, version)',
      by: 'mizugiwa → SQLite',
      records: (outcome as PublishOutcome & { artifact?: RpzArtifact }).artifact?.zone.records.length ?? null,
      wallS: ms / 1000,
      rssMiB: mibOrNull(peakRss(undefined)),
    };
  } finally {
    await store.close();
  }
}

async function unboundVersion(): Promise<string> {
  const out = await spawnTimed(UNBOUND, ['-V'], { cwd: repoRoot, timeoutMs: 10_000, label: 'unbound -V' });
  return /Version (\S+)/.exec(out.stdout)?.[1] ?? '?';
}

async function main(): Promise<void> {
  process.stdout.write(
    `rpz-transfer: ${DOMAINS.toLocaleString('en-US')} domains, ${(DOMAINS * 2).toLocaleString('en-US')} QNAME triggers\n`,
  );
  for (const program of [UNBOUND, DIG]) {
    if (!existsSync(program)) throw new Error(`${program} is needed (apt-get install unbound bind9-dnsutils)`);
  }
  const version = await unboundVersion();
  const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-bench-rpz-'));
  cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  try {
    log('publish from claims (SQLite)');
    rows.push(await publishFromClaims(dir));

    const snapshot = snapshotOf(Array.from({ length: DOMAINS }, (_, i) => i));
    const render = timed(() => renderZone(snapshot, enforce, 1));
    const zone: RpzZone = render.value;
    const records = zone.records.length;
    log(`render: ${records.toLocaleString('en-US')} records in ${(render.ms / 1000).toFixed(2)} s`);
    rows.push({ step: 'renderZone over the snapshot', by: 'mizugiwa', records, wallS: render.ms / 1000, rssMiB: null });

    const resolverPort = await freePort();
    const server: RpzServer = await startRpzServer({
      config: { ...enforce.rpz, listen: '127.0.0.1:0', notify: [`127.0.0.1:${resolverPort}`] },
      logger: pino({ level: 'info' }, sink),
      notifyRetryMs: 200,
    });
    cleanup.add('close the transfer server', () => server.close());
    const primary = server.address().tcp;
    let started = performance.now();
    await server.setZone(zone);
    const setZoneMs = performance.now() - started;
    const rss = process.memoryUsage().rss;
    log(`setZone: ${(setZoneMs / 1000).toFixed(2)} s, RSS ${mib(rss).toFixed(0)} MiB`);
    rows.push({
      step: 'setZone: encode for transfer, swap, NOTIFY',
      by: 'mizugiwa',
      records,
      wallS: setZoneMs / 1000,
      rssMiB: mib(rss),
    });

    const zoneFile = join(dir, 'rpz.zone');
    writeFileSync(zoneFile, zoneText(zone));
    const probe = domain(DOMAINS - 1);

    log('Unbound ← Mizugiwa (AXFR)');
    const viaAxfr = startUnbound(
      unboundConfig(dir, resolverPort, [`primary: 127.0.0.1@${primary}`]),
      'unbound (primary)',
    );
    started = performance.now();
    const axfrLoadMs = await policyAnswered(resolverPort, probe, started, LOAD_TIMEOUT_MS);
    const axfrLog = logs.find((l) => l.msg === 'rpz transfer' && l.transfer === 'axfr');
    rows.push({
      step: 'Unbound loads the zone by AXFR from Mizugiwa (spawn → policy answer)',
      by: `unbound ${version}`,
      records,
      wallS: axfrLoadMs / 1000,
      rssMiB: mibOrNull(peakRss(viaAxfr.pid)),
    });
    if (axfrLog) {
      rows.push({
        step: `… of which the AXFR as served (${Number(axfrLog.messages).toLocaleString('en-US')} messages, ${mib(Number(axfrLog.bytes)).toFixed(0)} MiB)`,
        by: 'mizugiwa',
        records,
        wallS: Number(axfrLog.ms) / 1000,
        rssMiB: null,
      });
    }
    log(`loaded in ${(axfrLoadMs / 1000).toFixed(2)} s`);

    log(`delta: ${CHANGES} domains changed`);
    const removed = new Set(Array.from({ length: CHANGES / 2 }, (_, k) => k * Math.floor(DOMAINS / (CHANGES / 2))));
    const kept = Array.from({ length: DOMAINS }, (_, i) => i).filter((i) => !removed.has(i));
    const addedFrom = DOMAINS;
    const next = renderZone(
      snapshotOf([...kept, ...Array.from({ length: CHANGES / 2 }, (_, k) => addedFrom + k)]),
      enforce,
      2,
    );
    const newName = domain(addedFrom + CHANGES / 2 - 1);
    started = performance.now();
    await server.setZone(next);
    const deltaSetZoneMs = performance.now() - started;
    const deltaMs = await policyAnswered(resolverPort, newName, started, DELTA_TIMEOUT_MS);
    const stats = server.stats();
    const changedRecords = Number(logs.find((l) => l.msg === 'rpz transfer' && l.transfer === 'ixfr')?.records ?? NaN);
    rows.push({
      step: `delta: ${CHANGES.toLocaleString('en-US')} domains changed, setZone → Unbound answers a new name (NOTIFY + IXFR)`,
      by: `mizugiwa → unbound ${version}`,
      records: Number.isFinite(changedRecords) ? changedRecords : null,
      wallS: deltaMs / 1000,
      rssMiB: null,
    });
    rows.push({
      step: '… of which setZone (diff, re-encode the change, journal, NOTIFY)',
      by: 'mizugiwa',
      records: next.records.length,
      wallS: deltaSetZoneMs / 1000,
      rssMiB: null,
    });
    const consistent = stats.transfers.axfr === 1 && stats.transfers.ixfr === 1 && stats.transfers.ixfrFull === 0;
    notes.push(
      `Transfers served: ${JSON.stringify(stats.transfers)} — ${consistent ? 'one AXFR, then the change by IXFR, as expected' : 'MISMATCH: expected one AXFR and one IXFR'}.`,
    );
    if (!consistent) process.exitCode = 1;
    await stop(viaAxfr);

    log('peer: Unbound ← zone file');
    const peerPort = await freePort();
    const fromFile = startUnbound(unboundConfig(dir, peerPort, [`zonefile: "${zoneFile}"`]), 'unbound (zonefile)');
    started = performance.now();
    const fileLoadMs = await policyAnswered(peerPort, probe, started, LOAD_TIMEOUT_MS);
    rows.push({
      step: 'peer: Unbound loads the same zone from a local file (spawn → policy answer)',
      by: `unbound ${version}`,
      records,
      wallS: fileLoadMs / 1000,
      rssMiB: mibOrNull(peakRss(fromFile.pid)),
    });
    log(`loaded in ${(fileLoadMs / 1000).toFixed(2)} s`);
    await stop(fromFile);

    const ratio = axfrLoadMs / fileLoadMs;
    const peak = peakRss(undefined) ?? NaN;
    notes.unshift(
      `Goals (issue): AXFR load within ${GOAL_LOAD_RATIO}× of Unbound's own file load — **${ratio <= GOAL_LOAD_RATIO ? 'met' : 'not met'}**: ` +
        `${ratio.toFixed(2)}× (${(axfrLoadMs / 1000).toFixed(2)} s against ${(fileLoadMs / 1000).toFixed(2)} s); ` +
        `a change at Unbound in under ${GOAL_DELTA_S} s — **${deltaMs / 1000 < GOAL_DELTA_S ? 'met' : 'not met'}**: ${(deltaMs / 1000).toFixed(2)} s.`,
      `Workload: ${DOMAINS.toLocaleString('en-US')} listed domains → ${(DOMAINS * 2).toLocaleString('en-US')} QNAME triggers ` +
        `(the name and \`*.\` the name) → ${records.toLocaleString('en-US')} records with the default redirect action (A and AAAA ` +
        `to the sinkhole); zone file ${mib(statSync(zoneFile).size).toFixed(0)} MiB. The delta removes ${CHANGES / 2} and adds ` +
        `${CHANGES / 2} domains. Unbound runs one thread, RPZ via its respip module, answering other .test names from a ` +
        `local auth-zone; times include its start-up. RSS for Unbound is its peak (VmHWM); for Mizugiwa the bench ` +
        `process after setZone (peak over the whole bench, snapshot and both versions included: ${mib(peak).toFixed(0)} MiB).`,
    );
  } finally {
    await cleanup.run();
  }

  writeTableResult({
    name: 'rpz-transfer',
    title: 'RPZ transfer: a 1M-trigger policy zone into Unbound by AXFR, and a change by IXFR',
    caption: 'wall s: the step as timed by the bench; "spawn → policy answer" polls dig every 20 ms.',
    columns: [
      { key: 'step', label: 'step' },
      { key: 'by', label: 'run by' },
      { key: 'records', label: 'records', right: true },
      { key: 'wallS', label: 'wall s', right: true, show: seconds },
      { key: 'rssMiB', label: 'RSS MiB', right: true },
    ],
    rows,
    notes,
  });
}

function mibOrNull(bytes: number | null): number | null {
  return bytes === null ? null : mib(bytes);
}

await main();
