import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  encodeControlFrame,
  encodeDataFrame,
  encodeFrameStream,
  FrameStreamDecoder,
  MAX_CONTROL_FRAME_BYTES,
  type Frame,
  type FrameStreamError,
} from './frame-streams.js';

const DNSTAP = 'protobuf:dnstap.Dnstap';

/** Frames as comparable values: data as hex, control frames as they are, errors by reason. */
function describeFrame(frame: Frame): unknown {
  if (frame instanceof Uint8Array) return `data:${Buffer.from(frame).toString('hex')}`;
  if (frame.kind === 'control') return { control: frame.type, contentTypes: frame.contentTypes };
  return { error: frame.reason, offset: frame.offset };
}

function decodeChunks(chunks: Uint8Array[], decoder = new FrameStreamDecoder()): unknown[] {
  const out: unknown[] = [];
  for (const chunk of chunks) {
    decoder.push(chunk);
    for (let f = decoder.next(); f !== null; f = decoder.next()) out.push(describeFrame(f));
  }
  const end = decoder.end();
  if (end) out.push(describeFrame(end));
  return out;
}

function u32(...values: number[]): Buffer {
  const out = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => out.writeUInt32BE(v >>> 0, 4 * i));
  return out;
}

/** A varied stream: handshake frames, tiny and large data frames, payloads that start with zero bytes. */
function sampleStream(): { bytes: Buffer; frames: unknown[] } {
  const payloads = [
    Buffer.from([0x0a]),
    Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]), // looks like an escape if misread
    Buffer.from('hello dnstap'),
    Buffer.alloc(300, 0xab),
  ];
  const parts = [
    encodeControlFrame('READY', [DNSTAP, 'other:type']),
    encodeControlFrame('START', [DNSTAP]),
    ...payloads.map(encodeDataFrame),
    encodeControlFrame('STOP'),
  ];
  const frames = [
    { control: 'READY', contentTypes: [DNSTAP, 'other:type'] },
    { control: 'START', contentTypes: [DNSTAP] },
    ...payloads.map((p) => `data:${p.toString('hex')}`),
    { control: 'STOP', contentTypes: [] },
  ];
  return { bytes: Buffer.concat(parts), frames };
}

describe('Frame Streams encoding', () => {
  test('a control frame is the escape, its length, its type and its fields (libfstrm layout)', () => {
    const frame = encodeControlFrame('START', [DNSTAP]);
    assert.deepEqual(frame.subarray(0, 20), u32(0, 4 + 8 + DNSTAP.length, 2, 1, DNSTAP.length));
    assert.equal(frame.subarray(20).toString('latin1'), DNSTAP);
    assert.deepEqual(encodeControlFrame('FINISH'), u32(0, 4, 5));
  });

  test('a data frame is its length and its bytes; a stream is START, data, STOP', () => {
    assert.deepEqual(encodeDataFrame(Buffer.from('ab')), Buffer.from([0, 0, 0, 2, 0x61, 0x62]));
    const stream = encodeFrameStream(DNSTAP, [Buffer.from('x')]);
    assert.deepEqual(decodeChunks([stream]), [
      { control: 'START', contentTypes: [DNSTAP] },
      'data:78',
      { control: 'STOP', contentTypes: [] },
    ]);
  });
});

describe('Frame Streams decoding', () => {
  test('reads the same frames however the stream is split in two, at every byte', () => {
    const { bytes, frames } = sampleStream();
    for (let cut = 0; cut <= bytes.length; cut++) {
      assert.deepEqual(decodeChunks([bytes.subarray(0, cut), bytes.subarray(cut)]), frames, `cut at ${cut}`);
    }
  });

  test('reads the same frames split in three at every pair of points, and fed one byte at a time', () => {
    const stream = Buffer.concat([
      encodeControlFrame('START', [DNSTAP]),
      encodeDataFrame(Buffer.from('abc')),
      encodeDataFrame(Buffer.from([0, 0, 0, 0])),
      encodeControlFrame('STOP'),
    ]);
    const expected = decodeChunks([stream]);
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b++) {
        const got = decodeChunks([stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]);
        assert.deepEqual(got, expected, `cuts at ${a}, ${b}`);
      }
    }
    const { bytes, frames } = sampleStream();
    assert.deepEqual(decodeChunks([...bytes].map((b) => Uint8Array.of(b))), frames);
  });

  test('reads thousands of frames from one chunk, as views into it (no copy)', () => {
    const payloads = Array.from({ length: 5000 }, (_, i) => Buffer.from(`frame ${i}`));
    const chunk = encodeFrameStream(DNSTAP, payloads);
    const decoder = new FrameStreamDecoder();
    decoder.push(chunk);
    const data: Uint8Array[] = [];
    for (let f = decoder.next(); f !== null; f = decoder.next()) if (f instanceof Uint8Array) data.push(f);
    assert.equal(data.length, 5000);
    assert.equal(Buffer.from(data[4321]!).toString(), 'frame 4321');
    assert.ok(
      data.every((f) => f.buffer === chunk.buffer),
      'every frame shares the chunk memory',
    );
    assert.equal(decoder.offset, chunk.length);
    assert.equal(decoder.buffered, 0);
  });

  test('a frame split across chunks is whole once its last byte comes, and counted as buffered before', () => {
    const payload = Buffer.alloc(200_000, 7);
    const stream = encodeDataFrame(payload);
    const decoder = new FrameStreamDecoder();
    const last = stream.length - 1000;
    for (let at = 0; at < last; at += 1000) {
      decoder.push(stream.subarray(at, Math.min(at + 1000, last)));
      assert.equal(decoder.next(), null);
    }
    assert.equal(decoder.buffered, last);
    decoder.push(stream.subarray(last));
    const frame = decoder.next();
    assert.ok(frame instanceof Uint8Array && Buffer.from(frame).equals(payload));
    assert.ok(Buffer.isBuffer(frame), 'a merged frame is a Buffer too');
    assert.equal(decoder.next(), null);
    assert.equal(decoder.buffered, 0);
  });

  test('an empty chunk changes nothing', () => {
    const { bytes, frames } = sampleStream();
    assert.deepEqual(
      decodeChunks([new Uint8Array(0), bytes.subarray(0, 9), new Uint8Array(0), bytes.subarray(9)]),
      frames,
    );
  });
});

