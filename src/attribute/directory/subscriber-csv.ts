// A subscriber list exported from a billing system or a spreadsheet: one row per subscriber, a header row naming
// the columns in English or Japanese, in UTF-8 or Shift_JIS. Quoting is csv-parse's; the encoding and the
// meaning of the columns are this file's, and so is saying which row to fix, and how, when one is wrong.

import { parse as csvParse, type CsvError, type InfoRecord } from 'csv-parse';
import type { SubscriberKeyKind } from '../../domain/lease.js';
import {
  ALLOWED_COLUMNS_HELP,
  REQUIRED_FIELDS,
  columnMeaning,
  fieldHelp,
  type ColumnMeaning,
  type SubscriberField,
} from './subscriber-csv-columns.js';
import type { SubscriberKey, SubscriberLocale, SubscriberRecord, SubscriberStatus } from './subscriber-record.js';
import { decodeSpreadsheetText } from './spreadsheet-text.js';
import {
  normaliseKey,
  normaliseSubscriberEmail,
  parseSubscriberLocale,
  parseSubscriberStatus,
  splitKeys,
} from './subscriber-values.js';

/**
 * `row` is the line of the file the row begins on, the header being row 1: the row number a spreadsheet shows,
 * unless a cell above holds a line break.
 */
export type SubscriberCsvItem =
  { record: SubscriberRecord; row: number } | { rejected: true; row: number; reason: string; raw: string };

/** The header row cannot be read, so no row can: said once, before any row, instead of on every one. */
export class SubscriberCsvHeaderError extends Error {
  override readonly name = 'SubscriberCsvHeaderError';
}

/** A cell left open by a stray quote swallows the rows after it; past this size it is rejected, not kept reading. */
const MAX_RECORD_SIZE = 1 << 20;

type ParsedRow = { fields: string[]; row: number; raw: string } | { error: CsvError; row: number; raw: string };

/**
 * Reads a subscriber CSV as it streams in. A row that is wrong is rejected with its row, column, what is wrong
 * and how to fix it, and the rows after it go on; an ID or key that a row above already claimed is wrong too,
 * since attributing an address to the wrong person is worse than to nobody. A header that cannot be read throws
 * a SubscriberCsvHeaderError before any row.
 */
export async function* parseSubscriberCsv(input: AsyncIterable<Buffer | string>): AsyncIterable<SubscriberCsvItem> {
  const text = decodeSpreadsheetText(input);
  const chunks = text.chunks[Symbol.asyncIterator]();

  // The delimiter is chosen from the header line: a tab-separated file ("Unicode text" from Excel) has no commas there.
  let head = '';
  let ended = false;
  while (!head.includes('\n') && head.length < MAX_RECORD_SIZE) {
    const next = await chunks.next();
    if (next.done) {
      ended = true;
      break;
    }
    head += next.value;
  }
  const headerLine = head.slice(0, head.indexOf('\n') === -1 ? head.length : head.indexOf('\n'));
  const delimiter = headerLine.includes('\t') && !headerLine.includes(',') ? '\t' : ',';

  const parsed: ParsedRow[] = [];
  const parser = csvParse({
    delimiter,
    record_delimiter: '\n',
    raw: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_SIZE,
    // Rows are taken here, in order with the errors and synchronously with each write, not through the stream.
    // With `raw`, each row comes as its fields and the text they were read from.
    on_record: (row: string[], info: InfoRecord) => {
      const { record, raw: rawText } = row as unknown as { record: string[]; raw: string };
      const raw = trimLineBreaks(rawText);
      parsed.push({ fields: record, raw, row: firstLine(info.lines, raw) });
      return null;
    },
    on_skip: (error: CsvError | undefined, rawText: string | undefined) => {
      if (!error) return undefined;
      const raw = trimLineBreaks(rawText ?? '');
      const lines = (error as unknown as { lines?: number }).lines ?? 0;
      parsed.push({ error, raw, row: firstLine(lines, raw) });
      return undefined;
    },
  });
  let failure: Error | undefined;
  parser.on('error', (error: Error) => (failure = error));
  parser.resume();

  const rows = new SubscriberRows(text.encoding);
  let lastRow = 0;
  let stopped = false;
  const drain = function* (): Generator<SubscriberCsvItem> {
    for (const p of parsed) {
      if (stopped) break;
      if ('error' in p) {
        // csv-parse can report one broken row more than once.
        if (p.row <= lastRow) continue;
        lastRow = p.row;
        const tooLong = p.error.code === 'CSV_MAX_RECORD_SIZE';
        if (tooLong) stopped = true;
        if (!rows.hasHeader()) throw new SubscriberCsvHeaderError(`row ${p.row}: the header row ${brokenRow(p.error)}`);
        yield {
          rejected: true,
          row: p.row,
          raw: p.raw,
          reason: tooLong
            ? `row ${p.row}: this row ${brokenRow(p.error)}; the rows after it were not read: fix this row and import the file again`
            : `row ${p.row}: this row ${brokenRow(p.error)}`,
        };
        continue;
      }
      lastRow = p.row;
      const item = rows.take(p.fields, p.row, p.raw);
      if (item) yield item;
    }
    parsed.length = 0;
  };

  // With no reader on its output side, csv-parse only holds back input while it works through what it has.
  const write = (chunk: string): Promise<void> =>
    parser.write(chunk) || failure ? Promise.resolve() : new Promise((resolve) => parser.once('drain', resolve));

  try {
    if (head !== '') await write(head);
    yield* drain();
    while (!ended && !stopped && !failure) {
      const next = await chunks.next();
      if (next.done) break;
      await write(next.value);
      yield* drain();
    }
    if (!stopped && !failure) await new Promise<void>((resolve) => parser.end(resolve));
    yield* drain();
    if (failure && !stopped) throw new Error(`the CSV could not be read after row ${lastRow}: ${failure.message}`);
    if (!rows.hasHeader())
      throw new SubscriberCsvHeaderError(
        `the file is empty: it needs a header row naming the columns (${ALLOWED_COLUMNS_HELP})`,
      );
  } finally {
    // Stopping early (a header error, a row too long, a caller that breaks off) closes the input too.
    if (!ended) await chunks.return?.();
  }
}

