// The nftables point against the kernel: three network namespaces (a subscriber, a router that
// forwards, a destination with several addresses), the rendered script loaded in the router with the
// point's own apply, and TCP connections from the subscriber through the router.
//
//   subscriber 10.99.1.2 / fd99:1::2 ── router (forwarding) ── destination 10.99.2.{2,9,10} / fd99:2::{2,9}
//
// Namespaces are named after the test's pid so parallel runs do not meet; they are deleted in
// `after` whatever happened.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { configSchema } from '../../src/config/schema.js';
import { nftablesPoint } from '../../src/enforce/nftables.js';
import type { RenderContext } from '../../src/enforce/point.js';
import type { PolicyEntry, PolicySnapshot } from '../../src/enforce/snapshot.js';
import { missingProgram, requireOrSkip } from '../support/components.js';

const run = promisify(execFile);

const skip =
  missingProgram('/usr/sbin/ip', 'iproute2') ||
  missingProgram('/usr/sbin/nft', 'nftables') ||
  missingProgram('/usr/bin/curl', 'curl') ||
  (process.getuid?.() !== 0 && requireOrSkip('network namespaces need root (CAP_NET_ADMIN and CAP_SYS_ADMIN)'));

const SUB = `mzg-sub-${process.pid}`;
const RTR = `mzg-rtr-${process.pid}`;
const DST = `mzg-dst-${process.pid}`;
const PORTS = [8080, 8081];

const sh = (...args: string[]) => run(args[0] as string, args.slice(1), { timeout: 15_000 });
const inNs = (ns: string, ...args: string[]) => sh('ip', 'netns', 'exec', ns, ...args);

const entry = (type: PolicyEntry['type'], value: string, action: PolicyEntry['action'] = 'block'): PolicyEntry => ({
  type,
  value,
  action,
  categories: ['c2'],
  sources: ['e2e'],
});
const snapshot = (entries: PolicyEntry[]): PolicySnapshot => ({
  point: 'nftables',
  entries,
  passthru: [],
  restrictedClients: [],
});

/** Whether the subscriber gets the destination's answer over TCP (a drop shows as a connect timeout). */
async function reaches(host: string, port: number): Promise<boolean> {
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  try {
    const { stdout } = await inNs(SUB, 'curl', '-sS', '--connect-timeout', '1.5', '--max-time', '3', url);
    return stdout === 'ok';
  } catch {
    return false;
  }
}

async function forwardRules(): Promise<string> {
  return (await inNs(RTR, 'nft', 'list', 'chain', 'inet', 'mizugiwa', 'forward')).stdout;
}

