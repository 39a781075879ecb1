// The dnstap input's listener: resolvers (Unbound `dnstap-socket-path` / `dnstap-ip`, BIND `dnstap-output
// unix`, Knot, PowerDNS) connect to it as Frame Streams writers. It listens on a unix socket, a TCP
// address, or both, and hands every connection's data frames to one handler (see connection.ts for
// the protocol and the backpressure). A bad connection is reported and closed; the listener stays up.
import { lstatSync, rmSync } from 'node:fs';
import net, { type AddressInfo, type Server, type Socket } from 'node:net';
import { chmod } from 'node:fs/promises';
import { parseListen } from '../../config/listen.js';
import type { Rejected } from '../../domain/format.js';
import {
  DnstapConnection,
  type ConnectionCounters,
  type ConnectionLog,
  type DnstapFramesHandler,
} from './connection.js';
import { DEFAULT_MAX_DATA_FRAME_BYTES } from './frame-streams.js';

export { DNSTAP_CONTENT_TYPE, type DnstapFramesHandler, type DnstapOrigin } from './connection.js';

export type DnstapReceiverOptions = {
  /** A unix socket path to listen on (Unbound's `dnstap-socket-path`). A stale socket file is replaced. */
  unix?: string;
  /** File mode for the unix socket, e.g. 0o666 when the resolver runs as another user. */
  unixMode?: number;
  /** `host:port` or `[v6]:port` to listen on for TCP (Unbound's `dnstap-ip`); port 0 picks one. */
  tcp?: string;
  onFrames: DnstapFramesHandler;
  /** A connection broke the protocol (it is then closed): reason, where, and the first bytes. */
  onError?: (rejected: Rejected) => void;
  logger?: ConnectionLog;
  /** Connections open at once, over all listeners; more are refused. Default 64. */
  maxConnections?: number;
  /** Largest data frame accepted; a longer one is a protocol error. Default 1 MiB. */
  maxDataFrameBytes?: number;
  /** Most frames in one onFrames call. Default 4096. */
  maxBatch?: number;
  /** Close a connection that has not sent START within this time. Default 10 s. */
  handshakeTimeoutMs?: number;
};

export type DnstapReceiverStats = {
  /** Connections accepted since start. */
  connections: number;
  /** Connections open now. */
  open: number;
  /** Data frames received. */
  frames: number;
  /** Bytes received. */
  bytes: number;
  /** Connections closed for a protocol error or a failed handler. */
  errors: number;
};

export type DnstapReceiver = {
  /** Where it listens (the TCP port as bound, when 0 was asked for). */
  address(): { unix?: string; tcp?: { host: string; port: number } };
  stats(): DnstapReceiverStats;
  /** Stops listening, closes every connection, removes the unix socket file. */
  close(): Promise<void>;
};

const SILENT: ConnectionLog = { debug() {}, info() {}, warn() {}, error() {} };

export async function startDnstapReceiver(options: DnstapReceiverOptions): Promise<DnstapReceiver> {
  if (!options.unix && !options.tcp) throw new Error('dnstap receiver: give a unix socket path, a TCP address or both');
  const tcp = options.tcp === undefined ? undefined : parseListen(options.tcp);
  if (options.tcp !== undefined && !tcp)
    throw new Error(`dnstap receiver: TCP address is not host:port: ${options.tcp}`);
  const log = options.logger ?? SILENT;
  const onError = options.onError ?? (() => {});
  const maxConnections = options.maxConnections ?? 64;
  const counters: ConnectionCounters = { frames: 0, bytes: 0, errors: 0 };
  const sockets = new Set<Socket>();
  let accepted = 0;
  const servers: Server[] = [];

  const serve = (listener: string) => (socket: Socket) => {
    if (sockets.size >= maxConnections) {
      log.warn({ listener, maxConnections }, 'dnstap connection refused: too many open');
      socket.destroy();
      return;
    }
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const label = `${listener} conn #${accepted}`;
    log.debug({ connection: label }, 'dnstap connection');
    new DnstapConnection({
      socket,
      label,
      onFrames: options.onFrames,
      onError,
      log,
      counters,
      maxDataFrameBytes: options.maxDataFrameBytes ?? DEFAULT_MAX_DATA_FRAME_BYTES,
      maxBatch: options.maxBatch ?? 4096,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
    });
  };

  let unixPath: string | undefined;
  let tcpAddress: { host: string; port: number } | undefined;
  try {
    if (options.unix) {
      await removeStaleSocket(options.unix);
      const server = net.createServer(serve(`dnstap unix ${options.unix}`));
      servers.push(server);
      await listen(server, { path: options.unix });
      unixPath = options.unix;
      if (options.unixMode !== undefined) await chmod(options.unix, options.unixMode);
    }
    if (tcp) {
      const server = net.createServer();
      servers.push(server);
      await listen(server, { host: tcp.host, port: tcp.port });
      const bound = server.address() as AddressInfo;
      tcpAddress = { host: tcp.host, port: bound.port };
      const where = tcp.host.includes(':') ? `[${tcp.host}]:${bound.port}` : `${tcp.host}:${bound.port}`;
      server.on('connection', serve(`dnstap tcp ${where}`));
    }
  } catch (err) {
    await Promise.all(servers.map(closeServer));
    if (unixPath) rmSync(unixPath, { force: true });
    throw err;
  }
  for (const server of servers) {
    // After listening, an error on the server (not on a connection) is logged, never thrown.
    server.on('error', (err) => log.error({ err: err.message }, 'dnstap listener error'));
  }
  log.info({ unix: unixPath, tcp: tcpAddress }, 'dnstap receiver listening');

  let closing: Promise<void> | undefined;
  return {
    address: () => ({ ...(unixPath && { unix: unixPath }), ...(tcpAddress && { tcp: tcpAddress }) }),
    stats: () => ({ connections: accepted, open: sockets.size, ...counters }),
    close() {
      closing ??= (async () => {
        const closed = Promise.all(servers.map(closeServer));
        for (const socket of sockets) socket.destroy();
        await closed;
        // Node unlinks a unix socket it listened on when the server closes; this covers a failed close.
        if (unixPath) rmSync(unixPath, { force: true });
      })();
      return closing;
    },
  };
}

function listen(server: Server, where: net.ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(where, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}

/**
 * A socket file left by a receiver that did not shut down cleanly is removed; one that a live process
 * still accepts on is not (two receivers on one path would steal each other's producers), and a path
 * that is not a socket is never removed.
 */
async function removeStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket) throw new Error(`dnstap receiver: ${path} exists and is not a socket; not replacing it`);
  const live = await new Promise<boolean>((resolve) => {
    const probe = net.connect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live) throw new Error(`dnstap receiver: another process is listening on ${path}`);
  rmSync(path, { force: true });
}
