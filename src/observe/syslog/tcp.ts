import { createServer, type AddressInfo, type Socket } from 'node:net';
import { LineBatcher } from './batch.js';
import { SyslogFramer } from './framing.js';
import { hostOf, peerName, sinkFailure, type Listener, type ListenerShared, type TcpStats } from './listener.js';
import { parseSyslogMessage, toLogLine, type MessageContext } from './message.js';

export type TcpListenOptions = {
  host: string;
  port: number;
  /** Connections beyond this are refused (each may hold up to maxMessageBytes of a partial frame). */
  maxConnections?: number;
};

export const DEFAULT_MAX_CONNECTIONS = 1024;

// Syslog senders hold a connection open for days and may go quiet for hours; keepalive finds the dead ones
// (a rebooted router) without cutting the quiet ones.
const KEEPALIVE_MS = 60_000;

/**
 * Syslog over TCP (RFC 6587), each connection framed on its own. When the sink answers with a Promise the
 * connection stops being read until it resolves, so a slow sink slows the sender down instead of filling memory.
 */
export async function listenTcp(
  options: TcpListenOptions,
  shared: ListenerShared,
  stats: TcpStats,
): Promise<Listener & { address: AddressInfo }> {
  const connections = new Set<Connection>();
  const server = createServer({ keepAlive: true, keepAliveInitialDelay: KEEPALIVE_MS }, (socket) => {
    const connection = new Connection(socket, shared, stats);
    connections.add(connection);
    socket.once('close', () => connections.delete(connection));
  });
  server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => {
    // Accept failures (EMFILE when out of descriptors): the server keeps listening; the sender will retry.
    shared.report({
      reason: `TCP server error: ${error.message}`,
      position: 'syslog tcp server',
      raw: new Uint8Array(),
    });
  });

  const address = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    address,
    close() {
      closed ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.all([...connections].map((c) => c.close()));
        await stopped;
      })();
      return closed;
    },
  };
}

/** One sender's connection: its framer, its own batches, and the pausing that pushes back on it. */
class Connection {
  private readonly framer: SyslogFramer;
  private readonly batcher: LineBatcher;
  private readonly ctx: MessageContext;
  private readonly remote: string;
  private finished: Promise<void> | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly shared: ListenerShared,
    private readonly stats: TcpStats,
  ) {
    stats.connections++;
    stats.openConnections++;
    const address = socket.remoteAddress ?? '-';
    this.remote = peerName(address, socket.remotePort ?? 0);
    this.ctx = { now: 0, localTime: shared.localTime, fromHost: hostOf(address) };
    this.batcher = new LineBatcher({
      sink: shared.onLines,
      origin: { transport: 'tcp', remote: this.remote },
      counts: stats,
      maxLines: shared.batchLines,
      maxDelayMs: shared.batchMs,
      maxQueuedLines: shared.maxQueuedLines,
      onSinkFailure: (error, lines) =>
        shared.report({
          reason: sinkFailure(error, lines),
          position: `syslog tcp ${this.remote} sink`,
          raw: Buffer.from(lines.join('\n')),
        }),
      onBusy: () => socket.pause(),
      onIdle: () => {
        if (!socket.destroyed) socket.resume();
      },
    });
    this.framer = new SyslogFramer(
      {
        onFrame: (frame, position) => this.frame(frame, position),
        onError: (reason, position, raw) => {
          stats.received++;
          stats.errors++;
          shared.report({ reason, position: this.position(position), raw });
        },
      },
      shared.maxMessageBytes,
    );
    socket.on('data', (chunk: Buffer) => this.data(chunk));
    socket.on('end', () => void this.finish());
    socket.on('close', () => {
      stats.openConnections--;
      void this.finish();
    });
    // A reset or a timeout: 'close' follows, and what was read up to it has been handed on.
    socket.on('error', () => {});
  }

  /** Stops reading, hands on what was read (a last message without its LF too) and closes the connection. */
  async close(): Promise<void> {
    await this.finish();
    this.socket.destroy();
  }

  private data(chunk: Buffer): void {
    this.stats.bytes += chunk.length;
    this.ctx.now = this.shared.now();
    try {
      this.framer.push(chunk);
    } catch (error) {
      // Framing and parsing do not throw; this is a bug, and it must cost this connection only.
      const reason = `internal error, connection closed: ${error instanceof Error ? error.message : String(error)}`;
      this.shared.report({ reason, position: `syslog tcp ${this.remote}`, raw: chunk.subarray(0, 1024) });
      this.stats.errors++;
      this.socket.destroy();
    }
  }

  private frame(frame: Buffer, position: number): void {
    this.stats.received++;
    const message = parseSyslogMessage(frame, this.ctx);
    if (typeof message === 'string') {
      this.stats.errors++;
      // Copied: the frame may be a view of a socket chunk that the rest of the stream no longer needs.
      this.shared.report({ reason: message, position: this.position(position), raw: Buffer.from(frame) });
      return;
    }
    this.batcher.add(toLogLine(message));
  }

  private position(byte: number): string {
    return `syslog tcp ${this.remote} byte ${byte}`;
  }

  private finish(): Promise<void> {
    this.finished ??= (async () => {
      this.socket.pause();
      try {
        this.ctx.now = this.shared.now();
        this.framer.end();
      } catch (error) {
        const reason = `internal error at end of stream: ${error instanceof Error ? error.message : String(error)}`;
        this.shared.report({ reason, position: `syslog tcp ${this.remote}`, raw: new Uint8Array() });
      }
      await this.batcher.drain();
    })();
    return this.finished;
  }
}
