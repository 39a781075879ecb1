// Writes the dnstap bench's workload: a Frame Streams stream (as `fstrm_capture` writes it: START with
// `protobuf:dnstap.Dnstap`, data frames, STOP) of CLIENT_QUERY / CLIENT_RESPONSE pairs like a busy
// resolver's. The payloads are built with encoders the decoder under test does not use (protobufjs's
// Writer for the dnstap protobuf, dns-packet and ipaddr.js for the DNS messages), so a decoder bug
// cannot cancel out a generator bug; the framing is ours, and `dnstap-ldns` reads the files (see the
// test beside the decoder).
import { writeFileSync } from 'node:fs';
import dnsPacket from 'dns-packet';
import ipaddr from 'ipaddr.js';
import protobuf from 'protobufjs/minimal.js';
import { DNSTAP_CONTENT_TYPE } from '../../src/observe/dnstap/connection.js';
import { encodeFrameStream } from '../../src/observe/dnstap/frame-streams.js';
import { Random } from './random.js';

export type DnstapStreamOptions = {
  /** Dnstap messages in total: queries and responses, in pairs (an odd count ends with a query). */
  messages: number;
  /** Query names to pick from (a few very often, as in real traffic). */
  names: readonly string[];
  seed?: number;
  /** Time of the first query, ms since the epoch; each pair is 0–2 ms after the one before. */
  startMs?: number;
  /** The resolver's identity field (Unbound: `dnstap-identity`). */
  identity?: string;
};

export type DnstapPair = {
  client: string;
  clientPort: number;
  name: string;
  qtype: 'A' | 'AAAA';
  rcode: 'NOERROR' | 'NXDOMAIN';
  answers: string[];
};

/** Dnstap.Message.Type values the generator writes (dnstap.proto). */
const CLIENT_QUERY = 5;
const CLIENT_RESPONSE = 6;
const NXDOMAIN_SHARE = 0.05;
const AAAA_SHARE = 0.25;
const RESOLVER_ADDRESS = Uint8Array.of(127, 0, 0, 1);

/** One client: 10.0.0.0/8 (an ISP's private or CGNAT-side space) for most, 127.0.0.0/8 for the rest. */
function clientAddress(rng: Random): string {
  const first = rng.next() < 0.8 ? 10 : 127;
  return `${first}.${rng.int(256)}.${rng.int(256)}.${1 + rng.int(254)}`;
}

/**
 * The answers a name resolves to: derived from the name, so the same name always gets the same ones;
 * from 198.18.0.0/15 (RFC 2544, benchmarking) and 2001:db8::/32 (documentation), never a real host.
 */
function answersFor(name: string, qtype: 'A' | 'AAAA'): string[] {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619) >>> 0;
  const count = 1 + (h % 3);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const v = (h + i * 2654435761) >>> 0;
    out.push(
      qtype === 'A'
        ? `198.${18 + (v & 1)}.${(v >>> 8) & 255}.${(v >>> 16) & 255}`
        : `2001:db8:${(v >>> 16).toString(16)}::${(v & 0xffff).toString(16)}`,
    );
  }
  return out;
}

function ipBytes(address: string): Uint8Array {
  return Uint8Array.from(address.split('.').map(Number));
}

function dnstapMessage(
  type: number,
  client: string,
  port: number,
  timeMs: number,
  dns: Uint8Array,
  identity: string,
): Uint8Array {
  const sec = Math.floor(timeMs / 1000);
  const nsec = Math.round((timeMs - sec * 1000) * 1e6);
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 2).string(identity); // identity
  w.uint32((2 << 3) | 2).string('mizugiwa-bench'); // version
  w.uint32((15 << 3) | 0).uint32(1); // type MESSAGE
  w.uint32((14 << 3) | 2).fork(); // message
  w.uint32((1 << 3) | 0).uint32(type);
  w.uint32((2 << 3) | 0).uint32(1); // socket_family INET
  w.uint32((3 << 3) | 0).uint32(1); // socket_protocol UDP
  w.uint32((4 << 3) | 2).bytes(ipBytes(client)); // query_address
  w.uint32((5 << 3) | 2).bytes(RESOLVER_ADDRESS); // response_address
  w.uint32((6 << 3) | 0).uint32(port); // query_port
  w.uint32((7 << 3) | 0).uint32(53); // response_port
  if (type === CLIENT_QUERY) {
    w.uint32((8 << 3) | 0).uint64(sec); // query_time_sec
    w.uint32((9 << 3) | 5).fixed32(nsec); // query_time_nsec
    w.uint32((10 << 3) | 2).bytes(dns); // query_message
  } else {
    w.uint32((12 << 3) | 0).uint64(sec); // response_time_sec
    w.uint32((13 << 3) | 5).fixed32(nsec); // response_time_nsec
    w.uint32((14 << 3) | 2).bytes(dns); // response_message
  }
  w.ldelim();
  return w.finish();
}