/** The row state of one file: the header's column meanings, and the IDs and keys rows above have claimed. */
class SubscriberRows {
  private headers: string[] | undefined;
  private meanings: (ColumnMeaning | undefined)[] = [];
  private readonly idRows = new Map<string, number>();
  private readonly keyOwners = new Map<string, { id: string; row: number }>();

  constructor(private readonly encoding: () => string | undefined) {}

  hasHeader(): boolean {
    return this.headers !== undefined;
  }

  take(fields: string[], row: number, raw: string): SubscriberCsvItem | undefined {
    const cells = fields.map((f) => f.trim());
    // Spreadsheets export formatted but empty rows as a line of commas: they say nothing.
    if (cells.every((c) => c === '')) return undefined;
    if (this.headers === undefined) {
      this.readHeader(cells, row);
      return undefined;
    }
    return this.record(cells, row, raw);
  }

  private readHeader(cells: string[], row: number): void {
    const headers = cells.map((c) => c.replace(/^\ufeff/, ''));
    const meanings = headers.map((h) => (h === '' ? undefined : columnMeaning(h)));
    const problems: string[] = [];
    const unknown = headers.filter((h, i) => h !== '' && meanings[i] === undefined);
    if (unknown.length > 0) {
      problems.push(
        `the header has ${unknown.length === 1 ? 'a column' : 'columns'} this import does not know: ${unknown.map((h) => `"${h}"`).join(', ')}; rename or delete ${unknown.length === 1 ? 'it' : 'them'}. The columns it knows are ${ALLOWED_COLUMNS_HELP}`,
      );
      if (meanings.every((m) => m === undefined))
        problems.push('if the first row is a subscriber rather than column names, add a header row above it');
    }
    const seen = new Map<SubscriberField, string>();
    headers.forEach((h, i) => {
      const m = meanings[i];
      if (!m || !('field' in m)) return;
      const earlier = seen.get(m.field);
      if (earlier !== undefined)
        problems.push(`columns "${earlier}" and "${h}" both hold ${fieldHelp(m.field)}; keep one of them`);
      else seen.set(m.field, h);
    });
    if (unknown.length === 0 || meanings.some((m) => m !== undefined))
      for (const field of REQUIRED_FIELDS)
        if (!seen.has(field))
          problems.push(`the header has no ${fieldHelp(field)} column, which every subscriber needs`);
    if (problems.length > 0) throw new SubscriberCsvHeaderError(`row ${row}: ${problems.join('; ')}`);
    this.headers = headers;
    this.meanings = meanings;
  }

