// Observation with real resolvers, through `mizugiwa serve`:
//  - two Unbounds send dnstap to serve, one over the unix socket, one over TCP; `dig` from several
//    loopback addresses asks listed and unlisted names; sightings appear with the right clients,
//    counts and inputs, a listed address matches on what a name resolved to, and unlisted names
//    leave no trace in the store;
//  - BIND writes its query log to a file that serve tails, and rotates it itself (versions/size)
//    several times during the test: every listed lookup is counted once, none lost, none twice.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { missingProgram } from '../support/components.js';
import { daemon, dig, eventually, runCleanups, tempDir, type Cleanups } from '../support/daemon.js';
import { freePort, runCli, startServe, type Served } from '../support/serve.js';
import { writeUnboundConfig } from '../support/unbound.js';

const skip =
  missingProgram('/usr/sbin/unbound', 'unbound') ||
  missingProgram('/usr/sbin/named', 'bind9') ||
  missingProgram('/usr/bin/dig', 'bind9-dnsutils');

const ZONE = [
  '$ORIGIN test.',
  '$TTL 60',
  '@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 60',
  '@ IN NS ns.test.',
  'ns IN A 127.0.0.1',
  'www.good IN A 192.0.2.10',
  'evil IN A 192.0.2.66',
  'www.evil IN A 192.0.2.66',
  'fronted IN A 5.188.10.77',
  '',
].join('\n');

const cleanups: Cleanups = [];
after(() => runCleanups(cleanups));

type Row = { indicator_value: string; client: string; input: string; count: number; blocked_count: number };

function sightings(cwd: string): Row[] {
  const db = new Database(join(cwd, 'data', 'mizugiwa.db'), { readonly: true, timeout: 5000 });
  try {
    return db
      .prepare(
        'select indicator_value, client, input, sum(count) as count, sum(blocked_count) as blocked_count from sightings group by 1, 2, 3 order by 1, 2, 3',
      )
      .all() as Row[];
  } finally {
    db.close();
  }
}

function storeBytes(cwd: string): Buffer {
  const read = (f: string) => {
    try {
      return readFileSync(join(cwd, 'data', f));
    } catch {
      return Buffer.alloc(0);
    }
  };
  return Buffer.concat([read('mizugiwa.db'), read('mizugiwa.db-wal')]);
}

function startUnbound(dir: string, port: number, dnstap: string[]): void {
  const rpz = join(dir, `rpz-${port}.zone`);
  writeFileSync(rpz, '$TTL 60\n@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 60\n@ IN NS ns.test.\n');
  const conf = writeUnboundConfig({
    dir,
    port,
    zone: ZONE,
    rpz: ['name: rpz.unused.test', `zonefile: "${rpz}"`],
    server: ['access-control: 127.0.0.0/8 allow'],
    clauses: [
      'dnstap:',
      '  dnstap-enable: yes',
      '  dnstap-log-client-query-messages: yes',
      '  dnstap-log-client-response-messages: yes',
      ...dnstap.map((l) => `  ${l}`),
    ],
  });
  daemon(cleanups, '/usr/sbin/unbound', ['-d', '-c', conf]);
}

