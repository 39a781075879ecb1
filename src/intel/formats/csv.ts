// Generic CSV (and TSV, semicolon-separated, …) with a column mapping from the source's config: a partner's export,
// a feed without a format of its own, or a known feed read column by column (Feodo Tracker's ipblocklist.csv). Quoting
// and escaping are csv-parse's; this file frames lines (for positions and raw bytes) and maps fields to a ClaimRecord.

import type { Format, Rejected } from '../../domain/format.js';
import { isCategory, isIndicatorType, type Category, type IndicatorType } from '../../domain/indicator.js';
import type { ClaimRecord } from '../claim-record.js';
import { collectCsvRecords } from './csv-records.js';
import { joinLines, readLines, type Line } from './lines.js';

/** A column: its header name when the file has a header row, else its 0-based index. */
export type CsvColumn = string | number;

export type CsvOptions = {
  columns: {
    value: CsvColumn;
    type?: CsvColumn;
    category?: CsvColumn;
    confidence?: CsvColumn;
    tags?: CsvColumn;
    first_seen?: CsvColumn;
    last_seen?: CsvColumn;
    valid_until?: CsvColumn;
    reference?: CsvColumn;
  };
  /** Field delimiter; default `,`. */
  delimiter?: string;
  /** Quote character; default `"`; `''` for none. */
  quote?: string;
  /** Lines starting with this are comments; default `#`; `''` for none. */
  comment?: string;
  /** Whether the first row names the columns; default true. */
  header?: boolean;
  /** The type of every row (used when no type column is mapped, or its cell is empty). */
  type?: IndicatorType;
  /** Separator inside the tags cell; default `;`. */
  tags_separator?: string;
};

type Field = keyof CsvOptions['columns'];
const FIELDS: Field[] = [
  'value',
  'type',
  'category',
  'confidence',
  'tags',
  'first_seen',
  'last_seen',
  'valid_until',
  'reference',
];

const TIME_FIELDS = [
  ['first_seen', 'firstSeen'],
  ['last_seen', 'lastSeen'],
  ['valid_until', 'validUntil'],
] as const;

/** Lines are handed to csv-parse in batches of this many, so memory stays bounded whatever the file's size. */
const BATCH = 512;
/** A quoted field left open swallows the lines after it; csv-parse gives up (and we reject) past this size. */
const MAX_RECORD_SIZE = 1 << 20;

type Pending = { line: Line; lastParserLine: number };

