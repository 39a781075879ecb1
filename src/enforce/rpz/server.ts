import type { AddressInfo, Socket } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { EnforceConfig } from '../../config/enforce-schema.js';
import { parseListen } from '../../config/listen.js';
import type { Logger } from '../../log.js';
import { diffZonesIndexed, Journal, type ZoneDelta } from './journal.js';
import { notifyAll, type NotifyOutcome } from './notify.js';
import { packRecords, packRecordsAsync, packSoa, repackRecords, type Packed } from './pack.js';
import { respond, serialLess, type Reply, type ResponderState } from './respond.js';
import { bindBoth, FrameReader, writeFrames } from './sockets.js';
import { MAX_MESSAGE_BYTES, type LiveZone, type PackedDelta } from './transfer.js';
import { RCODE } from './wire.js';
import type { RpzZone } from './zone.js';

// The RPZ transfer server: Mizugiwa as the primary of its response policy zone. Resolvers (Unbound,
// BIND, PowerDNS, Knot) take the zone by AXFR, then changes by IXFR from the journal, woken by NOTIFY.
// One port for UDP (SOA checks) and TCP (transfers). Everything a client sends is untrusted: nothing
// it sends can throw out of a handler, and a slow or lying client only holds its own connection.

export type RpzServerConfig = Pick<
  EnforceConfig['rpz'],
  'listen' | 'zone' | 'notify' | 'allow_transfer' | 'tsig' | 'journal_versions' | 'unsigned_transfer'
>;

export type RpzServerOptions = {
  config: RpzServerConfig;
  logger: Logger;
  /** The zone to serve from the start (e.g. read back from the last published file). */
  zone?: RpzZone;
  /** Seconds since the epoch, for TSIG; tests move it. */
  clock?: () => number;
  /** A TCP connection with no traffic either way for this long is closed. */
  idleTimeoutMs?: number;
  notifyAttempts?: number;
  notifyRetryMs?: number;
  maxConnections?: number;
  maxMessageBytes?: number;
};

export type RpzServerStats = {
  serial: number | undefined;
  records: number;
  /** Deltas in the journal. */
  journal: number;
  /** Transfers completed, by what was sent: AXFR, IXFR deltas, IXFR answered with the whole zone. */
  transfers: { axfr: number; ixfr: number; ixfrFull: number; aborted: number };
  /** SOA-only answers (SOA queries, IXFR from a current client or over UDP). */
  soa: number;
  refused: number;
  notauth: number;
  formerr: number;
  /** Datagrams and messages dropped unanswered (too short, or responses). */
  dropped: number;
  notify: { sent: number; acknowledged: number; failed: number };
};

export type RpzServer = {
  address(): { host: string; tcp: number; udp: number };
  setZone(zone: RpzZone): Promise<void>;
  stats(): RpzServerStats;
  close(): Promise<void>;
};

