// Real DHCP servers giving a real client a lease, for the attribution tests: each run makes a pair of network
// namespaces joined by a veth pair (server `sv0` 10.250.N.1/24, client `cl0` with a MAC of our choosing),
// starts the server on sv0 with its lease file in the test's directory, and runs dhclient on cl0 until it is
// bound. Nothing is configured outside the two namespaces; the cleanups stop the processes and delete the
// namespaces whatever happened (namespaces are named after the test's pid and a counter).
//
//   const lease = await runKeaDhcp4(cleanups, dir);   // lease.leaseFile, lease.clientMac, lease.leasedAddress
//   await lease.release();                            // dhclient -r: the server records the release

import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { missingProgram, requireOrSkip } from './components.js';
import { daemon, eventually, type Cleanups } from './daemon.js';

const run = promisify(execFile);

export type DhcpServer = 'kea-dhcp4' | 'isc-dhcpd' | 'dnsmasq';

/** A lease a real server gave the client, and how to end it. */
export type DhcpLease = {
  /** The server's lease file: kea-leases4.csv, dhcpd.leases or dnsmasq.leases. */
  leaseFile: string;
  /** dnsmasq only: the file scripts/dnsmasq-lease-event.sh appended to (dnsmasq's --dhcp-script). */
  eventFile?: string;
  clientMac: string;
  leasedAddress: string;
  /** The lease time the server gave, in seconds. */
  leaseSeconds: number;
  /** ms: just before the client asked, and once it was bound (the server's times fall in between). */
  askedAt: number;
  boundAt: number;
  /** The client releases the lease (DHCPRELEASE) and stops. */
  release(): Promise<void>;
  /** What the server has printed so far, for failure messages. */
  serverOutput(): string;
};

/** Each server's program and Debian package (dnsmasq-base: the program without the host's DNS service). */
const PROGRAMS: Record<DhcpServer, [string, string]> = {
  'kea-dhcp4': ['/usr/sbin/kea-dhcp4', 'kea-dhcp4-server'],
  'isc-dhcpd': ['/usr/sbin/dhcpd', 'isc-dhcp-server'],
  dnsmasq: ['/usr/sbin/dnsmasq', 'dnsmasq-base'],
};
const DHCLIENT = '/usr/sbin/dhclient';

/**
 * Why a test of `server` cannot run here (a missing package, not root, AppArmor confining the programs to
 * their Debian paths), or false when it can.
 */
export function missingDhcp(server: DhcpServer): string | false {
  const [program, pkg] = PROGRAMS[server];
  return (
    missingProgram('/usr/sbin/ip', 'iproute2') ||
    missingProgram(DHCLIENT, 'isc-dhcp-client') ||
    missingProgram(program, pkg) ||
    (process.getuid?.() !== 0 && requireOrSkip('network namespaces need root (CAP_NET_ADMIN and CAP_SYS_ADMIN)')) ||
    confinedByAppArmor([program, DHCLIENT])
  );
}

/**
 * Debian's AppArmor profiles let dhcpd, kea-dhcp4 and dhclient use only their own directories (/etc/dhcp,
 * /var/lib/dhcp, /var/lib/kea), not a test's temporary one.
 */
function confinedByAppArmor(programs: string[]): string | false {
  const profiles = '/sys/kernel/security/apparmor/profiles';
  let loaded: string;
  try {
    loaded = readFileSync(profiles, 'utf8');
  } catch {
    return false;
  }
  const confined = programs.filter((p) => loaded.includes(`${p} (enforce)`));
  return confined.length === 0
    ? false
    : requireOrSkip(
        `AppArmor confines ${confined.join(', ')} to their Debian directories; run \`aa-complain ${confined.join(' ')}\` ` +
          'or the tests in a container',
      );
}

let pairs = 0;

type Pair = { server: string; client: string; subnet: number; mac: string };

