import type { AddressInfo } from 'node:net';
import type { Rejected } from '../../domain/format.js';
import type { LineContext } from '../line-format.js';
import type { LineSink } from './batch.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './framing.js';
import type { Listener, ListenerShared, TcpStats, UdpStats } from './listener.js';
import { listenTcp, type TcpListenOptions } from './tcp.js';
import { listenUdp, type UdpListenOptions } from './udp.js';

export type SyslogServerOptions = {
  udp?: UdpListenOptions;
  tcp?: TcpListenOptions;
  /** The senders' zone, for stamps without one (RFC 3164 has none): localTimeIn('Asia/Tokyo'). */
  localTime: LineContext['localTime'];
  /** The clock, for messages without a stamp and for the year of RFC 3164 stamps. Date.now by default. */
  now?: () => number;
  /**
   * Gets the lines, in the form syslog-prefix.ts reads, in batches. Answer true to accept, false for "full"
   * (the lines are dropped and counted), or a Promise to accept and hold further input until it resolves.
   */
  onLines: LineSink;
  /** A message that could not be read, or lines the sink failed to take: for the dead-letter store. */
  onError(rejected: Rejected): void;
  /** Longer messages are rejected (default 64 KiB). */
  maxMessageBytes?: number;
  /** A batch goes to onLines at this many lines (default 512) … */
  batchLines?: number;
  /** … or this long after its first line (default 50 ms). */
  batchMs?: number;
  /** Lines held per sender while onLines has not resolved (default 65536); UDP drops, counted, beyond it. */
  maxQueuedLines?: number;
};

export type SyslogServerStats = { udp: UdpStats; tcp: TcpStats };

export type SyslogServer = {
  /** Where it listens (port 0 in the options becomes the port the system chose). */
  addresses: { udp?: AddressInfo; tcp?: AddressInfo };
  /** Live counts, per transport. */
  stats: SyslogServerStats;
  /** Stops listening, hands on every line read so far and waits until onLines has settled them. */
  close(): Promise<void>;
};

/**
 * A syslog receiver for UDP and TCP that turns each message into one log line for the line formats. It does
 * not stop for bad input: an unreadable message goes to onError and the next one is read.
 */
export async function startSyslogServer(options: SyslogServerOptions): Promise<SyslogServer> {
  if (!options.udp && !options.tcp) throw new Error('startSyslogServer: give udp, tcp or both to listen on');
  const { onError } = options;
  const shared: ListenerShared = {
    localTime: options.localTime,
    now: options.now ?? Date.now,
    onLines: options.onLines,
    report(rejected) {
      try {
        onError({ rejected: true, ...rejected });
      } catch {
        // The error channel failing must not stop the server; the message is still counted in stats.
      }
    },
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    batchLines: options.batchLines ?? 512,
    batchMs: options.batchMs ?? 50,
    maxQueuedLines: options.maxQueuedLines ?? 65_536,
  };
  const stats: SyslogServerStats = {
    udp: { received: 0, bytes: 0, lines: 0, errors: 0, dropped: 0, recvBufferBytes: 0 },
    tcp: { received: 0, bytes: 0, lines: 0, errors: 0, dropped: 0, connections: 0, openConnections: 0 },
  };
  const listeners: Listener[] = [];
  const addresses: SyslogServer['addresses'] = {};
  try {
    if (options.udp) {
      const udp = await listenUdp(options.udp, shared, stats.udp);
      listeners.push(udp);
      addresses.udp = udp.address;
    }
    if (options.tcp) {
      const tcp = await listenTcp(options.tcp, shared, stats.tcp);
      listeners.push(tcp);
      addresses.tcp = tcp.address;
    }
  } catch (error) {
    await Promise.all(listeners.map((l) => l.close()));
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    addresses,
    stats,
    close() {
      closed ??= Promise.all(listeners.map((l) => l.close())).then(() => undefined);
      return closed;
    },
  };
}
