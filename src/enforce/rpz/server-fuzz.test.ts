import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import dnsPacket from 'dns-packet';
import { pino } from 'pino';
import { configSchema } from '../../config/schema.js';
import { Journal } from './journal.js';
import { packRecords, packSoa } from './pack.js';
import { respond, type ResponderState } from './respond.js';
import { startRpzServer, type RpzServer, type RpzServerOptions } from './server.js';
import { sign, type TsigKey } from './tsig.js';
import { renderZone, type RpzZone } from './zone.js';

// What a hostile or broken client can send — random bytes, mutated queries, TCP length prefixes that
// lie, a byte at a time, a client that stops reading or hangs up — and the million-record zone.

const enforce = configSchema.parse({}).enforce;
const key: TsigKey = { name: 'fuzz-key.', algorithm: 'hmac-sha256', secret: Buffer.alloc(32, 3).toString('base64') };

function zoneOf(count: number, serial: number, prefix = 'host'): RpzZone {
  const entries = Array.from({ length: count }, (_, i) => `${prefix}${i}.example${i % 97}.test`)
    .sort()
    .map((value) => ({
      type: 'domain' as const,
      value,
      action: 'block' as const,
      categories: ['c2' as const],
      sources: ['t'],
    }));
  return renderZone({ point: 'rpz', entries, passthru: [], restrictedClients: [] }, enforce, serial);
}

const servers: RpzServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));
async function start(options: Partial<RpzServerOptions> = {}, rpz: Partial<RpzServerOptions['config']> = {}) {
  const server = await startRpzServer({
    config: { ...enforce.rpz, listen: '127.0.0.1:0', ...rpz },
    logger: pino({ level: 'silent' }),
    ...options,
  });
  servers.push(server);
  return { server, port: server.address().tcp };
}

/** A deterministic PRNG, so a failure reproduces. */
function prng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s % n;
  };
}

const query = (type: 'SOA' | 'AXFR' | 'IXFR', serial?: number, id = 1) =>
  dnsPacket.encode({
    type: 'query',
    id,
    questions: [{ name: 'rpz.mizugiwa', type, class: 'IN' }],
    ...(serial !== undefined && {
      authorities: [
        {
          name: 'rpz.mizugiwa',
          type: 'SOA' as const,
          data: { mname: 'a', rname: 'b', serial, refresh: 1, retry: 1, expire: 1, minimum: 1 },
        },
      ],
    }),
    additionals: [
      {
        name: '.',
        type: 'OPT',
        udpPayloadSize: 1232,
        extendedRcode: 0,
        ednsVersion: 0,
        flags: 0,
        flag_do: false,
        options: [],
      },
    ],
  });

function framed(message: Buffer): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(message.length);
  return Buffer.concat([prefix, message]);
}

/** A TCP client that hands out the server's messages one by one. */
class Client {
  private frames: Buffer[] = [];
  private pending = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 2 && this.pending.length >= 2 + this.pending.readUInt16BE(0)) {
        const size = this.pending.readUInt16BE(0);
        this.frames.push(this.pending.subarray(2, 2 + size));
        this.pending = this.pending.subarray(2 + size);
      }
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  static async open(port: number): Promise<Client> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new Client(socket);
  }

  /** The next message, or undefined once the server has closed the connection. */
  async next(timeoutMs = 10_000): Promise<Buffer | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0 && !this.closed) {
      if (Date.now() > deadline) throw new Error('no message from the server in time');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    return this.frames.shift();
  }

  /** Reads one AXFR/IXFR answer to its closing SOA (RFC 1995 §4, RFC 5936 §2.2). */
  async transfer(): Promise<{
    records: number;
    serials: number[];
    messages: number;
    largest: number;
    names: Set<string>;
  }> {
    const names = new Set<string>();
    let records = 0;
    let messages = 0;
    let largest = 0;
    const serials: number[] = [];
    let incremental: boolean | undefined;
    for (;;) {
      const frame = await this.next();
      assert.ok(frame, 'the connection closed mid-transfer');
      messages++;
      largest = Math.max(largest, frame.length);
      const decoded = dnsPacket.decode(frame);
      assert.equal(frame.readUInt16BE(2) & 0xf, 0, 'NOERROR');
      for (const rr of decoded.answers ?? []) {
        records++;
        names.add(rr.name.split('.')[0]!.replace(/[0-9]+$/, ''));
        if (rr.type === 'SOA') serials.push(rr.data.serial ?? -1);
        if (records === 2) incremental = rr.type === 'SOA';
      }
      const first = serials[0];
      const ends = serials.filter((s) => s === first).length;
      if (records === 1 || ends >= (incremental ? 3 : 2)) return { records, serials, messages, largest, names };
    }
  }
}

