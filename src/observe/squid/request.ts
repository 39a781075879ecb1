import type { Observation } from '../../domain/observation.js';
import { isIpv4, normaliseIpv6 } from '../../net/ip.js';

// What one logged request says once its fields are cut out, whichever logformat carried them: who
// asked, for which host, port and URL, through which upstream, and whether squid denied it.

/** A request's fields as the log writes them (text, not yet checked). */
export type SquidRequest = {
  time: number;
  client: string;
  method: string;
  /** `%ru`: a URL, `host:port` for CONNECT, or `error:…` / `-` when squid never read a request. */
  target: string;
  /** `%Ss` (TCP_MISS, TCP_DENIED, NONE_NONE…); empty when the log does not carry it. */
  result: string;
  /** `%>Hs` as written (`200`, `000`, or `0` in the common format). */
  status: string;
  /** `%Sh` (HIER_DIRECT…); empty when absent. */
  hierarchy: string;
  /** `%<a`: the address squid connected to, or `-`; empty when the format does not log it. */
  upstream: string;
};

/** The Observation for a request; null when it names no destination; a reason when a field is unreadable. */
export function requestObservation(r: SquidRequest): Observation | string | null {
  if (!Number.isFinite(r.time)) return 'unreadable time stamp';
  const client = addressText(r.client);
  if (client === undefined) return `client "${r.client}" is not an IP address`;

  const target = readTarget(r.method, r.target);
  if (target === null || typeof target === 'string') return target;

  const observation: Observation = { time: r.time, point: 'proxy', client };
  if (target.port !== undefined) observation.port = target.port;
  if (target.url !== undefined) observation.url = target.url;
  const addresses: string[] = [];
  if (target.address !== undefined) addresses.push(target.address);
  else observation.domain = target.host;
  const upstream = upstreamAddress(r.hierarchy, r.upstream);
  if (upstream !== undefined && upstream !== target.address) addresses.push(upstream);
  if (addresses.length > 0) observation.addresses = addresses;
  observation.detail = `${r.method} ${r.status.padStart(3, '0')}`;
  const blocked = wasBlocked(r.result, r.status);
  if (blocked !== undefined) observation.blocked = blocked;
  return observation;
}

type Target = { host: string; address?: string; port?: number; url?: string };

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ws: 80, wss: 443, ftp: 21 };

/**
 * The destination of a request: `host:port` for CONNECT, the authority of a URL otherwise. Lines where
 * squid never got as far as a request (`error:transaction-end-before-headers`, `error:invalid-request`,
 * a target of `-`) name no destination: there is nothing in them to match, so they are null.
 */
function readTarget(method: string, target: string): Target | string | null {
  if (target === '-' || target.startsWith('error:')) return null;
  if (method === 'CONNECT') return readAuthority(target, 0, target.length, undefined);
  const schemeEnd = target.indexOf('://');
  if (schemeEnd <= 0) return `request target "${target}" is neither a URL nor host:port`;
  let end = target.length;
  for (const stop of ['/', '?', '#']) {
    const at = target.indexOf(stop, schemeEnd + 3);
    if (at >= 0 && at < end) end = at;
  }
  const scheme = target.slice(0, schemeEnd).toLowerCase();
  const authority = readAuthority(target, schemeEnd + 3, end, DEFAULT_PORTS[scheme]);
  if (typeof authority === 'string') return authority;
  authority.url = target;
  return authority;
}

/** `host`, `host:port`, `[v6]:port`, with any `user:pass@` in front, between `start` and `end`. */
function readAuthority(text: string, start: number, end: number, defaultPort: number | undefined): Target | string {
  const at = text.lastIndexOf('@', end - 1);
  const from = at >= start ? at + 1 : start;
  let hostEnd: number;
  let portStart: number;
  let host: string;
  if (text.charCodeAt(from) === OPEN_BRACKET) {
    const close = text.indexOf(']', from);
    if (close < 0 || close >= end) return `unterminated [ in "${text.slice(start, end)}"`;
    host = text.slice(from + 1, close);
    hostEnd = close + 1;
    portStart = text.charCodeAt(hostEnd) === COLON ? hostEnd + 1 : -1;
  } else {
    const colon = text.indexOf(':', from);
    hostEnd = colon >= 0 && colon < end ? colon : end;
    portStart = hostEnd < end ? hostEnd + 1 : -1;
    host = text.slice(from, hostEnd);
  }
  if (host === '') return `no host in "${text.slice(start, end)}"`;
  const port = portStart >= 0 ? portNumber(text, portStart, end) : defaultPort;
  if (Number.isNaN(port)) return `bad port in "${text.slice(start, end)}"`;
  const target: Target = { host };
  if (port !== undefined) target.port = port;
  if (text.charCodeAt(from) === OPEN_BRACKET) {
    const v6 = host.includes(':') ? addressText(host) : undefined;
    if (v6 === undefined) return `[${host}] is not an IPv6 address`;
    target.address = v6;
  } else if (isIpv4(host)) {
    target.address = host;
  } else {
    target.host = hostName(host);
  }
  return target;
}

/** The port between `start` and `end`: 1–65535, NaN when it is anything else. */
function portNumber(text: string, start: number, end: number): number {
  if (end === start || end - start > 5) return NaN;
  let port = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return NaN;
    port = port * 10 + (c - 48);
  }
  return port >= 1 && port <= 65535 ? port : NaN;
}

/** Host names compare in lower case and without the root's dot; squid already lowers most. */
function hostName(host: string): string {
  const bare = host.endsWith('.') ? host.slice(0, -1) : host;
  return /[A-Z]/.test(bare) ? bare.toLowerCase() : bare;
}

/**
 * The origin server's address, when squid went to it directly. Through a cache peer (`FIRSTUP_PARENT`,
 * `SIBLING_HIT`…) `%<a` is the peer's address, not the site's, and would match the wrong indicator.
 * PINNED is a connection kept from an earlier request (NTLM, ssl-bump); on ISP proxies that is the origin.
 */
function upstreamAddress(hierarchy: string, upstream: string): string | undefined {
  if (upstream === '' || upstream === '-') return undefined;
  if (!(hierarchy.endsWith('DIRECT') || hierarchy === 'ORIGINAL_DST' || hierarchy === 'PINNED')) return undefined;
  return addressText(upstream);
}

// IPv6 text through the normaliser (ipaddr.js) costs more than the rest of a line; a proxy's clients
// and upstreams repeat, so the answers are kept, a bounded number of them.
const ipv6Texts = new Map<string, string | undefined>();
const IPV6_TEXTS_KEPT = 10_000;

/** An address in normalised text, undefined when `text` is none. */
function addressText(text: string): string | undefined {
  if (!text.includes(':')) return isIpv4(text) ? text : undefined;
  if (ipv6Texts.has(text)) return ipv6Texts.get(text);
  const v6 = normaliseIpv6(text);
  const value = v6.ok ? v6.indicator.value : undefined;
  if (ipv6Texts.size >= IPV6_TEXTS_KEPT) ipv6Texts.clear();
  ipv6Texts.set(text, value);
  return value;
}

/**
 * Squid denied a request when its result is TCP_DENIED (http_access, with a 403 or deny_info's 302) or
 * TCP_DENIED_REPLY (http_reply_access). A 407 is the proxy asking for credentials, which every
 * authenticating proxy does before the first request goes through: that says nothing either way.
 */
function wasBlocked(result: string, status: string): boolean | undefined {
  if (result === '') return undefined;
  if (!result.startsWith('TCP_DENIED')) return false;
  return status === '407' ? undefined : true;
}

const OPEN_BRACKET = 91;
const COLON = 58;
