import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Rejected } from '../../domain/format.js';
import { encodeControlFrame, encodeDataFrame, FrameStreamDecoder, type ControlFrame } from './frame-streams.js';
import { DNSTAP_CONTENT_TYPE, startDnstapReceiver, type DnstapOrigin, type DnstapReceiverOptions } from './receiver.js';

const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-dnstap-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let sockets = 0;
const socketPath = () => join(dir, `dnstap-${++sockets}.sock`);

type Received = { frames: string[]; origins: DnstapOrigin[]; sizes: number[]; errors: Rejected[] };

async function receiver(options: Partial<DnstapReceiverOptions> & ({ unix: string } | { tcp: string })) {
  const got: Received = { frames: [], origins: [], sizes: [], errors: [] };
  const r = await startDnstapReceiver({
    onFrames: (frames, origin) => {
      got.frames.push(...frames.map((f) => Buffer.from(f).toString()));
      got.origins.push(origin);
      got.sizes.push(frames.length);
    },
    onError: (e) => got.errors.push(e),
    ...options,
  });
  return { r, got };
}

/** A producer's end: what it sends, and the control frames and close it gets back. */
class Producer {
  readonly replies: ControlFrame[] = [];
  readonly closed: Promise<void>;
  private readonly decoder = new FrameStreamDecoder();

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.decoder.push(chunk);
      for (let f = this.decoder.next(); f !== null; f = this.decoder.next()) {
        if (!(f instanceof Uint8Array) && f.kind === 'control') this.replies.push(f);
      }
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static async connect(where: { path: string } | { host: string; port: number }): Promise<Producer> {
    const socket = net.connect(where);
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new Producer(socket);
  }

  send(...parts: Uint8Array[]): void {
    this.socket.write(Buffer.concat(parts));
  }

  async reply(count: number): Promise<void> {
    await until(() => this.replies.length >= count, `${count} control frames back`);
  }
}

async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const data = (...texts: string[]) => texts.map((t) => encodeDataFrame(Buffer.from(t)));