describe('bad input never takes the server down', () => {
  test('respond() on 40,000 random and mutated messages never throws', () => {
    const zone = zoneOf(50, 2);
    const origin = zone.origin;
    const state: ResponderState = {
      origin,
      live: {
        zone,
        soa: packSoa(zone.soa, 300),
        ns: packRecords(origin, []),
        records: packRecords(origin, zone.records),
      },
      journal: new Journal(5),
      key,
      unsignedAllowed: () => false,
      allowed: () => true,
      clock: () => 1_700_000_000,
      packedDeltas: new WeakMap(),
      maxMessageBytes: 16_384,
    };
    const seeds = [
      query('SOA'),
      query('AXFR'),
      query('IXFR', 1),
      sign(query('AXFR'), key, { time: 1_700_000_000 }).message,
      sign(query('IXFR', 1), key, { time: 1_700_000_000 }).message,
    ];
    const rand = prng(20240611);
    for (let i = 0; i < 40_000; i++) {
      let buf: Buffer;
      if (i % 4 === 0) {
        buf = Buffer.from(Array.from({ length: rand(300) }, () => rand(256)));
      } else {
        buf = Buffer.from(seeds[rand(seeds.length)]!);
        for (let flips = 1 + rand(4); flips > 0; flips--) buf[rand(buf.length)] = rand(256);
        if (rand(4) === 0) buf = buf.subarray(0, rand(buf.length));
        if (rand(8) === 0) buf = Buffer.concat([buf, Buffer.from([rand(256), rand(256)])]);
      }
      for (const tcp of [false, true]) {
        state.key = i % 2 ? key : undefined;
        const reply = respond(state, buf, '127.0.0.1', tcp);
        if (reply.kind === 'transfer') for (const m of reply.messages) assert.ok(m.length <= 16_384);
        if (reply.kind === 'message') assert.ok(reply.message.length >= 12);
      }
    }
  });

  test('UDP: random and mutated datagrams are dropped or answered FORMERR; SOA still answered', async () => {
    const { server, port } = await start({ zone: zoneOf(10, 1) });
    const socket = createSocket('udp4');
    const rand = prng(7);
    for (let i = 0; i < 3000; i++) {
      const buf = i % 2 ? Buffer.from(Array.from({ length: rand(100) }, () => rand(256))) : Buffer.from(query('SOA'));
      if (i % 2 === 0) for (let f = 0; f < 3; f++) buf[rand(buf.length)] = rand(256);
      socket.send(buf, port, '127.0.0.1');
      if (i % 200 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    // UDP may drop under the burst (either side's receive buffer), so the check is asked until answered.
    let answered = false;
    socket.on('message', (m: Buffer) => (answered ||= m.readUInt16BE(0) === 4321 && (m.readUInt16BE(2) & 0xf) === 0));
    const deadline = Date.now() + 5000;
    while (!answered && Date.now() < deadline) {
      socket.send(query('SOA', undefined, 4321), port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 100));
    }
    socket.close();
    assert.ok(answered, 'the SOA query after the noise is answered');
    const stats = server.stats();
    assert.ok(stats.dropped > 0 && stats.formerr > 0, JSON.stringify(stats));
  });

  test('TCP: a length prefix that lies is cut off by the idle timeout; a zero length closes at once', async () => {
    const { port } = await start({ zone: zoneOf(10, 1), idleTimeoutMs: 200 });
    const liar = await Client.open(port);
    liar.socket.write(Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.alloc(10, 1)])); // says 1000, sends 10
    const started = Date.now();
    assert.equal(await liar.next(3000), undefined);
    assert.ok(Date.now() - started < 2000);
    const zero = await Client.open(port);
    zero.socket.write(Buffer.from([0, 0]));
    assert.equal(await zero.next(1000), undefined);
  });

  test('TCP: garbage frames get FORMERR and the connection stays usable; a query a byte at a time is answered', async () => {
    const { port } = await start({ zone: zoneOf(10, 1) });
    const client = await Client.open(port);
    const rand = prng(99);
    for (let i = 0; i < 50; i++) {
      const garbage = Buffer.from(Array.from({ length: 12 + rand(500) }, () => rand(256)));
      garbage[2] = garbage[2]! & 0x7f; // a query, which is answered, not a response, which is dropped
      client.socket.write(framed(garbage));
    }
    client.socket.write(framed(Buffer.alloc(65_535, 0xff)));
    client.socket.write(framed(query('SOA', undefined, 999)));
    for (;;) {
      const reply = await client.next();
      assert.ok(reply);
      if (reply.readUInt16BE(0) === 999 && dnsPacket.decode(reply).answers?.length === 1) break;
    }
    const slow = await Client.open(port);
    for (const byte of framed(query('SOA', undefined, 555))) {
      slow.socket.write(Buffer.from([byte]));
      await new Promise((r) => setTimeout(r, 2));
    }
    const reply = await slow.next();
    assert.equal(reply?.readUInt16BE(0), 555);
    slow.socket.destroy();
    client.socket.destroy();
  });

  test('TCP: pipelined queries are answered in order, and a half-closed client gets the whole transfer', async () => {
    const { port } = await start({ zone: zoneOf(2000, 1) });
    const client = await Client.open(port);
    client.socket.end(
      Buffer.concat([
        framed(query('SOA', undefined, 1)),
        framed(query('AXFR', undefined, 2)),
        framed(query('SOA', undefined, 3)),
      ]),
    );
    assert.equal((await client.next())?.readUInt16BE(0), 1);
    const axfr = await client.transfer();
    assert.equal(axfr.records, 2000 * 4 + 3);
    assert.equal((await client.next())?.readUInt16BE(0), 3);
    assert.equal(await client.next(), undefined, 'the server closes after the last answer');
  });
});

