// The Squid point against a real squid: squid on 127.0.0.1 with a minimal squid.conf that includes
// the point's snippet, names resolved from a hosts file to a local HTTP server, requests made with
// curl through the proxy, and new versions published with the point's apply (squid -k reconfigure).
//
// The snippet logs to /var/log/squid/mizugiwa.log (SQUID_LOG). So that the test neither needs nor
// touches the host's log directory, squid runs in its own mount namespace with a temporary directory
// bound over /var/log/squid; `squid -k` from outside still finds it by its pid file.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../bench/lib/free-port.js';
import { configSchema } from '../../src/config/schema.js';
import type { RenderContext } from '../../src/enforce/point.js';
import type { PolicyEntry, PolicySnapshot } from '../../src/enforce/snapshot.js';
import { SQUID_FILES, SQUID_LOG, squidPoint } from '../../src/enforce/squid.js';
import { missingProgram, requireOrSkip } from '../support/components.js';

const run = promisify(execFile);

const skip =
  missingProgram('/usr/sbin/squid', 'squid') ||
  missingProgram('/usr/bin/curl', 'curl') ||
  missingProgram('/usr/bin/unshare', 'util-linux') ||
  (userInfo().uid !== 0 && requireOrSkip('the squid test runs squid in a mount namespace, which needs root'));

const entry = (type: PolicyEntry['type'], value: string, action: PolicyEntry['action'] = 'block'): PolicyEntry => ({
  type,
  value,
  action,
  categories: ['phishing'],
  sources: ['e2e'],
});
const snapshot = (entries: PolicyEntry[], passthru: string[] = []): PolicySnapshot => ({
  point: 'squid',
  entries,
  passthru,
  restrictedClients: [],
});

