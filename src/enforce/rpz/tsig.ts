import { createHmac, timingSafeEqual, type Hmac } from 'node:crypto';
import { CLASS, TYPE, WireError, nameToWire, readMessage, readName, type Message } from './wire.js';

// TSIG (RFC 8945) with HMAC-SHA256, the one algorithm the config offers: verifying signed requests,
// signing responses and multi-message transfer streams (§5.3.1), signing NOTIFYs and checking the
// answers to them. The digest layouts follow the RFC byte for byte; BIND's dig and named check them.

export type TsigKey = { name: string; algorithm: 'hmac-sha256'; secret: string };

/** TSIG error codes (RFC 8945 §3, the extended RCODE space). */
export const TSIG_ERROR = { NOERROR: 0, BADSIG: 16, BADKEY: 17, BADTIME: 18, BADTRUNC: 22 } as const;
export const TSIG_ERROR_NAME: Record<number, string> = { 16: 'BADSIG', 17: 'BADKEY', 18: 'BADTIME', 22: 'BADTRUNC' };

/** Seconds either side of the signing time a message is accepted (the RFC's recommended value). */
export const FUDGE = 300;
const ALGORITHM = 'hmac-sha256.';
const ALGORITHM_WIRE = nameToWire(ALGORITHM);
const MAC_LENGTH = 32;
/** RFC 8945 §5.2.2.1: shorter than half the hash (or 10 bytes) is malformed. */
const MIN_MAC_LENGTH = MAC_LENGTH / 2;

export type TsigRecord = {
  /** Offset of the TSIG record in the message: the signed part is everything before it. */
  start: number;
  keyName: string;
  keyWire: Buffer;
  algorithm: string;
  algorithmWire: Buffer;
  timeSigned: number;
  fudge: number;
  mac: Buffer;
  originalId: number;
  error: number;
  other: Buffer;
};

/** The TSIG record of a message, if it has one; WireError when it is not the last record or unreadable. */
export function readTsig(buf: Buffer, message: Message = readMessage(buf)): TsigRecord | undefined {
  const all = [...message.answers, ...message.authority, ...message.additional];
  const index = all.findIndex((rr) => rr.type === TYPE.TSIG);
  if (index < 0) return undefined;
  if (index !== all.length - 1) throw new WireError('a TSIG record that is not the last record of the message');
  const rr = all[index]!;
  if (rr.class !== CLASS.ANY || rr.ttl !== 0) throw new WireError('a TSIG record with a class other than ANY or a TTL');
  const end = rr.rdataStart + rr.rdlength;
  const algorithm = readName(buf, rr.rdataStart);
  let pos = algorithm.end;
  if (pos + 10 > end) throw new WireError('a truncated TSIG record');
  const timeSigned = buf.readUIntBE(pos, 6);
  const fudge = buf.readUInt16BE(pos + 6);
  const macSize = buf.readUInt16BE(pos + 8);
  pos += 10;
  if (pos + macSize + 6 > end) throw new WireError('a TSIG record whose MAC runs past its end');
  const mac = buf.subarray(pos, pos + macSize);
  pos += macSize;
  const originalId = buf.readUInt16BE(pos);
  const error = buf.readUInt16BE(pos + 2);
  const otherLength = buf.readUInt16BE(pos + 4);
  pos += 6;
  if (pos + otherLength !== end) throw new WireError('a TSIG record whose other data does not fill it');
  const owner = readName(buf, rr.start);
  return {
    start: rr.start,
    keyName: owner.name,
    keyWire: owner.wire,
    algorithm: algorithm.name,
    algorithmWire: algorithm.wire,
    timeSigned,
    fudge,
    mac,
    originalId,
    error,
    other: buf.subarray(pos, end),
  };
}

