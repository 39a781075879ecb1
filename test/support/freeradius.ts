import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { daemon, eventually, type Cleanups } from './daemon.js';

export const FREERADIUS = '/usr/sbin/freeradius';
export const RADCLIENT = '/usr/bin/radclient';

/** A running FreeRADIUS that answers accounting and writes every request to one detail file. */
export type Freeradius = {
  acctPort: number;
  secret: string;
  detailFile: string;
  /** What the server printed so far, for failure messages. */
  output: () => string;
};

export type FreeradiusOptions = {
  /** UDP port for accounting; a free one when left out. */
  port?: number;
  secret?: string;
  /** The server's zone: it writes the detail headers and Event-Timestamp in local time. Asia/Tokyo by default. */
  timeZone?: string;
  /** Also listen on ::1 (same port), so a test can send from an IPv6 source. */
  ipv6?: boolean;
  /** The detail module's `log_packet_header`: adds Packet-Src-IP-Address and friends to every block. */
  logPacketHeader?: boolean;
  /**
   * Also proxy every accounting request to this home server on 127.0.0.1 (Mizugiwa's receiver): FreeRADIUS
   * writes the detail file in preacct, then answers the NAS only once the home server has answered it.
   */
  proxyTo?: { port: number; secret: string };
};

/**
 * Starts `/usr/sbin/freeradius` in the foreground from a configuration written into `dir`: nothing but an
 * accounting listener on 127.0.0.1 (and ::1), one client 127.0.0.1 (and ::1) with `secret`, and the detail
 * module writing to `dir/detail` with the stock header (`%t`, ctime in local time). A hand-written
 * radiusd.conf rather than a copy of /etc/freeradius/3.0: the stock one loads EAP certificates, SQL and a dozen
 * modules that need files outside the temp dir, none of which an accounting test needs. Stopped at cleanup.
 */
export async function startFreeradius(
  cleanups: Cleanups,
  dir: string,
  options: FreeradiusOptions = {},
): Promise<Freeradius> {
  const secret = options.secret ?? 'mizugiwa-test-secret';
  const detailFile = join(dir, 'detail');
  // A port found free can be taken before the server binds it; try a few before giving up.
  for (let attempt = 1; ; attempt++) {
    const acctPort = options.port ?? (await freeUdpPort());
    const confDir = join(dir, `raddb-${acctPort}`);
    writeConfig(confDir, { ...options, port: acctPort, secret, detailFile, dir });
    // Through env(1), which execs the server in place, so the daemon helper's TERM still reaches it.
    const server = daemon(cleanups, '/usr/bin/env', [
      `TZ=${options.timeZone ?? 'Asia/Tokyo'}`,
      FREERADIUS,
      '-f',
      '-l',
      'stdout',
      '-d',
      confDir,
    ]);
    const ready = await waitForReady(server.child, server.output);
    if (ready === true) return { acctPort, secret, detailFile, output: server.output };
    if (options.port !== undefined || attempt === 3 || !/bind|in use/i.test(ready)) {
      throw new Error(`freeradius did not start: ${ready}`);
    }
  }
}

/** Resolves true once the server says it is ready, or with its output once it exits or 15 s pass. */
function waitForReady(child: ReturnType<typeof spawn>, output: () => string): Promise<true | string> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (output().includes('Ready to process requests')) finish(true);
    }, 50);
    const deadline = setTimeout(() => finish(`not ready after 15 s:\n${output()}`), 15_000);
    const onExit = () => finish(`exited:\n${output()}`);
    child.once('exit', onExit);
    function finish(result: true | string) {
      clearInterval(timer);
      clearTimeout(deadline);
      child.off('exit', onExit);
      resolve(result);
    }
  });
}

