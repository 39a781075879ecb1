import type { Journal, ZoneDelta } from './journal.js';
import {
  appendUnsignedTsig,
  sign,
  timeOther,
  TSIG_ERROR,
  TSIG_ERROR_NAME,
  TsigStreamSigner,
  verifyRequest,
  type TsigKey,
  type TsigRecord,
} from './tsig.js';
import {
  axfrSpans,
  ixfrSpans,
  optRecord,
  packDelta,
  singleResponse,
  transferMessages,
  type LiveZone,
  type PackedDelta,
  type ResponseHead,
} from './transfer.js';
import { CLASS, OPCODE, RCODE, TYPE, WireError, readHeader, readMessage, readSoaSerial, type Message } from './wire.js';

// What the transfer server answers to one request, decided without sockets: the order of checks is
// the policy (readable message, opcode, TSIG, client address, zone, query type), and every refusal
// says why, for the log line the server writes.

export type ResponderState = {
  origin: string;
  live: LiveZone | undefined;
  journal: Journal;
  key: TsigKey | undefined;
  allowed: (address: string) => boolean;
  /** With a key set: clients that may still transfer unsigned (resolvers that cannot sign, as Unbound). */
  unsignedAllowed: (address: string) => boolean;
  /** Seconds since the epoch (TSIG). */
  clock: () => number;
  /** Deltas are encoded when first asked for, then kept while the journal keeps them. */
  packedDeltas: WeakMap<ZoneDelta, PackedDelta>;
  maxMessageBytes: number;
};

export type TransferKind = 'axfr' | 'ixfr' | 'ixfr-full';

export type Reply =
  | { kind: 'drop'; reason: string }
  | { kind: 'message'; message: Buffer; rcode: number; query?: string; refusal?: string; tsigError?: string }
  | {
      kind: 'transfer';
      transfer: TransferKind;
      /** The version the messages are cut from: its storage must not be reused until they are sent. */
      source: LiveZone;
      messages: Iterable<Buffer>;
      serial: number;
      fromSerial?: number;
      records: number;
      key?: string;
    };

export function respond(state: ResponderState, buf: Buffer, client: string, tcp: boolean): Reply {
  if (buf.length < 12) return { kind: 'drop', reason: `${buf.length} bytes: shorter than a DNS header` };
  const header = readHeader(buf);
  // Answering a response could start a loop between two servers.
  if (header.qr) return { kind: 'drop', reason: 'a response, not a query' };
  const head: ResponseHead = {
    id: header.id,
    opcode: header.opcode,
    rd: (header.flags & 0x0100) !== 0,
    question: undefined,
  };
  let message: Message;
  try {
    message = readMessage(buf);
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
    return plain(head, RCODE.FORMERR, `malformed: ${err.message}`);
  }
  const question = message.question;
  head.question = question?.raw;
  if (header.opcode !== OPCODE.QUERY) return plain(head, RCODE.NOTIMP, `opcode ${header.opcode}`);
  if (!question) return plain(head, RCODE.FORMERR, 'no question');

  const query = `${question.name} ${typeName(question.type)}`;
  const now = state.clock();
  const check = verifyRequest(buf, state.key, now, message);
  if (check.status === 'malformed') return plain(head, RCODE.FORMERR, `malformed TSIG: ${check.reason}`, query);
  if (check.status === 'invalid') {
    const failure = tsigFailure(state, head, check.tsig, check.error, check.signed, check.reason, now);
    return { ...failure, query };
  }
  // Unsigned when a key is required: refused, as BIND refuses a transfer its ACL's key does not sign —
  // unless the operator named this client as one that cannot sign.
  if (check.status === 'unsigned' && state.key && !state.unsignedAllowed(client))
    return plain(head, RCODE.REFUSED, 'not signed with the TSIG key', query);
  const tsig = check.status === 'valid' ? check.tsig : undefined;
  const ednsVersion = optVersion(message);
  const reply = (rcode: number, answers: LiveZone['soa'][] = [], refusal?: string, extendedRcode = 0): Reply => {
    const additional = ednsVersion === undefined ? [] : [optRecord(extendedRcode)];
    let out = singleResponse(head, rcode, answers, additional);
    if (tsig && state.key) out = sign(out, state.key, { time: now, requestMac: tsig.mac }).message;
    return { kind: 'message', message: out, rcode: rcode | (extendedRcode << 4), query, ...(refusal && { refusal }) };
  };
  // RFC 6891 §6.1.3: an EDNS version this server does not speak gets BADVERS (extended RCODE 16).
  if (ednsVersion !== undefined && ednsVersion > 0) return reply(0, [], `EDNS version ${ednsVersion}`, 1);

  if (!state.allowed(client)) return reply(RCODE.REFUSED, [], `${client} is not in allow_transfer`);
  if (question.class !== CLASS.IN || question.name !== state.origin) {
    return reply(RCODE.REFUSED, [], `not the policy zone (${question.name} class ${question.class})`);
  }
  const live = state.live;
  if (!live) return reply(RCODE.SERVFAIL, [], 'no zone loaded yet');
  const serial = live.zone.soa.serial;

  switch (question.type) {
    case TYPE.SOA:
      return reply(RCODE.NOERROR, [live.soa]);
    case TYPE.AXFR:
      if (!tcp) return reply(RCODE.FORMERR, [], 'AXFR over UDP');
      return transfer(state, head, tsig, 'axfr', axfrSpans(live), serial, live.records.count);
    case TYPE.IXFR: {
      const soa = message.authority.find((rr) => rr.type === TYPE.SOA && rr.name === state.origin);
      if (!soa) return reply(RCODE.FORMERR, [], 'IXFR without the SOA of the version held');
      let from: number;
      try {
        from = readSoaSerial(buf, soa);
      } catch (err) {
        return reply(RCODE.FORMERR, [], `IXFR with an unreadable SOA: ${(err as Error).message}`);
      }
      // Over UDP, or when the client is current (or ahead), the SOA alone says so (RFC 1995 §2, §4).
      if (!tcp || !serialLess(from, serial)) return reply(RCODE.NOERROR, [live.soa]);
      const deltas = state.journal.since(from, serial);
      const packed = deltas?.map((d) => packedDelta(state, d, live.zone.ttl));
      const changes = packed?.reduce((n, d) => n + d.records, 0) ?? Infinity;
      // RFC 1995 §4 lets the server send the whole zone when the deltas would be no smaller.
      if (!packed || changes >= live.records.count) {
        return transfer(state, head, tsig, 'ixfr-full', axfrSpans(live), serial, live.records.count, from);
      }
      return transfer(state, head, tsig, 'ixfr', ixfrSpans(live, packed), serial, changes, from);
    }
    default:
      return reply(RCODE.REFUSED, [], `query type ${typeName(question.type)} is not served`);
  }
}