describe('nftables point in network namespaces', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'mzg-nft-e2e-'));
  let server: ChildProcess | undefined;
  const context: RenderContext = {
    config: configSchema.parse({
      enforce: {
        nftables: {
          enabled: true,
          file: join(dir, 'mizugiwa.nft'),
          reload_command: `ip netns exec ${RTR} nft -f {file}`,
        },
      },
    }),
    dataDir: dir,
    version: 1,
    serial: 1,
  };
  const publish = async (entries: PolicyEntry[]) => {
    await nftablesPoint.apply(nftablesPoint.render(snapshot(entries), context), context);
  };

  before(async () => {
    for (const ns of [SUB, RTR, DST]) {
      await sh('ip', 'netns', 'add', ns);
      await inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
    }
    await inNs(RTR, 'ip', 'link', 'add', 'r0', 'type', 'veth', 'peer', 'name', 's0', 'netns', SUB);
    await inNs(RTR, 'ip', 'link', 'add', 'r1', 'type', 'veth', 'peer', 'name', 'd0', 'netns', DST);
    // nodad: an IPv6 address is usable at once instead of after duplicate address detection.
    const addresses: [string, string, string[]][] = [
      [SUB, 's0', ['10.99.1.2/24', 'fd99:1::2/64']],
      [RTR, 'r0', ['10.99.1.1/24', 'fd99:1::1/64']],
      [RTR, 'r1', ['10.99.2.1/24', 'fd99:2::1/64']],
      [DST, 'd0', ['10.99.2.2/24', '10.99.2.9/24', '10.99.2.10/24', 'fd99:2::2/64', 'fd99:2::9/64']],
    ];
    for (const [ns, dev, list] of addresses) {
      for (const a of list) await inNs(ns, 'ip', 'addr', 'add', a, 'dev', dev, ...(a.includes(':') ? ['nodad'] : []));
      await inNs(ns, 'ip', 'link', 'set', dev, 'up');
    }
    await inNs(SUB, 'ip', 'route', 'add', 'default', 'via', '10.99.1.1');
    await inNs(SUB, 'ip', '-6', 'route', 'add', 'default', 'via', 'fd99:1::1');
    await inNs(DST, 'ip', 'route', 'add', 'default', 'via', '10.99.2.1');
    await inNs(DST, 'ip', '-6', 'route', 'add', 'default', 'via', 'fd99:2::1');
    await inNs(RTR, 'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1');

    const script = `const http = require('node:http');
      let up = 0;
      for (const port of ${JSON.stringify(PORTS)}) {
        http.createServer((req, res) => res.end('ok')).listen(port, '::', () => { if (++up === ${PORTS.length}) console.log('ready'); });
      }`;
    const child = spawn('ip', ['netns', 'exec', DST, process.execPath, '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    server = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the destination server did not start in 10 s')), 10_000);
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`the destination server exited with ${code}`)));
    });
    assert.ok(await reaches('10.99.2.2', 8080), 'the topology forwards before any rule is loaded');
  });

  after(async () => {
    server?.kill('SIGKILL');
    for (const ns of [SUB, RTR, DST]) await sh('ip', 'netns', 'del', ns).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  test('listed addresses, prefixes and endpoints are dropped; others pass; monitored ones pass and count', async () => {
    // Overlapping and duplicate forms of the same addresses: nft refuses overlapping interval
    // elements, so this loads only because the point collapses them.
    await publish([
      entry('cidr', '10.99.2.0/30'),
      entry('cidr', '10.99.2.2/31'),
      entry('ipv4', '10.99.2.2'),
      entry('ipv6', '::ffff:10.99.2.2'),
      entry('cidr', 'fd99:2::/126'),
      entry('ipv6', 'fd99:2::2'),
      entry('ip-port', '10.99.2.9:8081'),
      entry('ip-port', '[fd99:2::9]:8081'),
      entry('ipv4', '10.99.2.10', 'monitor'),
    ]);
    assert.equal(await reaches('10.99.2.2', 8080), false, 'a listed IPv4 address is dropped');
    assert.equal(await reaches('fd99:2::2', 8080), false, 'a listed IPv6 address is dropped');
    assert.equal(await reaches('10.99.2.9', 8080), true, 'an unlisted address passes');
    assert.equal(await reaches('fd99:2::9', 8080), true, 'an unlisted IPv6 address passes');
    assert.equal(await reaches('10.99.2.9', 8081), false, 'a listed address:port is dropped');
    assert.equal(await reaches('fd99:2::9', 8081), false, 'a listed [IPv6]:port is dropped');
    assert.equal(await reaches('10.99.2.10', 8080), true, 'a monitored address passes');
    const counted = /ip daddr @monitor_v4 counter packets (\d+)/.exec(await forwardRules());
    assert.ok(Number(counted?.[1]) > 0, 'and its rule counts the packets');
  });

  test('a new version replaces the last one in one step', async () => {
    await publish([entry('ipv4', '10.99.2.9'), entry('ipv6', 'fd99:2::9')]);
    assert.equal(await reaches('10.99.2.2', 8080), true, 'the address no longer listed passes again');
    assert.equal(await reaches('fd99:2::2', 8080), true);
    assert.equal(await reaches('10.99.2.9', 8080), false, 'the newly listed address is dropped');
    assert.equal(await reaches('fd99:2::9', 8080), false);
    const tables = (await inNs(RTR, 'nft', 'list', 'tables')).stdout.trim().split('\n');
    assert.deepEqual(tables, ['table inet mizugiwa'], 'one table, replaced, not a second one');
  });

  test('monitor mode logs and counts without dropping', async () => {
    const monitoring = {
      ...context,
      config: configSchema.parse({ enforce: { ...context.config.enforce, monitor: true } }),
    };
    await nftablesPoint.apply(nftablesPoint.render(snapshot([entry('ipv4', '10.99.2.9')]), monitoring), monitoring);
    assert.equal(await reaches('10.99.2.9', 8080), true);
    assert.doesNotMatch(await forwardRules(), / drop$/m);
  });
});
