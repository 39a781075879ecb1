import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { dnstapStream } from '../../../bench/gen/dnstap-stream.js';
import { decodeDnstapMessage, type DnstapMessage } from './message.js';
import {
  clientQuery,
  dnsQuery,
  dnsResponse,
  dnstapPayload,
  fixtureFrames,
  FIXTURES,
  framesOf,
  LOOPBACK_2,
} from './test-frames.js';

const DNSTAP_LDNS = '/usr/bin/dnstap-ldns';
const REFERENCE = `${FIXTURES}unbound-1.17.dnstap-ldns.yaml`;

type Expected = {
  type: number;
  time: number;
  client: string;
  clientPort: number;
  qname: string;
  qtype: string;
  rcode: string;
  answers: string[];
};

/** What dnstap-ldns -y says about each message: the reference reading of the fixture. */
function referenceReading(yaml: string): Expected[] {
  return yaml
    .split(/^---$/m)
    .filter((block) => block.includes('type: MESSAGE'))
    .map((block) => {
      const field = (re: RegExp): string => {
        const m = re.exec(block);
        assert.ok(m, `${re} in\n${block}`);
        return m[1]!;
      };
      const stamp = field(/^ {2}(?:query|response)_time: !!timestamp (.+)$/m);
      const [, whole, micro] = /^(.+)\.(\d{6})$/.exec(stamp)!;
      const answerSection = block.slice(block.indexOf(';; ANSWER SECTION:'), block.indexOf(';; AUTHORITY SECTION:'));
      const question = /^ +;(\S+)\tIN\t(\S+)$/m.exec(block)!;
      return {
        type: field(/^ {2}type: (\w+)$/m) === 'CLIENT_QUERY' ? 5 : 6,
        time: Date.parse(`${whole!.replace(' ', 'T')}Z`) + Math.floor(Number(micro) / 1000),
        client: field(/^ {2}query_address: "(.+)"$/m),
        clientPort: Number(field(/^ {2}query_port: (\d+)$/m)),
        qname: question[1]!.toLowerCase().replace(/\.$/, ''),
        qtype: question[2]!,
        rcode: field(/rcode: (\w+),/),
        answers: [...answerSection.matchAll(/^ +\S+\t\d+\tIN\t(?:A|AAAA)\t(\S+)$/gm)].map((m) => m[1]!),
      };
    });
}

function decoded(frame: Uint8Array): DnstapMessage {
  const message = decodeDnstapMessage(frame);
  assert.ok(typeof message !== 'string', `decodes: ${message as string}`);
  return message;
}

describe('dnstap messages recorded from Unbound 1.17', () => {
  const frames = fixtureFrames();
  const reference = referenceReading(readFileSync(REFERENCE, 'utf8'));

  test('the committed reference is what dnstap-ldns reads from the fixture', { skip: !existsSync(DNSTAP_LDNS) }, () => {
    const fresh = execFileSync(DNSTAP_LDNS, ['-r', `${FIXTURES}unbound-1.17.fstrm`, '-y'], { encoding: 'utf8' });
    assert.equal(fresh, readFileSync(REFERENCE, 'utf8'));
  });

  test('every message reads as dnstap-ldns reads it: type, time, client, port, name, type, rcode, answers', () => {
    assert.equal(frames.length, 32);
    assert.equal(reference.length, 32);
    frames.forEach((frame, i) => {
      const m = decoded(frame);
      const r = reference[i]!;
      const got = {
        type: m.type,
        time: m.time,
        client: m.client,
        clientPort: m.clientPort,
        qname: m.qname,
        qtype: m.qtype,
        rcode: m.rcode,
        answers: m.answers,
      };
      // Queries are not read for answers (they have none) and keep their header rcode.
      assert.deepEqual(got, r, `message ${i}`);
    });
  });

  test('the cases the fixture was recorded for', () => {
    const byIndex = (i: number) => decoded(frames[i]!);
    assert.deepEqual(byIndex(5).answers, ['198.51.100.3', '198.51.100.1', '198.51.100.2'], 'several A records');
    assert.equal(byIndex(9).rcode, 'NXDOMAIN');
    assert.deepEqual(byIndex(9).answers, []);
    assert.deepEqual(byIndex(11).answers, ['192.0.2.10'], 'a CNAME chain: the A record at its end');
    assert.equal(byIndex(12).qtype, 'HTTPS', 'a type dns-packet 5 does not name');
    assert.equal(byIndex(18).qname, 'www.good.test', 'WWW.Good.TEST in lower case');
    assert.equal(byIndex(20).clientPort, 43351, 'over TCP');
    assert.deepEqual(byIndex(23).answers, ['2001:db8:0:1::abcd']);
    assert.equal(byIndex(26).qtype, 'TYPE65534');
    assert.equal(byIndex(26).qname, 'test');
    assert.equal(byIndex(28).client, '::1');
    assert.equal(byIndex(28).time, Date.UTC(2026, 10, 24, 21, 43, 52, 375));
  });
});

