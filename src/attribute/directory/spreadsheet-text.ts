// The text of a file exported from a spreadsheet or an old billing system in Japan: UTF-8 with or without a BOM
// (Excel's "CSV UTF-8" writes one), or Shift_JIS (Excel's plain "CSV" on a Japanese Windows, which is really
// CP932: WHATWG's shift_jis decoder includes its NEC and IBM extensions such as ① and ㈱). Nobody says which.

import { isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';

export type SpreadsheetEncoding = 'utf-8' | 'shift_jis' | 'utf-16le' | 'utf-16be';

export type SpreadsheetText = {
  /** The text, with every line break as `\n` and without a BOM. */
  chunks: AsyncIterable<string>;
  /** The encoding found, once the first non-ASCII byte was seen (undefined while the text is all ASCII). */
  encoding(): SpreadsheetEncoding | undefined;
};

/**
 * How many bytes from the first non-ASCII one are checked for UTF-8. Shift_JIS fails UTF-8 within a character or
 * two (its kana and most kanji start with bytes UTF-8 only allows in the middle); a few only pass by chance.
 */
const SNIFF_BYTES = 4096;

/**
 * Decodes as the bytes come, streaming: a BOM decides the encoding; without one, ASCII passes through until the
 * first byte that is not ASCII, and the next few kilobytes from there decide (see looksLikeUtf8).
 * Bytes the encoding cannot read become U+FFFD, for the caller to reject the row that holds them.
 */
export function decodeSpreadsheetText(input: AsyncIterable<Uint8Array | string>): SpreadsheetText {
  let encoding: SpreadsheetEncoding | undefined;
  async function* chunks(): AsyncGenerator<string> {
    let decoder: TextDecoder | undefined;
    let pending: Uint8Array = new Uint8Array(0);
    let atStart = true;
    let heldCr = false;

    // CRLF (Excel) and lone CR (old Mac exports) become LF, also when a CRLF is split between two chunks.
    const lines = (text: string): string => {
      if (heldCr) text = '\r' + text;
      heldCr = text.endsWith('\r');
      if (heldCr) text = text.slice(0, -1);
      return text.replace(/\r\n?/g, '\n');
    };

    const choose = (name: SpreadsheetEncoding): void => {
      encoding = name;
      decoder = new TextDecoder(name);
    };

    /** Text of what can be decided now; leaves undecidable bytes in `pending`. */
    const take = (final: boolean): string => {
      if (decoder) {
        const text = decoder.decode(pending, { stream: !final });
        pending = new Uint8Array(0);
        return text;
      }
      if (atStart) {
        if (pending.length < 3 && !final) return '';
        atStart = false;
        if (pending[0] === 0xef && pending[1] === 0xbb && pending[2] === 0xbf) choose('utf-8');
        else if (pending[0] === 0xff && pending[1] === 0xfe) choose('utf-16le');
        else if (pending[0] === 0xfe && pending[1] === 0xff) choose('utf-16be');
        if (decoder) return take(final);
      }
      const firstNonAscii = pending.findIndex((b) => b >= 0x80);
      if (firstNonAscii === -1) {
        const text = ascii(pending);
        pending = new Uint8Array(0);
        return text;
      }
      if (!final && pending.length - firstNonAscii < SNIFF_BYTES) {
        const text = ascii(pending.subarray(0, firstNonAscii));
        pending = pending.slice(firstNonAscii);
        return text;
      }
      const window = pending.subarray(firstNonAscii, firstNonAscii + SNIFF_BYTES);
      const whole = final && pending.length - firstNonAscii <= SNIFF_BYTES;
      choose(looksLikeUtf8(window, whole) ? 'utf-8' : 'shift_jis');
      return take(final);
    };

    for await (const chunk of input) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      if (bytes.length === 0) continue;
      pending = pending.length === 0 ? bytes : Buffer.concat([pending, bytes]);
      const text = take(false);
      if (text !== '') yield lines(text);
    }
    const rest = lines(take(true)) + (heldCr ? '\n' : '');
    if (rest !== '') yield rest;
  }
  return { chunks: chunks(), encoding: () => encoding };
}

/** ASCII bytes as text, read in place. */
function ascii(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/**
 * Whether bytes are UTF-8 rather than Shift_JIS, by the runs of non-ASCII bytes in them: in UTF-8 every run is
 * whole characters, in Shift_JIS almost none is (a kanji's second byte is often ASCII, a kana's first byte is one
 * UTF-8 only allows inside a character). Weighed by bytes, so a stray byte in a UTF-8 file does not turn it into
 * Shift_JIS (its row is rejected instead), nor a pair of half-width kana that happens to be valid UTF-8 the reverse.
 */
function looksLikeUtf8(bytes: Uint8Array, whole: boolean): boolean {
  let valid = 0;
  let invalid = 0;
  let start = -1;
  for (let i = 0; i <= bytes.length; i++) {
    const high = i < bytes.length && bytes[i]! >= 0x80;
    if (high && start === -1) start = i;
    if (!high && start !== -1) {
      // A run that reaches the end of the window may go on past it: not judged.
      if (i < bytes.length || whole) {
        if (isUtf8(bytes.subarray(start, i))) valid += i - start;
        else invalid += i - start;
      }
      start = -1;
    }
  }
  if (valid === 0 && invalid === 0) return isUtf8(withoutCutSequence(bytes));
  return valid > invalid;
}

/** The bytes without a UTF-8 sequence cut off at their end (the rest of it is in the next chunk). */
function withoutCutSequence(bytes: Uint8Array): Uint8Array {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back]!;
    if (b < 0x80) return bytes;
    if (b >= 0xc0) {
      const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return length > back ? bytes.subarray(0, bytes.length - back) : bytes;
    }
  }
  return bytes;
}
