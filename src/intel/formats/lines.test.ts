import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readLines, utf8 } from './lines.js';

async function* chunks(...parts: (string | Uint8Array)[]) {
  for (const p of parts) yield typeof p === 'string' ? utf8(p) : p;
}
async function all(input: AsyncIterable<Uint8Array>) {
  const out: [number, string][] = [];
  for await (const l of readLines(input)) out.push([l.number, l.text]);
  return out;
}

test('lines split across chunks, CRLF, a BOM and a last line without newline', async () => {
  assert.deepEqual(await all(chunks('\ufeffa,b\r\nc', 'd\n\ne', 'f')), [
    [1, 'a,b'],
    [2, 'cd'],
    [3, ''],
    [4, 'ef'],
  ]);
});

test('a multi-byte character split between chunks is decoded whole', async () => {
  const bytes = utf8('水際\n');
  assert.deepEqual(await all(chunks(bytes.subarray(0, 4), bytes.subarray(4))), [[1, '水際']]);
});

test('raw bytes are the line without its ending', async () => {
  for await (const line of readLines(chunks('x\r\n'))) assert.deepEqual([...line.raw], [0x78]);
});
