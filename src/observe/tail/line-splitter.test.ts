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