export type RequestCheck =
  | { status: 'unsigned' }
  | { status: 'valid'; tsig: TsigRecord }
  /** `signed`: whether the error response carries a MAC (BADTIME, BADTRUNC) or not (BADKEY, BADSIG). */
  | { status: 'invalid'; error: number; tsig: TsigRecord; signed: boolean; reason: string }
  | { status: 'malformed'; reason: string };

/** Checks a request's TSIG in the order RFC 8945 §5.2 gives: key, MAC, time, truncation. */
export function verifyRequest(buf: Buffer, key: TsigKey | undefined, now: number, message?: Message): RequestCheck {
  let tsig: TsigRecord | undefined;
  try {
    tsig = readTsig(buf, message);
  } catch (err) {
    if (err instanceof WireError) return { status: 'malformed', reason: err.message };
    throw err;
  }
  if (!tsig) return { status: 'unsigned' };
  const invalid = (error: number, signed: boolean, reason: string): RequestCheck => ({
    status: 'invalid',
    error,
    tsig,
    signed,
    reason,
  });
  if (!key || tsig.keyName !== key.name) return invalid(TSIG_ERROR.BADKEY, false, `unknown key ${tsig.keyName}`);
  if (tsig.algorithm !== ALGORITHM) return invalid(TSIG_ERROR.BADKEY, false, `unsupported algorithm ${tsig.algorithm}`);
  if (tsig.mac.length > MAC_LENGTH || (tsig.mac.length > 0 && tsig.mac.length < MIN_MAC_LENGTH)) {
    return { status: 'malformed', reason: `a MAC of ${tsig.mac.length} bytes` };
  }
  const hmac = createHmac('sha256', secretBytes(key));
  hmac.update(unsignedPart(buf, tsig));
  hmac.update(variables(key.name, tsig.timeSigned, tsig.fudge, tsig.error, tsig.other));
  if (!macMatches(hmac.digest(), tsig.mac)) return invalid(TSIG_ERROR.BADSIG, false, 'the MAC does not verify');
  if (Math.abs(now - tsig.timeSigned) > tsig.fudge) {
    return invalid(TSIG_ERROR.BADTIME, true, `signed at ${tsig.timeSigned}, ${now - tsig.timeSigned} s from now`);
  }
  // Local policy (RFC 8945 §5.2.4) takes only the full MAC: a truncated one proves less.
  if (tsig.mac.length < MAC_LENGTH) return invalid(TSIG_ERROR.BADTRUNC, true, `a MAC truncated to ${tsig.mac.length}`);
  return { status: 'valid', tsig };
}

export type SignOptions = {
  /** Seconds since the epoch. */
  time: number;
  fudge?: number;
  error?: number;
  other?: Buffer;
  /** The request's MAC, when signing a response to it (the first message of a stream included). */
  requestMac?: Buffer;
};

/** `message` (without a TSIG) with its TSIG appended; `mac` is what the next message of a stream chains from. */
export function sign(message: Buffer, key: TsigKey, options: SignOptions): { message: Buffer; mac: Buffer } {
  const fudge = options.fudge ?? FUDGE;
  const error = options.error ?? TSIG_ERROR.NOERROR;
  const other = options.other ?? Buffer.alloc(0);
  const hmac = createHmac('sha256', secretBytes(key));
  if (options.requestMac) addMac(hmac, options.requestMac);
  hmac.update(message);
  hmac.update(variables(key.name, options.time, fudge, error, other));
  const mac = hmac.digest();
  const rr = tsigRecord(nameToWire(key.name), options.time, fudge, mac, message.readUInt16BE(0), error, other);
  return { message: appendRecord(message, rr), mac };
}

/**
 * An error response to a request whose key or MAC is wrong: it carries a TSIG with the error but no
 * MAC (RFC 8945 §5.3.2: signing it would need the key the client may not share).
 */
export function appendUnsignedTsig(message: Buffer, request: TsigRecord, error: number, time: number): Buffer {
  const empty = Buffer.alloc(0);
  const rr = tsigRecord(
    request.keyWire,
    time,
    request.fudge,
    empty,
    request.originalId,
    error,
    empty,
    request.algorithmWire,
  );
  return appendRecord(message, rr);
}

