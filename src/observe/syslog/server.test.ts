import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import type { Rejected } from '../../domain/format.js';
import { localTimeIn } from '../local-time.js';
import type { LineOrigin, LineSink } from './batch.js';
import { startSyslogServer, type SyslogServer, type SyslogServerOptions } from './server.js';

// The server on loopback, fed by node's own sockets: framing, errors, backpressure and overload.
// util-linux logger as the sender is in logger.test.ts.

const NOW = Date.UTC(2026, 10, 24, 12);
const servers: SyslogServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

type Started = {
  server: SyslogServer;
  lines: string[];
  origins: LineOrigin[];
  errors: Rejected[];
  udpPort: number;
  tcpPort: number;
};

async function start(onLines?: LineSink, options: Partial<SyslogServerOptions> = {}): Promise<Started> {
  const lines: string[] = [];
  const origins: LineOrigin[] = [];
  const errors: Rejected[] = [];
  const server = await startSyslogServer({
    udp: { host: '127.0.0.1', port: 0 },
    tcp: { host: '127.0.0.1', port: 0 },
    localTime: localTimeIn('Asia/Tokyo'),
    now: () => NOW,
    onLines:
      onLines ??
      ((batch, origin) => {
        lines.push(...batch);
        origins.push(origin);
        return true;
      }),
    onError: (r) => errors.push(r),
    batchMs: 10,
    ...options,
  });
  servers.push(server);
  return { server, lines, origins, errors, udpPort: server.addresses.udp!.port, tcpPort: server.addresses.tcp!.port };
}