/** Two namespaces joined by a veth pair; deleted at cleanup (after the processes in them are stopped). */
async function namespacePair(cleanups: Cleanups): Promise<Pair> {
  const n = ++pairs;
  const id = `${process.pid}-${n}`;
  const pair: Pair = {
    server: `mzg-dhs-${id}`,
    client: `mzg-dhc-${id}`,
    subnet: n % 250,
    mac: ['02', '4d', '5a', (process.pid >> 8) & 0xff, process.pid & 0xff, n & 0xff]
      .map((x) => (typeof x === 'string' ? x : x.toString(16).padStart(2, '0')))
      .join(':'),
  };
  const ip = (...args: string[]) => run('ip', args, { timeout: 10_000 });
  for (const ns of [pair.server, pair.client]) {
    await ip('netns', 'add', ns);
    cleanups.push(() => ip('netns', 'del', ns).catch(() => undefined));
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
  }
  await ip('link', 'add', 'sv0', 'netns', pair.server, 'type', 'veth', 'peer', 'name', 'cl0', 'netns', pair.client);
  await ip('-n', pair.client, 'link', 'set', 'cl0', 'address', pair.mac);
  await ip('-n', pair.server, 'addr', 'add', `10.250.${pair.subnet}.1/24`, 'dev', 'sv0');
  await ip('-n', pair.server, 'link', 'set', 'sv0', 'up');
  await ip('-n', pair.client, 'link', 'set', 'cl0', 'up');
  return pair;
}

/** A server in the foreground in the server namespace; resolves once its output shows `ready`. */
async function startServer(
  cleanups: Cleanups,
  pair: Pair,
  env: string[],
  command: string[],
  ready: RegExp,
): Promise<() => string> {
  const server = daemon(cleanups, 'env', [...env, 'ip', 'netns', 'exec', pair.server, ...command]);
  await eventually(`${command[0]} to start`, () => {
    if (server.child.exitCode !== null) throw new Error(`${command[0]} exited: ${server.output()}`);
    return ready.test(server.output()) || 'not ready';
  });
  return server.output;
}

