import { createHash, timingSafeEqual } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import radius from 'radius';
import type { RadiusAttributes } from './radius-attributes.js';
import { WIRE_ATTRIBUTES, type WireAttribute } from './radius-dictionary.js';

// An Accounting-Request on the wire (RFC 2865 section 3, RFC 2866 section 3):
//
//   code (1) | identifier (1) | length (2) | authenticator (16) | attributes: type (1) length (1) value …
//
// read strictly: a packet whose attributes do not add up to its length is refused whole (RFC 2865 says to
// discard it silently). The attributes are walked here rather than by the `radius` package's decoder, which
// compares authenticators as UTF-8 strings (two different digests whose invalid bytes both decode to U+FFFD
// compare equal, so forging an accepted record takes thousands of tries instead of 2^128), throws on a
// vendor-specific attribute it cannot parse (which would make a NAS retransmit a valid record forever), and
// leaves IPv6 addresses and prefixes as raw bytes. The package writes the Accounting-Response.

const HEADER = 20;
const MAX_PACKET = 4096;
const ACCOUNTING_REQUEST = 4;
const MESSAGE_AUTHENTICATOR = 80;

export type AccountingRequest = {
  identifier: number;
  authenticator: Buffer;
  /** The packet without any padding after its Length. */
  packet: Buffer;
  attributes: [type: number, value: Buffer][];
};

/** The request in `datagram`, or why it is not a well-formed Accounting-Request. */
export function readAccountingRequest(datagram: Buffer): AccountingRequest | string {
  if (datagram.length < HEADER) return `${datagram.length} bytes is shorter than a RADIUS header (20)`;
  if (datagram[0] !== ACCOUNTING_REQUEST) return `code ${datagram[0]} is not an Accounting-Request (4)`;
  const length = datagram.readUInt16BE(2);
  if (length < HEADER || length > MAX_PACKET) return `the length field ${length} is outside 20–4096`;
  if (datagram.length < length) return `the length field says ${length} bytes but ${datagram.length} arrived`;
  const packet = datagram.subarray(0, length);
  const attributes: [number, Buffer][] = [];
  for (let at = HEADER; at < length;) {
    const attributeLength = at + 1 < length ? packet[at + 1]! : 0;
    if (attributeLength < 2 || at + attributeLength > length) {
      return `the attribute at byte ${at} (type ${packet[at]}) has length ${attributeLength}, which does not fit the packet`;
    }
    attributes.push([packet[at]!, packet.subarray(at + 2, at + attributeLength)]);
    at += attributeLength;
  }
  return { identifier: packet[1]!, authenticator: packet.subarray(4, HEADER), packet, attributes };
}

/** RFC 2866 section 3: the Request Authenticator is MD5(the packet with zeros in its place, then the secret). */
export function authenticatorMatches(request: AccountingRequest, secret: string): boolean {
  const zeroed = Buffer.from(request.packet);
  zeroed.fill(0, 4, HEADER);
  const expected = createHash('md5').update(zeroed).update(secret, 'utf8').digest();
  return timingSafeEqual(expected, request.authenticator);
}

/** The Accounting-Response to `request`: Proxy-State echoed, a Message-Authenticator when the request had one. */
export function accountingResponse(request: AccountingRequest, secret: string): Buffer {
  const messageAuthenticator = request.attributes.find(([type]) => type === MESSAGE_AUTHENTICATOR);
  return radius.encode_response({
    packet: {
      code: 'Accounting-Request',
      identifier: request.identifier,
      length: request.packet.length,
      authenticator: request.authenticator,
      attributes: messageAuthenticator ? { 'Message-Authenticator': messageAuthenticator[1] } : {},
      raw_attributes: request.attributes,
    } as Parameters<typeof radius.encode_response>[0]['packet'],
    code: 'Accounting-Response',
    secret,
  });
}

/** The request's attributes by FreeRADIUS name, values as text the way a detail file writes them. */
export function requestAttributes(request: AccountingRequest): RadiusAttributes {
  const attrs: Record<string, string | string[]> = Object.create(null);
  for (const [type, value] of request.attributes) {
    if (type === MESSAGE_AUTHENTICATOR) continue;
    const known = WIRE_ATTRIBUTES.get(type);
    const name = known?.name ?? `Attr-${type}`;
    const text = known ? valueText(known, value) : hex(value);
    const before = attrs[name];
    attrs[name] = before === undefined ? text : typeof before === 'string' ? [before, text] : [...before, text];
  }
  return attrs;
}

/** A value of the attribute's type as text; one of the wrong size is kept as `0x…`, as FreeRADIUS does. */
function valueText(attribute: WireAttribute, value: Buffer): string {
  switch (attribute.type) {
    case 'string':
      return value.toString('utf8');
    case 'integer':
    case 'date': {
      if (value.length !== 4) return hex(value);
      const n = value.readUInt32BE(0);
      return attribute.values?.[n] ?? String(n);
    }
    case 'ipaddr':
      return value.length === 4 ? [...value].join('.') : hex(value);
    case 'ipv6addr':
      return value.length === 16 ? ipaddr.fromByteArray([...value]).toString() : hex(value);
    case 'ipv6prefix': {
      // RFC 3162 2.3: reserved, prefix length, then only as many prefix bytes as needed (up to 16).
      const length = value[1];
      if (value.length < 2 || value.length > 18 || length === undefined || length > 128) return hex(value);
      const bytes = [...value.subarray(2), ...new Array<number>(18 - value.length).fill(0)];
      return `${ipaddr.fromByteArray(bytes).toString()}/${length}`;
    }
    case 'ifid':
      return value.length === 8 ? [0, 2, 4, 6].map((i) => value.readUInt16BE(i).toString(16)).join(':') : hex(value);
    default:
      return hex(value);
  }
}

function hex(value: Buffer): string {
  return `0x${value.toString('hex')}`;
}