async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function sendUdp(port: number, messages: (string | Buffer)[]): Promise<number> {
  const client = createSocket('udp4');
  await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
  for (const m of messages) {
    await new Promise<void>((resolve, reject) => client.send(m, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  }
  const from = client.address().port;
  client.close();
  return from;
}

async function openTcp(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

async function sendTcp(port: number, data: string | Buffer): Promise<number> {
  const socket = await openTcp(port);
  const from = socket.localPort!;
  socket.end(data);
  await once(socket, 'close');
  return from;
}

test('UDP: both RFC forms become lines syslog-prefix.ts reads', async () => {
  const s = await start();
  await sendUdp(s.udpPort, [
    '<30>Nov 24 10:00:00 ns1 named[812]: query: a.example IN A',
    '<13>1 2026-11-24T10:00:00.250+09:00 mx postfix/smtpd 99 - - connect from x',
  ]);
  await until('2 lines', () => s.lines.length === 2);
  assert.deepEqual(s.lines, [
    '2026-11-24T01:00:00.000Z ns1 named[812]: query: a.example IN A',
    '2026-11-24T01:00:00.250Z mx postfix/smtpd[99]: connect from x',
  ]);
  assert.deepEqual(s.origins[0], { transport: 'udp' });
  assert.equal(s.server.stats.udp.received, 2);
  assert.equal(s.server.stats.udp.lines, 2);
  assert.ok(s.server.stats.udp.recvBufferBytes > 0);
});

test('UDP: a bad datagram goes to onError with the sender, and the next one is read', async () => {
  const s = await start();
  const from = await sendUdp(s.udpPort, [
    Buffer.from([0x16, 0x03, 0x01, 0xff]),
    '<999>oops',
    '<13>Nov 24 10:00:00 h a: fine',
  ]);
  await until('the good line', () => s.lines.length === 1);
  assert.equal(s.errors.length, 2);
  assert.equal(s.errors[0]!.position, `syslog udp from 127.0.0.1:${from}`);
  assert.match(s.errors[0]!.reason, /not a syslog message/);
  assert.deepEqual([...s.errors[0]!.raw], [0x16, 0x03, 0x01, 0xff]);
  assert.match(s.errors[1]!.reason, /PRI/);
  assert.equal(s.errors[1]!.rejected, true);
  assert.equal(s.server.stats.udp.errors, 2);
  // No HOSTNAME in the message: the sender's address stands in.
  await sendUdp(s.udpPort, ['<13>Nov 24 10:00:00 named[1]: no host']);
  await until('the line', () => s.lines.length === 2);
  assert.equal(s.lines[1], '2026-11-24T01:00:00.000Z 127.0.0.1 named[1]: no host');
});

test('UDP overload: every datagram the sink refuses is counted as dropped, exactly', async () => {
  const offered: number[] = [];
  let call = 0;
  const s = await start(
    (lines) => {
      call++;
      offered.push(lines.length);
      return call % 3 !== 0; // every third batch: "full"
    },
    { batchLines: 7 },
  );
  const n = 300;
  await sendUdp(
    s.udpPort,
    Array.from({ length: n }, (_, i) => `<13>Nov 24 10:00:00 h a: ${i}`),
  );
  await until('all handed on', () => s.server.stats.udp.lines + s.server.stats.udp.dropped === n);
  const refused = offered.filter((_, i) => (i + 1) % 3 === 0).reduce((a, b) => a + b, 0);
  assert.ok(refused > 0);
  assert.equal(s.server.stats.udp.received, n);
  assert.equal(s.server.stats.udp.dropped, refused);
  assert.equal(s.server.stats.udp.lines, n - refused);

  const full = await start(() => false);
  await sendUdp(
    full.udpPort,
    Array.from({ length: 100 }, (_, i) => `<13>1 - h a - - - ${i}`),
  );
  await until('all refused', () => full.server.stats.udp.dropped === 100);
  assert.equal(full.server.stats.udp.lines, 0);
});

test('UDP while the sink is busy: a bounded queue, and the datagrams past it dropped and counted', async () => {
  let release: () => void = () => {};
  let batches = 0;
  const s = await start(
    () => {
      batches++;
      return new Promise<void>((resolve) => (release = resolve));
    },
    { batchLines: 10, maxQueuedLines: 50 },
  );
  await sendUdp(
    s.udpPort,
    Array.from({ length: 200 }, (_, i) => `<13>1 - h a - - - ${i}`),
  );
  await until('200 received', () => s.server.stats.udp.received === 200);
  assert.equal(batches, 1);
  assert.equal(s.server.stats.udp.dropped, 200 - 10 - 50);
  for (let i = 0; i < 6; i++) {
    release();
    await until(`batch ${i + 2}`, () => batches === Math.min(i + 2, 6));
  }
  await until('queue handed on', () => s.server.stats.udp.lines === 60);
  assert.equal(s.server.stats.udp.dropped, 140);
});

test('TCP: octet-counted and LF-framed messages on one connection, errors with their byte position', async () => {
  const s = await start();
  const counted = '<13>1 2026-11-24T01:00:00Z h app 7 - - counted\nwith LF';
  const stream = `${Buffer.byteLength(counted)} ${counted}<13>Nov 24 10:00:00 h named: LF framed\n<999>bad PRI\r\n<13>Nov 24 10:00:00 h a: last`;
  const from = await sendTcp(s.tcpPort, stream);
  await until('3 lines', () => s.lines.length === 3);
  assert.deepEqual(s.lines, [
    '2026-11-24T01:00:00.000Z h app[7]: counted with LF',
    '2026-11-24T01:00:00.000Z h named: LF framed',
    '2026-11-24T01:00:00.000Z h a: last',
  ]);
  assert.deepEqual(s.origins[0], { transport: 'tcp', remote: `127.0.0.1:${from}` });
  assert.equal(s.errors.length, 1);
  assert.equal(s.errors[0]!.position, `syslog tcp 127.0.0.1:${from} byte ${stream.indexOf('<999>')}`);
  assert.equal(Buffer.from(s.errors[0]!.raw).toString(), '<999>bad PRI');
  await until('connection closed', () => s.server.stats.tcp.openConnections === 0);
  assert.equal(s.server.stats.tcp.connections, 1);
  assert.equal(s.server.stats.tcp.received, 4);
  assert.equal(s.server.stats.tcp.errors, 1);
});

test('TCP hostile input: garbage, a huge octet count, no LF ever; other connections are not disturbed', async () => {
  const s = await start(undefined, { maxMessageBytes: 4096 });
  const good = await openTcp(s.tcpPort);
  good.write('<13>Nov 24 10:00:00 h a: before\n');
  await sendTcp(s.tcpPort, Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 256)));
  await sendTcp(s.tcpPort, '99999999999 no\n999999 huge count\n<13>Nov 24 10:00:00 h a: after huge\n');
  const noLf = await openTcp(s.tcpPort);
  for (let i = 0; i < 64; i++) noLf.write(Buffer.alloc(16 * 1024, 'x'));
  noLf.end();
  await once(noLf, 'close');
  good.end('<13>Nov 24 10:00:00 h a: after\n');
  await once(good, 'close');
  await until('lines', () => s.lines.length === 3);
  // Each connection is batched on its own, so only the order within one is fixed.
  assert.deepEqual(s.lines.map((l) => l.slice(l.indexOf(': ') + 2)).sort(), ['after', 'after huge', 'before']);
  assert.ok(
    s.errors.some((e) => /not a syslog message/.test(e.reason) && Buffer.from(e.raw).toString() === '99999999999 no'),
  );
  assert.ok(s.errors.some((e) => /octet count 999999 is not believable/.test(e.reason)));
  assert.ok(s.errors.some((e) => /message longer than 4096 bytes: 1048576 bytes skipped/.test(e.reason)));
  assert.ok(s.errors.every((e) => /^syslog tcp 127\.0\.0\.1:\d+ byte \d+$/.test(e.position)));
  await until('all closed', () => s.server.stats.tcp.openConnections === 0);
  assert.equal(s.server.stats.tcp.errors, s.errors.length);
});

test('TCP backpressure: while onLines has not resolved, the connection is not read', async () => {
  let release: () => void = () => {};
  let pending = 0;
  let received = 0;
  const s = await start(
    (lines) => {
      received += lines.length;
      pending++;
      return new Promise<void>((resolve) => {
        release = () => {
          pending--;
          resolve();
        };
      });
    },
    { batchLines: 512 },
  );
  const line = `<13>Nov 24 10:00:00 h a: ${'x'.repeat(100)}\n`;
  const total = 100_000; // 12.6 MB: far more than socket buffers hold
  const client = await openTcp(s.tcpPort);
  const payload = Buffer.from(line.repeat(total));
  client.write(payload);
  await until('first batch', () => pending === 1);
  await sleep(200);
  const bytesWhileHeld = s.server.stats.tcp.bytes;
  assert.equal(pending, 1, 'one batch in flight at a time');
  assert.ok(bytesWhileHeld < payload.length / 2, `read ${bytesWhileHeld} of ${payload.length} bytes while held`);
  await sleep(100);
  assert.equal(s.server.stats.tcp.bytes, bytesWhileHeld, 'nothing more read while held');
  // Let it flow: resolve each batch as it comes.
  while (received < total || pending > 0) {
    if (pending > 0) release();
    await sleep(0);
  }
  client.end();
  await until('all counted', () => s.server.stats.tcp.lines === total);
  assert.equal(s.server.stats.tcp.dropped, 0);
});

test('close() hands on what is queued and waits for the sink', async () => {
  let settled = 0;
  const s = await start(
    async (lines) => {
      await sleep(50);
      settled += lines.length;
    },
    { batchMs: 60_000 },
  );
  await sendUdp(s.udpPort, ['<13>1 - h a - - - one', '<13>1 - h a - - - two']);
  const client = await openTcp(s.tcpPort);
  client.write('<13>1 - h a - - - three\n<13>1 - h a - - - no LF yet');
  await until('received', () => s.server.stats.udp.received === 2 && s.server.stats.tcp.bytes > 0);
  await sleep(20);
  await s.server.close();
  assert.equal(settled, 4);
});

test('a sink or error handler that throws does not stop the server', async () => {
  let calls = 0;
  const s = await start(
    () => {
      calls++;
      if (calls === 1) throw new Error('sink down');
      return true;
    },
    {
      onError: (r) => {
        if (/PRI/.test(r.reason)) throw new Error('dead letters down');
      },
    },
  );
  await sendUdp(s.udpPort, ['<13>1 - h a - - - lost']);
  await until('sink called', () => calls === 1);
  await sendUdp(s.udpPort, ['<999>bad', '<13>1 - h a - - - kept']);
  await until('second batch', () => s.server.stats.udp.lines === 1);
  assert.equal(s.server.stats.udp.dropped, 1);
  assert.equal(s.server.stats.udp.errors, 1);
});

test('a sink failure is reported with the lines it lost', async () => {
  const s = await start(() => Promise.reject(new Error('disk full')));
  await sendUdp(s.udpPort, ['<13>1 - h a - - - lost line']);
  await until('reported', () => s.errors.length === 1);
  assert.equal(s.errors[0]!.position, 'syslog udp sink');
  assert.match(s.errors[0]!.reason, /onLines failed, 1 lines dropped: disk full/);
  assert.equal(Buffer.from(s.errors[0]!.raw).toString(), '2026-11-24T12:00:00.000Z h a: lost line');
  assert.equal(s.server.stats.udp.dropped, 1);
});

test('a port in use is an error at start, not later', async () => {
  const s = await start();
  await assert.rejects(
    startSyslogServer({
      tcp: { host: '127.0.0.1', port: s.tcpPort },
      localTime: localTimeIn('UTC'),
      onLines: () => true,
      onError: () => {},
    }),
    /EADDRINUSE/,
  );
});