describe('Frame Streams decoding of hostile input', () => {
  function firstError(chunks: Uint8Array[], maxDataFrameBytes?: number): FrameStreamError {
    const decoder = new FrameStreamDecoder(maxDataFrameBytes ? { maxDataFrameBytes } : {});
    for (const chunk of chunks) {
      decoder.push(chunk);
      for (let f = decoder.next(); f !== null; f = decoder.next()) {
        if (!(f instanceof Uint8Array) && f.kind === 'error') {
          assert.equal(decoder.next(), null, 'nothing after an error');
          decoder.push(Buffer.from([0, 0, 0, 1, 0]));
          assert.equal(decoder.next(), null, 'a failed decoder ignores more input');
          assert.equal(decoder.error, f);
          return f;
        }
      }
    }
    const end = decoder.end();
    assert.ok(end, 'an error');
    return end;
  }

  test('a data frame longer than the limit fails on its 4-byte header, before any of it is buffered', () => {
    const err = firstError([u32(0xffffffff)]);
    assert.match(err.reason, /data frame of 4294967295 bytes is over the 1048576-byte limit/);
    assert.equal(err.offset, 0);
    assert.deepEqual(Buffer.from(err.raw), u32(0xffffffff));
    assert.match(firstError([u32(101)], 100).reason, /101 bytes is over the 100-byte limit/);
  });

  test('the error says where: the stream offset of the bad frame', () => {
    const good = Buffer.concat([encodeControlFrame('START', [DNSTAP]), encodeDataFrame(Buffer.from('ok'))]);
    const err = firstError([good, u32(0, MAX_CONTROL_FRAME_BYTES + 1)]);
    assert.equal(err.offset, good.length);
    assert.match(err.reason, /control frame of 513 bytes is over the 512-byte limit/);
  });

  test('control frames that are too short, of unknown type or with bad fields are errors', () => {
    const cases: [Buffer, RegExp][] = [
      [u32(0, 0), /control frame of 0 bytes is too short/],
      [u32(0, 3, 0), /control frame of 3 bytes is too short/],
      [u32(0, 4, 9), /unknown type 0x9/],
      [u32(0, 4, 0), /unknown type 0x0/],
      [Buffer.concat([u32(0, 12, 2, 2, 0)]), /unknown field type 0x2/],
      [Buffer.concat([u32(0, 8, 2, 1)]), /4 bytes left, too short for a field header/],
      [Buffer.concat([u32(0, 14, 2, 1, 100), Buffer.from('ab')]), /content type of 100 bytes overruns the frame/],
      [Buffer.concat([u32(0, 12 + 300, 4, 1, 300), Buffer.alloc(300, 0x61)]), /300 bytes is over the 256-byte limit/],
      [
        Buffer.concat([u32(0, 4 + 8 + 1 + 8 + 1, 2, 1, 1), Buffer.from('a'), u32(1, 1), Buffer.from('b')]),
        /START control frame with more than one content type/,
      ],
      [Buffer.concat([u32(0, 4 + 8 + 1, 3, 1, 1), Buffer.from('a')]), /STOP control frame with a content type/],
    ];
    for (const [bytes, reason] of cases) {
      const err = firstError([bytes]);
      assert.match(err.reason, reason, bytes.toString('hex'));
      assert.equal(err.offset, 0);
    }
  });

  test('a stream that ends inside a frame is an error at end(); one that ends between frames is not', () => {
    const stream = encodeFrameStream(DNSTAP, [Buffer.from('abcdef')]);
    const err = firstError([stream.subarray(0, stream.length - 3)]);
    assert.match(err.reason, /stream ended inside a frame \(9 bytes of an incomplete frame\)/);
    const whole = new FrameStreamDecoder();
    whole.push(stream);
    while (whole.next() !== null);
    assert.equal(whole.end(), null);
  });
});
