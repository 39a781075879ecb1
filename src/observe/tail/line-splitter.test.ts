import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineSplitter, type LinePiece } from './line-splitter.js';

/** Everything the splitter makes of `input` fed in `size`-byte chunks, flushing after each chunk when asked. */
function split(input: string, size: number, maxBatch: number, maxLine: number, flushEach = false): LinePiece[] {
  const splitter = new LineSplitter(maxBatch, maxLine);
  const bytes = Buffer.from(input);
  const out: LinePiece[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    // A copy per chunk, as the file reader gives: the splitter may keep subarrays of it.
    out.push(...splitter.push(Buffer.from(bytes.subarray(i, i + size))));
    if (flushEach) out.push(...splitter.flush());
  }
  out.push(...splitter.finish());
  return out;
}

const text = (pieces: LinePiece[]) => pieces.map((p) => p.data.toString()).join('');

test('batches hold whole lines only, at most maxBatchBytes, whatever the chunk size', () => {
  const input = Array.from({ length: 50 }, (_, i) => `line ${i}${'.'.repeat(i % 13)}\r\n`).join('');
  for (const size of [1, 2, 7, 64, input.length]) {
    const pieces = split(input, size, 40, 1000);
    assert.equal(text(pieces), input, `chunks of ${size}: every byte once, in order, CRLF kept`);
    for (const piece of pieces) {
      assert.ok(piece.data.length <= 40, 'within maxBatchBytes');
      assert.equal(piece.data[piece.data.length - 1], 0x0a);
      assert.equal(piece.data.toString().split('\n').length - 1, piece.lines);
      assert.equal(piece.bytes, piece.data.length);
    }
    assert.equal(
      pieces.reduce((n, p) => n + p.lines, 0),
      50,
    );
  }
});

test('a line longer than the batch limit but within maxLineBytes goes alone in one batch, whole', () => {
  const long = `${'a'.repeat(100)}\n`;
  const pieces = split(`x\n${long}y\n`, 7, 20, 200);
  assert.deepEqual(
    pieces.map((p) => p.data.toString()),
    ['x\n', long, 'y\n'],
  );
  assert.ok(pieces.every((p) => !p.overLong));
});

test('an over-long line is cut to maxLineBytes, flagged, counted in full, and keeps its place', () => {
  const long = 'L'.repeat(1000);
  for (const size of [3, 64, 5000]) {
    const pieces = split(`a\nb\n${long}\r\nc\n`, size, 1000, 100);
    assert.deepEqual(
      pieces.map((p) => [p.data.toString(), p.lines, p.bytes, p.overLong]),
      [
        ['a\nb\n', 2, 4, false],
        [`${'L'.repeat(100)}\n`, 1, 1002, true],
        ['c\n', 1, 2, false],
      ],
      `chunks of ${size}`,
    );
  }
});

test('a line of exactly maxLineBytes is not over-long', () => {
  const pieces = split(`${'m'.repeat(10)}\n`, 4, 100, 10);
  assert.equal(pieces.length, 1);
  assert.equal(pieces[0]!.overLong, false);
  assert.equal(pieces[0]!.data.toString(), `${'m'.repeat(10)}\n`);
});

test('a partial line is held until its end arrives; flush leaves it, finish hands it over with a newline', () => {
  const splitter = new LineSplitter(1000, 1000);
  assert.deepEqual(splitter.push(Buffer.from('one\ntw')), []);
  assert.deepEqual(
    splitter.flush().map((p) => p.data.toString()),
    ['one\n'],
  );
  assert.equal(splitter.heldBytes, 2);
  assert.deepEqual(splitter.flush(), []);
  splitter.push(Buffer.from('o\nthr'));
  const flushed = splitter.flush();
  assert.deepEqual(
    flushed.map((p) => p.data.toString()),
    ['two\n'],
  );
  const finished = splitter.finish();
  assert.deepEqual(
    finished.map((p) => [p.data.toString(), p.bytes, p.unterminated]),
    [['thr\n', 3, true]],
  );
  assert.equal(splitter.heldBytes, 0);
});

test('an over-long final line without a newline is cut and flagged at finish', () => {
  const pieces = split(`ok\n${'z'.repeat(50)}`, 8, 100, 10, true);
  assert.deepEqual(
    pieces.map((p) => [p.data.toString(), p.bytes, p.overLong, p.unterminated]),
    [
      ['ok\n', 3, false, false],
      [`${'z'.repeat(10)}\n`, 50, true, true],
    ],
  );
});

test('reset forgets held lines and the partial line', () => {
  const splitter = new LineSplitter(1000, 1000);
  splitter.push(Buffer.from('held\npart'));
  splitter.reset();
  assert.equal(splitter.heldBytes, 0);
  assert.deepEqual(
    splitter
      .push(Buffer.from('new\n'))
      .concat(splitter.flush())
      .map((p) => p.data.toString()),
    ['new\n'],
  );
});

test('limits must be positive', () => {
  assert.throws(() => new LineSplitter(0, 10), RangeError);
  assert.throws(() => new LineSplitter(10, -1), RangeError);
});

