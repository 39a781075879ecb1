// The whole DNS firewall as an ISP runs it: `mizugiwa serve` is the RPZ primary for a real Unbound,
// which answers a listed name with the sinkhole, an allowlisted and an unlisted name with their real
// answers (from a local authoritative zone: nothing leaves loopback), and the sinkhole shows the block
// page in Japanese. Then the guard: a feed that would remove 90% of the entries does not reach Unbound
// until it is approved, and once approved it does, by NOTIFY and IXFR.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { promisify } from 'node:util';
import { missingProgram } from '../support/components.js';
import { freePort, runCli, startServe, type Served } from '../support/serve.js';
import { writeUnboundConfig } from '../support/unbound.js';

const run = promisify(execFile);
const UNBOUND = '/usr/sbin/unbound';
const DIG = '/usr/bin/dig';
const CURL = '/usr/bin/curl';
const skip =
  missingProgram(UNBOUND, 'unbound') || missingProgram(DIG, 'bind9-dnsutils') || missingProgram(CURL, 'curl');

const REAL_ZONE = [
  '$ORIGIN test.',
  '$TTL 60',
  '@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 60',
  '@ IN NS ns.test.',
  'ns IN A 127.0.0.1',
  'evil IN A 192.0.2.66',
  'good IN A 192.0.2.11',
  'www.good IN A 192.0.2.10',
  'unlisted IN A 192.0.2.12',
  'bad1 IN A 192.0.2.21',
  '',
].join('\n');
const BAD = Array.from({ length: 40 }, (_, i) => `bad${i + 1}.test`);

describe('serve as the RPZ primary of a real Unbound, with the sinkhole and the guards', { skip }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'mizugiwa-dns-'));
  const cli = (args: string[]) => runCli(args, { cwd });
  const feed = (names: string[]) => writeFileSync(join(cwd, 'list.txt'), `${names.join('\n')}\n`);
  let served: Served | undefined;
  let unbound: ChildProcess | undefined;
  let unboundLog = '';
  let dnsPort = 0;
  let sinkholePort = 0;

  const dig = async (name: string): Promise<string> => {
    const out = await run(DIG, [
      '@127.0.0.1',
      '-p',
      String(dnsPort),
      '+short',
      '+tries=1',
      '+timeout=2',
      name,
      'A',
    ]).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
    return out.stdout.trim();
  };
  const answers = async (name: string, expected: string, timeoutMs: number): Promise<void> => {
    const until = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < until) {
      last = await dig(name);
      if (last === expected) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`${name} answered ${JSON.stringify(last)}, expected ${expected} within ${timeoutMs} ms`);
  };

  before(async () => {
    const rpzPort = await freePort();
    dnsPort = await freePort();
    sinkholePort = await freePort();
    writeFileSync(
      join(cwd, 'mizugiwa.yaml'),
      [
        'intel:',
        '  sources:',
        '    - {name: c2list, format: plain, file: list.txt, category: c2, max_retire_share: 1}',
        '  allowlists:',
        '    - name: partners',
        '      entries:',
        '        - {kind: hostname, value: good.test}',
        'enforce:',
        '  publish_every_seconds: 5',
        '  limits: {min_entries_for_share: 10}',
        '  rpz:',
        `    listen: 127.0.0.1:${rpzPort}`,
        `    notify: ['127.0.0.1:${dnsPort}']`,
        '  sinkhole:',
        `    listen: 127.0.0.1:${sinkholePort}`,
        '    contact: {phone: 0120-000-000}',
        '',
      ].join('\n'),
    );
    feed(['evil.test', 'good.test', ...BAD]);
    assert.equal(cli(['intel', 'fetch', 'c2list', '--json']).code, 0);
    served = await startServe(cwd, {
      MIZUGIWA_ENFORCE_RPZ_LISTEN: `127.0.0.1:${rpzPort}`,
      MIZUGIWA_ENFORCE_SINKHOLE_LISTEN: `127.0.0.1:${sinkholePort}`,
    });

    // The rpz: clause as `mizugiwa enforce rpz config unbound` prints it (with the test's port).
    const conf = writeUnboundConfig({
      dir: cwd,
      port: dnsPort,
      zone: REAL_ZONE,
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
    if (served && served.child.exitCode === null) {
      served.child.kill('SIGTERM');
      await served.exited;
    }
  });

  test('a listed name gets the sinkhole; allowlisted and unlisted names their real answers', async () => {
    await answers('evil.test', '127.0.0.1', 20_000);
    await answers('sub.evil.test', '127.0.0.1', 2_000).catch(() => undefined); // not in the real zone: NXDOMAIN→policy
    assert.equal(await dig('good.test'), '192.0.2.11', 'allowlisted: never published');
    assert.equal(await dig('www.good.test'), '192.0.2.10');
    assert.equal(await dig('unlisted.test'), '192.0.2.12');
    assert.match(unboundLog, /rpz: applied \[mizugiwa\] evil\.test\./);
  });

  test('the sinkhole shows the block page in Japanese with the name and the contact', async () => {
    const { stdout } = await run(CURL, [
      '-s',
      '-H',
      'Host: evil.test',
      '-H',
      'Accept-Language: ja',
      `http://127.0.0.1:${sinkholePort}/login`,
    ]);
    assert.match(stdout, /lang="ja"/);
    assert.match(stdout, /evil\.test/);
    assert.match(stdout, /0120-000-000/);
    assert.match(stdout, /MZ-[0-9A-Z]{4}-[0-9A-Z]{5}/);
    // The hit is an observation too: a sinkhole sighting of the listed name, blocked, with the reference.
    const reference = /MZ-[0-9A-Z]{4}-[0-9A-Z]{5}/.exec(stdout)![0];
    const until = Date.now() + 10_000;
    let row: { point: string; count: number; blocked_count: number; detail: string } | undefined;
    while (!row && Date.now() < until) {
      const db = new Database(join(cwd, 'data', 'mizugiwa.db'), { readonly: true, timeout: 5000 });
      try {
        row = db
          .prepare(
            "select point, count, blocked_count, detail from sightings where indicator_value = 'evil.test' and client = '127.0.0.1'",
          )
          .get() as typeof row;
      } finally {
        db.close();
      }
      if (!row) await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(row, { point: 'sinkhole', count: 1, blocked_count: 1, detail: reference });
  });

  test('a feed that would remove 90% is held away from Unbound until approved', async () => {
    await answers('bad1.test', '127.0.0.1', 10_000);
    feed(['evil.test', 'bad2.test']);
    assert.equal(cli(['intel', 'fetch', 'c2list', '--json']).code, 0);
    const held = cli(['enforce', 'publish', 'rpz']);
    assert.equal(held.code, 3, held.stdout + held.stderr);
    // Two of serve's own publish ticks later, the held change has still not reached the resolver.
    await new Promise((r) => setTimeout(r, 11_000));
    assert.equal(await dig('bad1.test'), '127.0.0.1', 'still the live (previous) policy');
    const approved = cli(['enforce', 'approve', 'rpz']);
    assert.equal(approved.code, 0, approved.stdout + approved.stderr);
    // serve adopts the approved zone at its next tick, NOTIFYs, and Unbound takes it by IXFR.
    await answers('bad1.test', '192.0.2.21', 20_000);
    assert.equal(await dig('evil.test'), '127.0.0.1');
    const log = served!.output.join('');
    // Unbound asked by IXFR after the NOTIFY; a delta larger than the zone is answered with the zone.
    assert.match(log, /"transfer":"ixfr(-full)?"/, 'the approved change was fetched by IXFR');
  });
});