describe('a million records', () => {
  test('1,000,000-record AXFR: SOA first and last, bounded messages; a slow reader does not stall the server', async () => {
    const zone = zoneOf(250_000, 1);
    assert.equal(zone.records.length, 1_000_000);
    const { server, port } = await start();
    let started = performance.now();
    await server.setZone(zone);
    const loadMs = performance.now() - started;
    assert.ok(loadMs < 10_000, `setZone took ${loadMs.toFixed(0)} ms`);

    // A reader that pauses: meanwhile the server still answers, and the zone can change under it.
    const client = await Client.open(port);
    client.socket.pause();
    client.socket.write(framed(query('AXFR')));
    await new Promise((r) => setTimeout(r, 300));
    const udp = createSocket('udp4');
    started = performance.now();
    udp.send(query('SOA'), port, '127.0.0.1');
    await once(udp, 'message');
    udp.close();
    assert.ok(performance.now() - started < 500, 'the event loop is not held by the paused transfer');
    // Two new versions: the second would be written into the storage of the one being sent, were it free.
    await server.setZone(zoneOf(250_000, 2, 'other'));
    await server.setZone(zoneOf(250_000, 3, 'news'));
    client.socket.resume();
    started = performance.now();
    const axfr = await client.transfer();
    const ms = performance.now() - started;
    assert.equal(axfr.records, 1_000_003, 'the version the transfer began with, complete');
    assert.deepEqual([...axfr.names].sort(), ['*', 'host', 'rpz'], 'and none of the later versions');
    assert.deepEqual([axfr.serials[0], axfr.serials.at(-1)], [1, 1]);
    assert.ok(axfr.largest <= 16_384, `${axfr.largest} bytes`);
    assert.ok(ms < 60_000, `AXFR took ${ms.toFixed(0)} ms`);
    client.socket.destroy();
    assert.equal(server.stats().transfers.axfr, 1);
  });

  test('a client that hangs up mid-transfer is counted as aborted and costs nothing else', async () => {
    const { server, port } = await start({ zone: zoneOf(100_000, 1) });
    const client = await Client.open(port);
    client.socket.write(framed(query('AXFR')));
    await client.next();
    client.socket.destroy();
    const deadline = Date.now() + 10_000;
    while (server.stats().transfers.aborted === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(server.stats().transfers, { axfr: 0, ixfr: 0, ixfrFull: 0, aborted: 1 });
    const again = await Client.open(port);
    again.socket.write(framed(query('SOA', undefined, 5)));
    assert.equal((await again.next())?.readUInt16BE(0), 5);
    again.socket.destroy();
  });
});