export async function startRpzServer(options: RpzServerOptions): Promise<RpzServer> {
  const { config, logger } = options;
  const listen = parseListen(config.listen);
  if (!listen) throw new Error(`enforce.rpz.listen is not host:port: ${config.listen}`);
  const clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
  const origin = config.zone.toLowerCase();
  const allowed = allowList(config.allow_transfer);
  const state: ResponderState = {
    origin,
    live: undefined,
    journal: new Journal(config.journal_versions),
    key: config.tsig,
    allowed,
    unsignedAllowed: allowList(config.unsigned_transfer),
    clock,
    packedDeltas: new WeakMap<ZoneDelta, PackedDelta>(),
    maxMessageBytes: options.maxMessageBytes ?? MAX_MESSAGE_BYTES,
  };
  const stats: RpzServerStats = {
    serial: undefined,
    records: 0,
    journal: 0,
    transfers: { axfr: 0, ixfr: 0, ixfrFull: 0, aborted: 0 },
    soa: 0,
    refused: 0,
    notauth: 0,
    formerr: 0,
    dropped: 0,
    notify: { sent: 0, acknowledged: 0, failed: 0 },
  };
  const noisy = rateLimitedWarn(logger);
  const closing = new AbortController();
  const notifying = new Set<Promise<NotifyOutcome[]>>();
  // Transfers in flight per version, and the last retired version: its storage is written over by the
  // next-but-one version when no transfer reads it, so a steady stream of publishes allocates nothing.
  const readers = new Map<LiveZone, number>();
  let retired: LiveZone | undefined;
  const connections = new Set<Socket>();
  let closed: Promise<void> | undefined;

  const { tcp, udp } = await bindBoth(listen.host, listen.port);
  tcp.maxConnections = options.maxConnections ?? 64;
  tcp.on('connection', (socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    void serveConnection(socket).catch((err: Error) => logger.error({ err }, 'rpz tcp connection failed'));
  });
  udp.on('message', (buf, remote) => {
    try {
      const reply = answer(buf, remote.address, false);
      if (reply.kind === 'message') udp.send(reply.message, remote.port, remote.address);
    } catch (err) {
      logger.error({ err, client: remote.address }, 'rpz udp request failed');
    }
  });
  udp.on('error', (err) => logger.error({ err }, 'rpz udp socket error'));

  const tcpPort = (tcp.address() as AddressInfo).port;
  logger.info(
    { listen: `${listen.host}:${tcpPort}`, zone: origin, tsig: config.tsig?.name },
    'rpz transfer server listening',
  );

  function answer(buf: Buffer, client: string, isTcp: boolean): Reply {
    const reply = respond(state, buf, client, isTcp);
    if (reply.kind === 'drop') {
      stats.dropped++;
      noisy('drop', { client, reason: reply.reason }, 'rpz request dropped');
    } else if (reply.kind === 'message') {
      const rcode = reply.rcode;
      if (rcode === RCODE.NOERROR) stats.soa++;
      else if (rcode === RCODE.REFUSED) stats.refused++;
      else if (rcode === RCODE.NOTAUTH) stats.notauth++;
      else if (rcode === RCODE.FORMERR) stats.formerr++;
      if (reply.tsigError) {
        const fields = { client, query: reply.query, reason: reply.refusal };
        noisy(`tsig ${client} ${reply.query} ${reply.tsigError}`, fields, 'rpz request failed TSIG verification');
      } else if (reply.refusal) {
        noisy(`refuse ${rcode}`, { client, query: reply.query, rcode, reason: reply.refusal }, 'rpz request refused');
      }
    }
    return reply;
  }

  async function serveConnection(socket: Socket): Promise<void> {
    const client = socket.remoteAddress ?? '';
    socket.setNoDelay(true);
    socket.setTimeout(options.idleTimeoutMs ?? 30_000, () => socket.destroy());
    socket.on('error', () => undefined); // a reset by the client ends the connection, nothing more
    const frames = new FrameReader();
    try {
      for await (const chunk of socket as AsyncIterable<Buffer>) {
        frames.push(chunk);
        for (let frame = frames.next(); frame; frame = frames.next()) {
          // A zero-length message is no DNS message; the stream cannot be trusted after it.
          if (frame.length === 0) return void socket.destroy();
          const reply = answer(frame, client, true);
          if (reply.kind === 'message') await writeFrames(socket, [reply.message]);
          else if (reply.kind === 'transfer') await sendTransfer(socket, client, reply);
          if (socket.destroyed) return;
        }
      }
      socket.end();
    } catch {
      socket.destroy();
    }
  }

  async function sendTransfer(socket: Socket, client: string, reply: Extract<Reply, { kind: 'transfer' }>) {
    const started = performance.now();
    readers.set(reply.source, (readers.get(reply.source) ?? 0) + 1);
    let sent: Awaited<ReturnType<typeof writeFrames>>;
    try {
      sent = await writeFrames(socket, reply.messages);
    } finally {
      const left = readers.get(reply.source)! - 1;
      if (left > 0) readers.set(reply.source, left);
      else readers.delete(reply.source);
    }
    const fields = {
      client,
      transfer: reply.transfer,
      zone: origin,
      serial: reply.serial,
      ...(reply.fromSerial !== undefined && { fromSerial: reply.fromSerial }),
      records: reply.records,
      messages: sent.messages,
      bytes: sent.bytes,
      ms: Math.round(performance.now() - started),
      ...(reply.key && { key: reply.key }),
    };
    if (!sent.complete) {
      stats.transfers.aborted++;
      logger.warn(fields, 'rpz transfer aborted by the client');
      return;
    }
    if (reply.transfer === 'axfr') stats.transfers.axfr++;
    else if (reply.transfer === 'ixfr') stats.transfers.ixfr++;
    else stats.transfers.ixfrFull++;
    logger.info(fields, 'rpz transfer');
  }

  let chain: Promise<void> = Promise.resolve();
  async function swap(zone: RpzZone): Promise<void> {
    if (zone.origin.toLowerCase() !== origin) throw new Error(`zone ${zone.origin} is not the served zone ${origin}`);
    const previous = state.live;
    if (previous && !serialLess(previous.zone.soa.serial, zone.soa.serial)) {
      throw new Error(
        `serial ${zone.soa.serial} is not newer than the served ${previous.zone.soa.serial}: secondaries would not take it`,
      );
    }
    const started = performance.now();
    let records: Packed;
    let delta: ZoneDelta | undefined;
    if (previous) {
      const diff = diffZonesIndexed(previous.zone, zone);
      const spare = retired && !readers.has(retired) ? retired.records.storage : undefined;
      records = repackRecords(origin, previous.records, zone.records, diff.deletedIndex, diff.addedIndex, spare);
      delta = diff.delta;
    } else {
      records = await packRecordsAsync(origin, zone.records);
    }
    const apexNs = zone.ns.map((data) => ({ name: origin, type: 'NS' as const, ttl: zone.ttl, data }));
    const live: LiveZone = { zone, soa: packSoa(zone.soa, zone.ttl), ns: packRecords(origin, apexNs), records };
    if (delta) state.journal.push(delta);
    state.live = live;
    retired = previous;
    stats.serial = zone.soa.serial;
    stats.records = zone.records.length;
    stats.journal = state.journal.size;
    logger.info(
      {
        zone: origin,
        serial: zone.soa.serial,
        records: zone.records.length,
        ...(delta && { added: delta.added.length, deleted: delta.deleted.length }),
        ms: Math.round(performance.now() - started),
      },
      'rpz zone loaded',
    );
    await notifyTargets(zone);
  }

  async function notifyTargets(zone: RpzZone): Promise<void> {
    const targets = config.notify.map((t) => parseListen(t)!);
    if (targets.length === 0 || closing.signal.aborted) return;
    const run = notifyAll(targets, {
      origin,
      soa: zone.soa,
      ttl: zone.ttl,
      key: config.tsig,
      sourceHost: listen!.host,
      attempts: options.notifyAttempts ?? 5,
      retryMs: options.notifyRetryMs ?? 1000,
      clock,
      logger,
      signal: closing.signal,
    });
    const done = run.done.then((outcomes) => {
      for (const o of outcomes) {
        stats.notify.sent += o.attempts;
        if (o.acknowledged) stats.notify.acknowledged++;
        else stats.notify.failed++;
      }
      return outcomes;
    });
    notifying.add(done);
    void done.finally(() => notifying.delete(done));
    await run.sent;
  }

  if (options.zone) await swap(options.zone);

  return {
    address: () => ({ host: listen.host, tcp: tcpPort, udp: udp.address().port }),
    setZone(zone) {
      const next = chain.then(() => swap(zone));
      chain = next.catch(() => undefined);
      return next;
    },
    stats: () => structuredClone({ ...stats, journal: state.journal.size }),
    close() {
      closed ??= shutDown();
      return closed;
    },
  };

  async function shutDown(): Promise<void> {
    closing.abort();
    await Promise.allSettled([...notifying]);
    for (const socket of connections) socket.destroy();
    await Promise.all([
      new Promise<void>((resolve) => tcp.close(() => resolve())),
      new Promise<void>((resolve) => udp.close(() => resolve())),
    ]);
    logger.info({ zone: origin }, 'rpz transfer server stopped');
  }
}

