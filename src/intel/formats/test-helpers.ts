// What the format tests share: reading a fixture, feeding bytes in chunks (7-byte chunks test that a format
// does not care where the input is cut), draining a parse, and telling records from Rejecteds.
// For tests only; not named *.test.ts, so the test runner does not run it on its own.

import { readFileSync } from 'node:fs';
import { isRejected, type Format, type ParseContext, type Rejected } from '../../domain/format.js';
import type { ClaimRecord } from '../claim-record.js';

export type Parsed = ClaimRecord | Rejected;

/** The bytes of a file under ./fixtures/: `fixture('urlhaus/csv_recent.csv')`. */
export function fixture(path: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`./fixtures/${path}`, import.meta.url)));
}

/** `bytes` as a stream of `size`-byte chunks (one chunk by default). */
export async function* chunks(bytes: Uint8Array, size = bytes.length || 1): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** Everything `format` yields for `bytes` fed in `size`-byte chunks, in order. */
export async function parseAll(
  format: Format<ClaimRecord>,
  bytes: Uint8Array,
  ctx: ParseContext,
  size?: number,
): Promise<Parsed[]> {
  const out: Parsed[] = [];
  for await (const r of format.parse(chunks(bytes, size), ctx)) out.push(r);
  return out;
}

/** The records of a parse, without the Rejecteds. */
export const records = (out: Parsed[]): ClaimRecord[] => out.filter((r): r is ClaimRecord => !isRejected(r));

/** The Rejecteds of a parse. */
export const rejected = (out: Parsed[]): Rejected[] => out.filter(isRejected);

/** How many records and Rejecteds `format` yields for `input`, without keeping them (for the large generated inputs). */
export async function tally(
  format: Format<ClaimRecord>,
  input: AsyncIterable<Uint8Array>,
  ctx: ParseContext,
): Promise<{ records: number; rejected: number }> {
  let records = 0;
  let rejected = 0;
  for await (const r of format.parse(input, ctx)) {
    if (isRejected(r)) rejected++;
    else records++;
  }
  return { records, rejected };
}
