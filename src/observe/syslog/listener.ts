import type { Rejected } from '../../domain/format.js';
import type { LineContext } from '../line-format.js';
import type { LineSink } from './batch.js';

/** Counts for one transport. received = lines + errors + dropped, once every batch has been handed on. */
export type TransportStats = {
  /** Messages that came in: datagrams, or TCP frames (including the unreadable ones). */
  received: number;
  bytes: number;
  /** Lines the sink accepted. */
  lines: number;
  /** Messages that could not be read (each one went to onError). */
  errors: number;
  /** Readable messages that were not accepted: the sink said full, the queue was full, or the sink failed. */
  dropped: number;
};

export type UdpStats = TransportStats & {
  /** The receive buffer the kernel granted (Linux caps the request at net.core.rmem_max, then doubles it). */
  recvBufferBytes: number;
};

export type TcpStats = TransportStats & {
  /** Connections accepted since the start. */
  connections: number;
  openConnections: number;
};

/** What the server gives each transport's listener: one sink, one error channel, the same limits. */
export type ListenerShared = {
  localTime: LineContext['localTime'];
  now: () => number;
  onLines: LineSink;
  /** Reports a message that could not be read, or lines a sink failed to take; never throws. */
  report(rejected: Omit<Rejected, 'rejected'>): void;
  maxMessageBytes: number;
  batchLines: number;
  batchMs: number;
  maxQueuedLines: number;
};

export type Listener = { close(): Promise<void> };

/** `127.0.0.1:5514`, `[2001:db8::1]:5514`; an IPv4 peer on a dual-stack socket without its `::ffff:`. */
export function peerName(address: string, port: number): string {
  const host = hostOf(address);
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The peer's address as a host name stand-in, for messages that carry no HOSTNAME. */
export function hostOf(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** The reason a sink failure is reported with. */
export function sinkFailure(error: unknown, lines: string[]): string {
  const why = error instanceof Error ? error.message : String(error);
  return `onLines failed, ${lines.length} lines dropped: ${why}`;
}
