// The walled garden with a real Unbound (issue 7, end-to-end test 4). A subscriber whose case the desk
// has notified is restricted: the desk asks through the API, a second person approves from the shell,
// and `mizugiwa serve` publishes the subscriber's address as an rpz-client-ip trigger. Queries sent from
// that address (dig -b 127.0.0.23) are answered with the sinkhole, whose page names the case, while
// another client resolves normally. When the lease data moves the subscriber to 127.0.0.24 the
// restriction follows; after release, the subscriber resolves normally again and the case is resolved.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { configSchema } from '../../src/config/schema.js';
import { nftablesPoint } from '../../src/enforce/nftables.js';
import { missingProgram, requireOrSkip } from '../support/components.js';
import { freePort, runCli, startServe, stopServe, type Served } from '../support/serve.js';
import { writeUnboundConfig } from '../support/unbound.js';

const run = promisify(execFile);
const UNBOUND = '/usr/sbin/unbound';
const DIG = '/usr/bin/dig';
const CURL = '/usr/bin/curl';
const skip =
  missingProgram(UNBOUND, 'unbound') || missingProgram(DIG, 'bind9-dnsutils') || missingProgram(CURL, 'curl');

const SUBSCRIBER = '127.0.0.23';
const MOVED = '127.0.0.24';
const OTHER = '127.0.0.1';
const SINKHOLE = '127.0.0.1';
const REAL = '192.0.2.11';
const fixtures = join(import.meta.dirname, '../../src/abuse/formats/fixtures');

const ZONE = [
  '$ORIGIN test.',
  '$TTL 60',
  '@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 60',
  '@ IN NS ns.test.',
  'ns IN A 127.0.0.1',
  'www IN A 192.0.2.11',
  '',
].join('\n');

