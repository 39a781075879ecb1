import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { imapIntakeSchema } from './intake-schema.js';
import { pollImap, type ImapPoller } from './imap-poll.js';

// What the poller does when the server is not a working IMAP server: unreachable, without STARTTLS, refusing the
// login. Polling a real mailbox is tested against Dovecot in test/e2e/abuse-imap-dovecot.test.ts.

const dir = mkdtempSync(join(tmpdir(), 'mzg-imap-poll-'));
const PASSWORD = 'correct horse battery staple';
writeFileSync(join(dir, 'password'), `${PASSWORD}\n`, { mode: 0o600 });

const servers: Server[] = [];
const pollers: ImapPoller[] = [];
after(async () => {
  for (const p of pollers) await p.stop();
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An IMAP server that offers no STARTTLS, refuses every login, and keeps every line it was sent. */
async function refusingServer(host: string): Promise<{ port: number; lines: string[]; connections: () => number }> {
  const lines: string[] = [];
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.write('* OK [CAPABILITY IMAP4rev1] test server ready\r\n');
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (let eol = buffered.indexOf('\r\n'); eol >= 0; eol = buffered.indexOf('\r\n')) {
        const line = buffered.slice(0, eol);
        buffered = buffered.slice(eol + 2);
        lines.push(line);
        const [tag, command = ''] = line.split(' ');
        if (/^CAPABILITY$/i.test(command)) socket.write(`* CAPABILITY IMAP4rev1\r\n${tag} OK done\r\n`);
        else if (/^LOGIN$/i.test(command)) socket.write(`${tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n`);
        else if (/^LOGOUT$/i.test(command)) socket.end(`* BYE logging out\r\n${tag} OK done\r\n`);
        else socket.write(`${tag} BAD unknown command\r\n`);
      }
    });
    socket.on('error', () => {});
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { port: (server.address() as AddressInfo).port, lines, connections: () => connections };
}

function start(host: string, port: number, config: Record<string, unknown> = {}) {
  const warnings: string[] = [];
  const warnedAt: number[] = [];
  const options = imapIntakeSchema.parse({
    host,
    port,
    secure: false,
    user: 'abuse@example.jp',
    password_file: join(dir, 'password'),
    ...config,
  });
  const poller = pollImap(
    {
      ...options,
      log: {
        info: () => {},
        warn: (obj, msg) => {
          warnings.push(`${msg} ${JSON.stringify(obj)}`);
          warnedAt.push(Date.now());
        },
      },
      reconnect: { firstMs: 100, maxMs: 400 },
    },
    async () => assert.fail('nothing is delivered'),
  );
  pollers.push(poller);
  return { poller, warnings, warnedAt };
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const nonLoopback = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

describe('IMAP intake poller', () => {
  test('keeps trying an unreachable server with growing waits, and stops at once', async () => {
    const closed = await refusingServer('127.0.0.1');
    servers.pop()!.close(); // the port is now free: nothing listens
    await new Promise((r) => setTimeout(r, 50));
    const { poller, warnings, warnedAt } = start('127.0.0.1', closed.port);
    await until('three failed attempts', () => poller.stats().connectionFailures >= 3);
    const [first, second, third] = warnedAt as [number, number, number];
    assert.ok(second - first >= 95, `first wait ${second - first} ms`);
    assert.ok(third - second >= 195, `second wait ${third - second} ms, doubled`);
    assert.equal(poller.stats().connected, false);
    assert.match(poller.stats().lastError ?? '', /ECONNREFUSED/);
    assert.match(warnings[0]!, /IMAP intake could not log in .*"retry_in_ms":100/);
    assert.match(warnings[1]!, /"retry_in_ms":200/);
    const stopping = Date.now();
    await poller.stop();
    assert.ok(Date.now() - stopping < 1000, 'stop() does not wait for the next attempt');
  });

  test('logs the server’s reason for a refused login', async () => {
    const server = await refusingServer('127.0.0.1');
    const { poller } = start('127.0.0.1', server.port);
    await until('the refused login', () => poller.stats().connectionFailures >= 1);
    assert.match(poller.stats().lastError ?? '', /AUTHENTICATIONFAILED/);
    // On loopback a server without STARTTLS gets the login in cleartext.
    assert.ok(server.lines.some((l) => / LOGIN /i.test(l) && l.includes(PASSWORD)));
    await poller.stop();
  });

  test(
    'never sends the password in cleartext to a server on the network that offers no STARTTLS',
    { skip: nonLoopback === undefined && 'this host has no non-loopback IPv4 address' },
    async () => {
      const server = await refusingServer(nonLoopback!);
      const { poller } = start(nonLoopback!, server.port);
      await until('the refused connection', () => poller.stats().connectionFailures >= 1);
      assert.ok(server.connections() >= 1, 'it did connect');
      assert.ok(!server.lines.some((l) => l.includes(PASSWORD) || / LOGIN /i.test(l)), server.lines.join('\n'));
      assert.match(poller.stats().lastError ?? '', /STARTTLS/i);
      await poller.stop();
    },
  );

  test('a missing password file is reported and retried, without connecting', async () => {
    const server = await refusingServer('127.0.0.1');
    const { poller, warnings } = start('127.0.0.1', server.port, { password_file: join(dir, 'absent') });
    await until('the reported failure', () => poller.stats().connectionFailures >= 2);
    assert.equal(server.connections(), 0);
    assert.match(warnings[0]!, /password file .*absent does not exist/);

    // Written later (a secret manager that is slow to start): picked up by the next attempt.
    writeFileSync(join(dir, 'absent'), `${PASSWORD}\n`, { mode: 0o600 });
    await until('a connection', () => server.connections() >= 1);
    await poller.stop();
  });
});