/** dhclient in the client namespace until it is bound; it then stays in the background until released. */
async function obtainLease(
  cleanups: Cleanups,
  dir: string,
  pair: Pair,
  leaseFile: string,
  serverOutput: () => string,
  eventFile?: string,
): Promise<DhcpLease> {
  const script = join(dir, 'dhclient-script');
  // Only the address, on the client's interface (so that the release can be sent from it): the stock
  // dhclient-script would rewrite the host's /etc/resolv.conf, which a namespace shares.
  writeFileSync(
    script,
    [
      '#!/bin/sh',
      'case "$reason" in',
      '  BOUND|RENEW|REBIND|REBOOT) ip addr replace "$new_ip_address/${new_subnet_mask:-255.255.255.0}" dev "$interface" ;;',
      '  RELEASE|EXPIRE|STOP) [ -n "$old_ip_address" ] && ip addr del "$old_ip_address/${old_subnet_mask:-255.255.255.0}" dev "$interface" ;;',
      'esac',
      'exit 0',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  const conf = join(dir, 'dhclient.conf');
  writeFileSync(conf, 'send host-name "mzg-e2e";\nrequest subnet-mask;\n');
  const clientLeases = join(dir, 'dhclient.leases');
  const args = ['-cf', conf, '-lf', clientLeases, '-pf', join(dir, 'dhclient.pid'), '-sf', script];
  const dhclient = (...more: string[]) =>
    run('ip', ['netns', 'exec', pair.client, DHCLIENT, ...more, ...args, 'cl0'], { timeout: 30_000 });

  const askedAt = Date.now();
  try {
    await dhclient('-4', '-1');
  } catch (error) {
    throw new Error(`dhclient got no lease: ${String(error)}\nserver: ${serverOutput()}`, { cause: error });
  }
  const boundAt = Date.now();
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await dhclient('-4', '-r');
  };
  // Stopped without a release if the test did not release it: -x ends the background dhclient.
  cleanups.push(async () => {
    if (!released) await dhclient('-4', '-x').catch(() => undefined);
  });

  const leases = readFileSync(clientLeases, 'utf8');
  const address = [...leases.matchAll(/fixed-address ([\d.]+);/g)].at(-1)?.[1];
  const seconds = [...leases.matchAll(/option dhcp-lease-time (\d+);/g)].at(-1)?.[1];
  if (address === undefined || seconds === undefined)
    throw new Error(`dhclient's lease file is not as expected: ${leases}`);
  return {
    leaseFile,
    ...(eventFile === undefined ? {} : { eventFile }),
    clientMac: pair.mac,
    leasedAddress: address,
    leaseSeconds: Number(seconds),
    askedAt,
    boundAt,
    release,
    serverOutput,
  };
}

const pool = (pair: Pair) => [`10.250.${pair.subnet}.100`, `10.250.${pair.subnet}.150`] as const;

/** kea-dhcp4 with its memfile lease file (kea-leases4.csv, no cleanup runs) in `dir`; a 2-minute lease. */
export async function runKeaDhcp4(cleanups: Cleanups, dir: string): Promise<DhcpLease> {
  const pair = await namespacePair(cleanups);
  const leaseFile = join(dir, 'kea-leases4.csv');
  const [first, last] = pool(pair);
  const conf = join(dir, 'kea-dhcp4.json');
  writeFileSync(
    conf,
    JSON.stringify({
      Dhcp4: {
        'interfaces-config': { interfaces: ['sv0'], 'dhcp-socket-type': 'raw' },
        'lease-database': { type: 'memfile', name: leaseFile, 'lfc-interval': 0 },
        'valid-lifetime': 120,
        'renew-timer': 60,
        'rebind-timer': 90,
        subnet4: [{ id: 1, subnet: `10.250.${pair.subnet}.0/24`, pools: [{ pool: `${first} - ${last}` }] }],
        loggers: [{ name: 'kea-dhcp4', output_options: [{ output: 'stdout' }], severity: 'INFO' }],
      },
    }),
  );
  // Kea keeps its pid and lock files in /run/kea unless told otherwise.
  const env = [`KEA_PIDFILE_DIR=${dir}`, `KEA_LOCKFILE_DIR=${dir}`];
  const output = await startServer(cleanups, pair, env, ['/usr/sbin/kea-dhcp4', '-c', conf], /DHCP4_STARTED/);
  return obtainLease(cleanups, dir, pair, leaseFile, output);
}

/** ISC dhcpd (DHCPv4) with its dhcpd.leases in `dir`; a 2-minute lease. */
export async function runIscDhcpd(cleanups: Cleanups, dir: string): Promise<DhcpLease> {
  const pair = await namespacePair(cleanups);
  const leaseFile = join(dir, 'dhcpd.leases');
  writeFileSync(leaseFile, '');
  const [first, last] = pool(pair);
  const conf = join(dir, 'dhcpd.conf');
  writeFileSync(
    conf,
    [
      'authoritative;',
      'default-lease-time 120;',
      'max-lease-time 120;',
      `subnet 10.250.${pair.subnet}.0 netmask 255.255.255.0 {`,
      `  range ${first} ${last};`,
      '}',
      '',
    ].join('\n'),
  );
  const pid = join(dir, 'dhcpd.pid');
  const command = ['/usr/sbin/dhcpd', '-4', '-f', '-d', '-cf', conf, '-lf', leaseFile, '-pf', pid, 'sv0'];
  const output = await startServer(cleanups, pair, [], command, /Server starting service/);
  return obtainLease(cleanups, dir, pair, leaseFile, output);
}

/** The --dhcp-script of the dnsmasq runs: this repository's, which must be executable as it is installed. */
export const DNSMASQ_LEASE_EVENT_SCRIPT = new URL('../../scripts/dnsmasq-lease-event.sh', import.meta.url).pathname;

/** dnsmasq (DHCP only) with its lease file and scripts/dnsmasq-lease-event.sh's event file in `dir`. */
export async function runDnsmasq(cleanups: Cleanups, dir: string): Promise<DhcpLease> {
  try {
    accessSync(DNSMASQ_LEASE_EVENT_SCRIPT, constants.X_OK);
  } catch {
    throw new Error(`${DNSMASQ_LEASE_EVENT_SCRIPT} is not executable: chmod +x it`);
  }
  const pair = await namespacePair(cleanups);
  const leaseFile = join(dir, 'dnsmasq.leases');
  const eventFile = join(dir, 'dnsmasq.lease-events');
  const [first, last] = pool(pair);
  const command = [
    '/usr/sbin/dnsmasq',
    '--no-daemon',
    '--conf-file=/dev/null',
    '--port=0',
    '--interface=sv0',
    '--bind-interfaces',
    `--dhcp-range=${first},${last},255.255.255.0,2m`,
    `--dhcp-leasefile=${leaseFile}`,
    `--dhcp-script=${DNSMASQ_LEASE_EVENT_SCRIPT}`,
    '--script-on-renewal',
    `--pid-file=${join(dir, 'dnsmasq.pid')}`,
    '--user=root',
    '--group=root',
  ];
  // dnsmasq hands its own environment on to the script: that is where the event file is named.
  const output = await startServer(cleanups, pair, [`MIZUGIWA_DNSMASQ_EVENTS=${eventFile}`], command, /DHCP, IP range/);
  const lease = await obtainLease(cleanups, dir, pair, leaseFile, output, eventFile);
  // The script runs after the lease is granted, in dnsmasq's helper process.
  await eventually('the lease event line', () => existsSync(eventFile) || 'no event file yet');
  return lease;
}