  private record(cells: string[], row: number, raw: string): SubscriberCsvItem {
    const headers = this.headers!;
    const problems: string[] = [];
    const column = (i: number): string => `column "${headers[i]}"`;
    if (cells.some((c) => c.includes('\ufffd'))) {
      const encoding = this.encoding() ?? 'UTF-8';
      problems.push(
        `the row holds bytes that are not ${encoding === 'shift_jis' ? 'Shift_JIS' : encoding.toUpperCase()} text (shown as \ufffd): save the whole file again in one encoding (Excel: "CSV UTF-8")`,
      );
    }
    const values: Partial<Record<Exclude<SubscriberField, 'status' | 'locale'>, string>> = {};
    let status: SubscriberStatus | undefined;
    let locale: SubscriberLocale | undefined;
    const keys: SubscriberKey[] = [];
    const keyColumns: number[] = [];
    cells.forEach((cell, i) => {
      if (cell === '') return;
      const meaning = this.meanings[i];
      if (i >= headers.length) {
        problems.push(
          `cell ${i + 1} ("${cell}") is past the header's ${headers.length} columns: remove it, or give it a column (is a comma inside a value not quoted?)`,
        );
        return;
      }
      if (!meaning) {
        problems.push(
          `column ${i + 1} has no name in the header row but holds "${cell}": name the column or empty the cell`,
        );
        return;
      }
      if ('key' in meaning) {
        for (const part of splitKeys(cell)) {
          const key = normaliseKey(meaning.key, part);
          if (!key.ok) problems.push(`${column(i)}: ${key.problem}`);
          else if (!keys.some((k) => k.kind === meaning.key && k.value === key.value)) {
            keys.push({ kind: meaning.key, value: key.value });
            keyColumns.push(i);
          }
        }
        return;
      }
      const field = meaning.field;
      if (field === 'email') {
        const email = normaliseSubscriberEmail(cell);
        if (email.ok) values.email = email.value;
        else problems.push(`${column(i)}: ${email.problem}, or leave the cell empty`);
      } else if (field === 'status') {
        const checked = parseSubscriberStatus(cell);
        if (checked.ok) status = checked.value;
        else problems.push(`${column(i)}: ${checked.problem}, or leave the cell empty`);
      } else if (field === 'locale') {
        const checked = parseSubscriberLocale(cell);
        if (checked.ok) locale = checked.value;
        else problems.push(`${column(i)}: ${checked.problem}, or leave the cell empty`);
      } else values[field] = cell;
    });
    const columnOf = (field: SubscriberField): string => {
      const i = this.meanings.findIndex((m) => m && 'field' in m && m.field === field);
      return column(i);
    };
    if (values.id === undefined) problems.push(`${columnOf('id')} is empty: every subscriber needs its ID; fill it in`);
    if (values.name === undefined)
      problems.push(`${columnOf('name')} is empty: every subscriber needs a name; fill it in`);
    if (values.id !== undefined) {
      const earlier = this.idRows.get(values.id);
      if (earlier !== undefined)
        problems.push(
          `${columnOf('id')}: "${values.id}" is already the ID of row ${earlier}; each subscriber appears once: merge the two rows or correct the ID`,
        );
      keys.forEach((key, k) => {
        const owner = this.keyOwners.get(ownerKey(key.kind, key.value));
        if (owner && owner.id !== values.id)
          problems.push(
            `${column(keyColumns[k]!)}: ${key.value} already belongs to subscriber ${owner.id} (row ${owner.row}); a key must point at one subscriber: remove it from one of the rows`,
          );
      });
    }
    if (problems.length > 0) return { rejected: true, row, reason: `row ${row}: ${problems.join('; ')}`, raw };

    const id = values.id!;
    this.idRows.set(id, row);
    for (const key of keys) this.keyOwners.set(ownerKey(key.kind, key.value), { id, row });
    const record: SubscriberRecord = { id, name: values.name!, keys };
    if (values.nameKana !== undefined) record.nameKana = values.nameKana;
    if (values.email !== undefined) record.email = values.email;
    if (values.phone !== undefined) record.phone = values.phone;
    if (values.postalAddress !== undefined) record.postalAddress = values.postalAddress;
    if (values.contract !== undefined) record.contract = values.contract;
    if (values.plan !== undefined) record.plan = values.plan;
    if (status !== undefined) record.status = status;
    if (locale !== undefined) record.locale = locale;
    return { record, row };
  }
}

function ownerKey(kind: SubscriberKeyKind, value: string): string {
  return `${kind}\u0000${value}`;
}

function trimLineBreaks(raw: string): string {
  return raw.replace(/^\n+|\n+$/g, '');
}

/** csv-parse counts lines to the end of a row; the row begins as many lines earlier as it holds line breaks. */
function firstLine(lastLine: number, raw: string): number {
  let breaks = 0;
  for (let i = raw.indexOf('\n'); i !== -1; i = raw.indexOf('\n', i + 1)) breaks++;
  return Math.max(1, lastLine - breaks);
}

function brokenRow(error: CsvError): string {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'has a quote (") that is never closed, so the rest of the file was read as one cell: close the quote, or write a quote inside a value as ""';
    case 'CSV_MAX_RECORD_SIZE':
      return `is longer than ${MAX_RECORD_SIZE} characters, most likely because a quote (") opened in it is never closed: close the quote, or write a quote inside a value as ""`;
    default:
      return `cannot be read as CSV (${error.message.replace(/ at line \d+.*$/, '')}): check its quotes (") and commas`;
  }
}
