import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dnstapStream } from '../../../bench/gen/dnstap-stream.js';
import { decodeDnstapMessage } from './message.js';
import { decodeDnstapFrame, dnstapObservation } from './observation.js';
import {
  clientQuery,
  dnsQuery,
  dnsResponse,
  dnstapPayload,
  fixtureFrames,
  framesOf,
  LOOPBACK_2,
} from './test-frames.js';

const sec = Date.UTC(2026, 10, 24, 10) / 1000;
const base = { queryAddress: LOOPBACK_2, queryPort: 40000, queryTimeSec: sec, queryTimeNsec: 250_000_000 };

describe('dnstap observations', () => {
  test('a CLIENT_QUERY is the name looked up, with the qtype as detail', () => {
    assert.deepEqual(decodeDnstapFrame(clientQuery('Evil.Example.COM', 'AAAA')), {
      time: Date.UTC(2026, 10, 24, 10, 0, 0, 123),
      point: 'dns',
      client: '127.0.0.2',
      clientPort: 5353,
      domain: 'evil.example.com',
      detail: 'AAAA',
    });
  });

  test('a CLIENT_RESPONSE is the addresses resolved, without the name (the query counted it)', () => {
    const response = dnsResponse(
      'evil.example.com',
      'A',
      [
        { name: 'evil.example.com', type: 'A', ttl: 60, data: '192.0.2.66' },
        { name: 'evil.example.com', type: 'A', ttl: 60, data: '192.0.2.67' },
      ],
      0,
    );
    const frame = dnstapPayload({ ...base, type: 6, responseTimeSec: sec + 1, responseMessage: response });
    assert.deepEqual(decodeDnstapFrame(frame), {
      time: (sec + 1) * 1000,
      point: 'dns',
      client: '127.0.0.2',
      clientPort: 40000,
      addresses: ['192.0.2.66', '192.0.2.67'],
      detail: 'A NOERROR',
    });
  });

  test('no observation: a response without A/AAAA answers, a query without a question, other message types', () => {
    const nx = dnstapPayload({ ...base, type: 6, responseMessage: dnsResponse('gone.test', 'A', [], 3) });
    assert.equal(decodeDnstapFrame(nx), null);
    assert.equal(decodeDnstapFrame(dnstapPayload({ ...base, type: 5, queryMessage: Buffer.alloc(12) })), null);
    for (const type of [1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 13, 14]) {
      const message = type % 2 ? { queryMessage: dnsQuery('x.test') } : { responseMessage: dnsQuery('x.test') };
      assert.equal(decodeDnstapFrame(dnstapPayload({ ...base, type, ...message })), null, `type ${type}`);
      // Not read further, so not a dead letter either: no time, a bad address, an unreadable DNS message.
      const odd = {
        type,
        queryAddress: new Uint8Array(5),
        queryMessage: Buffer.alloc(3),
        responseMessage: Buffer.alloc(3),
      };
      assert.equal(decodeDnstapFrame(dnstapPayload(odd)), null, `odd type ${type}`);
    }
  });

  test('a client port left out stays out; a frame that cannot be read is a reason', () => {
    const noPort = dnstapPayload({ ...base, queryPort: undefined, type: 5, queryMessage: dnsQuery('x.test') });
    const o = decodeDnstapFrame(noPort);
    assert.ok(o && typeof o === 'object' && !('clientPort' in o));
    assert.match(decodeDnstapFrame(Uint8Array.of(1, 2, 3)) as string, /protobuf unreadable/);
    assert.match(
      decodeDnstapFrame(dnstapPayload({ ...base, type: 6 })) as string,
      /CLIENT_RESPONSE without response_message/,
    );
    assert.match(
      decodeDnstapFrame(dnstapPayload({ ...base, type: 5, queryMessage: Buffer.alloc(3) })) as string,
      /^CLIENT_QUERY: DNS message of 3 bytes/,
    );
  });

  test('decodeDnstapFrame is dnstapObservation(decodeDnstapMessage()) on the Unbound fixture and a generated stream', () => {
    const count = (frames: Uint8Array[]): number => {
      let observations = 0;
      for (const frame of frames) {
        const fast = decodeDnstapFrame(frame);
        assert.deepEqual(fast, dnstapObservation(decodeDnstapMessage(frame)));
        assert.notEqual(typeof fast, 'string');
        if (fast !== null) observations++;
      }
      return observations;
    };
    // The fixture's 16 queries, and 10 of its responses: the NXDOMAIN, HTTPS, MX, TXT, TYPE65534 and
    // A-for-an-AAAA-only-name responses have no A/AAAA answer (fixtures/README.md).
    assert.equal(count(fixtureFrames()), 16 + 10);
    const generated = dnstapStream({ messages: 300, names: ['www.example.com', 'b.example.org'] });
    const answered = generated.pairs.filter((p) => p.answers.length > 0).length;
    assert.ok(answered > 100 && answered < 150);
    assert.equal(count(framesOf(generated.stream)), 150 + answered);
    assert.equal(dnstapObservation('a reason'), 'a reason');
  });
});