describe('dnstap messages from the bench generator', () => {
  test('read back as generated: clients, ports, names, types, rcodes and answers', () => {
    const names = ['www.example.com', 'a.b.c.example.org', 'Mixed.Example.NET'];
    const { stream, pairs } = dnstapStream({ messages: 400, names });
    const frames = framesOf(stream);
    assert.equal(frames.length, 400);
    pairs.forEach((pair, i) => {
      const query = decoded(frames[2 * i]!);
      const response = decoded(frames[2 * i + 1]!);
      for (const m of [query, response]) {
        assert.equal(m.client, pair.client);
        assert.equal(m.clientPort, pair.clientPort);
        assert.equal(m.qname, pair.name.toLowerCase());
        assert.equal(m.qtype, pair.qtype);
      }
      assert.equal(query.type, 5);
      assert.equal(response.type, 6);
      assert.equal(response.rcode, pair.rcode);
      assert.deepEqual(response.answers, pair.answers);
      assert.ok(response.time! >= query.time!);
    });
  });
});

describe('dnstap messages built field by field', () => {
  const sec = Date.UTC(2026, 10, 24, 10) / 1000;
  const base = { type: 6, queryAddress: LOOPBACK_2, queryTimeSec: sec, queryTimeNsec: 0 };

  test('a response takes response_time, and query_time when it has none', () => {
    const response = dnsResponse('x.test', 'A', [{ name: 'x.test', type: 'A', ttl: 1, data: '192.0.2.1' }]);
    const both = { ...base, responseTimeSec: sec + 2, responseTimeNsec: 5_000_000, responseMessage: response };
    assert.equal(decoded(dnstapPayload(both)).time, (sec + 2) * 1000 + 5);
    assert.equal(decoded(dnstapPayload({ ...base, responseMessage: response })).time, sec * 1000);
  });

  test('IPv6 clients, answers of both families, other classes and types skipped, the root name', () => {
    const client = Uint8Array.from(Buffer.from('20010db8000000000000000000000042', 'hex'));
    const response = dnsResponse('dual.test', 'A', [
      { name: 'dual.test', type: 'CNAME', ttl: 1, data: 'real.test' },
      { name: 'real.test', type: 'A', ttl: 1, data: '192.0.2.7' },
      { name: 'real.test', type: 'AAAA', ttl: 1, data: '2001:db8::7' },
      { name: 'real.test', type: 'A', ttl: 1, class: 'CH', data: '192.0.2.8' },
      { name: 'real.test', type: 'TXT', ttl: 1, data: 'x' },
    ]);
    const m = decoded(dnstapPayload({ ...base, queryAddress: client, responseMessage: response }));
    assert.equal(m.client, '2001:db8::42');
    assert.deepEqual(m.answers, ['192.0.2.7', '2001:db8::7']);
    const root = decoded(dnstapPayload({ ...base, type: 5, queryMessage: dnsQuery('.', 'NS') }));
    assert.equal(root.qname, '.');
    assert.equal(root.qtype, 'NS');
  });

  test('other message types need no client or time (dnstap.proto leaves them optional there)', () => {
    const upstream = dnsResponse('x.test', 'A', [{ name: 'x.test', type: 'A', ttl: 1, data: '192.0.2.1' }]);
    const m = decoded(dnstapPayload({ type: 4, responseMessage: upstream }));
    assert.deepEqual([m.type, m.time, m.client, m.answers], [4, undefined, undefined, ['192.0.2.1']]);
  });

  test('a query with no question has no name; other message types decode too', () => {
    const empty = Buffer.alloc(12);
    assert.equal(decoded(dnstapPayload({ ...base, type: 5, queryMessage: empty })).qname, undefined);
    const resolverQuery = decoded(dnstapPayload({ ...base, type: 3, queryMessage: dnsQuery('upstream.test') }));
    assert.equal(resolverQuery.type, 3);
    assert.equal(resolverQuery.qname, 'upstream.test');
  });

  test('what cannot be read is a reason that says what and where, never an exception', () => {
    const query = dnsQuery('x.test');
    const compressedBadly = Buffer.from(query);
    compressedBadly[12] = 0xc0; // a pointer at itself
    compressedBadly[13] = 12;
    const answersCut = dnsResponse('x.test', 'A', [{ name: 'x.test', type: 'A', ttl: 1, data: '192.0.2.1' }]);
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(0), /no type field \(15\)/],
      [dnstapPayload({ ...base, dnstapType: 2 }), /type 2 is not MESSAGE/],
      [dnstapPayload({ ...base, noMessage: true }), /without its message field \(14\)/],
      [dnstapPayload({ ...base, type: null }), /message type missing/],
      [dnstapPayload({ ...base, type: 99 }), /message type 99/],
      [dnstapPayload({ ...base, type: 5, queryTimeSec: undefined, queryMessage: query }), /without query_time_sec/],
      [dnstapPayload({ ...base, queryTimeSec: 2 ** 60 }), /past what a Date can hold/],
      [dnstapPayload({ ...base, queryTimeNsec: 1_000_000_000 }), /1000000000 nanoseconds/],
      [dnstapPayload({ ...base, queryAddress: undefined }), /without query_address/],
      [dnstapPayload({ ...base, queryAddress: new Uint8Array(5) }), /5 bytes is neither IPv4/],
      [dnstapPayload({ ...base, queryPort: 70000 }), /query_port 70000 is over 65535/],
      [dnstapPayload({ ...base, type: 5 }), /CLIENT_QUERY without query_message/],
      [dnstapPayload({ ...base, responseMessage: new Uint8Array(5) }), /5 bytes is shorter than its header/],
      [dnstapPayload({ ...base, type: 5, queryMessage: compressedBadly }), /question name unreadable/],
      [dnstapPayload({ ...base, type: 5, queryMessage: query.subarray(0, 18) }), /question name unreadable/],
      [dnstapPayload({ ...base, type: 5, queryMessage: query.subarray(0, -2) }), /before its type and class/],
      [dnstapPayload({ ...base, responseMessage: answersCut.subarray(0, -2) }), /answer 1 of 1: data runs past/],
      [dnstapPayload({ ...base, responseMessage: answersCut.subarray(0, -10) }), /answer 1 of 1 runs past/],
      [clientQuery().subarray(0, 20), /protobuf unreadable at byte \d+: index out of range/],
      [Uint8Array.of(0x0f), /protobuf unreadable at byte \d+: invalid wire type 7/],
    ];
    for (const [frame, reason] of cases) {
      const result = decodeDnstapMessage(frame);
      assert.equal(typeof result, 'string', `${reason}: got ${JSON.stringify(result)}`);
      assert.match(result as string, reason);
    }
  });
});
