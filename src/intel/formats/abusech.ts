// Pieces shared by the abuse.ch feed formats (URLhaus, ThreatFox, Feodo Tracker): their time stamps, their
// "no value" and tag conventions, sniffing helpers and a streaming reader for their JSON exports. Their
// one-record-per-line CSV (with its `#` comment headers) is read by abusech-csv.ts.
// Not a format itself; urlhaus.ts, threatfox-*.ts, feodo-*.ts and spamhaus-drop.ts import it.

import Assembler from 'stream-json/core/assembler.js';
import { jsonParser, type Token } from 'stream-json/core/parser.js';

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** `2026-11-20 13:45:12` or `2026-11-20` (abuse.ch writes UTC without saying so) → ISO 8601, or undefined if invalid. */
export function abuseChTime(text: string): string | undefined {
  const n = text.length;
  if (n !== 19 && n !== 10) return undefined;
  if (text.charCodeAt(4) !== 0x2d || text.charCodeAt(7) !== 0x2d) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  let hour = 0;
  let minute = 0;
  let second = 0;
  if (n === 19) {
    if (text.charCodeAt(10) !== 0x20 || text.charCodeAt(13) !== 0x3a || text.charCodeAt(16) !== 0x3a) return undefined;
    hour = digits(text, 11, 2);
    minute = digits(text, 14, 2);
    second = digits(text, 17, 2);
  }
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59) {
    return undefined;
  }
  if (second < 0 || second > 59 || day > daysInMonth(year, month)) return undefined;
  // Built from the checked digits, not through Date: this runs once or twice per row of million-row feeds.
  return n === 19 ? `${text.slice(0, 10)}T${text.slice(11)}.000Z` : `${text}T00:00:00.000Z`;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const c = text.charCodeAt(i);
    if (c < DIGIT_0 || c > DIGIT_9) return -1;
    value = value * 10 + (c - DIGIT_0);
  }
  return value;
}

/** The fields that abuse.ch writes for "no value": empty, `None` (ThreatFox, URLhaus tags) or JSON null. */
export function present(value: unknown): value is string | number | boolean {
  return value !== null && value !== undefined && value !== '' && value !== 'None';
}

/** `a,b, c` → [`a`, `b`, `c`]; undefined when there are none. */
export function splitTags(value: unknown): string[] | undefined {
  if (!present(value) || typeof value !== 'string') return undefined;
  const tags: string[] = [];
  for (const part of value.split(',')) {
    const tag = part.trim();
    if (tag !== '' && tag !== 'None') tags.push(tag);
  }
  return tags.length > 0 ? tags : undefined;
}

/** The text of the first bytes, without a BOM and leading blanks, for `sniff`. */
export function headText(head: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(head.subarray(0, 4096)).trimStart();
}

/** The first line of `text` that is neither blank nor a comment starting with `comment`. */
export function firstDataLine(text: string, comment: string): string | undefined {
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed !== '' && !trimmed.startsWith(comment)) return trimmed;
  }
  return undefined;
}

// ---- streaming JSON exports ------------------------------------------------------------------------------------

/** One element read from a JSON export, or why the document cannot be read on (then nothing follows). */
export type JsonItem =
  | { kind: 'item'; key: string | number; index: number; value: unknown; text: string }
  | { kind: 'misplaced'; key: string | number; value: unknown; text: string; expected: string }
  | { kind: 'fatal'; reason: string; text: string; offset: number };

/**
 * The layout of the export: `array` is `[ {…}, {…} ]` (Feodo Tracker), keyed by index; `object-of-arrays` is
 * `{ "id": [ {…} ], … }` (ThreatFox), keyed by the object's keys.
 */
export type JsonLayout = 'array' | 'object-of-arrays';

const NONE = Symbol.for('object-stream.none'); // stream-chain's `none`, what the parser returns for "no tokens"

type Many = { values: Token[] };

/**
 * Streams the elements of a JSON export with stream-json's tokenizer and assembler, without reading the whole
 * document: memory holds one chunk and one element.
 *
 * An element's `text` (the record's `raw`) is the element written back as compact JSON, not its original bytes:
 * cutting the input at each element's braces to keep the original text measured 3–4× slower (the tokenizer's
 * per-call cost), and the compact form carries the same data for the dead-letter store and replay.
 */