/** A seeded generator (mulberry32), so that a failing case can be run again. */
function random(seed: number): (below: number) => number {
  let state = seed >>> 0;
  return (below) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * below);
  };
}

type Expected = Omit<LinePiece, 'data'> & { data: string };

/** A call made on the splitter: push() of the input up to `end`, or flush(). finish() comes after them all. */
type Call = { push: true; end: number } | { push: false };

/**
 * What each call must hand out, worked out line by line from the definition, with no chunks or subarrays: a line
 * is dealt with by the push() that brings its '\n', and a final line without one by finish().
 */
function reference(input: Buffer, maxBatch: number, maxLine: number, calls: Call[]): Expected[][] {
  const text = input.toString('latin1');
  let batch = '';
  let lines = 0;
  let out: Expected[] = [];
  const flush = () => {
    if (lines > 0) out.push({ data: batch, lines, bytes: batch.length, overLong: false, unterminated: false });
    batch = '';
    lines = 0;
  };
  const alone = (content: string, bytes: number, unterminated: boolean) => {
    flush();
    const overLong = content.length > maxLine;
    out.push({ data: `${content.slice(0, maxLine)}\n`, lines: 1, bytes, overLong, unterminated });
  };
  const results: Expected[][] = [];
  let start = 0;
  for (const call of calls) {
    out = [];
    if (!call.push) flush();
    while (call.push) {
      const newline = text.indexOf('\n', start);
      if (newline === -1 || newline >= call.end) break;
      const end = newline + 1;
      if (newline - start > maxLine) {
        alone(text.slice(start, newline), end - start, false);
      } else {
        if (lines > 0 && batch.length + (end - start) > maxBatch) flush();
        batch += text.slice(start, end);
        lines += 1;
        if (batch.length >= maxBatch) flush();
      }
      start = end;
    }
    results.push(out);
  }
  out = [];
  flush();
  if (start < text.length) alone(text.slice(start), text.length - start, true);
  results.push(out);
  return results;
}

/** Lines of every kind around the limits: empty, short, exactly maxLineBytes, over it, CR LF, no final '\n'. */
function randomInput(next: (below: number) => number, maxLine: number): Buffer {
  const parts: string[] = [];
  const count = next(40);
  for (let i = 0; i < count; i++) {
    const lengths = [0, maxLine, maxLine + 1, maxLine + 2 + next(3 * maxLine), 1 + next(maxLine), 1 + next(maxLine)];
    const length = lengths[next(lengths.length)]!;
    let line = '';
    // Bytes above 0x7f too: the splitter works on bytes, not characters.
    for (let j = 0; j < length; j++) line += String.fromCharCode(next(4) === 0 ? 0xe9 : 0x61 + next(26));
    parts.push(line, next(3) === 0 ? '\r\n' : '\n');
  }
  if (count > 0 && next(3) === 0) parts.pop();
  return Buffer.from(parts.join(''), 'latin1');
}

test('random lines in random chunks come out as the line-by-line reference says, from the same calls', () => {
  const limits = [
    [1, 1],
    [3, 5],
    [16, 8],
    [40, 100],
    [64, 16],
    [1000, 10],
  ] as const;
  for (let seed = 1; seed <= 300; seed++) {
    const next = random(seed);
    for (const [maxBatch, maxLine] of limits) {
      const input = randomInput(next, maxLine);
      // Chunk sizes from one byte to more than the whole input, fresh copies or subarrays of one buffer.
      const largest = [1, 4, maxLine + 2, input.length + 2][next(4)]!;
      const copy = next(2) === 0;
      const flushes = next(3) === 0;
      const splitter = new LineSplitter(maxBatch, maxLine);
      const calls: Call[] = [];
      const results: LinePiece[][] = [];
      let handedOver = 0;
      const take = (pieces: LinePiece[]) => {
        results.push(pieces);
        handedOver += pieces.reduce((n, p) => n + p.bytes, 0);
      };
      const where = `seed ${seed}, limits ${maxBatch}/${maxLine}, chunks up to ${largest}, flushes ${flushes}`;
      for (let at = 0; at < input.length;) {
        const end = Math.min(input.length, at + 1 + next(largest));
        const chunk = input.subarray(at, end);
        take(splitter.push(copy ? Buffer.from(chunk) : chunk));
        calls.push({ push: true, end });
        if (flushes && next(2) === 0) {
          take(splitter.flush());
          calls.push({ push: false });
        }
        at = end;
        assert.equal(splitter.heldBytes, at - handedOver, `${where}: heldBytes`);
      }
      take(splitter.finish());
      assert.equal(splitter.heldBytes, 0);
      assert.equal(handedOver, input.length, `${where}: every input byte accounted for`);
      assert.deepEqual(
        results.map((pieces) => pieces.map((p) => ({ ...p, data: p.data.toString('latin1') }))),
        reference(input, maxBatch, maxLine, calls),
        where,
      );
    }
  }
});
