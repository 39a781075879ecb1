import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SyslogFramer } from './framing.js';

type Seen = { frames: [string, number][]; errors: [string, number, string][]; maxBuffered: number };

/** Feeds the stream in the given pieces, then ends it; what came out, and the most the framer ever held. */
function frame(chunks: Buffer[], maxMessageBytes?: number): Seen {
  const seen: Seen = { frames: [], errors: [], maxBuffered: 0 };
  const framer = new SyslogFramer(
    {
      onFrame: (bytes, position) => seen.frames.push([bytes.toString('latin1'), position]),
      onError: (reason, position, raw) => seen.errors.push([reason, position, raw.toString('latin1')]),
    },
    maxMessageBytes,
  );
  for (const chunk of chunks) {
    framer.push(chunk);
    seen.maxBuffered = Math.max(seen.maxBuffered, framer.bufferedBytes);
  }
  framer.end();
  return seen;
}

/** The stream cut at every point into two pieces, and into single bytes: each must frame as the whole does. */
function assertSameAtEverySplit(stream: string, maxMessageBytes?: number): Seen {
  const bytes = Buffer.from(stream, 'latin1');
  const whole = frame([bytes], maxMessageBytes);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const split = frame([bytes.subarray(0, cut), bytes.subarray(cut)], maxMessageBytes);
    assert.deepEqual({ ...split, maxBuffered: 0 }, { ...whole, maxBuffered: 0 }, `split at byte ${cut}`);
  }
  const singles = frame(
    [...bytes].map((b) => Buffer.from([b])),
    maxMessageBytes,
  );
  assert.deepEqual({ ...singles, maxBuffered: 0 }, { ...whole, maxBuffered: 0 }, 'one byte at a time');
  return whole;
}

const counted = (msg: string) => `${Buffer.byteLength(msg, 'latin1')} ${msg}`;

test('octet counting and non-transparent framing mixed frame by frame, at every split point', () => {
  const stream = [
    counted('<13>1 - h a - - - counted'),
    counted('<13>1 - h a - - - two\nlines inside a counted frame'),
    '<13>Nov 24 10:00:00 h a: LF\n',
    '<13>Nov 24 10:00:00 h a: CRLF\r\n',
    '<13>Nov 24 10:00:00 h a: NUL\0',
    '\n\r\n', // blank lines between frames
    counted('<13>1 - h a - - - counted, then an LF') + '\n',
    '2026-11-24T10:00:00Z h a: no PRI, starts with digits\n',
    'last without LF',
  ].join('');
  const seen = assertSameAtEverySplit(stream);
  assert.deepEqual(
    seen.frames.map(([f]) => f),
    [
      '<13>1 - h a - - - counted',
      '<13>1 - h a - - - two\nlines inside a counted frame',
      '<13>Nov 24 10:00:00 h a: LF',
      '<13>Nov 24 10:00:00 h a: CRLF',
      '<13>Nov 24 10:00:00 h a: NUL',
      '<13>1 - h a - - - counted, then an LF',
      '2026-11-24T10:00:00Z h a: no PRI, starts with digits',
      'last without LF',
    ],
  );
  assert.deepEqual(seen.errors, []);
  // Positions are where each frame starts in the stream, its octet count included.
  const starts = [0, 28, 81, 109, 140, 172, 213, 266];
  assert.deepEqual(
    seen.frames.map(([, position]) => position),
    starts,
  );
  assert.ok(stream.startsWith('50 <13>1 - h a - - - two', starts[1]));
  assert.ok(stream.startsWith('2026-11-24T10:00:00Z', starts[6]));
});

