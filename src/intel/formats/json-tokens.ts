import { jsonParser, type Token } from 'stream-json/core/parser.js';
import type { Rejected } from '../../domain/format.js';
import type { ClaimRecord } from '../claim-record.js';

// stream-chain's end-of-input marker, reached through its registered symbol so that we do not import
// stream-chain (a dependency of stream-json, not of ours).
export const NONE = Symbol.for('object-stream.none');
export type TokenBatch = { values: Token[] };

/** A format's state machine over JSON tokens: it is pushed batches and collects records in `out`. */
export interface TokenWalker {
  out: (ClaimRecord | Rejected)[];
  readonly stopped: boolean;
  readonly started: boolean;
  push(batch: TokenBatch | typeof NONE): void;
  take(): (ClaimRecord | Rejected)[];
  /** The record for JSON that cannot be read past this point. */
  broken(reason: string, lastChunk: Uint8Array): Rejected;
  /** The input ended after `bytes` bytes: emit what an unfinished document means. */
  end(bytes: number): void;
}

/**
 * What every walker shares: collecting records, handing them out, and feeding tokens one by one to the
 * format's own `token` until it stops. A format says only how it reads a token and how it ends.
 */
export abstract class BaseTokenWalker implements TokenWalker {
  out: (ClaimRecord | Rejected)[] = [];
  stopped = false;

  abstract get started(): boolean;
  abstract broken(reason: string, lastChunk: Uint8Array): Rejected;
  abstract end(bytes: number): void;
  protected abstract token(t: Token): void;

  take(): (ClaimRecord | Rejected)[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  push(batch: TokenBatch | typeof NONE): void {
    if (batch === NONE) return;
    for (const token of batch.values) {
      if (this.stopped) return;
      this.token(token);
    }
  }
}

/**
 * Feeds a byte stream through stream-json's tokenizer into a walker and yields its records as they
 * complete, so a JSON document of any size is read with one record in memory at a time.
 */
export async function* walkJsonTokens(
  input: AsyncIterable<Uint8Array>,
  walker: TokenWalker,
): AsyncIterable<ClaimRecord | Rejected> {
  const decoder = new TextDecoder('utf-8'); // drops a BOM; keeps characters split across chunks whole
  const tokenize = jsonParser({ packValues: true, streamValues: false });
  let read = 0;
  let last: Uint8Array = new Uint8Array(0);
  try {
    for await (const chunk of input) {
      read += chunk.length;
      last = chunk;
      const text = decoder.decode(chunk, { stream: true });
      if (text !== '') walker.push(tokenize(text) as TokenBatch | typeof NONE);
      if (walker.out.length > 0) yield* walker.take();
      if (walker.stopped) return;
    }
    const text = decoder.decode();
    if (text !== '') walker.push(tokenize(text) as TokenBatch | typeof NONE);
    // Nothing but whitespace: say "empty" rather than the tokenizer's "expected a value".
    if (walker.started) walker.push(tokenize(NONE as never) as TokenBatch | typeof NONE);
  } catch (error) {
    // The JSON itself is broken (or cut off): nothing after this point can be read.
    yield* walker.take();
    yield walker.broken(`${(error as Error).message} (after byte ${read})`, last);
    return;
  }
  walker.end(read);
  yield* walker.take();
}
