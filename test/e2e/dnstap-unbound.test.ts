// A real dnstap producer: Unbound logs its clients' queries and responses to the dnstap receiver, first
// over a unix socket, then over TCP (both bidirectional Frame Streams, Unbound's default), and the
// frames decode to observations with the right clients, names and answer addresses. Unbound runs in
// the foreground on loopback with its own config in a temp dir and answers from a local zone; queries
// come from several loopback source addresses (dig -b 127.0.0.N), and nothing leaves the machine.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Rejected } from '../../src/domain/format.js';
import type { Observation } from '../../src/domain/observation.js';
import { decodeDnstapFrame } from '../../src/observe/dnstap/observation.js';
import { startDnstapReceiver, type DnstapReceiver } from '../../src/observe/dnstap/receiver.js';
import { missingProgram } from '../support/components.js';
import { freePort } from '../support/serve.js';
import { writeUnboundConfig } from '../support/unbound.js';
import { daemon, dig, runCleanups, tempDir as makeTempDir, type Cleanups } from '../support/daemon.js';

const run = promisify(execFile);
const UNBOUND = '/usr/sbin/unbound';
const DIG = '/usr/bin/dig';
const skip =
  missingProgram(UNBOUND, 'unbound') ||
  missingProgram('/usr/sbin/unbound-checkconf', 'unbound') ||
  missingProgram(DIG, 'bind9-dnsutils');

const ZONE = [
  '$ORIGIN test.',
  '$TTL 60',
  '@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 60',
  '@ IN NS ns.test.',
  'ns IN A 127.0.0.1',
  'www.good IN A 192.0.2.10',
  'evil IN A 192.0.2.66',
  'multi IN A 198.51.100.1',
  'multi IN A 198.51.100.2',
  'v6 IN AAAA 2001:db8::66',
  'alias IN CNAME evil.test.',
  '',
].join('\n');

/** The lookups each test makes: from which loopback address, and what the observations must say. */
const LOOKUPS = [
  { from: '127.0.0.2', name: 'www.good.test', type: 'A', answers: ['192.0.2.10'] },
  { from: '127.0.0.3', name: 'Evil.TEST', type: 'A', answers: ['192.0.2.66'] },
  { from: '127.0.0.4', name: 'multi.test', type: 'A', answers: ['198.51.100.1', '198.51.100.2'] },
  { from: '127.0.0.5', name: 'v6.test', type: 'AAAA', answers: ['2001:db8::66'] },
  { from: '127.0.0.6', name: 'alias.test', type: 'A', answers: ['192.0.2.66'] },
  { from: '127.0.0.7', name: 'gone.test', type: 'A', answers: [] }, // NXDOMAIN: a query, no response observation
];

const cleanups: Cleanups = [];
after(() => runCleanups(cleanups));

const startUnbound = (conf: string) => daemon(cleanups, UNBOUND, ['-d', '-c', conf]);

const digFrom = (port: number, from: string, name: string, type: string) => dig(port, '-b', from, '+short', name, type);

