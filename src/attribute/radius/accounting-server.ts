import { createSocket, type RemoteInfo } from 'node:dgram';
import { isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { LeaseRecord } from '../../domain/lease.js';
import { accountingRecords } from './accounting-records.js';
import {
  accountingResponse,
  authenticatorMatches,
  readAccountingRequest,
  requestAttributes,
  type AccountingRequest,
} from './radius-packet.js';

// Mizugiwa as a RADIUS accounting server (RFC 2866): a NAS, or FreeRADIUS replicating to us, sends its
// Accounting-Requests here and they become lease records without a detail file in between.
//
// An Accounting-Response means "stored": it is sent only after onRecords resolved, so a record we could not
// store is retransmitted by the NAS rather than lost. A retransmission (same source address and port,
// identifier and authenticator, within 30 s: RFC 5080 section 2.2.2) is answered again but handed over once.
// Packets from unknown sources or with a wrong authenticator are dropped unanswered (RFC 2865 section 3), and
// a malformed packet is dropped: each is counted, and logged at most once a minute per source and kind, so
// a misconfigured NAS cannot flood the log.

export type RadiusAccountingClient = {
  /** The NAS's address, or a CIDR for a group of them sharing a secret. The most specific match wins. */
  address: string;
  secret: string;
};

export type RadiusAccountingStats = {
  received: number;
  answered: number;
  badAuthenticator: number;
  unknownClient: number;
  duplicates: number;
  malformed: number;
  /** onRecords failed: left unanswered, so the NAS sends the record again. */
  notStored: number;
};

export type RadiusAccountingLog = {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
};

export type RadiusAccountingServerOptions = {
  /** Address to listen on: an IPv4 address, or an IPv6 one (`::` also takes IPv4 on dual-stack hosts). */
  host: string;
  /** UDP port; 0 takes a free one (see the returned `port`). The standard port is 1813. */
  port: number;
  clients: RadiusAccountingClient[];
  onRecords: (records: LeaseRecord[], from: { address: string; port: number }) => Promise<void>;
  log?: RadiusAccountingLog;
};

export type RadiusAccountingServer = {
  port: number;
  stats(): RadiusAccountingStats;
  /** Stops listening, after the records being stored have been. */
  close(): Promise<void>;
};

const DUPLICATE_WINDOW_MS = 30_000;
const LOG_EVERY_MS = 60_000;

type Seen = { at: number; response: Buffer | undefined };

export async function startRadiusAccountingServer(
  options: RadiusAccountingServerOptions,
): Promise<RadiusAccountingServer> {
  const clients = clientTable(options.clients);
  const stats: RadiusAccountingStats = {
    received: 0,
    answered: 0,
    badAuthenticator: 0,
    unknownClient: 0,
    duplicates: 0,
    malformed: 0,
    notStored: 0,
  };
  const recent = new Map<string, Seen>();
  const lastLogged = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  let closed = false;

  const socket = createSocket({ type: isIPv6(options.host) ? 'udp6' : 'udp4' });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (err) => {
      socket.close();
      reject(err);
    });
    socket.bind({ address: options.host, port: options.port, exclusive: true }, () => {
      socket.removeAllListeners('error');
      resolve();
    });
  });
  socket.on('error', (err) => options.log?.warn({ err }, 'RADIUS accounting socket error'));

  /** A warning about `source`, unless one of this kind went out for it in the last minute. */
  const warnOnce = (kind: string, source: string, obj: object, msg: string) => {
    const key = `${kind} ${source}`;
    const now = Date.now();
    const last = lastLogged.get(key);
    if (last !== undefined && now - last < LOG_EVERY_MS) return;
    if (lastLogged.size > 10_000) {
      for (const [k, at] of lastLogged) if (now - at >= LOG_EVERY_MS) lastLogged.delete(k);
    }
    lastLogged.set(key, now);
    options.log?.warn({ source, ...obj }, msg);
  };

  const send = (response: Buffer, to: RemoteInfo) => {
    if (closed) return;
    socket.send(response, to.port, to.address, (err) => {
      if (err) options.log?.warn({ err, to: to.address }, 'could not send an Accounting-Response');
    });
    stats.answered++;
  };

  const forgetOld = (now: number) => {
    for (const [key, seen] of recent) {
      if (now - seen.at < DUPLICATE_WINDOW_MS) break;
      // One still being stored stays, so that its retransmissions are not handed over a second time.
      if (seen.response) recent.delete(key);
    }
  };

  const store = async (request: AccountingRequest, secret: string, source: string, from: RemoteInfo) => {
    const now = Date.now();
    forgetOld(now);
    const key = `${source} ${from.port} ${request.identifier} ${request.authenticator.toString('hex')}`;
    const seen = recent.get(key);
    if (seen) {
      stats.duplicates++;
      if (seen.response) send(seen.response, from);
      return;
    }
    const entry: Seen = { at: now, response: undefined };
    recent.set(key, entry);
    const records = accountingRecords(
      receivedAttributes(request, source, now),
      `radius ${source} id ${request.identifier}`,
    );
    try {
      if (records.length > 0) await options.onRecords(records, { address: source, port: from.port });
    } catch (err) {
      recent.delete(key);
      stats.notStored++;
      options.log?.warn(
        { err, source, identifier: request.identifier },
        'accounting records not stored: left unanswered for the NAS to retry',
      );
      return;
    }
    entry.response = accountingResponse(request, secret);
    send(entry.response, from);
  };

  socket.on('message', (datagram, from) => {
    stats.received++;
    const source = canonicalAddress(from.address);
    try {
      const secret = clientSecret(clients, source);
      if (secret === undefined) {
        stats.unknownClient++;
        warnOnce('unknown', source, {}, 'RADIUS accounting from an address that is not a configured client: dropped');
        return;
      }
      const request = readAccountingRequest(datagram);
      if (typeof request === 'string') {
        stats.malformed++;
        warnOnce('malformed', source, { problem: request }, 'malformed RADIUS accounting packet: dropped');
        return;
      }
      if (!authenticatorMatches(request, secret)) {
        stats.badAuthenticator++;
        warnOnce(
          'authenticator',
          source,
          { identifier: request.identifier },
          'RADIUS accounting request with a wrong authenticator (is the shared secret the same on the NAS?): dropped',
        );
        return;
      }
      const task = store(request, secret, source, from).finally(() => inFlight.delete(task));
      inFlight.add(task);
    } catch (err) {
      stats.malformed++;
      warnOnce('malformed', source, { err }, 'RADIUS accounting packet could not be read: dropped');
    }
  });

  const { port } = socket.address();
  options.log?.info({ host: options.host, port }, 'RADIUS accounting server listening');
  return {
    port,
    stats: () => ({ ...stats }),
    close: async () => {
      // New requests go unanswered (the NAS retries elsewhere or later); those being stored still get theirs.
      socket.removeAllListeners('message');
      await Promise.allSettled([...inFlight]);
      closed = true;
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}

/**
 * The request's attributes plus what FreeRADIUS adds to a detail file, so that both read alike: Timestamp
 * (when it arrived, for a NAS that sends no Event-Timestamp) and the address it came from (for one that names
 * no NAS).
 */
function receivedAttributes(request: AccountingRequest, source: string, now: number) {
  const attrs = { ...requestAttributes(request) };
  attrs.Timestamp = String(Math.floor(now / 1000));
  attrs[source.includes(':') ? 'Packet-Src-IPv6-Address' : 'Packet-Src-IP-Address'] = source;
  return attrs;
}

type ClientEntry = { range: [ipaddr.IPv4 | ipaddr.IPv6, number]; secret: string };

function clientTable(clients: RadiusAccountingClient[]): ClientEntry[] {
  const table = clients.map(({ address, secret }) => {
    if (secret === '') throw new Error(`RADIUS client ${address} has an empty shared secret`);
    try {
      const range: [ipaddr.IPv4 | ipaddr.IPv6, number] = address.includes('/')
        ? ipaddr.parseCIDR(address)
        : [ipaddr.parse(address), ipaddr.parse(address).kind() === 'ipv4' ? 32 : 128];
      return { range, secret };
    } catch {
      throw new Error(`RADIUS client address "${address}" is not an IP address or CIDR`);
    }
  });
  // Most specific first, so that a NAS with a secret of its own wins over the subnet it sits in.
  return table.sort((a, b) => b.range[1] - a.range[1]);
}

function clientSecret(table: ClientEntry[], source: string): string | undefined {
  const address = ipaddr.parse(source);
  return table.find(({ range }) => range[0].kind() === address.kind() && address.match(range))?.secret;
}

/** IPv4 as dotted quad (also when it arrives IPv4-mapped on a dual-stack socket), IPv6 in RFC 5952 form. */
function canonicalAddress(address: string): string {
  const parsed = ipaddr.process(address.replace(/%.*$/, ''));
  return parsed.kind() === 'ipv6' ? (parsed as ipaddr.IPv6).toRFC5952String() : parsed.toString();
}
