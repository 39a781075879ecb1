// The sinkhole block page server.
//
// For operators
// -------------
// When the RPZ action is `redirect`, a blocked name resolves to the sinkhole address
// (enforce.rpz.sinkhole.a / .aaaa), and the subscriber's browser lands here. Every request, whatever
// its method, path or Host, gets the block page with status 403, in Japanese or English by the
// browser's Accept-Language (both, Japanese first, when it prefers neither). A subscriber the abuse
// desk has put in the walled garden (every name they look up resolves here, by rpz-client-ip) gets
// the notice page of their case instead: what was reported, what to do, how to have it lifted.
//
//   enforce:
//     sinkhole:
//       listen: 192.0.2.53:80         # the address the RPZ redirects to, on port 80
//       tls_listen: 192.0.2.53:443    # optional: answer HTTPS with an immediate, clean refusal
//       contact: { name_ja: ..., name_en: ..., phone: ..., email: ..., url: ... }
//
// Ports below 1024 need CAP_NET_BIND_SERVICE (systemd: AmbientCapabilities=CAP_NET_BIND_SERVICE),
// or a high port and an nftables redirect. HTTPS cannot show the page: no certificate a subscriber's
// device trusts can exist for a blocked name, so the TLS listener refuses at once (see tls below).
//
// Each hit is stored in sinkhole_hits (time, client address and port from the TCP connection — never
// from headers, which the client writes —, host, path, User-Agent, reference). The page shows the
// reference (MZ-XXXX-XXXXX); support finds the hit with it (hits.ts findHitByReference). Hits are
// subscriber data once attributed: delete them after your retention period (deleteHitsBefore).
//
// An infected device may call its C2 name every few seconds for days. So per client (an IPv4 address,
// an IPv6 /64) at most `perClientPerMinute` hits a minute are stored, and at most `perMinute` from
// everyone; the rest still get the page (with the client's last stored reference, or an unstored
// one when the overall limit struck before the client's first hit) and are counted,
// in stats() and in one warning a minute naming the busiest clients. That bounds the table's growth
// per minute whatever the flood; the retention bounds it in total.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { Kysely } from 'kysely';
import type { EnforceConfig } from '../../config/enforce-schema.js';
import { parseListen } from '../../config/listen.js';
import type { Category } from '../../domain/indicator.js';
import type { LogSink } from '../../log.js';
import type { Database } from '../../store/schema.js';
import { createHitWriter, createReferenceGenerator, type HitWriterOptions } from './hits.js';
import { BLOCK_PAGE_CSP, pageLanguages, renderBlockPage, type PageLanguage } from './page.js';
import { renderRestrictedPage, type RestrictedClient } from './restricted-page.js';

// Why node:http and not Fastify: Fastify answers some requests before any route runs — a bad
// percent-encoding (400), an unknown content type (415), a body that is not the JSON it claims (400),
// methods outside its list (404) — and each would need its own hook to become the block page. Here
// there is nothing to route, parse or validate: one handler for everything is simpler and cannot miss.

export type SinkholeLookup = (host: string) => { categories: readonly Category[] } | undefined;

export type SinkholeLimits = HitWriterOptions & {
  /** Hits stored per client (IPv4 address, IPv6 /64) per minute; the rest are counted. */
  perClientPerMinute: number;
  /** Hits stored per minute from all clients together. */
  perMinute: number;
};

export const DEFAULT_LIMITS: SinkholeLimits = {
  perClientPerMinute: 20,
  perMinute: 6_000,
  batchSize: 200,
  flushMs: 1_000,
  maxPending: 20_000,
};

export type SinkholeOptions = {
  config: EnforceConfig['sinkhole'];
  db: Kysely<Database>;
  lookup: SinkholeLookup;
  log: LogSink;
  now?: () => Date;
  limits?: Partial<SinkholeLimits>;
  /**
   * Every hit, stored or over a limit: the observation stage sums them into sightings (a flood from
   * one client is one sighting with a large count, whatever the hits table kept).
   */
  onHit?: (hit: { at: Date; clientIp: string; clientPort: number; host: string; reference: string }) => void;
  /**
   * The walled garden: a client the abuse desk has restricted gets the notice page of its case instead
   * of the block page, whatever name it asked for. Called on every request, so it must be quick (an
   * in-memory index).
   */
  restricted?: (clientIp: string) => RestrictedClient | undefined;
  /** The zone dates on the notice page are shown in (ui.timezone). */
  timeZone?: string;
};