/** Polls until `check` holds, for at most `ms`; the last failure's message says what was seen. */
async function eventually(what: string, check: () => Promise<string | true>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const result = await check();
    if (result === true) return;
    if (Date.now() > deadline) assert.fail(`${what}: still ${result} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('squid point against squid', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'mzg-squid-e2e-'));
  const conf = join(dir, 'squid.conf');
  const logDir = join(dir, 'log');
  let proxyPort = 0;
  let webPort = 0;
  const web: Server[] = [];
  let squid: ChildProcess | undefined;

  const context = (squidSettings: Record<string, unknown> = {}): RenderContext => ({
    config: configSchema.parse({
      enforce: {
        squid: {
          enabled: true,
          dir: join(dir, 'mizugiwa'),
          reload_command: `squid -k reconfigure -f ${conf}`,
          ...squidSettings,
        },
      },
    }),
    dataDir: dir,
    version: 1,
    serial: 1,
  });
  const publish = async (s: PolicySnapshot, ctx = context()) => squidPoint.apply(squidPoint.render(s, ctx), ctx);

  /** `<status> <redirect location>` for a GET through the proxy; `000 <error>` when squid did not answer. */
  const get = async (host: string): Promise<string> => {
    const args = ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', '--max-time', '5'];
    args.push('-x', `http://127.0.0.1:${proxyPort}`, `http://${host}:${webPort}/page`);
    try {
      return (await run('curl', args, { timeout: 10_000 })).stdout.trim();
    } catch (err) {
      // Squid closes and reopens its port while it reconfigures.
      return `000 ${(err as { stderr?: string }).stderr?.trim() ?? String(err)}`;
    }
  };
  const blockedAs = (host: string) => `302 http://127.0.0.1:8081/?blocked=${host}`;
  const expectStatus = (host: string, want: string) =>
    eventually(`GET ${host}`, async () => {
      const got = await get(host);
      return got === want || got;
    });

  before(async () => {
    [proxyPort, webPort] = [await freePort(), await freePort()];
    // Also on the listed address, so that once it is no longer listed the request goes through.
    for (const address of ['127.0.0.1', '127.0.0.7']) {
      const server = createServer((req, res) => res.end('served'));
      web.push(server);
      await new Promise<void>((resolve) => server.listen(webPort, address, resolve));
    }

    // squid drops to the proxy user, which must write cache.log and the logs, and read the lists.
    chmodSync(dir, 0o755);
    mkdirSync(logDir);
    chownSync(dir, uid('proxy'), gid('proxy'));
    chownSync(logDir, uid('proxy'), gid('proxy'));
    // apply refuses to reconfigure squid when the log's directory is missing on this host.
    if (!existsSync(dirname(SQUID_LOG))) mkdirSync(dirname(SQUID_LOG), { recursive: true });
    writeFileSync(
      join(dir, 'hosts'),
      ['listed.test', 'sub.listed.test', 'ok.listed.test', 'unlisted.test', 'later.test', 'watched.test']
        .map((name) => `127.0.0.1 ${name}`)
        .concat('127.0.0.7 byaddress.test', '')
        .join('\n'),
    );
    writeFileSync(
      conf,
      [
        `http_port 127.0.0.1:${proxyPort}`,
        `pid_filename ${dir}/squid.pid`,
        `cache_log ${dir}/cache.log`,
        `access_log stdio:${dir}/access.log`,
        `coredump_dir ${dir}`,
        'cache deny all',
        'cache_effective_user proxy',
        `hosts_file ${dir}/hosts`,
        // Every test name is in the hosts file; nothing is listening here, and nothing has to.
        'dns_nameservers 127.0.0.1',
        'pinger_enable off',
        'shutdown_lifetime 1 second',
        `include ${dir}/mizugiwa/${SQUID_FILES.snippet}`,
        'http_access allow localhost',
        'http_access deny all',
        '',
      ].join('\n'),
    );
    // The first version goes in before squid starts: the include must exist when squid reads its config.
    await publish(
      snapshot(
        [entry('domain', 'listed.test'), entry('ipv4', '127.0.0.7'), entry('domain', 'watched.test', 'monitor')],
        ['ok.listed.test'],
      ),
      context({ reload_command: '' }),
    );
    squid = spawn(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        'mount --bind "$1" /var/log/squid && exec squid -N -f "$2"',
        'sh',
        logDir,
        conf,
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    await eventually('squid listening', async () => ((await canConnect(proxyPort)) ? true : 'not listening'));
  });

  after(async () => {
    if (squid && squid.exitCode === null) {
      const exited = new Promise((resolve) => squid?.once('exit', resolve));
      squid.kill('SIGTERM');
      const timer = setTimeout(() => squid?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    for (const server of web) await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  test('a listed name and the names under it are sent to the block page; others pass', async () => {
    assert.equal(await get('listed.test'), blockedAs('listed.test'));
    assert.equal(await get('sub.listed.test'), blockedAs('sub.listed.test'));
    assert.equal(await get('unlisted.test'), '200');
    assert.equal(await get('ok.listed.test'), '200', 'a passthru name under a listed one passes');
    assert.equal(await get('byaddress.test'), blockedAs('byaddress.test'), 'a name resolving to a listed address');
    assert.equal(await get('127.0.0.7'), blockedAs('127.0.0.7'), 'the listed address itself');
  });

  test('monitored names pass and are logged with the denied ones in the mizugiwa log', async () => {
    assert.equal(await get('watched.test'), '200');
    await eventually('the mizugiwa log', async () => {
      const log = existsSync(join(logDir, 'mizugiwa.log')) ? readFileSync(join(logDir, 'mizugiwa.log'), 'utf8') : '';
      const watched = /TCP_MISS\/200 \d+ GET http:\/\/watched\.test:\d+\/page/.test(log);
      const denied = /TCP_DENIED\/302 \d+ GET http:\/\/listed\.test:\d+\/page/.test(log);
      return (watched && denied && !log.includes('unlisted.test')) || `log is ${JSON.stringify(log)}`;
    });
  });

  test('a new version takes effect on reconfigure', async () => {
    await publish(snapshot([entry('domain', 'later.test')]));
    await expectStatus('later.test', blockedAs('later.test'));
    await expectStatus('listed.test', '200');
    assert.equal(await get('byaddress.test'), '200');
  });

  test('a version squid refuses is rolled back before squid reads it, and squid keeps running', async () => {
    const ctx = context();
    const live = readFileSync(join(dir, 'mizugiwa', SQUID_FILES.domains), 'utf8');
    const artifact = squidPoint.render(snapshot([entry('domain', 'listed.test')]), ctx);
    // The render never lists a name under another; squid 5 refuses a list where the subdomain comes
    // first, so forcing one in gives a version squid rejects.
    const domains = artifact.files.find((f) => f.path.endsWith(SQUID_FILES.domains));
    assert.ok(domains);
    domains.content = domains.content.replace('.listed.test', '.sub.listed.test\n.listed.test');
    await assert.rejects(squidPoint.apply(artifact, ctx), (err: Error) => {
      assert.equal(err.name, 'ReloadFailed');
      assert.match(err.message, /-k parse[\s\S]*is a subdomain of/);
      return true;
    });
    assert.equal(readFileSync(join(dir, 'mizugiwa', SQUID_FILES.domains), 'utf8'), live);
    assert.equal(squid?.exitCode, null, 'squid was never told to reconfigure');
    assert.equal(await get('later.test'), blockedAs('later.test'));
    assert.equal(await get('listed.test'), '200');
  });

  test('monitor mode denies nothing', async () => {
    await publish(
      snapshot([entry('domain', 'later.test'), entry('domain', 'listed.test')]),
      context({ monitor: true }),
    );
    await expectStatus('later.test', '200');
    assert.equal(await get('listed.test'), '200');
  });

  test('squid warned about nothing in any version it loaded', () => {
    const complaints = readFileSync(join(dir, 'cache.log'), 'utf8')
      .split('\n')
      .filter((l) => /WARNING|ERROR|FATAL/i.test(l));
    assert.deepEqual(complaints, []);
  });
});

function uid(user: string): number {
  return Number(/^[^:]+:[^:]*:(\d+):/m.exec(passwdLine(user))?.[1]);
}
function gid(user: string): number {
  return Number(/^[^:]+:[^:]*:\d+:(\d+):/m.exec(passwdLine(user))?.[1]);
}
function passwdLine(user: string): string {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`));
  if (!line) throw new Error(`no user ${user}: the squid package creates it`);
  return line;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