describe('observation through serve with real resolvers', { skip }, () => {
  let cwd: string;
  let served: Served;
  let unboundUnix: number;
  let unboundTcp: number;
  let named: number;
  let bindLog: string;

  before(async () => {
    cwd = tempDir(cleanups, 'mizugiwa-observe-dns-');
    const dnstapTcp = await freePort();
    [unboundUnix, unboundTcp, named] = [await freePort(), await freePort(), await freePort()];
    bindLog = join(cwd, 'queries.log');
    writeFileSync(
      join(cwd, 'mizugiwa.yaml'),
      [
        'observe:',
        '  flush_ms: 200',
        '  inputs:',
        '    - { name: unbound-unix, type: dnstap, unix: dnstap.sock }',
        `    - { name: unbound-tcp, type: dnstap, tcp: "127.0.0.1:${dnstapTcp}" }`,
        `    - { name: bind-log, type: file, format: bind-querylog, path: queries.log, from_end: false, timezone: UTC }`,
        '',
      ].join('\n'),
    );
    writeFileSync(join(cwd, 'listed.txt'), 'evil.test\n5.188.10.77\n');
    const imported = runCli(['intel', 'import', 'listed.txt', '--format', 'plain', '--source', 'e2e', '--json'], {
      cwd,
    });
    assert.equal(imported.code, 0, imported.stderr);
    served = await startServe(cwd);
    cleanups.push(async () => {
      served.child.kill('SIGTERM');
      await served.exited;
    });
    await eventually('the dnstap listener', () =>
      served.output.some((l) => l.includes('dnstap input unbound-unix on unix')) ? true : served.output.join('\n'),
    );

    startUnbound(cwd, unboundUnix, [`dnstap-socket-path: "${join(cwd, 'dnstap.sock')}"`]);
    startUnbound(cwd, unboundTcp, [`dnstap-ip: 127.0.0.1@${dnstapTcp}`, 'dnstap-tls: no']);

    writeFileSync(join(cwd, 'test.zone'), ZONE);
    const conf = join(cwd, 'named.conf');
    writeFileSync(
      conf,
      `options {
  directory "${cwd}";
  pid-file "${cwd}/named.pid";
  session-keyfile "${cwd}/session.key";
  managed-keys-directory "${cwd}";
  listen-on port ${named} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify no;
  querylog yes;
};
controls { };
logging {
  // Small files, so that named itself rotates the log (queries.log → queries.log.0 …) during the test.
  channel q { file "${bindLog}" versions 9 size 3k; print-time yes; print-category yes; print-severity yes; };
  category queries { q; };
};
zone "test" { type primary; file "test.zone"; };
`,
    );
    daemon(cleanups, '/usr/sbin/named', ['-f', '-n', '1', '-c', conf]);
    for (const port of [unboundUnix, unboundTcp, named]) {
      await eventually(`resolver on ${port}`, async () =>
        (await dig(port, '+short', 'www.good.test')) === '192.0.2.10' ? true : 'no answer',
      );
    }
  });

  test('dnstap over the unix socket and over TCP: listed names and resolved addresses become sightings', async () => {
    const asks: [number, string, string, number][] = [
      [unboundUnix, '127.0.0.2', 'evil.test', 3],
      [unboundUnix, '127.0.0.2', 'www.good.test', 2],
      [unboundUnix, '127.0.0.3', 'WWW.Evil.Test', 1],
      [unboundUnix, '127.0.0.4', 'fronted.test', 1],
      [unboundTcp, '127.0.0.5', 'evil.test', 2],
      [unboundTcp, '127.0.0.5', 'www.good.test', 4],
    ];
    for (const [port, from, name, times] of asks) {
      for (let i = 0; i < times; i++) await dig(port, '-b', from, '+short', name);
    }
    const expected = [
      { indicator_value: '5.188.10.77', client: '127.0.0.4', input: 'unbound-unix', count: 1 },
      { indicator_value: 'evil.test', client: '127.0.0.2', input: 'unbound-unix', count: 3 },
      { indicator_value: 'evil.test', client: '127.0.0.3', input: 'unbound-unix', count: 1 },
      { indicator_value: 'evil.test', client: '127.0.0.5', input: 'unbound-tcp', count: 2 },
    ];
    const dnstapRows = () => sightings(cwd).filter((r) => r.input.startsWith('unbound'));
    await eventually('the dnstap sightings', () => {
      const rows = dnstapRows().map(({ blocked_count: _, ...r }) => r);
      return JSON.stringify(rows) === JSON.stringify(expected) ? true : JSON.stringify(rows);
    });
    // Enforcement is not configured: nothing was blocked, and the sightings say so.
    assert.ok(dnstapRows().every((r) => r.blocked_count === 0));
    // The secrecy of communications: names that matched nothing are counted, never stored.
    const bytes = storeBytes(cwd);
    assert.equal(bytes.includes('www.good.test'), false, 'an unlisted name is in the store');
    assert.equal(bytes.includes('fronted.test'), false, 'the name behind a listed address is in the store');

    const status = runCli(['observe', 'status', '--json'], { cwd });
    assert.equal(status.code, 0, status.stderr);
    const inputs = (
      JSON.parse(status.stdout) as { inputs: { input: string; lastHour: { observed: number; matched: number } }[] }
    ).inputs;
    const unix = inputs.find((i) => i.input === 'unbound-unix');
    assert.ok(unix, JSON.stringify(inputs));
    assert.equal(unix.lastHour.matched, 5, JSON.stringify(unix));
    assert.ok(unix.lastHour.observed >= 7 + 7, JSON.stringify(unix));
  });

  test('a BIND query log rotated by named several times: every listed lookup counted once', async () => {
    const rounds = 60;
    for (let i = 0; i < rounds; i++) {
      await dig(named, '-b', '127.0.0.9', '+short', i % 3 === 0 ? 'evil.test' : `www.good.test`);
    }
    const listed = Math.ceil(rounds / 3);
    await eventually('the BIND log sightings', () => {
      const row = sightings(cwd).find((r) => r.input === 'bind-log' && r.client === '127.0.0.9');
      return row?.count === listed ? true : `count ${row?.count ?? 0} of ${listed}`;
    });
    // named rotated its log: queries.log.0 exists, so the count above crossed at least one rotation.
    assert.ok(readFileSync(`${bindLog}.0`).length > 0, 'named did not rotate the log');
    // Still exact after a pause (nothing read twice later).
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(sightings(cwd).find((r) => r.input === 'bind-log')?.count, listed);
  });
});