export type SinkholeEndpoint = { host: string; port: number };

export type SinkholeStats = {
  /** Requests answered with the block page. */
  requests: number;
  stored: number;
  /** Over a per-client or overall limit, or maxPending already waiting: answered, counted, not stored. */
  suppressed: number;
  /** Could not be stored: the database failed while maxPending hits waited, or still failed at close. */
  lost: number;
  /** Requests too malformed to parse: answered 400. */
  malformed: number;
  tlsRefused: number;
};

export type Sinkhole = {
  address(): { http: SinkholeEndpoint; tls: SinkholeEndpoint | undefined };
  stats(): SinkholeStats;
  /** Writes the waiting hits now. */
  flush(): Promise<void>;
  /** Stops listening, lets answered connections finish (bounded), and writes every waiting hit. */
  close(): Promise<void>;
};

const MAX_HOST = 255;
const MAX_PATH = 2_048;
const MAX_USER_AGENT = 512;
const MAX_CLIENTS_PER_MINUTE = 100_000;
const CLOSE_GRACE_MS = 2_000;
const TLS_WAIT_MS = 5_000;
// A fatal TLS alert record: content type alert (21), TLS 1.2 record version, length 2, level
// fatal (2), unrecognized_name (112): "no certificate for this name", which is the truth.
const TLS_ALERT = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x70]);

