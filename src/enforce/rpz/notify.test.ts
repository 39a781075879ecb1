import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { pino } from 'pino';
import { configSchema } from '../../config/schema.js';
import { startRpzServer, type RpzServer, type RpzServerOptions } from './server.js';
import { sign, verifyRequest, type TsigKey } from './tsig.js';
import { renderZone, type RpzZone } from './zone.js';

// NOTIFY (RFC 1996) from the transfer server to fake secondaries: loopback UDP sockets that record
// what they get and answer (or not) as each test needs.

const enforce = configSchema.parse({}).enforce;
const key: TsigKey = {
  name: 'mizugiwa-xfr.',
  algorithm: 'hmac-sha256',
  secret: Buffer.alloc(32, 0x2a).toString('base64'),
};

const zoneOf = (domains: string[], serial: number): RpzZone =>
  renderZone(
    {
      point: 'rpz',
      entries: domains.map((value) => ({ type: 'domain', value, action: 'block', categories: ['c2'], sources: ['t'] })),
      passthru: [],
      restrictedClients: [],
    },
    enforce,
    serial,
  );

const servers: RpzServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function start(rpz: Partial<RpzServerOptions['config']>, options: Partial<RpzServerOptions>) {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const server = await startRpzServer({
    config: { ...enforce.rpz, listen: '127.0.0.1:0', ...rpz },
    logger: pino({ level: 'info' }, sink),
    ...options,
  });
  servers.push(server);
  return { server, logs };
}

describe('NOTIFY', () => {
  /** A fake secondary: records each NOTIFY and answers as `reply` says (undefined: stays silent). */
  async function secondary(reply: (request: Buffer, n: number) => Buffer | undefined) {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    const received: Buffer[] = [];
    socket.on('message', (message, remote) => {
      received.push(message);
      const answer = reply(message, received.length);
      if (answer) socket.send(answer, remote.port, remote.address);
    });
    after(() => socket.close());
    return { target: `127.0.0.1:${socket.address().port}`, received };
  }
  const ack = (request: Buffer, rcode = 0) => {
    const out = Buffer.from(request.subarray(0, 12 + 18)); // header + question: rpz.mizugiwa. (14 bytes) SOA IN
    out.writeUInt16BE(0x8000 | (4 << 11) | 0x0400 | rcode, 2);
    out.writeUInt16BE(0, 6);
    out.writeUInt16BE(0, 8);
    out.writeUInt16BE(0, 10);
    return out;
  };
  const until = async (check: () => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  test('each setZone notifies every target with the new SOA, from the listen address', async () => {
    const one = await secondary((req) => ack(req));
    const two = await secondary((req) => ack(req));
    const { server } = await start({ notify: [one.target, two.target] }, { zone: zoneOf(['a.example'], 1) });
    await until(() => server.stats().notify.acknowledged === 2);
    await server.setZone(zoneOf(['a.example', 'b.example'], 2));
    await until(() => server.stats().notify.acknowledged === 4);
    const last = one.received.at(-1)!;
    assert.equal((last.readUInt16BE(2) >> 11) & 0xf, 4, 'opcode NOTIFY');
    assert.ok(last.readUInt16BE(2) & 0x0400, 'AA');
    assert.equal(last.readUInt16BE(6), 1, 'the SOA rides in the answer section');
    assert.equal(last.readUInt32BE(last.length - 20), 2, 'new serial');
  });

  test('repeats until answered, and gives up after the attempts', async () => {
    const late = await secondary((req, n) => (n >= 3 ? ack(req) : undefined));
    const silent = await secondary(() => undefined);
    const { server, logs } = await start(
      { notify: [late.target, silent.target] },
      { zone: zoneOf(['a.example'], 1), notifyRetryMs: 20, notifyAttempts: 4 },
    );
    await until(() => server.stats().notify.acknowledged + server.stats().notify.failed === 2);
    assert.equal(late.received.length, 3);
    assert.equal(silent.received.length, 4);
    assert.deepEqual(server.stats().notify, { sent: 7, acknowledged: 1, failed: 1 });
    assert.ok(logs.some((l) => l.msg === 'rpz notify not acknowledged' && l.target === silent.target));
  });

  test('an answer other than NOERROR ends the attempts', async () => {
    const refusing = await secondary((req) => ack(req, 5));
    const { server } = await start(
      { notify: [refusing.target] },
      { zone: zoneOf(['a.example'], 1), notifyRetryMs: 20 },
    );
    await until(() => server.stats().notify.failed === 1);
    assert.equal(refusing.received.length, 1);
  });

  test('with TSIG the NOTIFY is signed and the answer must be signed too', async () => {
    const now = () => Math.floor(Date.now() / 1000);
    const signedAck = (req: Buffer) => {
      const check = verifyRequest(req, key, now());
      assert.equal(check.status, 'valid');
      return sign(ack(req), key, { time: now(), requestMac: check.status === 'valid' ? check.tsig.mac : undefined })
        .message;
    };
    const good = await secondary(signedAck);
    const forged = await secondary((req) => {
      const out = signedAck(req);
      out[out.length - 10]! ^= 1;
      return out;
    });
    const unsigned = await secondary((req) => ack(req));
    const { server, logs } = await start(
      { tsig: key, notify: [good.target, forged.target, unsigned.target] },
      { zone: zoneOf(['a.example'], 1), notifyRetryMs: 20 },
    );
    await until(() => server.stats().notify.acknowledged + server.stats().notify.failed === 3);
    assert.deepEqual(server.stats().notify, { sent: 3, acknowledged: 1, failed: 2 });
    const errors = logs.filter((l) => l.msg === 'rpz notify not acknowledged').map((l) => [l.target, l.error]);
    assert.deepEqual(
      errors.sort(),
      [
        [forged.target, 'TSIG: the MAC does not verify'],
        [unsigned.target, 'TSIG: the response is not signed'],
      ].sort(),
    );
  });
});