export function csvFormat(options: CsvOptions): Format<ClaimRecord> {
  const delimiter = options.delimiter ?? ',';
  const quote = options.quote ?? '"';
  const comment = options.comment ?? '#';
  const header = options.header ?? true;
  const tagsSeparator = options.tags_separator ?? ';';
  const mapped = FIELDS.filter((f) => options.columns[f] !== undefined);

  return {
    name: 'csv',
    // Looks at the first row that is not a comment: it must not be markup or JSON, must hold the delimiter (unless only
    // one column is mapped), and with a header row must name every mapped column, which no other feed's file does.
    sniff(head) {
      let text = new TextDecoder('utf-8', { fatal: false }).decode(head);
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const lines = text.split('\n');
      if (lines.length > 1 && !text.endsWith('\n')) lines.pop();
      const first = lines
        .map((l) => l.replace(/\r$/, ''))
        .find((l) => l.trim() !== '' && !(comment && l.startsWith(comment)));
      if (first === undefined) return false;
      const c = first.trimStart().charAt(0);
      if (c === '<' || c === '{' || c === '[') return false;
      const cells = first.split(delimiter).map((cell) => unquote(cell.trim(), quote));
      if (header)
        return mapped.every((f) => {
          const col = options.columns[f]!;
          return typeof col === 'number' ? col < cells.length : cells.includes(col);
        });
      const widest = Math.max(
        ...mapped.map((f) => {
          const col = options.columns[f]!;
          return typeof col === 'number' ? col : 0;
        }),
      );
      return cells.length > widest && (widest > 0 || first.includes(delimiter) || mapped.length === 1);
    },
    async *parse(input, ctx): AsyncIterable<ClaimRecord | Rejected> {
      const prefix = `${ctx.input}:`;
      const named = mapped.filter((f) => typeof options.columns[f] === 'string');
      if (!header && named.length > 0) {
        // Without a header row there are no names to find: a configuration error, said once instead of on every row.
        yield {
          rejected: true,
          reason: `configuration: ${named.map((f) => `${f} is mapped to column "${options.columns[f]}"`).join(', ')}, but with header: false columns are 0-based indexes`,
          position: `${prefix}1`,
          raw: new Uint8Array(0),
        };
        return;
      }
      const { parser, events, failure } = collectCsvRecords(
        {
          delimiter,
          quote: quote === '' ? null : quote,
          escape: quote === '' ? null : quote,
          comment: comment === '' ? null : comment,
          comment_no_infix: comment !== '',
        },
        MAX_RECORD_SIZE,
      );

      // Lines given to csv-parse and not yet matched to a record; csv-parse counts a lone CR as a line too.
      const pending: Pending[] = [];
      let parserLine = 0;
      let batch: string[] = [];
      let index: Map<string, number> | undefined = header ? undefined : new Map();
      let names: string[] = [];
      let done = false;
      // The header travels with every record's raw bytes: a dead letter of one row is then a complete
      // little CSV file, which replays through this same parser once the cause is fixed.
      let headerLines: Line[] = [];
      const withHeader = (lines: Line[]): Line[] => (headerLines.length ? [...headerLines, ...lines] : lines);

      // `pending` is consumed from `head` and compacted now and then (Array.shift is linear on long arrays).
      let head = 0;
      const take = (lastLine: number): Line[] => {
        const lines: Line[] = [];
        while (head < pending.length && pending[head]!.lastParserLine <= lastLine) {
          const { line } = pending[head++]!;
          if (lines.length === 0 && (line.text === '' || (comment !== '' && line.text.startsWith(comment)))) continue;
          lines.push(line);
        }
        if (head > 1024 && head * 2 > pending.length) {
          pending.splice(0, head);
          head = 0;
        }
        return lines;
      };

      const drain = function* (): Generator<ClaimRecord | Rejected> {
        for (let k = 0; k < events.length && !done; k++) {
          const e = events[k]!;
          const lines = take(e.lines);
          if ('error' in e) {
            if (lines.length === 0) continue; // csv-parse reports one broken record more than once
            yield reject(lines, `${e.error.message} (${e.error.code})`);
            continue;
          }
          const lineNumber = lines[0]?.number ?? e.lines;
          if (index === undefined) {
            headerLines = lines;
            names = e.fields.map((f) => f.trim());
            index = new Map();
            names.forEach((name, i) => {
              if (!index!.has(name)) index!.set(name, i);
            });
            const missing = mapped.filter(
              (f) => typeof options.columns[f] === 'string' && !index!.has(options.columns[f] as string),
            );
            if (missing.length > 0) {
              done = true;
              yield {
                rejected: true,
                reason: `header row: ${missing.map((f) => `column "${options.columns[f]}" (mapped to ${f})`).join(', ')} not found; the header has ${names.map((n) => `"${n}"`).join(', ')}`,
                position: prefix + lineNumber,
                raw: joinLines(lines),
              };
            }
            continue;
          }
          yield row(e.fields, lines, lineNumber);
        }
        events.length = 0;
      };

      const reject = (lines: Line[], reason: string): Rejected => ({
        rejected: true,
        reason: `line ${lines[0]!.number}: ${reason}`,
        position: prefix + lines[0]!.number,
        raw: joinLines(withHeader(lines)),
      });

      const columnIndex = (column: CsvColumn): number => (typeof column === 'number' ? column : index!.get(column)!);
      const columnName = (column: CsvColumn): string =>
        typeof column === 'number' ? `column ${column}` : `column "${column}"`;
      let used: Set<number> | undefined;
      /** Each mapped field's column index, -1 when not mapped; resolved once, after the header. */
      let at: Record<Field, number> | undefined;
      const resolveColumns = (): Record<Field, number> => {
        const out = {} as Record<Field, number>;
        for (const f of FIELDS) out[f] = options.columns[f] === undefined ? -1 : columnIndex(options.columns[f]!);
        used = new Set(mapped.map((f) => out[f]));
        return out;
      };
      const dates = new Map<string, string>();

      const row = (fields: string[], lines: Line[], lineNumber: number): ClaimRecord | Rejected => {
        at ??= resolveColumns();
        const bad = (reason: string): Rejected => badRow(prefix, lineNumber, withHeader(lines), reason);
        const cell = (f: Field): string | undefined => cellAt(fields, at![f]);
        const valueColumn = options.columns.value;
        const value = cell('value');
        if (value === undefined) {
          return bad(
            fields.length <= columnIndex(valueColumn)
              ? `${columnName(valueColumn)} (value) is missing: the row has ${fields.length} fields`
              : `${columnName(valueColumn)} (value) is empty`,
          );
        }
        const record: ClaimRecord = { value, position: prefix + lineNumber, raw: joinLines(withHeader(lines)) };
        let type: string | undefined = cell('type');
        if (type !== undefined) {
          type = type.toLowerCase();
          if (!isIndicatorType(type))
            return bad(
              `${columnName(options.columns.type!)} (type) "${type}" is not one of domain, ipv4, ipv6, cidr, url, email, ip-port, md5, sha1, sha256`,
            );
          record.type = type;
        } else if (options.type !== undefined) record.type = options.type;
        const category = cell('category');
        if (category !== undefined) {
          const c = category.toLowerCase();
          if (!isCategory(c))
            return bad(
              `${columnName(options.columns.category!)} (category) "${category}" is not one of c2, malware, phishing, botnet, spam, scanner, blocklist, other`,
            );
          record.category = c as Category;
        }
        const confidence = cell('confidence');
        if (confidence !== undefined) {
          const n = Number(confidence);
          if (!Number.isFinite(n) || n < 0 || n > 100)
            return bad(
              `${columnName(options.columns.confidence!)} (confidence) "${confidence}" is not a number from 0 to 100`,
            );
          record.confidence = n;
        }
        const tags = cell('tags');
        if (tags !== undefined) {
          const list = tags
            .split(tagsSeparator)
            .map((t) => t.trim())
            .filter((t) => t !== '');
          if (list.length > 0) record.tags = list;
        }
        for (const [f, key] of TIME_FIELDS) {
          const text = cell(f);
          if (text === undefined) continue;
          // Feeds repeat their dates (every row of a daily list has the same last_online): convert each once.
          let iso = dates.get(text);
          if (iso === undefined) {
            iso = toIso(text);
            if (iso !== undefined) {
              if (dates.size >= 4096) dates.clear();
              dates.set(text, iso);
            }
          }
          if (iso === undefined)
            return bad(
              `${columnName(options.columns[f]!)} (${f}) "${text}" is not a time (expected ISO 8601, "YYYY-MM-DD HH:MM:SS" in UTC, or Unix seconds)`,
            );
          record[key] = iso;
        }
        const reference = cell('reference');
        if (reference !== undefined) record.reference = reference;
        // Columns not mapped are the feed's own fields: kept under their header names (or index without a header).
        let attributes: Record<string, string> | undefined;
        for (let i = 0; i < fields.length; i++) {
          if (used!.has(i)) continue;
          const v = fields[i]!;
          if (v === '') continue;
          (attributes ??= {})[names[i] ?? String(i)] = v;
        }
        if (attributes) record.attributes = attributes;
        return record;
      };

      const flush = (): void => {
        if (batch.length === 0) return;
        parser.write(batch.join('\n') + '\n');
        batch = [];
      };

      for await (const line of readLines(input)) {
        let crs = 0;
        for (let i = line.text.indexOf('\r'); i !== -1; i = line.text.indexOf('\r', i + 1)) crs++;
        parserLine += 1 + crs;
        pending.push({ line, lastParserLine: parserLine });
        batch.push(line.text);
        if (batch.length >= BATCH) {
          flush();
          yield* drain();
          if (done) return;
        }
      }
      flush();
      await new Promise<void>((resolve) => parser.end(resolve));
      yield* drain();
      if (done) return;
      const stopped = failure();
      if (stopped) {
        const lines = take(Number.MAX_SAFE_INTEGER);
        if (lines.length > 0) yield reject(lines, `CSV could not be read: ${stopped.message}`);
        return;
      }
      // Lines csv-parse did not give back as a record or an error are not dropped silently.
      const left = take(Number.MAX_SAFE_INTEGER);
      if (left.length > 0) yield reject(left, 'not read as a CSV record (unbalanced quotes?)');
    },
  };
}