/** EDNS OPT record, as resolvers add to every answer: root owner, UDP size 1232, no options. */
const OPT_RECORD = Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]);

function dnsQuery(id: number, name: string, qtype: 'A' | 'AAAA'): Uint8Array {
  const head = dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: qtype, class: 'IN', name }],
  });
  const out = Buffer.concat([head, OPT_RECORD]);
  out.writeUInt16BE(1, 10); // ARCOUNT
  return out;
}

/**
 * A response as resolvers write it: the answers' owner names compressed to a pointer at the question
 * (offset 12), which dns-packet's encoder does not do. The header and question come from dns-packet,
 * the answer records are assembled here, then the counts are set.
 */
function dnsResponse(id: number, pair: DnstapPair): Uint8Array {
  const head = dnsPacket.encode({
    type: 'response',
    id,
    // dns-packet takes the rcode as the low 4 bits of the flags.
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (pair.rcode === 'NXDOMAIN' ? 3 : 0),
    questions: [{ type: pair.qtype, class: 'IN', name: pair.name }],
  });
  const records = pair.answers.map((address) => {
    const data = Buffer.from(ipaddr.parse(address).toByteArray());
    const record = Buffer.alloc(12 + data.length);
    record.writeUInt16BE(0xc00c, 0); // pointer to the question name
    record.writeUInt16BE(pair.qtype === 'A' ? 1 : 28, 2);
    record.writeUInt16BE(1, 4); // IN
    record.writeUInt32BE(300, 6); // TTL
    record.writeUInt16BE(data.length, 10);
    data.copy(record, 12);
    return record;
  });
  const out = Buffer.concat([head, ...records, OPT_RECORD]);
  out.writeUInt16BE(records.length, 6); // ANCOUNT
  out.writeUInt16BE(1, 10); // ARCOUNT
  return out;
}

/**
 * The dnstap payloads (protobuf messages, unframed) and, per query/response pair, what a decoder should
 * read back from it.
 */
export function dnstapMessages(options: DnstapStreamOptions): { payloads: Uint8Array[]; pairs: DnstapPair[] } {
  if (options.names.length === 0) throw new Error('dnstapMessages needs at least one name');
  const rng = new Random(options.seed ?? 20261124);
  const identity = options.identity ?? 'bench-resolver';
  const clients: string[] = [];
  for (let i = 0; i < 5000; i++) clients.push(clientAddress(rng));
  const payloads: Uint8Array[] = [];
  const pairs: DnstapPair[] = [];
  let time = options.startMs ?? Date.UTC(2026, 10, 24, 10, 0, 0);
  for (let i = 0; payloads.length < options.messages; i++) {
    // Heavy-tailed: a few names and clients very often.
    const name = options.names[Math.floor(options.names.length * rng.next() ** 3)] as string;
    const client = clients[Math.floor(clients.length * rng.next() ** 2)] as string;
    const clientPort = 1024 + rng.int(64512);
    const qtype = rng.next() < AAAA_SHARE ? 'AAAA' : 'A';
    const nx = rng.next() < NXDOMAIN_SHARE;
    const pair: DnstapPair = {
      client,
      clientPort,
      name,
      qtype,
      rcode: nx ? 'NXDOMAIN' : 'NOERROR',
      answers: nx ? [] : answersFor(name, qtype),
    };
    const id = i & 0xffff;
    time += rng.int(3);
    payloads.push(dnstapMessage(CLIENT_QUERY, client, clientPort, time, dnsQuery(id, name, qtype), identity));
    if (payloads.length < options.messages) {
      payloads.push(dnstapMessage(CLIENT_RESPONSE, client, clientPort, time + 0.25, dnsResponse(id, pair), identity));
    }
    pairs.push(pair);
  }
  return { payloads, pairs };
}

/** The whole stream in memory. */
export function dnstapStream(options: DnstapStreamOptions): { stream: Buffer; pairs: DnstapPair[] } {
  const { payloads, pairs } = dnstapMessages(options);
  return { stream: encodeFrameStream(DNSTAP_CONTENT_TYPE, payloads), pairs };
}

/** The stream written to `file` (readable by `dnstap-ldns -r file`). */
export function writeDnstapStream(
  file: string,
  options: DnstapStreamOptions,
): { messages: number; bytes: number; pairs: DnstapPair[] } {
  const { stream, pairs } = dnstapStream(options);
  writeFileSync(file, stream);
  return { messages: options.messages, bytes: stream.length, pairs };
}
