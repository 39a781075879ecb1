// A dnstap payload (one Frame Streams data frame) decoded: the `dnstap.Dnstap` protobuf, then the DNS
// message inside it. Field numbers follow dnstap.proto (github.com/dnstap/dnstap.pb):
//   Dnstap:  identity 1, version 2, extra 3, message 14, type 15 (MESSAGE = 1)
//   Message: type 1, socket_family 2, socket_protocol 3, query_address 4, response_address 5,
//            query_port 6, response_port 7, query_time_sec 8 (uint64), query_time_nsec 9 (fixed32),
//            query_message 10, query_zone 11, response_time_sec 12 (uint64), response_time_nsec 13
//            (fixed32), response_message 14, policy 15, http_protocol 16
//
// Why protobufjs's minimal Reader and not a reflection Root (Type.decode from a JSON descriptor):
// measured on the bench generator's stream, the reflection decoder reads ~2.7 M messages/s on one core
// and the Reader loop below ~5.3 M/s. The generated decoder builds an object with every field, converts
// uint64 to Long and keeps fields we never look at; the loop below reads only what an observation needs,
// skips the rest with the Reader's own skipType (which also bounds group nesting), and keeps the byte
// fields as views into the frame. One Reader is reused: decoding is synchronous.
import protobuf from 'protobufjs/minimal.js';
import { readDnsFacts } from './dns-wire.js';
import { ipText } from './ip-text.js';

/** dnstap.Message.Type (dnstap.proto): odd values are queries, even values their responses. */
export const MESSAGE_TYPES = [
  undefined,
  'AUTH_QUERY',
  'AUTH_RESPONSE',
  'RESOLVER_QUERY',
  'RESOLVER_RESPONSE',
  'CLIENT_QUERY',
  'CLIENT_RESPONSE',
  'FORWARDER_QUERY',
  'FORWARDER_RESPONSE',
  'STUB_QUERY',
  'STUB_RESPONSE',
  'TOOL_QUERY',
  'TOOL_RESPONSE',
  'UPDATE_QUERY',
  'UPDATE_RESPONSE',
] as const;
export const CLIENT_QUERY = 5;
export const CLIENT_RESPONSE = 6;

/** The protobuf layer of a dnstap message: what the DNS layer and an observation need, nothing more. */
export type DnstapEnvelope = {
  /** dnstap.Message.Type: CLIENT_QUERY 5, CLIENT_RESPONSE 6 … (MESSAGE_TYPES names them). */
  type: number;
  /**
   * ms since the epoch: response_time for a response type (query_time when it has none), query_time
   * for a query type. Always there for CLIENT_QUERY/CLIENT_RESPONSE (a frame without it is a reason);
   * dnstap.proto leaves it optional for the other types, so there it may be undefined.
   */
  time: number | undefined;
  /** query_address as text: the initiator, for CLIENT_* the resolver's client. Present as `time` is. */
  client: string | undefined;
  clientPort: number | undefined;
  /** query_message for a query type, response_message for a response type (a view into the frame). */
  dns: Uint8Array | undefined;
};

/** The envelope of a CLIENT_QUERY or CLIENT_RESPONSE, which always has a time and a client. */
export type ClientEnvelope = DnstapEnvelope & { time: number; client: string };

export type DnstapMessage = DnstapEnvelope & {
  qname: string | undefined;
  qtype: string | undefined;
  rcode: string;
  answers: string[];
};

const DNSTAP_MESSAGE = 14;
const DNSTAP_TYPE = 15;
const TAG_DNSTAP_MESSAGE = (DNSTAP_MESSAGE << 3) | 2;
const TAG_DNSTAP_TYPE = (DNSTAP_TYPE << 3) | 0;
const TAG_TYPE = (1 << 3) | 0;
const TAG_QUERY_ADDRESS = (4 << 3) | 2;
const TAG_QUERY_PORT = (6 << 3) | 0;
const TAG_QUERY_TIME_SEC = (8 << 3) | 0;
const TAG_QUERY_TIME_NSEC = (9 << 3) | 5;
const TAG_QUERY_MESSAGE = (10 << 3) | 2;
const TAG_RESPONSE_TIME_SEC = (12 << 3) | 0;
const TAG_RESPONSE_TIME_NSEC = (13 << 3) | 5;
const TAG_RESPONSE_MESSAGE = (14 << 3) | 2;
const NSEC_PER_SEC = 1_000_000_000;
/** ECMAScript's Date range (±8.64e15 ms): a later time is garbage, not a time. */
const MAX_EPOCH_SECONDS = 8_640_000_000_000;

const reader = new protobuf.Reader(new Uint8Array(0));

/** The dnstap protobuf layer of a frame (any message type), or why it cannot be read. Never throws. */
export function readDnstapEnvelope(frame: Uint8Array): DnstapEnvelope | string {
  return readEnvelope(frame, false) as DnstapEnvelope | string;
}

/**
 * The envelope of a CLIENT_QUERY or CLIENT_RESPONSE; null for a readable message of another type,
 * whose other fields are then not checked (a resolver logging its upstream traffic too must not fill
 * the dead letters with messages nobody reads). Never throws.
 */
export function readClientEnvelope(frame: Uint8Array): ClientEnvelope | null | string {
  return readEnvelope(frame, true) as ClientEnvelope | null | string;
}