describe('dnstap receiver', () => {
  test('bidirectional over a unix socket: READY → ACCEPT, START, data, STOP → FINISH and close', async () => {
    const path = socketPath();
    const { r, got } = await receiver({ unix: path });
    const p = await Producer.connect({ path });
    p.send(encodeControlFrame('READY', ['protobuf:other', DNSTAP_CONTENT_TYPE]));
    await p.reply(1);
    assert.deepEqual(p.replies[0], { kind: 'control', type: 'ACCEPT', contentTypes: [DNSTAP_CONTENT_TYPE] });
    p.send(encodeControlFrame('START', [DNSTAP_CONTENT_TYPE]), ...data('one', 'two'));
    p.send(...data('three'), encodeControlFrame('STOP'));
    await p.reply(2);
    assert.equal(p.replies[1]!.type, 'FINISH');
    await p.closed;
    assert.deepEqual(got.frames, ['one', 'two', 'three']);
    assert.equal(got.origins[0]!.connection, `dnstap unix ${path} conn #1`);
    let next = 1;
    got.origins.forEach((origin, i) => {
      assert.equal(origin.firstFrame, next, 'batches numbered by their first frame');
      next += got.sizes[i]!;
    });
    assert.deepEqual(got.errors, []);
    const stats = r.stats();
    assert.deepEqual({ ...stats, bytes: 0 }, { connections: 1, open: 0, frames: 3, bytes: 0, errors: 0 });
    assert.ok(stats.bytes > 60);
    await r.close();
    assert.equal(existsSync(path), false, 'the socket file is removed');
  });

  test('unidirectional over TCP: START, data, STOP; frames split across writes arrive whole', async () => {
    const { r, got } = await receiver({ tcp: '127.0.0.1:0' });
    const { host, port } = r.address().tcp!;
    const p = await Producer.connect({ host, port });
    const stream = Buffer.concat([encodeControlFrame('START', [DNSTAP_CONTENT_TYPE]), ...data('a', 'bb', 'ccc')]);
    for (let i = 0; i < stream.length; i += 3) {
      p.send(stream.subarray(i, i + 3));
      await new Promise((resolve) => setImmediate(resolve));
    }
    p.send(encodeControlFrame('STOP'));
    await p.closed;
    assert.deepEqual(got.frames, ['a', 'bb', 'ccc']);
    assert.deepEqual(p.replies, [], 'no FINISH without a handshake');
    assert.equal(got.origins[0]!.connection, `dnstap tcp 127.0.0.1:${port} conn #1`);
    await r.close();
  });

  test('both listeners at once, and a START without a content type is taken', async () => {
    const path = socketPath();
    const { r, got } = await receiver({ unix: path, tcp: '127.0.0.1:0' });
    const a = await Producer.connect({ path });
    const b = await Producer.connect({ host: '127.0.0.1', port: r.address().tcp!.port });
    a.send(encodeControlFrame('START'), ...data('via unix'), encodeControlFrame('STOP'));
    b.send(encodeControlFrame('START', [DNSTAP_CONTENT_TYPE]), ...data('via tcp'), encodeControlFrame('STOP'));
    await Promise.all([a.closed, b.closed]);
    assert.deepEqual([...got.frames].sort(), ['via tcp', 'via unix']);
    assert.equal(r.stats().connections, 2);
    await r.close();
  });

  test('a protocol error closes that connection only, reported with what and where', async () => {
    const { r, got } = await receiver({ tcp: '127.0.0.1:0' });
    const port = r.address().tcp!.port;
    const good = await Producer.connect({ host: '127.0.0.1', port });
    good.send(encodeControlFrame('START', [DNSTAP_CONTENT_TYPE]), ...data('before'));
    await until(() => got.frames.length === 1, 'the first frame');

    const early = await Producer.connect({ host: '127.0.0.1', port });
    early.send(...data('too early'));
    await early.closed;
    const huge = await Producer.connect({ host: '127.0.0.1', port });
    huge.send(
      encodeControlFrame('START', [DNSTAP_CONTENT_TYPE]),
      ...data('fine'),
      Buffer.from([0xff, 0xff, 0xff, 0xff]),
    );
    await huge.closed;
    const wrongType = await Producer.connect({ host: '127.0.0.1', port });
    wrongType.send(encodeControlFrame('READY', ['protobuf:something.Else']));
    await wrongType.closed;
    const wrongStart = await Producer.connect({ host: '127.0.0.1', port });
    wrongStart.send(encodeControlFrame('START', ['json']));
    await wrongStart.closed;
    const twice = await Producer.connect({ host: '127.0.0.1', port });
    twice.send(encodeControlFrame('START'), encodeControlFrame('START'));
    await twice.closed;

    const where = (n: number, byte: number) => `dnstap tcp 127.0.0.1:${port} conn #${n} byte ${byte}`;
    const startLength = encodeControlFrame('START', [DNSTAP_CONTENT_TYPE]).length;
    assert.deepEqual(
      got.errors.map((e) => [e.position, e.reason]),
      [
        [where(2, 0), 'data frame before START (no handshake)'],
        [where(3, startLength + 8), 'data frame of 4294967295 bytes is over the 1048576-byte limit'],
        [where(4, 0), 'READY offers "protobuf:something.Else"; this receiver reads only "protobuf:dnstap.Dnstap"'],
        [where(5, 0), 'START for content type "json"; this receiver reads only "protobuf:dnstap.Dnstap"'],
        [where(6, 12), 'unexpected START control frame in the middle of the stream (expected data or STOP)'],
      ],
    );
    assert.deepEqual(Buffer.from(got.errors[1]!.raw), Buffer.from([0xff, 0xff, 0xff, 0xff]));
    assert.ok(got.errors.every((e) => e.rejected));

    good.send(...data('after'), encodeControlFrame('STOP'));
    await good.closed;
    assert.deepEqual(got.frames, ['before', 'fine', 'after'], 'the good connection went on');
    assert.equal(r.stats().errors, 5);
    await r.close();
  });

  test('backpressure: while the handler’s promise is pending the connection is paused, then resumes in order', async () => {
    const path = socketPath();
    const batches: string[][] = [];
    let release: () => void = () => {};
    let pending = 0;
    const r = await startDnstapReceiver({
      unix: path,
      maxBatch: 10,
      onFrames: (frames) => {
        batches.push(frames.map((f) => Buffer.from(f).toString()));
        pending++;
        return new Promise<void>((resolve) => {
          release = () => {
            pending--;
            resolve();
          };
        });
      },
    });
    const p = await Producer.connect({ path });
    const texts = Array.from({ length: 50 }, (_, i) => `frame ${i}`);
    p.send(encodeControlFrame('START'), ...data(...texts), encodeControlFrame('STOP'));
    await until(() => batches.length === 1, 'the first batch');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(batches.length, 1, 'no second batch while the first is pending');
    assert.equal(pending, 1);
    while (batches.flat().length < 50) {
      const seen = batches.length;
      release();
      await until(() => batches.length > seen, 'the next batch');
    }
    release();
    await p.closed;
    assert.deepEqual(batches.flat(), texts);
    assert.ok(batches.every((b) => b.length <= 10));
    await r.close();
  });

  test('close() while a handler’s promise is pending: nothing is handed over after it', async () => {
    const batches: number[] = [];
    let release = () => {};
    const r = await startDnstapReceiver({
      tcp: '127.0.0.1:0',
      maxBatch: 5,
      onFrames: (frames) => {
        batches.push(frames.length);
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    const p = await Producer.connect({ host: '127.0.0.1', port: r.address().tcp!.port });
    p.send(encodeControlFrame('START'), ...data(...Array.from({ length: 20 }, (_, i) => `f${i}`)));
    await until(() => batches.length === 1, 'the first batch');
    await r.close();
    await p.closed;
    release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(batches, [5]);
    assert.equal(r.stats().open, 0);
  });

  test('a connection that never starts is closed after the handshake timeout; extra connections are refused', async () => {
    const { r, got } = await receiver({ tcp: '127.0.0.1:0', handshakeTimeoutMs: 100, maxConnections: 1 });
    const port = r.address().tcp!.port;
    const idle = await Producer.connect({ host: '127.0.0.1', port });
    await until(() => r.stats().open === 1, 'the connection to count');
    const extra = await Producer.connect({ host: '127.0.0.1', port });
    await extra.closed;
    await idle.closed;
    assert.match(got.errors[0]!.reason, /no START within 100 ms/);
    assert.equal(r.stats().connections, 1);
    await r.close();
  });

  test('a stale socket file is replaced; a live socket or another file is not', async () => {
    const path = socketPath();
    // A listener killed without cleaning up leaves its socket file behind.
    const script = `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
    spawnSync(process.execPath, ['-e', script]);
    assert.ok(statSync(path).isSocket(), 'a stale socket file');
    const { r } = await receiver({ unix: path, unixMode: 0o666 });
    assert.equal(statSync(path).mode & 0o777, 0o666);
    await assert.rejects(receiver({ unix: path }), /another process is listening on/);
    await r.close();

    const file = join(dir, 'not-a-socket');
    writeFileSync(file, 'keep me');
    await assert.rejects(receiver({ unix: file }), /exists and is not a socket/);
    assert.ok(existsSync(file));
    await assert.rejects(startDnstapReceiver({ onFrames: () => {} }), /a unix socket path, a TCP address or both/);
    await assert.rejects(receiver({ tcp: 'localhost' }), /not host:port/);
  });

  test('a handler that throws closes its connection and is logged; the receiver stays up', async () => {
    const logged: string[] = [];
    const log = { debug() {}, info() {}, warn() {}, error: (_: object, msg: string) => logged.push(msg) };
    const r = await startDnstapReceiver({
      tcp: '127.0.0.1:0',
      logger: log,
      onFrames: () => {
        throw new Error('store is down');
      },
    });
    const p = await Producer.connect({ host: '127.0.0.1', port: r.address().tcp!.port });
    p.send(encodeControlFrame('START'), ...data('x'));
    await p.closed;
    assert.deepEqual(logged, ['dnstap frame handler failed; closing the connection']);
    assert.equal(r.stats().errors, 1);
    await r.close();
  });
});
