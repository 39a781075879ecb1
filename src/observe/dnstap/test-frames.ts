// Test helpers: dnstap payloads and DNS messages built field by field with independent encoders
// (protobufjs's Writer, dns-packet), so tests can make any message, well-formed or not. Also the
// fixture stream's data frames.
import { readFileSync } from 'node:fs';
import dnsPacket from 'dns-packet';
import protobuf from 'protobufjs/minimal.js';
import { FrameStreamDecoder } from './frame-streams.js';

export const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;

export type DnstapFields = {
  /** dnstap.Dnstap type (15); default MESSAGE (1); null leaves it out. */
  dnstapType?: number | null;
  /** dnstap.Message type (1); null leaves it out. */
  type: number | null;
  family?: 1 | 2;
  protocol?: number;
  queryAddress?: Uint8Array;
  queryPort?: number;
  queryTimeSec?: number;
  queryTimeNsec?: number;
  queryMessage?: Uint8Array;
  responseTimeSec?: number;
  responseTimeNsec?: number;
  responseMessage?: Uint8Array;
  identity?: string;
  /** Leave out the Message field (14) altogether. */
  noMessage?: boolean;
};

/** A dnstap.Dnstap protobuf with exactly the given fields. */
export function dnstapPayload(f: DnstapFields): Uint8Array {
  const w = protobuf.Writer.create();
  if (f.identity !== undefined) w.uint32((1 << 3) | 2).string(f.identity);
  if (!f.noMessage) {
    w.uint32((14 << 3) | 2).fork();
    if (f.type !== null) w.uint32((1 << 3) | 0).uint32(f.type);
    if (f.family !== undefined) w.uint32((2 << 3) | 0).uint32(f.family);
    if (f.protocol !== undefined) w.uint32((3 << 3) | 0).uint32(f.protocol);
    if (f.queryAddress) w.uint32((4 << 3) | 2).bytes(f.queryAddress);
    if (f.queryPort !== undefined) w.uint32((6 << 3) | 0).uint32(f.queryPort);
    if (f.queryTimeSec !== undefined) w.uint32((8 << 3) | 0).uint64(f.queryTimeSec);
    if (f.queryTimeNsec !== undefined) w.uint32((9 << 3) | 5).fixed32(f.queryTimeNsec);
    if (f.queryMessage) w.uint32((10 << 3) | 2).bytes(f.queryMessage);
    if (f.responseTimeSec !== undefined) w.uint32((12 << 3) | 0).uint64(f.responseTimeSec);
    if (f.responseTimeNsec !== undefined) w.uint32((13 << 3) | 5).fixed32(f.responseTimeNsec);
    if (f.responseMessage) w.uint32((14 << 3) | 2).bytes(f.responseMessage);
    w.ldelim();
  }
  if (f.dnstapType !== null) w.uint32((15 << 3) | 0).uint32(f.dnstapType ?? 1);
  return w.finish();
}

/** A DNS query for `name`/`type`, as a stub sends it. */
export function dnsQuery(name: string, type: dnsPacket.RecordType = 'A'): Buffer {
  return dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type }] });
}

/** A DNS response; `rcode` goes in the low 4 bits of the flags, as dns-packet wants it. */
export function dnsResponse(name: string, type: dnsPacket.RecordType, answers: dnsPacket.Answer[], rcode = 0): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id: 4242,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcode,
    questions: [{ name, type }],
    answers,
  });
}

export const LOOPBACK_2 = Uint8Array.of(127, 0, 0, 2);

/** A well-formed CLIENT_QUERY for `name` from 127.0.0.2:5353 at 2026-11-24T10:00:00.123Z. */
export function clientQuery(name = 'www.example.com', type: dnsPacket.RecordType = 'A'): Uint8Array {
  return dnstapPayload({
    type: 5,
    family: 1,
    protocol: 1,
    queryAddress: LOOPBACK_2,
    queryPort: 5353,
    queryTimeSec: Date.UTC(2026, 10, 24, 10) / 1000,
    queryTimeNsec: 123_456_789,
    queryMessage: dnsQuery(name, type),
  });
}

/** The data frames (dnstap payloads) of a Frame Streams file, in order. */
export function framesOf(stream: Uint8Array): Uint8Array[] {
  const decoder = new FrameStreamDecoder();
  decoder.push(stream);
  const frames: Uint8Array[] = [];
  for (let f = decoder.next(); f !== null; f = decoder.next()) {
    if (f instanceof Uint8Array) frames.push(f);
    else if (f.kind === 'error') throw new Error(`not a Frame Streams file: ${f.reason}`);
  }
  return frames;
}

export function fixtureFrames(): Uint8Array[] {
  return framesOf(readFileSync(`${FIXTURES}unbound-1.17.fstrm`));
}