function writeConfig(
  confDir: string,
  o: FreeradiusOptions & { port: number; secret: string; detailFile: string; dir: string },
): void {
  const conf = [
    'prefix = /usr',
    'exec_prefix = /usr',
    'sysconfdir = /etc',
    'localstatedir = /var',
    'sbindir = /usr/sbin',
    `logdir = ${confDir}`,
    `raddbdir = ${confDir}`,
    `radacctdir = ${o.dir}`,
    'name = freeradius',
    `confdir = ${confDir}`,
    `run_dir = ${confDir}`,
    `db_dir = ${confDir}`,
    'libdir = /usr/lib/freeradius',
    `pidfile = ${confDir}/freeradius.pid`,
    'max_request_time = 30',
    'cleanup_delay = 5',
    'max_requests = 1024',
    'hostname_lookups = no',
    `proxy_requests = ${o.proxyTo ? 'yes' : 'no'}`,
    'log {',
    '  destination = stdout',
    '  colourise = no',
    '  auth = no',
    '}',
    'security {',
    '  allow_core_dumps = no',
    '  max_attributes = 200',
    '  reject_delay = 0',
    '  status_server = yes',
    '}',
    'thread pool {',
    '  start_servers = 1',
    '  max_servers = 2',
    '  min_spare_servers = 1',
    '  max_spare_servers = 2',
    '  max_requests_per_server = 0',
    '}',
    'client local4 {',
    '  ipaddr = 127.0.0.1',
    `  secret = "${o.secret}"`,
    '}',
    ...(o.ipv6 ? ['client local6 {', '  ipv6addr = ::1', `  secret = "${o.secret}"`, '}'] : []),
    ...(o.proxyTo
      ? [
          'home_server mizugiwa {',
          '  type = acct',
          '  ipaddr = 127.0.0.1',
          `  port = ${o.proxyTo.port}`,
          `  secret = "${o.proxyTo.secret}"`,
          '  response_window = 5',
          '  status_check = none',
          '}',
          'home_server_pool mizugiwa {',
          '  type = fail-over',
          '  home_server = mizugiwa',
          '}',
          'realm mizugiwa {',
          '  acct_pool = mizugiwa',
          '  nostrip',
          '}',
        ]
      : []),
    'modules {',
    '  detail {',
    `    filename = ${o.detailFile}`,
    '    header = "%t"',
    '    permissions = 0600',
    `    log_packet_header = ${o.logPacketHeader ? 'yes' : 'no'}`,
    '  }',
    '}',
    'server default {',
    '  listen {',
    '    type = acct',
    '    ipaddr = 127.0.0.1',
    `    port = ${o.port}`,
    '  }',
    ...(o.ipv6 ? ['  listen {', '    type = acct', '    ipv6addr = ::1', `    port = ${o.port}`, '  }'] : []),
    // Proxied requests skip the accounting section, so the detail is written in preacct for them.
    ...(o.proxyTo
      ? ['  preacct {', '    detail', '    update control {', '      &Proxy-To-Realm := "mizugiwa"', '    }', '  }']
      : ['  preacct {', '  }', '  accounting {', '    detail', '  }']),
    '}',
    '',
  ];
  mkdirSync(confDir, { recursive: true });
  writeFileSync(join(confDir, 'radiusd.conf'), conf.join('\n'));
}

/** A UDP port on 127.0.0.1 that nothing holds at the moment of asking. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** Attributes for radclient: a value per name, or several for an attribute that repeats (Framed-IPv6-Prefix). */
export type RadclientAttributes = Record<string, string | string[]>;

/**
 * Sends one Accounting-Request with `radclient` to `host`:`port` (one try, three seconds) and resolves with
 * what radclient printed once the answer came; rejects with that output when none did. Every value is sent
 * quoted, which radclient reads with the attribute's own type (`"Start"`, `"60"`, `"2001:db8::/48"`).
 */
export function radclientSend(
  port: number,
  secret: string,
  attrs: RadclientAttributes,
  options: { host?: string; timeoutSeconds?: number } = {},
): Promise<string> {
  const host = options.host ?? '127.0.0.1';
  const server = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const lines = Object.entries(attrs).flatMap(([name, values]) =>
    (Array.isArray(values) ? values : [values]).map((v) => `${name} = "${v.replace(/["\\]/g, '\\$&')}"`),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(RADCLIENT, ['-r', '1', '-t', String(options.timeoutSeconds ?? 3), server, 'acct', secret], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0 && output.includes('Received Accounting-Response')) resolve(output);
      else reject(new Error(`radclient to ${server} got no Accounting-Response (exit ${code}):\n${output}`));
    });
    child.stdin.end(lines.join('\n') + '\n');
  });
}

/** Waits until the detail file holds `count` complete blocks (each ends with a blank line). */
export async function detailBlocks(detailFile: string, count: number): Promise<void> {
  await eventually(`${count} blocks in ${detailFile}`, () => {
    let text: string;
    try {
      text = readFileSync(detailFile, 'utf8');
    } catch {
      return 'no detail file';
    }
    const blocks = text.split('\n\n').length - 1;
    return blocks >= count || `${blocks} blocks`;
  });
}
