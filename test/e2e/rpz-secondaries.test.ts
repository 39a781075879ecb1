// The RPZ transfer server feeding real resolvers: Unbound takes the zone by AXFR, then a change by
// NOTIFY + IXFR; BIND 9 takes it signed with TSIG and applies it, and a transfer with the wrong key
// is refused. Both daemons run in the foreground on loopback with their own config in a temp dir;
// their "real" answers come from a local zone, and nothing is sent off loopback (a stub for the root
// points at a closed loopback port; BIND does not recurse).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { configSchema } from '../../src/config/schema.js';
import { startRpzServer, type RpzServer, type RpzServerOptions } from '../../src/enforce/rpz/server.js';
import { renderZone, type RpzZone } from '../../src/enforce/rpz/zone.js';
import type { PolicySnapshot } from '../../src/enforce/snapshot.js';
import { missingProgram } from '../support/components.js';
import { freePort } from '../support/serve.js';
import { writeUnboundConfig } from '../support/unbound.js';
import { daemon as startDaemon, dig, tempDir as makeTempDir, type Cleanups } from '../support/daemon.js';

const run = promisify(execFile);
const UNBOUND = '/usr/sbin/unbound';
const NAMED = '/usr/sbin/named';
// Debian ships it in /usr/bin (bind9-utils), not beside named.
const NAMED_CHECKCONF = '/usr/bin/named-checkconf';
const DIG = '/usr/bin/dig';
const skipUnbound =
  missingProgram(UNBOUND, 'unbound') ||
  missingProgram('/usr/sbin/unbound-checkconf', 'unbound') ||
  missingProgram(DIG, 'bind9-dnsutils');
const skipBind =
  missingProgram(NAMED, 'bind9') ||
  missingProgram(NAMED_CHECKCONF, 'bind9-utils') ||
  missingProgram(DIG, 'bind9-dnsutils');

const enforce = configSchema.parse({}).enforce;
const SINKHOLE = enforce.rpz.sinkhole.a; // 127.0.0.1 by default

/** The local zone the resolvers answer unlisted names from. */
const REAL_ZONE = [
  '$ORIGIN test.',
  '$TTL 60',
  '@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 60',
  '@ IN NS ns.test.',
  'ns IN A 127.0.0.1',
  'www.good IN A 192.0.2.10',
  'evil IN A 192.0.2.66',
  'later IN A 192.0.2.67',
  '',
].join('\n');

function zone(domains: string[], serial: number): RpzZone {
  const snapshot: PolicySnapshot = {
    point: 'rpz',
    entries: [...domains]
      .sort()
      .map((value) => ({ type: 'domain', value, action: 'block', categories: ['c2'], sources: ['e2e'] })),
    passthru: [],
    restrictedClients: [],
  };
  return renderZone(snapshot, enforce, serial);
}

const cleanups: Cleanups = [];
after(async () => {
  for (const step of cleanups.reverse()) await step();
});

async function startServer(rpz: Partial<RpzServerOptions['config']>, initial: RpzZone) {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const server: RpzServer = await startRpzServer({
    config: { ...enforce.rpz, listen: '127.0.0.1:0', ...rpz },
    logger: pino({ level: 'info' }, sink),
    zone: initial,
    notifyRetryMs: 250,
  });
  cleanups.push(() => server.close());
  return { server, port: server.address().tcp, logs };
}

const daemon = (command: string, args: string[]) => startDaemon(cleanups, command, args);
const tempDir = (prefix: string) => makeTempDir(cleanups, prefix);

