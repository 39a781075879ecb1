// Plain lists: one indicator per line (Feodo Tracker ipblocklist.txt, Spamhaus DROP, URLhaus text lists, partner
// lists). `#` and `;` start comments, at the start of a line or after whitespace (`192.0.2.0/24 ; SBL123`), so a `#` or
// `;` inside a value (a URL fragment, a URL parameter) is kept. A value with whitespace inside is not one value.

import type { Format, Rejected } from '../../domain/format.js';
import type { IndicatorType } from '../../domain/indicator.js';
import type { ClaimRecord } from '../claim-record.js';
import { readLines } from './lines.js';

export type PlainOptions = {
  /** The type of every value (a list known to hold only IPs, say); without it ingest infers the type per value. */
  type?: IndicatorType;
};

const HASH = 0x23;
const SEMI = 0x3b;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c || c === 0x0d || c === 0xa0 || c === 0xfeff;
}

/** The value of a line: `''` for a blank or comment line, `undefined` when the line holds more than one word. */
export function plainValue(text: string): string | undefined {
  const n = text.length;
  let start = 0;
  while (start < n && isSpace(text.charCodeAt(start))) start++;
  if (start === n) return '';
  const first = text.charCodeAt(start);
  if (first === HASH || first === SEMI) return '';
  let end = start + 1;
  while (end < n && !isSpace(text.charCodeAt(end))) end++;
  let rest = end;
  while (rest < n && isSpace(text.charCodeAt(rest))) rest++;
  if (rest === n) return text.slice(start, end);
  const c = text.charCodeAt(rest);
  return c === HASH || c === SEMI ? text.slice(start, end) : undefined;
}

export function plainFormat(options: PlainOptions = {}): Format<ClaimRecord> {
  const type = options.type;
  return {
    name: 'plain',
    // A plain list is lines of single words (comments aside): an HTML page, a hosts file, a zone file and JSON have
    // several words or markup per line, and a CSV file has the delimiter on every line.
    sniff(head) {
      const lines = headLines(head);
      let values = 0;
      let commas = 0;
      for (const line of lines) {
        const value = plainValue(line);
        if (value === undefined) return false;
        if (value === '') continue;
        const c = value.charCodeAt(0);
        if (c === 0x3c || c === 0x7b || c === 0x5b || c === 0x22) return false; // < { [ ": markup, JSON, quoted CSV
        values++;
        if (value.includes(',')) commas++;
      }
      return values > 0 && commas < values;
    },
    async *parse(input, ctx): AsyncIterable<ClaimRecord | Rejected> {
      const prefix = `${ctx.input}:`;
      for await (const line of readLines(input)) {
        const value = plainValue(line.text);
        if (value === '') continue;
        if (value === undefined) {
          yield {
            rejected: true,
            reason: `line ${line.number}: expected one value per line, found whitespace inside "${line.text.trim()}"`,
            position: prefix + line.number,
            raw: line.raw,
          };
          continue;
        }
        yield type === undefined
          ? { value, position: prefix + line.number, raw: line.raw }
          : { type, value, position: prefix + line.number, raw: line.raw };
      }
    },
  };
}

/** The whole lines of a head: the last one is dropped when the head was cut inside it. */
function headLines(head: Uint8Array): string[] {
  let text = new TextDecoder('utf-8', { fatal: false }).decode(head);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split('\n');
  if (lines.length > 1 && !text.endsWith('\n')) lines.pop();
  return lines;
}