test('a frame longer than the limit is reported and the stream goes on, at every split point', () => {
  const max = 16;
  const lf = assertSameAtEverySplit('<13>this line is far too long\n<13>ok\n', max);
  assert.deepEqual(
    lf.frames.map(([f]) => f),
    ['<13>ok'],
  );
  assert.equal(lf.errors.length, 1);
  assert.match(lf.errors[0]![0], /message longer than 16 bytes: 29 bytes skipped up to the next line feed/);
  assert.equal(lf.errors[0]![1], 0);
  assert.equal(lf.errors[0]![2], '<13>this line is far too long');

  // A believable count is honoured: the frames after the long one are read as sent, though no LF follows.
  const long = counted('<13>1 - h a - - - this one is too long');
  const byCount = assertSameAtEverySplit(`${counted('<13>first')}${long}${counted('<13>after')}`, max);
  assert.deepEqual(
    byCount.frames.map(([f]) => f),
    ['<13>first', '<13>after'],
  );
  assert.equal(byCount.errors.length, 1);
  assert.match(
    byCount.errors[0]![0],
    /^38-byte frame \(octet count\) longer than 16 bytes: 38 bytes skipped by its count$/,
  );
  assert.equal(byCount.errors[0]![1], counted('<13>first').length);
  assert.equal(byCount.errors[0]![2], long);

  // Exactly at the limit is fine, CR of a CRLF not counted.
  const atLimit = assertSameAtEverySplit(`${'x'.repeat(max)}\r\n${counted('y'.repeat(max))}`, max);
  assert.deepEqual(
    atLimit.frames.map(([f]) => f),
    ['x'.repeat(max), 'y'.repeat(max)],
  );
  assert.deepEqual(atLimit.errors, []);
});

test('a huge octet count is not believed: reported, and read again from the next LF', () => {
  const seen = assertSameAtEverySplit('99999999 garbage that is not a frame\n<13>good\n', 1024);
  assert.deepEqual(
    seen.frames.map(([f]) => f),
    ['<13>good'],
  );
  assert.equal(seen.errors.length, 1);
  assert.match(seen.errors[0]![0], /octet count 99999999 is not believable/);
  // Eleven digits are no octet count at all: the text is a non-transparent frame (which the parser refuses).
  assert.deepEqual(
    frame([Buffer.from('12345678901234 x\n')]).frames.map(([f]) => f),
    ['12345678901234 x'],
  );
});

test('octet count 0, and streams that end inside a frame', () => {
  const zero = frame([Buffer.from('0 <13>x\n')]);
  assert.match(zero.errors[0]![0], /octet count 0/);
  assert.deepEqual(
    zero.frames.map(([f]) => f),
    ['<13>x'],
  );
  const short = frame([Buffer.from('20 <13>short')]);
  assert.deepEqual(short.frames, []);
  assert.deepEqual(short.errors, [['stream ended 11 bytes short of a 20-byte frame', 0, '<13>short']]);
  const inCount = frame([Buffer.from('<13>a\n123')]);
  assert.deepEqual(inCount.errors, [['stream ended inside the octet count "123"', 6, '123']]);
});

test('no LF ever: memory stays bounded and the stream is reported once, at its end', () => {
  const max = 64 * 1024;
  const chunk = Buffer.alloc(4096, 'a');
  const chunks = Array.from({ length: 256 }, () => chunk); // 1 MiB
  const seen = frame(chunks, max);
  assert.deepEqual(seen.frames, []);
  assert.equal(seen.errors.length, 1);
  assert.match(seen.errors[0]![0], /1048576 bytes skipped/);
  assert.equal(seen.errors[0]![2].length, 1024, 'the report keeps the head only');
  assert.ok(seen.maxBuffered <= max + 4096, `held ${seen.maxBuffered} bytes`);
});

test('binary input: no exception, frames within the limit, memory bounded', () => {
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const max = 512;
  for (let run = 0; run < 50; run++) {
    // Bytes biased towards what the framer looks at (digits, space, LF, NUL, CR).
    const special = [0x30, 0x31, 0x39, 0x20, 0x0a, 0x00, 0x0d, 0x3c];
    const bytes = Buffer.from(
      Array.from({ length: 20_000 }, () => (random(3) === 0 ? special[random(special.length)]! : random(256))),
    );
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length;) {
      const n = 1 + random(3000);
      chunks.push(bytes.subarray(i, i + n));
      i += n;
    }
    const seen = frame(chunks, max);
    for (const [f] of seen.frames) assert.ok(f.length > 0 && f.length <= max, `frame of ${f.length} bytes`);
    for (const [, , raw] of seen.errors) assert.ok(raw.length <= 1024);
    assert.ok(seen.maxBuffered <= max + 1024 + 16, `held ${seen.maxBuffered} bytes`);
  }
});
