// Observation of the proxy, mail and firewall points with the real programs writing the logs:
//
//  - Squid writes its native access log; `mizugiwa serve` tails it (an `observe.inputs` file input)
//    while curl makes requests through the proxy to a local origin server. A listed host becomes a
//    sighting with exact counts; an unlisted one is counted and leaves no trace in the store.
//  - Postfix (its own configuration, queue and maillog_file in a temporary directory) takes mail from
//    swaks and hands it to the discard transport; serve tails the mail log. The qmgr `from=<…>` line
//    names the sender, smtpd's `client=` line before it the client: the sighting carries both.
//  - nftables in a network namespace logs and drops packets to a listed address; the kernel's lines,
//    read back with dmesg, go through `mizugiwa observe replay --format nftables-log`.
//
// Each part has its own temporary directory and stops every daemon and namespace it started in
// `after`. Only loopback and namespace addresses are used.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { missingProgram, requireOrSkip } from '../support/components.js';
import { freePort, runCli, startServe, stopServe, type Served } from '../support/serve.js';
import { stopPostfix } from '../support/postfix.js';

const run = promisify(execFile);

const asRoot = (why: string) => userInfo().uid !== 0 && requireOrSkip(why);

const skip = {
  squid:
    missingProgram('/usr/sbin/squid', 'squid') ||
    missingProgram('/usr/bin/curl', 'curl') ||
    asRoot('squid is started as root and drops to the proxy user'),
  postfix:
    missingProgram('/usr/sbin/postfix', 'postfix') ||
    missingProgram('/usr/bin/swaks', 'swaks') ||
    asRoot('postfix -c <dir> start needs root'),
  nft:
    missingProgram('/usr/sbin/ip', 'iproute2') ||
    missingProgram('/usr/sbin/nft', 'nftables') ||
    missingProgram('/usr/bin/curl', 'curl') ||
    missingProgram('/usr/bin/dmesg', 'util-linux') ||
    asRoot('network namespaces and the nf_log_all_netns sysctl need root'),
};

type Sighting = {
  indicatorType: string;
  indicatorValue: string;
  point: string;
  client: string;
  count: number;
  blockedCount: number;
  input: string;
  detail: string | null;
};

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

function passwdIds(user: string): { uid: number; gid: number } {
  const m = new RegExp(`^${user}:[^:]*:(\\d+):(\\d+):`, 'm').exec(readFileSync('/etc/passwd', 'utf8'));
  if (!m) throw new Error(`no user ${user}: its Debian package creates it`);
  return { uid: Number(m[1]), gid: Number(m[2]) };
}

/** The store's bytes (database and write-ahead log), to show what is not in it. */
function storeBytes(cwd: string): Buffer {
  const read = (f: string) => (existsSync(f) ? readFileSync(f) : Buffer.alloc(0));
  return Buffer.concat([read(join(cwd, 'data', 'mizugiwa.db')), read(join(cwd, 'data', 'mizugiwa.db-wal'))]);
}

/** Imports `values` (plain format, type detected per line unless given) and creates an admin token. */
function prepareStore(cwd: string, values: string[], type?: string): string {
  writeFileSync(join(cwd, 'listed.txt'), `${values.join('\n')}\n`);
  const args = ['intel', 'import', 'listed.txt', '--format', 'plain', '--source', 'e2e', '--json'];
  if (type) args.push('--type', type);
  const imported = runCli(args, { cwd });
  assert.equal(imported.code, 0, imported.stderr);
  const token = runCli(['token', 'create', 'e2e', '--role', 'admin'], { cwd });
  assert.equal(token.code, 0, token.stderr);
  const secret = /^mzg_\S+/m.exec(token.stdout)?.[0];
  assert.ok(secret, `no token in ${JSON.stringify(token.stdout)}`);
  return secret;
}

