// Fuzzing the dnstap input with a fixed seed: random bytes, and real frames (Unbound's, the bench
// generator's) with bits flipped, bytes overwritten, cut short, lengthened and spliced, at the Frame
// Streams, protobuf and DNS layers. Whatever comes in, nothing throws, every result is one of the
// documented kinds, and the fast path (decodeDnstapFrame) agrees with the two-step one.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dnstapStream } from '../../../bench/gen/dnstap-stream.js';
import { Random } from '../../../bench/gen/random.js';
import { OBSERVATION_POINTS } from '../../domain/observation.js';
import { encodeControlFrame, encodeDataFrame, FrameStreamDecoder, type Frame } from './frame-streams.js';
import { decodeDnstapMessage, readDnstapEnvelope } from './message.js';
import { decodeDnstapFrame, dnstapObservation } from './observation.js';
import { dnstapPayload, fixtureFrames, framesOf } from './test-frames.js';

const SEED = 20261124;
const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xc0, 0xc0, 0xff, 0x3f, 0x0a, 0x12];

function mutate(rng: Random, input: Uint8Array, donor: Uint8Array): Uint8Array {
  let out: Uint8Array = Uint8Array.from(input);
  const rounds = 1 + rng.int(4);
  for (let r = 0; r < rounds; r++) {
    const at = out.length ? rng.int(out.length) : 0;
    switch (rng.int(7)) {
      case 0: // flip a bit
        if (out.length) out[at] = out[at]! ^ (1 << rng.int(8));
        break;
      case 1: // an interesting byte
        if (out.length) out[at] = rng.pick(INTERESTING);
        break;
      case 2: // cut short
        out = out.slice(0, at);
        break;
      case 3: // random bytes inserted
        out = concat(out.slice(0, at), randomBytes(rng, 1 + rng.int(8)), out.slice(at));
        break;
      case 4: // a region removed
        out = concat(out.slice(0, at), out.slice(at + 1 + rng.int(16)));
        break;
      case 5: // spliced with another frame
        out = concat(out.slice(0, at), donor.slice(rng.int(donor.length + 1)));
        break;
      default: // a region repeated
        out = concat(out.slice(0, at + 1 + rng.int(8)), out.slice(at));
    }
  }
  return out;
}