export async function* readJsonExport(input: AsyncIterable<Uint8Array>, layout: JsonLayout): AsyncIterable<JsonItem> {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const parse = jsonParser({ streamValues: false });
  const assembler = new Assembler();
  const recordLevel = layout === 'array' ? 1 : 2;
  const topExpected = layout === 'array' ? 'startArray' : 'startObject';
  let depth = 0; // containers open outside the element being assembled
  let key: string | number = 0; // the current key of the top-level object (ThreatFox id)
  let index = 0; // the index of the next element in the record-level array
  let assembling: 'item' | 'misplaced' | undefined;
  let offset = 0;
  let seenTop = false;
  let topDone = false;
  let last = ''; // the end of the text read so far, for fatal errors

  function* tokens(chunk: string): Generator<JsonItem> {
    let out: unknown;
    try {
      out = parse(chunk);
    } catch (error) {
      const reason = `not valid JSON after character ${offset}: ${(error as Error).message}`;
      yield { kind: 'fatal', reason, text: (last + chunk).slice(-256), offset };
      return;
    }
    offset += chunk.length;
    last = chunk.slice(-256);
    if (out === NONE || out === undefined) return;
    for (const token of (out as Many).values) {
      if (assembling) {
        assembler.consume(token);
        if (assembler.done) yield finish(assembler.current);
        continue;
      }
      const name = token.name;
      if (name === 'endObject' || name === 'endArray') {
        if (--depth === 0) topDone = true;
        continue;
      }
      if (depth === 0) {
        if (name !== topExpected) {
          const wanted = layout === 'array' ? 'an array' : 'an object';
          yield { kind: 'fatal', reason: `the document is ${describe(name)}, expected ${wanted}`, text: last, offset };
          return;
        }
        seenTop = true;
        depth = 1;
        continue;
      }
      if (name === 'keyValue') {
        if (depth === 1) key = token.value;
        continue;
      }
      // a value starts at `depth`
      if (depth === 1 && layout === 'object-of-arrays') {
        // the value of an id: an array of records expected
        if (name === 'startArray') {
          depth = 2;
          index = 0;
          continue;
        }
        assembling = 'misplaced';
      } else if (depth === recordLevel) {
        assembling = 'item';
      } else {
        continue; // cannot happen: deeper values are assembled with their element
      }
      assembler.consume(token);
      if (assembler.done) yield finish(assembler.current); // a scalar element
    }
  }

  function finish(value: unknown): JsonItem {
    const kind = assembling;
    assembling = undefined;
    const text = JSON.stringify(value) ?? '';
    if (kind === 'misplaced') return { kind: 'misplaced', key, value, text, expected: 'an array of records' };
    const item: JsonItem = { kind: 'item', key: layout === 'array' ? index : key, index, value, text };
    index++;
    return item;
  }

  for await (const bytes of input) {
    const chunk = decoder.decode(bytes, { stream: true });
    if (chunk === '') continue;
    for (const item of tokens(chunk)) {
      yield item;
      if (item.kind === 'fatal') return;
    }
  }
  const tail = decoder.decode();
  if (tail !== '') {
    for (const item of tokens(tail)) {
      yield item;
      if (item.kind === 'fatal') return;
    }
  }
  if (!seenTop) {
    yield { kind: 'fatal', reason: 'the input holds no JSON document (empty or blank)', text: '', offset };
  } else if (!topDone) {
    const reason = 'the JSON document ends before it is closed: the download is truncated';
    yield { kind: 'fatal', reason, text: last, offset };
  }
}

function describe(token: string): string {
  switch (token) {
    case 'startObject':
      return 'an object';
    case 'startArray':
      return 'an array';
    case 'stringValue':
      return 'a string';
    case 'numberValue':
      return 'a number';
    case 'nullValue':
      return 'null';
    default:
      return 'a boolean';
  }
}

/** The JSON type of a field value, for reasons. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