/** A config file with one tailed file input, sightings and positions written every 200 ms. */
function writeConfig(cwd: string, input: { name: string; format: string; path: string }): void {
  writeFileSync(
    join(cwd, 'mizugiwa.yaml'),
    [
      'observe:',
      '  flush_ms: 200',
      '  inputs:',
      `    - { name: ${input.name}, type: file, format: ${input.format}, path: "${input.path}", from_end: false }`,
      '',
    ].join('\n'),
  );
}

async function apiSightings(served: Served, token: string, query: Record<string, string>): Promise<Sighting[]> {
  const res = await fetch(`${served.baseUrl}/api/sightings?${new URLSearchParams({ limit: '500', ...query })}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { sightings: Sighting[] }).sightings;
}

/** Sightings summed over windows (a run that crosses a window boundary has two rows for one thing). */
function summed(rows: Sighting[]): Map<string, { count: number; blocked: number; rows: Sighting[] }> {
  const by = new Map<string, { count: number; blocked: number; rows: Sighting[] }>();
  for (const r of rows) {
    const key = `${r.point} ${r.indicatorValue} ${r.client}`;
    const sum = by.get(key) ?? { count: 0, blocked: 0, rows: [] };
    sum.count += r.count;
    sum.blocked += r.blockedCount;
    sum.rows.push(r);
    by.set(key, sum);
  }
  return by;
}

const describeRows = (rows: Sighting[]) =>
  JSON.stringify(rows.map((r) => `${r.point} ${r.indicatorValue} ${r.client} ${r.count}/${r.blockedCount}`));

describe('observe: squid access log tailed by serve', { skip: skip.squid }, () => {
  let dir = '';
  let proxyPort = 0;
  let webPort = 0;
  let web: Server | undefined;
  let squid: ChildProcess | undefined;
  let served: Served | undefined;
  let token = '';

  const get = async (host: string): Promise<string> => {
    const args = ['-sS', '--max-time', '5', '--proxy', `http://127.0.0.1:${proxyPort}`];
    args.push('-w', ' %{http_code}', `http://${host}:${webPort}/page?n=1`);
    return (await run('/usr/bin/curl', args, { timeout: 10_000 })).stdout;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mzg-observe-squid-'));
    [proxyPort, webPort] = [await freePort(), await freePort()];
    web = createServer((req, res) => res.end('served'));
    await new Promise<void>((resolve) => web?.listen(webPort, '127.0.0.1', resolve));

    // squid drops to the proxy user, which writes cache.log and access.log here.
    const proxy = passwdIds('proxy');
    chmodSync(dir, 0o755);
    chownSync(dir, proxy.uid, proxy.gid);
    writeFileSync(join(dir, 'hosts'), '127.0.0.1 evil.example good.example\n');
    const conf = join(dir, 'squid.conf');
    writeFileSync(
      conf,
      [
        `http_port 127.0.0.1:${proxyPort}`,
        `pid_filename ${dir}/squid.pid`,
        `cache_log ${dir}/cache.log`,
        // The native format (`logformat squid`), the default.
        `access_log stdio:${dir}/access.log squid`,
        `coredump_dir ${dir}`,
        'netdb_filename none',
        'cache deny all',
        'cache_effective_user proxy',
        `hosts_file ${dir}/hosts`,
        // Every name is in the hosts file; nothing is listening here, and nothing has to.
        'dns_nameservers 127.0.0.1',
        'pinger_enable off',
        'shutdown_lifetime 1 second',
        'http_access allow localhost',
        'http_access deny all',
        '',
      ].join('\n'),
    );
    squid = spawn('/usr/sbin/squid', ['-N', '-f', conf], { stdio: ['ignore', 'inherit', 'inherit'] });
    await eventually('squid listening', async () => ((await canConnect(proxyPort)) ? true : 'not listening'));

    writeConfig(dir, { name: 'squid-access', format: 'squid', path: join(dir, 'access.log') });
    token = prepareStore(dir, ['evil.example'], 'domain');
    served = await startServe(dir);
  });

  after(async () => {
    if (served) await stopServe(served);
    if (squid && squid.exitCode === null && squid.signalCode === null) {
      const exited = new Promise((resolve) => squid?.once('exit', resolve));
      squid.kill('SIGTERM');
      const timer = setTimeout(() => squid?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (web) await new Promise((resolve) => web?.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('3 requests for a listed host are one sighting (proxy, 127.0.0.1, count 3, none blocked); an unlisted host leaves no trace', async () => {
    // The last request is a listed one: once it is counted, every line before it has been read.
    for (const host of ['good.example', 'evil.example', 'evil.example', 'good.example', 'evil.example']) {
      assert.equal(await get(host), 'served 200', `GET ${host} through squid`);
    }

    let rows: Sighting[] = [];
    await eventually('the proxy sighting', async () => {
      rows = await apiSightings(served!, token, { client: '127.0.0.1', point: 'proxy' });
      const evil = summed(rows).get('proxy evil.example 127.0.0.1');
      return evil?.count === 3 || describeRows(rows);
    });
    assert.deepEqual(
      [...summed(rows).entries()].map(([key, s]) => [key, s.count, s.blocked]),
      [['proxy evil.example 127.0.0.1', 3, 0]],
      'squid let the requests through: none of them is counted as blocked',
    );
    for (const r of rows) {
      assert.equal(r.indicatorType, 'domain');
      assert.equal(r.input, 'squid-access');
      assert.match(r.detail ?? '', /^GET 200/);
    }
    assert.deepEqual(await apiSightings(served!, token, { indicator: 'good.example' }), []);

    // The unlisted requests were read and counted: 5 lines observed, 3 matched.
    await eventually('the input counters', async () => {
      const res = await fetch(`${served!.baseUrl}/api/observe/status`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const live = ((await res.json()) as { live: { input: string; observed: number; matched: number }[] | null }).live;
      const input = live?.find((i) => i.input === 'squid-access');
      return (input?.observed === 5 && input.matched === 3) || JSON.stringify(live);
    });

    // Later flushes change nothing, and the secrecy of communications holds: unmatched traffic is
    // counted, never stored.
    await new Promise((r) => setTimeout(r, 600));
    const again = summed(await apiSightings(served!, token, { point: 'proxy' }));
    assert.deepEqual([...again.keys()], ['proxy evil.example 127.0.0.1']);
    assert.equal(again.get('proxy evil.example 127.0.0.1')?.count, 3);
    assert.match(readFileSync(join(dir, 'access.log'), 'utf8'), /TCP_MISS\/200 \d+ GET http:\/\/good\.example:/);
    const store = storeBytes(dir);
    assert.ok(store.includes('evil.example'), 'the store is read (the listed host is in it)');
    assert.equal(store.includes('good.example'), false, 'an unlisted host is in the store');
  });
});

describe('observe: postfix mail log tailed by serve', { skip: skip.postfix }, () => {
  let root = '';
  let etc = '';
  let port = 0;
  let started = false;
  let served: Served | undefined;
  let token = '';

  /** A whole message from `from` at client address `client`; swaks's output when it fails. */
  const send = async (client: string, from: string): Promise<void> => {
    const args = ['--server', `127.0.0.1:${port}`, '--local-interface', client, '--from', from];
    args.push('--to', 'user@localhost', '--helo', 'client.example.test', '--timeout', '10');
    const res = await run('/usr/bin/swaks', args, { timeout: 20_000 }).catch(
      (err: { stdout?: string; stderr?: string }) => ({ stdout: `${err.stdout}${err.stderr}`, failed: true }),
    );
    assert.ok(!('failed' in res), `swaks from ${from} at ${client} failed:\n${res.stdout}`);
    assert.match(res.stdout, /<- {2}250 2\.0\.0 Ok: queued as/);
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'mzg-observe-postfix-'));
    etc = join(root, 'etc');
    port = await freePort();
    chmodSync(root, 0o755);
    for (const d of ['etc', 'queue', 'data']) mkdirSync(join(root, d));
    const postfixUser = passwdIds('postfix');
    chownSync(join(root, 'data'), postfixUser.uid, postfixUser.gid);
    writeFileSync(
      join(etc, 'master.cf'),
      [
        // smtpd takes the mail in, cleanup and qmgr queue it, discard "delivers" it: no mailbox anywhere.
        `127.0.0.1:${port} inet n - n - - smtpd`,
        'cleanup unix n - n - 0 cleanup',
        'qmgr unix n - n 300 1 qmgr',
        'rewrite unix - - n - - trivial-rewrite',
        'bounce unix - - n - 0 bounce',
        'defer unix - - n - 0 bounce',
        'trace unix - - n - 0 bounce',
        'verify unix - - n - 1 verify',
        'flush unix n - n 1000? 0 flush',
        'proxymap unix - - n - - proxymap',
        'discard unix - - n - - discard',
        'error unix - - n - - error',
        'retry unix - - n - - error',
        'anvil unix - - n - 1 anvil',
        'scache unix - - n - 1 scache',
        'postlog unix-dgram n - n - 1 postlogd',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(etc, 'main.cf'),
      [
        'compatibility_level = 3.6',
        `queue_directory = ${root}/queue`,
        `data_directory = ${root}/data`,
        'mail_owner = postfix',
        'myhostname = mx.mizugiwa.test',
        'mydestination = localhost',
        'local_recipient_maps =',
        'alias_maps =',
        'alias_database =',
        'local_transport = discard:',
        'default_transport = discard:',
        'inet_interfaces = 127.0.0.1',
        'inet_protocols = ipv4',
        'mynetworks = 127.0.0.0/8',
        // No reverse lookups: the client is logged as unknown[address], and no DNS is waited for.
        'smtpd_peername_lookup = no',
        `maillog_file_prefixes = ${root}`,
        `maillog_file = ${root}/maillog`,
        '',
      ].join('\n'),
    );
    await run('/usr/sbin/postfix', ['-c', etc, 'check'], { timeout: 30_000 });
    await run('/usr/sbin/postfix', ['-c', etc, 'start'], { timeout: 30_000 });
    started = true;
    await eventually('smtpd listening', async () => ((await canConnect(port)) ? true : 'not listening'));

    writeConfig(root, { name: 'maillog', format: 'postfix', path: join(root, 'maillog') });
    // An address and, for the second test, a domain: a sender anywhere in it is listed.
    token = prepareStore(root, ['spammer@bad.example', 'worse.example']);
    served = await startServe(root);
  });

  after(async () => {
    if (served) await stopServe(served);
    if (started) await stopPostfix(etc, root);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('2 mails from a listed sender are one sighting with the SMTP client; a clean sender leaves no trace', async () => {
    await send('127.0.0.5', 'spammer@bad.example');
    await send('127.0.0.6', 'alice@good.example');
    await send('127.0.0.5', 'spammer@bad.example');
    await send('127.0.0.7', 'bulk@mail.worse.example');

    let rows: Sighting[] = [];
    await eventually('the mail sightings', async () => {
      rows = await apiSightings(served!, token, { point: 'mail' });
      const sums = summed(rows);
      return (
        (sums.get('mail spammer@bad.example 127.0.0.5')?.count === 2 &&
          sums.get('mail worse.example 127.0.0.7')?.count === 1) ||
        describeRows(rows)
      );
    });
    // The qmgr line names the sender; the client is the one smtpd logged for the same queue id.
    assert.deepEqual(
      [...summed(rows).entries()].map(([key, s]) => [key, s.count, s.blocked]).sort(),
      [
        ['mail spammer@bad.example 127.0.0.5', 2, 0],
        ['mail worse.example 127.0.0.7', 1, 0],
      ],
      'postfix queued every message: none of them is counted as blocked',
    );
    const spammer = rows.filter((r) => r.indicatorValue === 'spammer@bad.example');
    assert.ok(spammer.every((r) => r.indicatorType === 'email' && r.input === 'maillog' && r.detail === 'queued'));
    assert.ok(rows.filter((r) => r.indicatorValue === 'worse.example').every((r) => r.indicatorType === 'domain'));
    assert.deepEqual(
      (await apiSightings(served!, token, { client: '127.0.0.5', point: 'mail' })).map((r) => r.indicatorValue),
      spammer.map(() => 'spammer@bad.example'),
    );
    assert.deepEqual(await apiSightings(served!, token, { client: '127.0.0.6' }), []);

    const log = readFileSync(join(root, 'maillog'), 'utf8');
    assert.match(log, /postfix\/qmgr\[\d+\]: [0-9A-F]+: from=<alice@good\.example>/);
    assert.match(log, /postfix\/smtpd\[\d+\]: [0-9A-F]+: client=unknown\[127\.0\.0\.5\]/);
    await new Promise((r) => setTimeout(r, 600));
    const store = storeBytes(root);
    assert.ok(store.includes('spammer@bad.example'), 'the store is read (the listed sender is in it)');
    assert.equal(store.includes('alice@good.example'), false, 'a clean sender is in the store');
    assert.equal(store.includes('good.example'), false, "a clean sender's domain is in the store");
    assert.equal(store.includes('127.0.0.6'), false, "a clean sender's client address is in the store");
  });
});

// The kernel's packet log, from a namespace: logging from a network namespace other than the initial
// one is off unless net.netfilter.nf_log_all_netns is 1, so the test sets it and puts it back. The
// kernel ring buffer is shared and never cleared here; this run's lines are told apart by a prefix
// with the pid and random bytes in it.
const KERNEL_LOG_SYSCTL = '/proc/sys/net/netfilter/nf_log_all_netns';

describe('observe: nftables LOG lines from the kernel, replayed', { skip: skip.nft }, () => {
  const CLIENT_NS = `mzg-obs-c-${process.pid}`;
  const FIREWALL_NS = `mzg-obs-f-${process.pid}`;
  const PREFIX = `mizugiwa-drop-${process.pid}-${randomBytes(4).toString('hex')}`;
  // Public addresses, though only ever inside the namespaces: the documentation ranges (198.51.100.0/24
  // and the like) are on the built-in allowlist, so an indicator there is suppressed and never matched.
  const LISTED = '5.188.10.77';
  const UNLISTED = '5.188.10.78';
  let dir = '';
  let savedSysctl: string | undefined;
  const namespaces: string[] = [];

  const sh = (...args: string[]) => run(args[0]!, args.slice(1), { timeout: 15_000 });
  const ip = (...args: string[]) => sh('/usr/sbin/ip', ...args);
  const inNs = (ns: string, ...args: string[]) => ip('netns', 'exec', ns, ...args);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mzg-observe-nft-'));
    for (const ns of [CLIENT_NS, FIREWALL_NS]) {
      await ip('netns', 'add', ns);
      namespaces.push(ns);
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    // client 10.77.0.2 ── veth ── firewall 10.77.0.1, with the two destination addresses on it too.
    await ip('-n', CLIENT_NS, 'link', 'add', 'c0', 'type', 'veth', 'peer', 'name', 'f0', 'netns', FIREWALL_NS);
    await ip('-n', CLIENT_NS, 'addr', 'add', '10.77.0.2/24', 'dev', 'c0');
    await ip('-n', CLIENT_NS, 'link', 'set', 'c0', 'up');
    for (const a of ['10.77.0.1/24', `${LISTED}/32`, `${UNLISTED}/32`]) {
      await ip('-n', FIREWALL_NS, 'addr', 'add', a, 'dev', 'f0');
    }
    await ip('-n', FIREWALL_NS, 'link', 'set', 'f0', 'up');
    await ip('-n', CLIENT_NS, 'route', 'add', '5.188.10.0/24', 'via', '10.77.0.1');
    writeFileSync(
      join(dir, 'firewall.nft'),
      [
        'table inet mizugiwa_observe_e2e {',
        '  chain input {',
        '    type filter hook input priority 0; policy accept;',
        `    ip daddr { ${LISTED}, ${UNLISTED} } log prefix "${PREFIX} " drop`,
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    await inNs(FIREWALL_NS, '/usr/sbin/nft', '-f', join(dir, 'firewall.nft'));

    savedSysctl = readFileSync(KERNEL_LOG_SYSCTL, 'utf8').trim();
    writeFileSync(KERNEL_LOG_SYSCTL, '1');
  });

  after(async () => {
    if (savedSysctl !== undefined) writeFileSync(KERNEL_LOG_SYSCTL, savedSysctl);
    for (const ns of namespaces) await ip('netns', 'del', ns).catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('dropped connections to a listed address: a firewall sighting with the client, every one blocked', async (t) => {
    // A connect timeout well under the first SYN retransmission (1 s): one logged SYN per attempt.
    const attempt = (address: string) =>
      inNs(CLIENT_NS, '/usr/bin/curl', '-sS', '--connect-timeout', '0.5', `http://${address}/`).then(
        () => assert.fail(`${address} answered through the drop rule`),
        () => undefined,
      );
    for (const address of [LISTED, UNLISTED, LISTED, UNLISTED, LISTED]) await attempt(address);

    let dmesg: string;
    try {
      dmesg = (await sh('/usr/bin/dmesg')).stdout;
    } catch (err) {
      t.skip(requireOrSkip(`the kernel log cannot be read here (dmesg: ${(err as Error).message})`));
      return;
    }
    const lines = dmesg.split('\n').filter((l) => l.includes(`${PREFIX} IN=`));
    const toListed = lines.filter((l) => l.includes(` DST=${LISTED} `));
    assert.ok(toListed.length >= 3, `expected 3 logged SYNs to ${LISTED}, the kernel log has:\n${lines.join('\n')}`);
    assert.ok(lines.some((l) => l.includes(` DST=${UNLISTED} `)));
    assert.ok(lines.every((l) => l.includes(' SRC=10.77.0.2 ')));
    const file = join(dir, 'kernel.log');
    writeFileSync(file, `${lines.join('\n')}\n`);

    writeFileSync(join(dir, 'listed.txt'), `${LISTED}\n`);
    const importArgs = ['intel', 'import', 'listed.txt', '--format', 'plain', '--type', 'ipv4', '--source', 'e2e'];
    const imported = runCli(importArgs, { cwd: dir });
    assert.equal(imported.code, 0, imported.stderr);
    const replay = runCli(['observe', 'replay', file, '--format', 'nftables-log', '--json'], { cwd: dir });
    assert.equal(replay.code, 0, replay.stderr);
    const result = JSON.parse(replay.stdout.trim().split('\n').pop()!) as Record<string, number>;
    assert.equal(result.lines, lines.length);
    assert.equal(result.observations, lines.length);
    assert.equal(result.matches, toListed.length);
    assert.equal(result.rejected, 0);

    const db = new Database(join(dir, 'data', 'mizugiwa.db'), { readonly: true });
    try {
      const rows = db
        .prepare(
          `select indicator_type, indicator_value, point, client, sum(count) as count,
                  sum(blocked_count) as blocked_count
             from sightings group by 1, 2, 3, 4`,
        )
        .all();
      assert.deepEqual(rows, [
        {
          indicator_type: 'ipv4',
          indicator_value: LISTED,
          point: 'firewall',
          client: '10.77.0.2',
          count: toListed.length,
          blocked_count: toListed.length,
        },
      ]);
    } finally {
      db.close();
    }
    const store = storeBytes(dir);
    assert.ok(store.includes(LISTED), 'the store is read (the listed address is in it)');
    assert.equal(store.includes(UNLISTED), false, 'an unlisted destination is in the store');
  });
});