export async function startSinkhole(options: SinkholeOptions): Promise<Sinkhole> {
  const { config, db, lookup, log } = options;
  const now = options.now ?? (() => new Date());
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const httpAt = parseListen(config.listen);
  if (!httpAt) throw new Error(`enforce.sinkhole.listen: expected host:port, got ${JSON.stringify(config.listen)}`);
  const tlsAt = config.tls_listen === '' ? undefined : parseListen(config.tls_listen);
  if (config.tls_listen !== '' && !tlsAt) {
    throw new Error(
      `enforce.sinkhole.tls_listen: expected host:port or empty, got ${JSON.stringify(config.tls_listen)}`,
    );
  }

  const stats = { requests: 0, suppressed: 0, malformed: 0, tlsRefused: 0 };
  const writer = createHitWriter(db, log, limits);
  const limiter = createLimiter(limits, log);
  const newReference = createReferenceGenerator();
  let lookupFailedAt = 0;

  const categoriesOf = (host: string): readonly Category[] | undefined => {
    if (!host) return undefined;
    try {
      return lookup(host)?.categories;
    } catch (err) {
      // A broken lookup still shows the page (with the generic category); one warning a minute.
      if (Date.now() - lookupFailedAt > 60_000) log.warn({ err, host }, 'sinkhole: category lookup failed');
      lookupFailedAt = Date.now();
      return undefined;
    }
  };

  /** Stores the hit unless a limit says count it; returns the reference the page shows. */
  const record = (socket: Socket, host: string, path: string, userAgent: string | undefined): string => {
    const at = now();
    const client = clientOf(socket);
    if (!client) return newReference(at);
    const slot = limiter.slot(client.key, at);
    if (!slot.store || !writer.hasRoom()) {
      stats.suppressed++;
      limiter.suppressed(slot);
      const reference = slot.reference ?? newReference(at);
      options.onHit?.({ at, clientIp: client.ip, clientPort: client.port, host, reference });
      return reference;
    }
    const reference = newReference(at);
    limiter.stored(slot, reference);
    options.onHit?.({ at, clientIp: client.ip, clientPort: client.port, host, reference });
    writer.add({
      at: at.toISOString(),
      clientIp: client.ip,
      clientPort: client.port,
      host,
      path,
      userAgent: userAgent === undefined ? null : userAgent.slice(0, MAX_USER_AGENT),
      reference,
    });
    return reference;
  };

  const restrictedOf = (socket: Socket): RestrictedClient | undefined => {
    const client = options.restricted && clientOf(socket);
    if (!client) return undefined;
    try {
      return options.restricted!(client.ip);
    } catch (err) {
      // A broken index must not take the page down: the block page is shown instead.
      log.warn({ err }, 'sinkhole: restricted-client lookup failed');
      return undefined;
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    req.resume(); // the body is never read; drain it so the response is not held up
    const { host, path } = target(req);
    const reference = record(req.socket, host, path, req.headers['user-agent']);
    const languages = pageLanguages(req.headers['accept-language']);
    const restricted = restrictedOf(req.socket);
    const html = restricted
      ? renderRestrictedPage({
          client: restricted,
          reference,
          contact: config.contact,
          languages,
          timeZone: options.timeZone ?? 'Asia/Tokyo',
        })
      : renderBlockPage({
          host,
          categories: categoriesOf(host),
          reference,
          contact: config.contact,
          languages,
        });
    sendPage(req, res, html, languages);
    stats.requests++;
  };

  const server = http.createServer({
    requireHostHeader: false, // an HTTP/1.1 client without Host still gets the page
    maxHeaderSize: 16_384,
    headersTimeout: 10_000,
    requestTimeout: 15_000,
    connectionsCheckingInterval: 2_000,
  });
  server.keepAliveTimeout = 1_000;
  server.maxConnections = 4_096;
  server.setTimeout(20_000, (socket) => socket.destroy());
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    try {
      handle(req, res);
    } catch (err) {
      log.error({ err, url: req.url }, 'sinkhole: request failed');
      res.destroy();
    }
  });
  // A proxy-style CONNECT has no 'request' event; without this listener Node drops the socket silently.
  server.on('connect', (req: IncomingMessage, socket: Socket) => {
    socket.on('error', () => socket.destroy());
    try {
      record(socket, hostOnly(req.url ?? ''), '', req.headers['user-agent']);
      stats.requests++;
    } finally {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    }
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    stats.malformed++;
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const body = 'Bad request / 不正なリクエストです\n';
    socket.end(
      `HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });

  // HTTPS to a blocked name cannot get the page: a browser accepts only a certificate for that name
  // from a CA it trusts, which we cannot have (and must not fake). A self-signed certificate would
  // only teach subscribers to click through warnings, and HSTS names refuse it outright. What we can
  // do is fail fast and cleanly: read the ClientHello, answer with a fatal alert, close. Without this
  // listener a filtered port 443 leaves the browser waiting for its connect timeout.
  const tlsSockets = new Set<Socket>();
  const tlsServer = tlsAt
    ? net.createServer((socket) => {
        tlsSockets.add(socket);
        socket.on('close', () => tlsSockets.delete(socket));
        socket.on('error', () => socket.destroy());
        socket.setTimeout(TLS_WAIT_MS, () => socket.destroy());
        socket.once('data', (chunk: Buffer) => {
          stats.tlsRefused++;
          // 0x16: a TLS handshake record; anything else (plain HTTP on 443) just gets the close.
          if (chunk[0] === 0x16) socket.end(TLS_ALERT);
          else socket.end();
        });
      })
    : undefined;
  if (tlsServer) tlsServer.maxConnections = 4_096;

  const httpAddress = await listen(server, httpAt, 'enforce.sinkhole.listen', log);
  let tlsAddress: AddressInfo | undefined;
  if (tlsServer && tlsAt) {
    try {
      tlsAddress = await listen(tlsServer, tlsAt, 'enforce.sinkhole.tls_listen', log);
    } catch (err) {
      await stopHttp(server);
      throw err;
    }
  }
  log.info(
    { listen: endpoint(httpAddress), tls_listen: tlsAddress && endpoint(tlsAddress) },
    'sinkhole block page listening',
  );

  let closing: Promise<void> | undefined;
  return {
    address: () => ({ http: endpoint(httpAddress), tls: tlsAddress && endpoint(tlsAddress) }),
    stats: () => ({ ...stats, ...writer.counts }),
    flush: () => writer.flush(),
    close() {
      closing ??= (async () => {
        const tlsStopped = tlsServer && new Promise<void>((resolve) => tlsServer.close(() => resolve()));
        for (const s of tlsSockets) s.destroy();
        await Promise.all([stopHttp(server), tlsStopped]);
        limiter.report();
        await writer.close();
      })();
      return closing;
    },
  };
}

function sendPage(req: IncomingMessage, res: ServerResponse, html: string, languages: PageLanguage[]): void {
  const body = Buffer.from(html, 'utf8');
  res.writeHead(403, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': body.length,
    'Content-Language': languages.join(', '),
    'Cache-Control': 'no-store',
    'Content-Security-Policy': BLOCK_PAGE_CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    Vary: 'Accept-Language',
    // One request per connection: a device hammering its C2 cannot pin connections open.
    Connection: 'close',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The blocked name and path; a proxy-style absolute URL names the host itself (RFC 9112 3.2.2). */
function target(req: IncomingMessage): { host: string; path: string } {
  const url = req.url ?? '';
  if (/^https?:\/\//i.test(url)) {
    try {
      const u = new URL(url);
      return { host: hostOnly(u.host), path: (u.pathname + u.search).slice(0, MAX_PATH) };
    } catch {
      // not a URL after all: fall through to the Host header
    }
  }
  return { host: hostOnly(req.headers.host ?? ''), path: url.slice(0, MAX_PATH) };
}

/** A Host header (or CONNECT authority) without its port or trailing dot, lower case. */
export function hostOnly(raw: string): string {
  let host = raw.trim().toLowerCase();
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(host);
  if (bracketed) host = bracketed[1] as string;
  else if (host.indexOf(':') === host.lastIndexOf(':')) host = host.split(':')[0] as string;
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host.slice(0, MAX_HOST);
}

/** The peer as the TCP connection says; an IPv4-mapped IPv6 peer (dual-stack listener) as IPv4. */
export function clientOf(
  socket: Pick<Socket, 'remoteAddress' | 'remotePort'>,
): { ip: string; port: number; key: string } | undefined {
  const address = socket.remoteAddress;
  const port = socket.remotePort;
  if (address === undefined || port === undefined || !ipaddr.isValid(address)) return undefined;
  const parsed = ipaddr.process(address);
  const ip = parsed.toString();
  // An IPv6 subscriber holds a whole /64 and may rotate through it: it is one client for the limits.
  const key = parsed.kind() === 'ipv6' ? `${parsed.toNormalizedString().split(':').slice(0, 4).join(':')}::/64` : ip;
  return { ip, port, key };
}

type Slot = { stored: number; suppressed: number; reference: string | undefined; store: boolean };

function createLimiter(limits: SinkholeLimits, log: LogSink) {
  let minute = -1;
  let total = 0;
  let overflow = 0;
  let clients = new Map<string, Slot>();
  const report = () => {
    const busy = [...clients].filter(([, s]) => s.suppressed > 0).sort((a, b) => b[1].suppressed - a[1].suppressed);
    const suppressed = busy.reduce((n, [, s]) => n + s.suppressed, overflow);
    if (suppressed === 0) return;
    log.warn(
      {
        minute: new Date(minute * 60_000).toISOString(),
        suppressed,
        clients: busy.length,
        top: busy.slice(0, 5).map(([client, s]) => ({ client, stored: s.stored, suppressed: s.suppressed })),
      },
      'sinkhole: hits over the storage limits were counted, not stored',
    );
  };
  return {
    report,
    slot(key: string, at: Date): Slot {
      const m = Math.floor(at.getTime() / 60_000);
      if (m !== minute) {
        report();
        minute = m;
        total = 0;
        overflow = 0;
        clients = new Map();
      }
      let slot = clients.get(key);
      if (!slot) {
        slot = { stored: 0, suppressed: 0, reference: undefined, store: false };
        if (clients.size >= MAX_CLIENTS_PER_MINUTE) {
          // Memory stays bounded: past this many clients in a minute, new ones are only counted.
          overflow++;
          return slot;
        }
        clients.set(key, slot);
      }
      slot.store = slot.stored < limits.perClientPerMinute && total < limits.perMinute;
      return slot;
    },
    stored(slot: Slot, reference: string) {
      slot.stored++;
      slot.reference = reference;
      total++;
    },
    suppressed(slot: Slot) {
      slot.suppressed++;
    },
  };
}

function listen(server: net.Server, at: { host: string; port: number }, key: string, log: LogSink) {
  return new Promise<AddressInfo>((resolve, reject) => {
    const failed = (err: Error) =>
      reject(new Error(`${key}: cannot listen on ${at.host}:${at.port}: ${err.message}`, { cause: err }));
    server.once('error', failed);
    server.listen(at.port, at.host, () => {
      server.off('error', failed);
      server.on('error', (err) => log.error({ err }, `sinkhole: ${key} failed`));
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Stops accepting; connections still answering get a grace period, then are cut (close is bounded). */
function stopHttp(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

function endpoint(a: AddressInfo): SinkholeEndpoint {
  return { host: a.address, port: a.port };
}