/** BADTIME's other data: the server's clock, so the client can see by how much they differ. */
export function timeOther(now: number): Buffer {
  const other = Buffer.alloc(6);
  other.writeUIntBE(now, 0, 6);
  return other;
}

/**
 * Signs the messages of one AXFR/IXFR answer (RFC 8945 §5.3.1): the first covers the request MAC and
 * the full TSIG variables; each later one covers the prior MAC, itself and only the TSIG timers. Every
 * message is signed, so there are never unsigned messages in between to carry along.
 */
export class TsigStreamSigner {
  private prior: Buffer;
  private first = true;

  constructor(
    private readonly key: TsigKey,
    requestMac: Buffer,
    private readonly clock: () => number,
  ) {
    this.prior = requestMac;
  }

  sign(message: Buffer): Buffer {
    const time = this.clock();
    if (this.first) {
      this.first = false;
      const signed = sign(message, this.key, { time, requestMac: this.prior });
      this.prior = signed.mac;
      return signed.message;
    }
    const hmac = createHmac('sha256', secretBytes(this.key));
    addMac(hmac, this.prior);
    hmac.update(message);
    hmac.update(timers(time, FUDGE));
    const mac = hmac.digest();
    this.prior = mac;
    const rr = tsigRecord(nameToWire(this.key.name), time, FUDGE, mac, message.readUInt16BE(0), 0, Buffer.alloc(0));
    return appendRecord(message, rr);
  }
}

export type ResponseCheck = { ok: true } | { ok: false; reason: string };

/**
 * Checks the responses to a request this side signed (a NOTIFY's answer; a transfer stream in tests).
 * Up to 99 unsigned messages may sit between signed ones in a stream (§5.3.1); they are digested
 * with the next signed message, and the last message must be signed (call `end`).
 */
export class TsigResponseVerifier {
  private prior: Buffer;
  private first = true;
  private unsigned: Buffer[] = [];

  constructor(
    private readonly key: TsigKey,
    requestMac: Buffer,
    private readonly clock: () => number,
  ) {
    this.prior = requestMac;
  }

  verify(buf: Buffer): ResponseCheck {
    let tsig: TsigRecord | undefined;
    try {
      tsig = readTsig(buf);
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
    }
    if (!tsig) {
      if (this.first) return { ok: false, reason: 'the response is not signed' };
      if (this.unsigned.length >= 99) return { ok: false, reason: '100 unsigned messages in a row' };
      this.unsigned.push(buf);
      return { ok: true };
    }
    if (tsig.keyName !== this.key.name || tsig.algorithm !== ALGORITHM) {
      return { ok: false, reason: `signed with another key (${tsig.keyName} ${tsig.algorithm})` };
    }
    const errorName = TSIG_ERROR_NAME[tsig.error] ?? `TSIG error ${tsig.error}`;
    // BADKEY and BADSIG answers carry no MAC (RFC 8945 §5.3.2): there is nothing to check but the error.
    if (tsig.mac.length === 0) return { ok: false, reason: tsig.error ? errorName : 'an empty MAC' };
    const hmac = createHmac('sha256', secretBytes(this.key));
    addMac(hmac, this.prior);
    for (const message of this.unsigned) hmac.update(message);
    hmac.update(unsignedPart(buf, tsig));
    hmac.update(
      this.first
        ? variables(this.key.name, tsig.timeSigned, tsig.fudge, tsig.error, tsig.other)
        : timers(tsig.timeSigned, tsig.fudge),
    );
    if (tsig.mac.length !== MAC_LENGTH || !macMatches(hmac.digest(), tsig.mac)) {
      return { ok: false, reason: 'the MAC does not verify' };
    }
    // A signed error (BADTIME, BADTRUNC) is authentic but still a refusal.
    if (tsig.error !== 0) return { ok: false, reason: errorName };
    if (Math.abs(this.clock() - tsig.timeSigned) > tsig.fudge) return { ok: false, reason: 'signed outside the fudge' };
    this.first = false;
    this.unsigned = [];
    this.prior = tsig.mac;
    return { ok: true };
  }