function randomBytes(rng: Random, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

type Outcomes = { observation: number; none: number; reason: number };

/** Decodes one frame both ways; fails the test on a throw, an undocumented result or a disagreement. */
function check(frame: Uint8Array, outcomes: Outcomes): void {
  let fast: ReturnType<typeof decodeDnstapFrame>;
  let slow: ReturnType<typeof dnstapObservation>;
  try {
    fast = decodeDnstapFrame(frame);
    slow = dnstapObservation(decodeDnstapMessage(frame));
  } catch (err) {
    assert.fail(`threw on ${Buffer.from(frame).toString('hex')}: ${(err as Error).stack}`);
  }
  if (fast === null) outcomes.none++;
  else if (typeof fast === 'string') {
    assert.ok(fast.length > 0);
    outcomes.reason++;
  } else {
    outcomes.observation++;
    assert.ok(Number.isSafeInteger(fast.time), `time ${fast.time}`);
    assert.ok(OBSERVATION_POINTS.includes(fast.point));
    assert.match(fast.client, /^[0-9a-f.:]+$/);
    assert.ok((fast.domain === undefined) !== (fast.addresses === undefined), 'a name or addresses, not both');
    if (fast.addresses) assert.ok(fast.addresses.length > 0 && fast.addresses.every((a) => typeof a === 'string'));
    if (fast.clientPort !== undefined) assert.ok(fast.clientPort >= 0 && fast.clientPort <= 65535);
  }
  // Where both read it, they agree; a reason may be worded by layer, so only its presence is compared.
  if (typeof fast === 'string') assert.equal(typeof slow, 'string', 'both fail');
  else if (fast === null)
    assert.ok(slow === null || typeof slow === 'string', 'the fast path skips what the slow reads');
  else assert.deepEqual(fast, slow);
}

describe('dnstap fuzzing (fixed seed)', () => {
  const corpus = [
    ...fixtureFrames(),
    ...framesOf(dnstapStream({ messages: 200, names: ['www.example.com', 'x.y.example.org'], seed: SEED }).stream),
  ];

  test('50,000 mutated and random protobuf frames: no throw, documented results, both paths agree', () => {
    const rng = new Random(SEED);
    const outcomes: Outcomes = { observation: 0, none: 0, reason: 0 };
    const started = performance.now();
    for (let i = 0; i < 40_000; i++) check(mutate(rng, rng.pick(corpus), rng.pick(corpus)), outcomes);
    for (let i = 0; i < 10_000; i++) check(randomBytes(rng, rng.int(300)), outcomes);
    const ms = performance.now() - started;
    assert.ok(outcomes.observation > 1000 && outcomes.reason > 1000, JSON.stringify(outcomes));
    assert.ok(ms < 15_000, `${ms.toFixed(0)} ms`);
  });

  test('30,000 well-formed dnstap frames around mutated DNS messages reach the DNS reader', () => {
    const rng = new Random(SEED + 1);
    const messages = corpus.map((f) => readDnstapEnvelope(f)).flatMap((e) => (typeof e === 'string' ? [] : [e]));
    const outcomes: Outcomes = { observation: 0, none: 0, reason: 0 };
    for (let i = 0; i < 30_000; i++) {
      const envelope = rng.pick(messages);
      const dns = mutate(rng, envelope.dns!, rng.pick(messages).dns!);
      const type = rng.next() < 0.5 ? 5 : 6;
      const frame = dnstapPayload({
        type,
        queryAddress: Uint8Array.of(10, 0, 0, rng.int(256)),
        queryTimeSec: 1_800_000_000,
        ...(type === 5 ? { queryMessage: dns } : { responseMessage: dns }),
      });
      check(frame, outcomes);
    }
    assert.ok(outcomes.observation > 1000 && outcomes.reason > 1000, JSON.stringify(outcomes));
  });

  test('5,000 mutated Frame Streams in random chunks: no throw, frames or one error, bounded buffering', () => {
    const rng = new Random(SEED + 2);
    const stream = Buffer.concat([
      encodeControlFrame('READY', ['protobuf:dnstap.Dnstap']),
      encodeControlFrame('START', ['protobuf:dnstap.Dnstap']),
      ...corpus.slice(0, 20).map(encodeDataFrame),
      encodeControlFrame('STOP'),
    ]);
    const kinds = { data: 0, control: 0, error: 0 };
    for (let i = 0; i < 5000; i++) {
      const bytes = i % 10 === 0 ? randomBytes(rng, rng.int(400)) : mutate(rng, stream, stream);
      const decoder = new FrameStreamDecoder({ maxDataFrameBytes: 4096 });
      let errors = 0;
      let afterError = 0;
      for (let at = 0; at < bytes.length;) {
        const size = 1 + rng.int(200);
        decoder.push(bytes.subarray(at, at + size));
        at += size;
        for (let f: Frame | null = decoder.next(); f !== null; f = decoder.next()) {
          if (errors) afterError++;
          if (f instanceof Uint8Array) kinds.data++;
          else if (f.kind === 'control') kinds.control++;
          else {
            errors++;
            kinds.error++;
            assert.ok(f.reason && f.offset >= 0 && f.offset <= bytes.length && f.raw.length <= 64);
          }
        }
        assert.ok(decoder.buffered <= 4096 + 8 + 200, `buffered ${decoder.buffered}`);
      }
      if (!errors && decoder.end()) errors++;
      assert.ok(errors <= 1 && afterError === 0);
    }
    assert.ok(kinds.data > 1000 && kinds.control > 1000 && kinds.error > 1000, JSON.stringify(kinds));
  });
});