function readEnvelope(frame: Uint8Array, clientOnly: boolean): DnstapEnvelope | null | string {
  try {
    return parseEnvelope(frame, clientOnly);
  } catch (err) {
    // The Reader throws RangeError/Error on truncated or malformed wire data.
    return `dnstap protobuf unreadable at byte ${reader.pos}: ${(err as Error).message}`;
  }
}

function parseEnvelope(frame: Uint8Array, clientOnly: boolean): DnstapEnvelope | null | string {
  const r = reader;
  r.buf = frame;
  r.pos = 0;
  r.len = frame.length;
  let dnstapType = -1;
  let messageStart = -1;
  let messageEnd = -1;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === TAG_DNSTAP_MESSAGE) {
      const length = r.uint32();
      messageStart = r.pos;
      r.skip(length);
      messageEnd = r.pos;
    } else if (tag === TAG_DNSTAP_TYPE) dnstapType = r.uint32();
    else r.skipType(tag & 7);
  }
  if (dnstapType === -1) return 'not a dnstap.Dnstap message: no type field (15)';
  if (dnstapType !== 1) return `dnstap.Dnstap type ${dnstapType} is not MESSAGE (1), the only type dnstap defines`;
  if (messageStart < 0) return 'dnstap.Dnstap of type MESSAGE without its message field (14)';

  r.pos = messageStart;
  r.len = messageEnd;
  let type = -1;
  let address: Uint8Array | undefined;
  let port: number | undefined;
  let querySec = -1;
  let queryNsec = 0;
  let responseSec = -1;
  let responseNsec = 0;
  let queryMessage: Uint8Array | undefined;
  let responseMessage: Uint8Array | undefined;
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag) {
      case TAG_TYPE:
        type = r.uint32();
        break;
      case TAG_QUERY_ADDRESS:
        address = r.bytes();
        break;
      case TAG_QUERY_PORT:
        port = r.uint32();
        break;
      case TAG_QUERY_TIME_SEC:
        querySec = uint64(r);
        break;
      case TAG_QUERY_TIME_NSEC:
        queryNsec = r.fixed32();
        break;
      case TAG_QUERY_MESSAGE:
        queryMessage = r.bytes();
        break;
      case TAG_RESPONSE_TIME_SEC:
        responseSec = uint64(r);
        break;
      case TAG_RESPONSE_TIME_NSEC:
        responseNsec = r.fixed32();
        break;
      case TAG_RESPONSE_MESSAGE:
        responseMessage = r.bytes();
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  if (type < 1 || type >= MESSAGE_TYPES.length) return `dnstap message type ${type === -1 ? 'missing' : type}`;
  const typeName = MESSAGE_TYPES[type]!;
  const client = type === CLIENT_QUERY || type === CLIENT_RESPONSE;
  if (clientOnly && !client) return null;
  const response = (type & 1) === 0;
  const sec = response && responseSec >= 0 ? responseSec : querySec;
  const nsec = response && responseSec >= 0 ? responseNsec : queryNsec;
  if (sec < 0 && client) return `${typeName} without ${response ? 'response_time_sec or ' : ''}query_time_sec`;
  if (sec > MAX_EPOCH_SECONDS) return `${typeName} time of ${sec} s is past what a Date can hold`;
  if (nsec >= NSEC_PER_SEC) return `${typeName} time has ${nsec} nanoseconds, not under 10^9`;
  if (!address && client) return `${typeName} without query_address`;
  if (address && address.length !== 4 && address.length !== 16) {
    return `${typeName} query_address of ${address.length} bytes is neither IPv4 (4) nor IPv6 (16)`;
  }
  if (port !== undefined && port > 65535) return `${typeName} query_port ${port} is over 65535`;
  return {
    type,
    time: sec < 0 ? undefined : sec * 1000 + Math.floor(nsec / 1_000_000),
    client: address ? ipText(address, 0, address.length as 4 | 16) : undefined,
    clientPort: port,
    dns: response ? responseMessage : queryMessage,
  };
}

/** A uint64 varint as a number: exact below 2^53, far beyond any plausible seconds value. */
function uint64(r: protobuf.Reader): number {
  // A Long when the `long` package is there (a dependency of protobufjs), a number when it is not.
  const value = r.uint64() as protobuf.Long | number;
  return typeof value === 'number' ? value : (value.high >>> 0) * 4294967296 + (value.low >>> 0);
}

/** The whole dnstap message (protobuf and DNS layers), or why it cannot be read. Never throws. */
export function decodeDnstapMessage(frame: Uint8Array): DnstapMessage | string {
  const envelope = readDnstapEnvelope(frame);
  if (typeof envelope === 'string') return envelope;
  return withDnsFacts(envelope);
}

/** The envelope with its DNS message's question, rcode and (responses) answer addresses. */
export function withDnsFacts(envelope: DnstapEnvelope): DnstapMessage | string {
  const typeName = MESSAGE_TYPES[envelope.type]!;
  const response = (envelope.type & 1) === 0;
  if (!envelope.dns) return `${typeName} without ${response ? 'response_message' : 'query_message'}`;
  const facts = readDnsFacts(envelope.dns, response);
  if (typeof facts === 'string') return `${typeName}: ${facts}`;
  return {
    type: envelope.type,
    time: envelope.time,
    client: envelope.client,
    clientPort: envelope.clientPort,
    dns: envelope.dns,
    qname: facts.qname,
    qtype: facts.qtype,
    rcode: facts.rcode,
    answers: facts.answers,
  };
}