describe('the walled garden through a real Unbound', { skip }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'mizugiwa-garden-'));
  const cli = (args: string[]) => runCli(args, { cwd });
  let served: Served | undefined;
  let unbound: ChildProcess | undefined;
  let unboundLog = '';
  let dnsPort = 0;
  let sinkholePort = 0;
  let caseId = 0;
  let restrictionId = 0;
  let deskToken = '';
  let adminToken = '';

  /** The answer to `www.test A` for a query sent from `from`. */
  const dig = async (from: string): Promise<string> => {
    const out = await run(DIG, [
      '@127.0.0.1',
      '-p',
      String(dnsPort),
      '-b',
      from,
      '+short',
      '+tries=1',
      '+timeout=2',
      'www.test',
      'A',
    ]).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
    return out.stdout.trim();
  };
  const answers = async (from: string, expected: string, timeoutMs: number): Promise<void> => {
    const until = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < until) {
      last = await dig(from);
      if (last === expected) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.fail(`www.test from ${from} answered ${JSON.stringify(last)}, expected ${expected} within ${timeoutMs} ms`);
  };
  /** The page the sinkhole serves to a browser at `from` that opened http://www.test/. */
  const page = async (from: string): Promise<string> => {
    const { stdout } = await run(CURL, [
      '-s',
      '--interface',
      from,
      '-H',
      'Host: www.test',
      '-H',
      'Accept-Language: ja',
      `http://${SINKHOLE}:${sinkholePort}/`,
    ]);
    return stdout;
  };
  const api = async (method: 'GET' | 'POST', path: string, token: string, body?: object) => {
    const res = await fetch(`${served!.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body && { 'content-type': 'application/json' }) },
      ...(body && { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const leases = (rows: string[]) => {
    writeFileSync(join(cwd, 'lines.csv'), ['prefix,subscriber_id,since,until', ...rows, ''].join('\n'));
    const r = cli(['attribute', 'import', join(cwd, 'lines.csv'), '--format', 'static-csv', '--source', 'lines']);
    assert.equal(r.code, 0, r.stderr);
  };

  before(async () => {
    const rpzPort = await freePort();
    dnsPort = await freePort();
    sinkholePort = await freePort();
    writeFileSync(
      join(cwd, 'mizugiwa.yaml'),
      [
        'enforce:',
        '  publish_every_seconds: 5',
        '  rpz:',
        `    listen: 127.0.0.1:${rpzPort}`,
        `    notify: ['127.0.0.1:${dnsPort}']`,
        '  sinkhole:',
        `    listen: ${SINKHOLE}:${sinkholePort}`,
        '    contact: {phone: 0120-000-000}',
        'abuse:',
        '  escalation:',
        '    follow_every_seconds: 5',
        '',
      ].join('\n'),
    );

    // Sato (C-23) held 198.51.100.16/28 when Shadowserver saw an infected device there, and is now on
    // the line whose address is 127.0.0.23.
    writeFileSync(join(cwd, 'customers.csv'), 'id,name,email\nC-23,Sato,sato@example.jp\n');
    assert.equal(cli(['subscribers', 'import', join(cwd, 'customers.csv')]).code, 0);
    leases([
      '198.51.100.16/28,C-23,2026-01-01T00:00:00Z,2026-11-20T12:00:00Z',
      `${SUBSCRIBER},C-23,2026-11-01T00:00:00Z,`,
    ]);
    const report = cli([
      'abuse',
      'import',
      join(fixtures, 'shadowserver/2026-11-20-event4_sinkhole-asn64500-jp.csv'),
      '--json',
    ]);
    assert.equal(report.code, 0, report.stderr);
    const listed = cli(['abuse', 'cases', '--subscriber', 'C-23', '--json']);
    const kase = JSON.parse(listed.stdout.trim().split('\n')[0]!) as { id: number; type: string };
    assert.equal(kase.type, 'infected-system');
    caseId = kase.id;
    assert.equal(cli(['abuse', 'case', 'move', String(caseId), 'notified', '--reason', 'notice mailed']).code, 0);
    deskToken = cli(['token', 'create', 'desk', '--role', 'abuse_desk']).stdout.trim();
    adminToken = cli(['token', 'create', 'lead', '--role', 'admin']).stdout.trim();

    served = await startServe(cwd, {
      MIZUGIWA_ENFORCE_RPZ_LISTEN: `127.0.0.1:${rpzPort}`,
      MIZUGIWA_ENFORCE_SINKHOLE_LISTEN: `${SINKHOLE}:${sinkholePort}`,
    });
    const conf = writeUnboundConfig({
      dir: cwd,
      port: dnsPort,
      zone: ZONE,
      rpz: cli(['enforce', 'rpz', 'config', 'unbound'])
        .stdout.split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#') && !['server:', 'rpz:'].includes(l) && !l.startsWith('module-config'))
        .map((l) => l.replace(/@\d+$/, `@${rpzPort}`)),
    });
    await run('/usr/sbin/unbound-checkconf', [conf]);
    unbound = spawn(UNBOUND, ['-d', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    unbound.stdout!.on('data', (d: Buffer) => (unboundLog += d.toString()));
    unbound.stderr!.on('data', (d: Buffer) => (unboundLog += d.toString()));
  });

  after(async () => {
    if (unbound && unbound.exitCode === null) {
      const exited = new Promise((r) => unbound!.once('exit', r));
      unbound.kill('SIGTERM');
      await exited;
    }
    if (served) await stopServe(served);
    rmSync(cwd, { recursive: true, force: true });
  });

  test('before any restriction, the subscriber resolves normally', async () => {
    await answers(SUBSCRIBER, REAL, 20_000);
    assert.equal(await dig(OTHER), REAL);
  });

  test('requested by the desk, approved by someone else: every name from the subscriber goes to the notice page', async () => {
    // From the shell first: asked, then declined (a pending request is turned down with `release`).
    const early = cli(['abuse', 'restrict', String(caseId), '--reason', 'first notice only a day old', '--json']);
    assert.equal(early.code, 0, early.stderr);
    const earlyId = (JSON.parse(early.stdout) as { id: number; state: string }).id;
    const declined = cli(['abuse', 'release', String(earlyId), '--reason', 'too early: wait for the reminder']);
    assert.equal(declined.code, 0, declined.stderr);
    assert.match(declined.stdout, new RegExp(`restriction ${earlyId} declined`));

    const asked = await api('POST', `/api/abuse/cases/${caseId}/restriction`, deskToken, {
      reason: 'infected PC, two notices unanswered',
    });
    assert.equal(asked.status, 201, JSON.stringify(asked.json));
    restrictionId = asked.json.id as number;
    const self = await api('POST', `/api/abuse/restrictions/${restrictionId}/approve`, deskToken);
    assert.equal(self.status, 403, 'the one who asked cannot approve');
    const approved = cli(['abuse', 'approve', String(restrictionId)]);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, new RegExp(`${SUBSCRIBER.replace(/\./g, '\\.')}`));

    await answers(SUBSCRIBER, SINKHOLE, 30_000);
    assert.equal(await dig(OTHER), REAL, 'another client is not restricted');
    const html = await page(SUBSCRIBER);
    assert.match(html, new RegExp(`id="case-ja">${caseId}<`), 'the notice page names the case');
    assert.match(html, /インターネット接続を一時的に制限しています/);
    assert.match(html, /ウイルス対策ソフト/, 'the advice for an infected device');
    assert.match(html, /0120-000-000/);
    assert.doesNotMatch(await page(OTHER), /case-ja/, 'another client gets the ordinary block page');
    const shown = cli(['abuse', 'case', 'show', String(caseId)]);
    assert.match(shown.stdout, /notified → restricted by cli:/);
  });

  test('the restriction follows the subscriber to a new address', async () => {
    const moved = new Date(Date.now() - 60_000).toISOString();
    leases([
      '198.51.100.16/28,C-23,2026-01-01T00:00:00Z,2026-11-20T12:00:00Z',
      `${SUBSCRIBER},C-23,2026-11-01T00:00:00Z,${moved}`,
      `${MOVED},C-23,${moved},`,
    ]);
    await answers(MOVED, SINKHOLE, 30_000);
    await answers(SUBSCRIBER, REAL, 10_000);
    const detail = await api('GET', `/api/abuse/restrictions/${restrictionId}`, adminToken);
    const history = (detail.json.history as { address: string; until: string | null }[]).map((h) => [
      h.address,
      h.until === null,
    ]);
    assert.deepEqual(history, [
      [SUBSCRIBER, false],
      [MOVED, true],
    ]);
  });

  test('after release the subscriber resolves normally again, and the case is resolved', async () => {
    const released = await api('POST', `/api/abuse/restrictions/${restrictionId}/release`, adminToken, {
      reason: 'PC reinstalled, confirmed by phone',
    });
    assert.equal(released.status, 200, JSON.stringify(released.json));
    await answers(MOVED, REAL, 30_000);
    assert.equal(await dig(OTHER), REAL);
    const cases = cli(['abuse', 'cases', '--subscriber', 'C-23', '--json']);
    assert.equal((JSON.parse(cases.stdout.trim().split('\n')[0]!) as { state: string }).state, 'resolved');
    const list = cli(['abuse', 'restrictions', '--json']);
    const [row] = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number; state: string; releaseKind: string; approvedBy: string });
    assert.deepEqual([row?.id, row?.state, row?.releaseKind], [restrictionId, 'released', 'operator']);
    assert.match(row!.approvedBy, /^cli:/);
    const shown = cli(['abuse', 'restrictions', String(restrictionId)]);
    assert.match(
      shown.stdout,
      new RegExp(`restriction ${restrictionId}: case ${caseId} C-23 infected-system released`),
    );
    assert.match(shown.stdout, /operator .* PC reinstalled/);
    assert.match(shown.stdout, new RegExp(`${MOVED.replace(/\./g, '\\.')}  \\S+ → \\S+`));
    const audit = cli(['audit', 'list', '--action', 'abuse.restriction.', '--json']);
    for (const action of ['request', 'decline', 'approve', 'follow', 'release'])
      assert.match(audit.stdout, new RegExp(`abuse\\.restriction\\.${action}`), action);
  });
});

// The firewall half of the walled garden (abuse.escalation.nftables): the script the nftables point
// renders with restricted clients and the walled-garden rules is one the kernel loads.
const nftSkip =
  missingProgram('/usr/sbin/ip', 'iproute2') ||
  missingProgram('/usr/sbin/nft', 'nftables') ||
  (process.getuid?.() !== 0 && requireOrSkip('network namespaces need root (CAP_NET_ADMIN and CAP_SYS_ADMIN)'));

describe('the walled garden in a real nftables', { skip: nftSkip }, () => {
  const ns = `mzg-garden-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-garden-nft-'));
  const inNs = (...args: string[]) => run('ip', ['netns', 'exec', ns, ...args], { timeout: 15_000 });
  before(() => run('ip', ['netns', 'add', ns]));
  after(async () => {
    await run('ip', ['netns', 'delete', ns]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  test('restricted clients and the walled-garden rules load into the kernel as rendered', async () => {
    const config = configSchema.parse({
      enforce: { nftables: { enabled: true, reload_command: '' } },
      abuse: {
        escalation: { nftables: { enabled: true, walled_garden: true, allow: ['192.0.2.53', '2001:db8::53'] } },
      },
    });
    const context = { config, dataDir: dir, version: 1, serial: 1 };
    const artifact = nftablesPoint.render(
      {
        point: 'nftables',
        entries: [],
        passthru: [],
        restrictedClients: ['198.51.100.7', '2001:db8:1200::/56'],
      },
      context,
    );
    await nftablesPoint.apply(artifact, context);
    await inNs('nft', '-f', artifact.files[0]!.path);
    const v4 = await inNs('nft', 'list', 'set', 'inet', 'mizugiwa', 'restricted_v4');
    assert.match(v4.stdout, /198\.51\.100\.7/);
    const v6 = await inNs('nft', 'list', 'set', 'inet', 'mizugiwa', 'restricted_v6');
    assert.match(v6.stdout, /2001:db8:1200::\/56/);
    const forward = await inNs('nft', 'list', 'chain', 'inet', 'mizugiwa', 'forward');
    assert.match(
      forward.stdout,
      /ip saddr @restricted_v4 ip daddr != @restricted_allow_v4 counter packets \d+ bytes \d+ drop/,
    );
    assert.match(
      forward.stdout,
      /ip6 saddr @restricted_v6 ip6 daddr != @restricted_allow_v6 counter packets \d+ bytes \d+ drop/,
    );
  });
});