/** Matches client addresses against allow_transfer (addresses and prefixes, IPv4-mapped IPv6 unwrapped). */
function allowList(entries: readonly string[]): (address: string) => boolean {
  const ranges = entries.map((entry) => {
    if (entry.includes('/')) return ipaddr.parseCIDR(entry);
    const address = ipaddr.parse(entry);
    return [address, address.kind() === 'ipv4' ? 32 : 128] as [ipaddr.IPv4 | ipaddr.IPv6, number];
  });
  return (raw) => {
    if (!ipaddr.isValid(raw)) return false;
    const address = ipaddr.process(raw);
    return ranges.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
  };
}

/** One warning per kind per 10 s, with how many were left out: a flood must not become a log flood. */
function rateLimitedWarn(logger: Logger): (kind: string, fields: object, msg: string) => void {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (kind, fields, msg) => {
    const now = Date.now();
    // Kinds can carry what a client sent; forgetting them all now and then bounds the memory.
    if (last.size > 1000) last.clear();
    const seen = last.get(kind);
    if (seen && now - seen.at < 10_000) {
      seen.suppressed++;
      return;
    }
    last.set(kind, { at: now, suppressed: 0 });
    logger.warn({ ...fields, ...(seen?.suppressed && { suppressedSince: seen.suppressed }) }, msg);
  };
}