async function until(condition: () => boolean, what: string, timeoutMs: number, detail: () => string): Promise<void> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error(`no ${what} within ${timeoutMs} ms: ${detail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs Unbound with `dnstap` lines in its dnstap clause, makes the LOOKUPS and checks what arrives. */
async function lookupsArrive(dir: string, receiver: DnstapReceiver, dnstap: string[], seen: Seen): Promise<void> {
  const port = await freePort();
  writeFileSync(
    join(dir, 'rpz.zone'),
    '$TTL 60\n@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 60\n@ IN NS ns.test.\n',
  );
  const conf = writeUnboundConfig({
    dir,
    port,
    zone: ZONE,
    rpz: ['name: rpz.mizugiwa.test', `zonefile: "${join(dir, 'rpz.zone')}"`],
    server: ['access-control: 127.0.0.0/8 allow'],
    clauses: [
      'dnstap:',
      '  dnstap-enable: yes',
      '  dnstap-send-identity: yes',
      '  dnstap-identity: "mizugiwa-e2e"',
      '  dnstap-log-client-query-messages: yes',
      '  dnstap-log-client-response-messages: yes',
      ...dnstap.map((l) => `  ${l}`),
    ],
  });
  await run('/usr/sbin/unbound-checkconf', [conf]);
  const unbound = startUnbound(conf);
  const context = () => `unbound said:\n${unbound.output()}\nreceiver: ${JSON.stringify(receiver.stats())}`;
  await until(() => receiver.stats().connections > 0, 'dnstap connection from Unbound', 10_000, context);

  for (const lookup of LOOKUPS) {
    const answer = await digFrom(port, lookup.from, lookup.name, lookup.type);
    assert.equal(
      answer
        .split('\n')
        .filter((l) => /^[0-9a-f.:]+$/.test(l))
        .sort()
        .join(','),
      [...lookup.answers].sort().join(','),
    );
  }
  const arrived = () =>
    LOOKUPS.every(
      (l) =>
        seen.observations.some((o) => o.client === l.from && o.domain !== undefined) &&
        (l.answers.length === 0 || seen.observations.some((o) => o.client === l.from && o.addresses)),
    );
  // Unbound queues dnstap messages and writes them from its own thread: wait for them, bounded.
  await until(arrived, 'observations of every lookup', 10_000, context);

  for (const lookup of LOOKUPS) {
    const mine = seen.observations.filter((o) => o.client === lookup.from);
    const queries = mine.filter((o) => o.domain !== undefined);
    const responses = mine.filter((o) => o.addresses !== undefined);
    assert.equal(queries.length, 1, `one query from ${lookup.from}: ${JSON.stringify(mine)}`);
    const query = queries[0]!;
    assert.equal(query.point, 'dns');
    assert.equal(query.domain, lookup.name.toLowerCase());
    assert.equal(query.detail, lookup.type);
    assert.ok(query.clientPort! > 0 && query.clientPort! <= 65535);
    assert.ok(Math.abs(query.time - Date.now()) < 60_000, 'a current time');
    if (lookup.answers.length === 0) {
      assert.equal(responses.length, 0, 'an NXDOMAIN response resolves to nothing');
      continue;
    }
    assert.equal(responses.length, 1);
    const response = responses[0]!;
    assert.deepEqual([...response.addresses!].sort(), [...lookup.answers].sort());
    assert.equal(response.domain, undefined, 'the name is counted once, on the query');
    assert.equal(response.detail, `${lookup.type} NOERROR`);
    assert.equal(response.clientPort, query.clientPort, 'the same exchange');
    assert.ok(response.time >= query.time);
  }
  assert.ok(
    seen.logged.some((l) => 'bidirectional' in l && l.bidirectional === true),
    `Unbound did the READY/ACCEPT handshake: ${JSON.stringify(seen.logged)}`,
  );
  assert.deepEqual(seen.reasons, [], 'every frame decoded');
  assert.deepEqual(seen.errors, [], 'no protocol errors');
}

type Seen = { observations: Observation[]; reasons: string[]; errors: Rejected[]; logged: object[] };

async function startReceiver(
  where: { unix: string } | { tcp: string },
): Promise<{ receiver: DnstapReceiver; seen: Seen }> {
  const seen: Seen = { observations: [], reasons: [], errors: [], logged: [] };
  const keep = (fields: object, msg: string) => seen.logged.push({ ...fields, msg });
  const receiver = await startDnstapReceiver({
    ...where,
    onFrames: (frames) => {
      for (const frame of frames) {
        const result = decodeDnstapFrame(frame);
        if (typeof result === 'string') seen.reasons.push(result);
        else if (result) seen.observations.push(result);
      }
    },
    onError: (e) => seen.errors.push(e),
    logger: { debug: keep, info: keep, warn: keep, error: keep },
  });
  cleanups.push(() => receiver.close());
  return { receiver, seen };
}

describe('Unbound sending dnstap to the receiver', { skip }, () => {
  test('over a unix socket (dnstap-socket-path)', async () => {
    const dir = makeTempDir(cleanups, 'mizugiwa-dnstap-e2e-');
    const path = join(dir, 'dnstap.sock');
    const { receiver, seen } = await startReceiver({ unix: path });
    await lookupsArrive(dir, receiver, [`dnstap-socket-path: "${path}"`], seen);
  });

  test('over TCP (dnstap-ip, no TLS)', async () => {
    const dir = makeTempDir(cleanups, 'mizugiwa-dnstap-e2e-');
    const { receiver, seen } = await startReceiver({ tcp: '127.0.0.1:0' });
    const port = receiver.address().tcp!.port;
    await lookupsArrive(dir, receiver, [`dnstap-ip: 127.0.0.1@${port}`, 'dnstap-tls: no'], seen);
  });
});
