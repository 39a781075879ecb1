import { createSocket, type RemoteInfo } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { isIPv6 } from 'node:net';
import { LineBatcher } from './batch.js';
import { hostOf, peerName, sinkFailure, type Listener, type ListenerShared, type UdpStats } from './listener.js';
import { parseSyslogMessage, toLogLine, type MessageContext } from './message.js';

export type UdpListenOptions = {
  host: string;
  port: number;
  /** SO_RCVBUF to ask for: the kernel's buffer is all that absorbs a burst while the sink is slow. */
  recvBufferSize?: number;
};

export const DEFAULT_UDP_RECV_BUFFER = 16 * 1024 * 1024;

const RAW_HEAD_BYTES = 1024;

/**
 * Syslog over UDP (RFC 5426): one message per datagram. UDP cannot make a sender wait, so when the sink is full
 * or busy past the queue's bound, datagrams are dropped, and each one is counted in stats.dropped.
 */
export async function listenUdp(
  options: UdpListenOptions,
  shared: ListenerShared,
  stats: UdpStats,
): Promise<Listener & { address: AddressInfo }> {
  const socket = createSocket({ type: isIPv6(options.host) ? 'udp6' : 'udp4' });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port, options.host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  try {
    socket.setRecvBufferSize(options.recvBufferSize ?? DEFAULT_UDP_RECV_BUFFER);
  } catch {
    // Not allowed here (a container without the capability): the default buffer is used, and stats show it.
  }
  stats.recvBufferBytes = socket.getRecvBufferSize();

  const batcher = new LineBatcher({
    sink: shared.onLines,
    origin: { transport: 'udp' },
    counts: stats,
    maxLines: shared.batchLines,
    maxDelayMs: shared.batchMs,
    maxQueuedLines: shared.maxQueuedLines,
    onSinkFailure: (error, lines) =>
      shared.report({
        reason: sinkFailure(error, lines),
        position: 'syslog udp sink',
        raw: Buffer.from(lines.join('\n')),
      }),
  });
  const ctx: MessageContext = { now: 0, localTime: shared.localTime, fromHost: '-' };

  const receive = (datagram: Buffer, from: RemoteInfo): void => {
    stats.received++;
    stats.bytes += datagram.length;
    const position = `syslog udp from ${peerName(from.address, from.port)}`;
    if (datagram.length > shared.maxMessageBytes) {
      stats.errors++;
      const reason = `${datagram.length}-byte datagram longer than ${shared.maxMessageBytes} bytes`;
      shared.report({ reason, position, raw: Buffer.from(datagram.subarray(0, RAW_HEAD_BYTES)) });
      return;
    }
    ctx.now = shared.now();
    ctx.fromHost = hostOf(from.address);
    const message = parseSyslogMessage(datagram, ctx);
    if (typeof message === 'string') {
      stats.errors++;
      shared.report({ reason: message, position, raw: datagram });
      return;
    }
    batcher.add(toLogLine(message));
  };

  socket.on('message', (datagram, from) => {
    try {
      receive(datagram, from);
    } catch (error) {
      // Parsing does not throw; this is a bug, and one datagram must not take the server down with it.
      stats.errors++;
      const reason = `internal error: ${error instanceof Error ? error.message : String(error)}`;
      shared.report({ reason, position: `syslog udp from ${peerName(from.address, from.port)}`, raw: datagram });
    }
  });
  socket.on('error', (error) => {
    shared.report({
      reason: `UDP socket error: ${error.message}`,
      position: 'syslog udp socket',
      raw: new Uint8Array(),
    });
  });

  const address = socket.address();
  let closed: Promise<void> | undefined;
  return {
    address,
    close() {
      closed ??= (async () => {
        await new Promise<void>((resolve) => socket.close(() => resolve()));
        await batcher.drain();
      })();
      return closed;
    },
  };
}