/** Polls until `dig +short name A` says `expected`; returns how long it took. Throws after `timeoutMs`. */
async function answers(port: number, name: string, expected: string, timeoutMs: number): Promise<number> {
  const started = performance.now();
  let last = '';
  while (performance.now() - started < timeoutMs) {
    last = (await dig(port, '+short', name, 'A')).trim();
    if (last === expected) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} answered ${JSON.stringify(last)}, not ${expected}, within ${timeoutMs} ms`);
}

describe('Unbound as an RPZ secondary', { skip: skipUnbound }, () => {
  test('loads the policy by AXFR, then takes a change by NOTIFY + IXFR within 5 s', async (t) => {
    const dir = tempDir('mizugiwa-unbound-');
    const port = await freePort();
    const {
      server,
      port: primary,
      logs,
    } = await startServer({ notify: [`127.0.0.1:${port}`] }, zone(['evil.test', 'other.example'], 1));
    const conf = writeUnboundConfig({
      dir,
      port,
      zone: REAL_ZONE,
      rpz: [`name: ${enforce.rpz.zone}`, `primary: 127.0.0.1@${primary}`, 'rpz-log: yes', 'rpz-log-name: "mizugiwa"'],
    });
    await run('/usr/sbin/unbound-checkconf', [conf]);
    const unbound = daemon(UNBOUND, ['-d', '-c', conf]);

    await answers(port, 'evil.test', SINKHOLE!, 15_000);
    assert.equal((await answers(port, 'www.good.test', '192.0.2.10', 5000)) >= 0, true, 'unlisted: the real answer');
    assert.equal((await dig(port, '+short', 'later.test', 'A')).trim(), '192.0.2.67', 'not listed yet');
    assert.match(unbound.output(), /rpz: applied \[mizugiwa\] evil\.test\./, 'rpz-log reports the hit');
    assert.equal(server.stats().transfers.axfr, 1);

    await server.setZone(zone(['evil.test', 'other.example', 'later.test'], 2));
    const ms = await answers(port, 'later.test', SINKHOLE!, 5000);
    const stats = server.stats();
    assert.equal(stats.transfers.ixfr, 1, `the change came by IXFR (${JSON.stringify(stats.transfers)})`);
    assert.equal(stats.transfers.axfr, 1, 'and not by a second AXFR');
    assert.equal(stats.transfers.ixfrFull, 0);
    assert.ok(stats.notify.acknowledged >= 1);
    assert.ok(
      logs.some((l) => l.msg === 'rpz transfer' && l.transfer === 'ixfr' && l.fromSerial === 1 && l.serial === 2),
    );
    assert.equal((await dig(port, '+short', 'www.good.test', 'A')).trim(), '192.0.2.10');
    t.diagnostic(`Unbound answered the new policy ${ms.toFixed(0)} ms after setZone`);
  });
});

describe('BIND 9 as an RPZ secondary with TSIG', { skip: skipBind }, () => {
  test('transfers signed, applies the policy and its changes; a wrong key is refused and logged', async () => {
    const key = {
      name: 'mizugiwa-xfr.',
      algorithm: 'hmac-sha256' as const,
      secret: Buffer.alloc(32, 0x4d).toString('base64'),
    };
    const dir = tempDir('mizugiwa-named-');
    const port = await freePort();
    const {
      server,
      port: primary,
      logs,
    } = await startServer({ notify: [`127.0.0.1:${port}`], tsig: key }, zone(['evil.test'], 1));
    writeFileSync(join(dir, 'test.zone'), REAL_ZONE);
    const conf = join(dir, 'named.conf');
    const bare = enforce.rpz.zone.slice(0, -1);
    writeFileSync(
      conf,
      `key "mizugiwa-xfr" { algorithm hmac-sha256; secret "${key.secret}"; };
options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  session-keyfile "${dir}/session.key";
  managed-keys-directory "${dir}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify no;
  allow-query { 127.0.0.1; };
  // Without recursion the policy must be told to apply to authoritative answers; no 60 s hold-off.
  response-policy { zone "${bare}" recursive-only no min-update-interval 0; };
};
controls { };
zone "${bare}" { type secondary; primaries { 127.0.0.1 port ${primary} key "mizugiwa-xfr"; }; file "rpz.db"; };
zone "test" { type primary; file "test.zone"; };
`,
    );
    await run(NAMED_CHECKCONF, [conf]);
    const named = daemon(NAMED, ['-g', '-n', '1', '-c', conf]);

    await answers(port, 'evil.test', SINKHOLE!, 15_000);
    assert.equal((await dig(port, '+short', 'www.good.test', 'A')).trim(), '192.0.2.10', 'unlisted: the real answer');
    assert.match(named.output(), /transferred serial 1: TSIG 'mizugiwa-xfr'/);
    assert.ok(logs.some((l) => l.msg === 'rpz transfer' && l.transfer === 'axfr' && l.key === key.name));

    await server.setZone(zone(['evil.test', 'later.test'], 2));
    await answers(port, 'later.test', SINKHOLE!, 10_000);
    assert.match(named.output(), /transferred serial 2: TSIG 'mizugiwa-xfr'/);
    assert.ok(server.stats().transfers.ixfr >= 1, JSON.stringify(server.stats().transfers));
    assert.ok(
      server.stats().notify.acknowledged >= 1,
      'BIND acknowledged the signed NOTIFY and we verified its signed answer',
    );

    const wrong = { ...key, secret: Buffer.alloc(32, 0x11).toString('base64') };
    const refused = await dig(primary, '-y', `hmac-sha256:mizugiwa-xfr:${wrong.secret}`, enforce.rpz.zone, 'AXFR');
    assert.match(refused, /BADSIG/);
    assert.match(refused, /Transfer failed/);
    const soa = await dig(primary, '-y', `hmac-sha256:mizugiwa-xfr:${wrong.secret}`, enforce.rpz.zone, 'SOA');
    assert.match(soa, /status: NOTAUTH/);
    const logged = logs.filter((l) => l.msg === 'rpz request failed TSIG verification');
    assert.ok(logged.some((l) => String(l.reason).startsWith('TSIG BADSIG') && l.query === `${enforce.rpz.zone} AXFR`));
  });
});