function transfer(
  state: ResponderState,
  head: ResponseHead,
  tsig: TsigRecord | undefined,
  kind: TransferKind,
  spans: ReturnType<typeof axfrSpans>,
  serial: number,
  records: number,
  fromSerial?: number,
): Reply {
  const unsigned = transferMessages({ ...head, question: head.question! }, spans, state.maxMessageBytes);
  const key = state.key;
  const messages = tsig && key ? signEach(unsigned, new TsigStreamSigner(key, tsig.mac, state.clock)) : unsigned;
  return {
    kind: 'transfer',
    transfer: kind,
    source: state.live!,
    messages,
    serial,
    records,
    ...(fromSerial !== undefined && { fromSerial }),
    ...(tsig && { key: tsig.keyName }),
  };
}

function* signEach(messages: Iterable<Buffer>, signer: TsigStreamSigner): Generator<Buffer> {
  for (const message of messages) yield signer.sign(message);
}

function packedDelta(state: ResponderState, delta: ZoneDelta, ttl: number): PackedDelta {
  let packed = state.packedDeltas.get(delta);
  if (!packed) {
    packed = packDelta(state.origin, delta, ttl);
    state.packedDeltas.set(delta, packed);
  }
  return packed;
}

/** A response that says no, unsigned: the request was not (validly) signed, or could not be read. */
function plain(head: ResponseHead, rcode: number, refusal: string, query?: string): Reply {
  return { kind: 'message', message: singleResponse(head, rcode), rcode, refusal, ...(query && { query }) };
}

/** NOTAUTH with the TSIG error (RFC 8945 §5.3.2): MAC-less for BADKEY/BADSIG, signed for the others. */
function tsigFailure(
  state: ResponderState,
  head: ResponseHead,
  request: TsigRecord,
  error: number,
  signed: boolean,
  reason: string,
  now: number,
): Extract<Reply, { kind: 'message' }> {
  const base = singleResponse(head, RCODE.NOTAUTH);
  let message: Buffer;
  if (signed && state.key) {
    const badtime = error === TSIG_ERROR.BADTIME;
    message = sign(base, state.key, {
      // BADTIME echoes the request's time and gives the server's in other data, so the client sees the skew.
      time: badtime ? request.timeSigned : now,
      error,
      requestMac: request.mac,
      ...(badtime && { other: timeOther(now) }),
    }).message;
  } else {
    message = appendUnsignedTsig(base, request, error, now);
  }
  const tsigError = TSIG_ERROR_NAME[error] ?? String(error);
  return { kind: 'message', message, rcode: RCODE.NOTAUTH, refusal: `TSIG ${tsigError}: ${reason}`, tsigError };
}

/** The EDNS version the request asked for, or undefined without EDNS. */
function optVersion(message: Message): number | undefined {
  const opt = message.additional.find((rr) => rr.type === TYPE.OPT);
  return opt ? (opt.ttl >>> 16) & 0xff : undefined;
}

/** RFC 1982 serial number arithmetic: a < b. */
export function serialLess(a: number, b: number): boolean {
  return a !== b && (b - a + 2 ** 32) % 2 ** 32 < 2 ** 31;
}

function typeName(type: number): string {
  return Object.entries(TYPE).find(([, code]) => code === type)?.[0] ?? `TYPE${type}`;
}