  end(): ResponseCheck {
    return this.unsigned.length === 0 ? { ok: true } : { ok: false, reason: 'the stream ends with unsigned messages' };
  }
}

const secrets = new WeakMap<TsigKey, Buffer>();
function secretBytes(key: TsigKey): Buffer {
  let secret = secrets.get(key);
  if (!secret) {
    secret = Buffer.from(key.secret, 'base64');
    secrets.set(key, secret);
  }
  return secret;
}

function addMac(hmac: Hmac, mac: Buffer): void {
  const size = Buffer.alloc(2);
  size.writeUInt16BE(mac.length);
  hmac.update(size);
  hmac.update(mac);
}

function macMatches(computed: Buffer, given: Buffer): boolean {
  return given.length > 0 && timingSafeEqual(computed.subarray(0, given.length), given);
}

/** The message as it was before the TSIG was added: original ID, one additional record fewer. */
function unsignedPart(buf: Buffer, tsig: TsigRecord): Buffer {
  const part = Buffer.from(buf.subarray(0, tsig.start));
  part.writeUInt16BE(tsig.originalId, 0);
  part.writeUInt16BE(part.readUInt16BE(10) - 1, 10);
  return part;
}

/** RFC 8945 §4.3.3: key name, class, TTL, algorithm, then the timers, error and other data. */
function variables(keyName: string, time: number, fudge: number, error: number, other: Buffer): Buffer {
  const tail = Buffer.alloc(6 + 2 + 2 + 2);
  tail.writeUIntBE(time, 0, 6);
  tail.writeUInt16BE(fudge, 6);
  tail.writeUInt16BE(error, 8);
  tail.writeUInt16BE(other.length, 10);
  const classTtl = Buffer.alloc(6);
  classTtl.writeUInt16BE(CLASS.ANY, 0);
  return Buffer.concat([nameToWire(keyName), classTtl, ALGORITHM_WIRE, tail, other]);
}

function timers(time: number, fudge: number): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeUIntBE(time, 0, 6);
  buf.writeUInt16BE(fudge, 6);
  return buf;
}

function tsigRecord(
  owner: Buffer,
  time: number,
  fudge: number,
  mac: Buffer,
  originalId: number,
  error: number,
  other: Buffer,
  algorithm: Buffer = ALGORITHM_WIRE,
): Buffer {
  const rdlength = algorithm.length + 10 + mac.length + 6 + other.length;
  const rr = Buffer.alloc(owner.length + 10 + rdlength);
  let pos = owner.copy(rr, 0);
  rr.writeUInt16BE(TYPE.TSIG, pos);
  rr.writeUInt16BE(CLASS.ANY, pos + 2);
  rr.writeUInt32BE(0, pos + 4);
  rr.writeUInt16BE(rdlength, pos + 8);
  pos += 10;
  pos += algorithm.copy(rr, pos);
  rr.writeUIntBE(time, pos, 6);
  rr.writeUInt16BE(fudge, pos + 6);
  rr.writeUInt16BE(mac.length, pos + 8);
  pos += 10;
  pos += mac.copy(rr, pos);
  rr.writeUInt16BE(originalId, pos);
  rr.writeUInt16BE(error, pos + 2);
  rr.writeUInt16BE(other.length, pos + 4);
  other.copy(rr, pos + 6);
  return rr;
}

function appendRecord(message: Buffer, rr: Buffer): Buffer {
  const out = Buffer.concat([message, rr]);
  out.writeUInt16BE(out.readUInt16BE(10) + 1, 10);
  return out;
}