function cellAt(fields: string[], index: number): string | undefined {
  if (index < 0) return undefined;
  const v = fields[index];
  if (v === undefined) return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

function badRow(prefix: string, lineNumber: number, lines: Line[], reason: string): Rejected {
  return {
    rejected: true,
    reason: `line ${lineNumber}: ${reason}`,
    position: prefix + lineNumber,
    raw: joinLines(lines),
  };
}

function unquote(cell: string, quote: string): string {
  return quote !== '' && cell.length >= 2 && cell.startsWith(quote) && cell.endsWith(quote) ? cell.slice(1, -1) : cell;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?$/;
const ZONED = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * A CSV time as ISO 8601 UTC: ISO 8601 with a zone, a date or date-time without one (taken as UTC, as feeds write
 * them), or Unix seconds / milliseconds. Anything else is undefined, never a guess.
 */
export function toIso(text: string): string | undefined {
  const m = DATE_TIME.exec(text);
  if (m) {
    const [, y, mo, d, h = '00', mi = '00', s = '00', frac = ''] = m;
    const ms = frac ? Math.round(Number(frac) * 1000) : 0;
    const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
    const date = new Date(t);
    // Date.UTC rolls 2026-02-30 over into March: a date that does not exist is not a time.
    if (
      date.getUTCMonth() !== Number(mo) - 1 ||
      date.getUTCDate() !== Number(d) ||
      Number(h) > 23 ||
      Number(mi) > 59 ||
      Number(s) > 59
    )
      return undefined;
    return date.toISOString();
  }
  if (ZONED.test(text)) {
    const t = Date.parse(text.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    return Number.isNaN(t) ? undefined : new Date(t).toISOString();
  }
  if (/^\d{9,10}$/.test(text)) return new Date(Number(text) * 1000).toISOString();
  if (/^\d{12,13}$/.test(text)) return new Date(Number(text)).toISOString();
  return undefined;
}
