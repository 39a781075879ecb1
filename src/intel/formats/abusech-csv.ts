// The CSV that abuse.ch writes for URLhaus, ThreatFox and Feodo Tracker: one quoted record per line, `#` comment
// lines (a banner, often the column line too), sometimes an uncommented column line. `readAbuseChCsv` does what
// every such download needs (lines, comments, the column line, splitting, the column count, rejections); a format
// gives its layout and what one row becomes. Not a format itself; urlhaus.ts, threatfox-csv.ts and feodo-csv.ts
// import it.

import type { ParseContext, Rejected } from '../../domain/format.js';
import type { ClaimRecord } from '../claim-record.js';
import { readLines, type Line } from './lines.js';

/** A line that cannot be read: `line 12: <what is wrong>`. */
export function rejectLine(line: number, message: string, position: string, raw: Uint8Array): Rejected {
  return { rejected: true, reason: `line ${line}: ${message}`, position, raw };
}

/**
 * Splits one CSV line into fields: `"a","b ""c""",d` and ThreatFox's `"a", "b"` (blanks before an opening quote
 * are skipped). abuse.ch writes one record per line (URLs are percent-encoded, never hold a newline), so a line
 * is a record; a quote left open at the end of the line is an error, returned as a string.
 *
 * Hand-written on purpose: csv-parse 7 measured 71k–108k rows/s on the URLhaus layout, far below the 300k rows/s
 * the formats aim for; this loop does one pass of charCodeAt and one slice per field.
 */
export function splitCsvLine(line: string): string[] | string {
  const fields: string[] = [];
  const n = line.length;
  let i = 0;
  while (true) {
    while (i < n && line.charCodeAt(i) === 0x20) i++;
    if (i < n && line.charCodeAt(i) === 0x22) {
      // quoted field
      let start = i + 1;
      let value = '';
      let j = start;
      while (true) {
        const q = line.indexOf('"', j);
        if (q === -1) return `a quote opened in field ${fields.length + 1} is never closed`;
        if (line.charCodeAt(q + 1) === 0x22) {
          value += line.slice(start, q + 1);
          start = j = q + 2;
          continue;
        }
        value += line.slice(start, q);
        i = q + 1;
        break;
      }
      fields.push(value);
      while (i < n && line.charCodeAt(i) === 0x20) i++;
      if (i >= n) return fields;
      if (line.charCodeAt(i) !== 0x2c) {
        return `unexpected ${JSON.stringify(line[i])} after the closing quote of field ${fields.length}`;
      }
      i++;
    } else {
      const comma = line.indexOf(',', i);
      if (comma === -1) {
        fields.push(line.slice(i).trimEnd());
        return fields;
      }
      fields.push(line.slice(i, comma).trimEnd());
      i = comma + 1;
    }
  }
}

/** Which field of a row holds which column, from the feed's column line (or a default when it has none). */
export class Columns<Name extends string> {
  readonly count: number;
  readonly index: Record<Name, number>;
  readonly names: readonly string[];

  constructor(names: readonly string[], wanted: readonly Name[]) {
    this.names = names;
    this.count = names.length;
    const index = {} as Record<Name, number>;
    for (const name of wanted) index[name] = names.indexOf(name);
    this.index = index;
  }

  /** The wanted columns the column line lacks. */
  missing(required: readonly Name[]): Name[] {
    return required.filter((name) => this.index[name] === -1);
  }

  /** The field of `name` in a row, or '' when the layout has no such column. */
  get(fields: readonly string[], name: Name): string {
    const i = this.index[name];
    return i === -1 ? '' : (fields[i] ?? '');
  }
}

/** A comment line that names the columns (`# id,dateadded,…`, `# "first_seen_utc","ioc_id",…`), split; else undefined. */
export function commentColumns(text: string, first: string): string[] | undefined {
  let i = 0;
  while (i < text.length && (text.charCodeAt(i) === 0x23 || text.charCodeAt(i) === 0x20)) i++;
  const rest = text.slice(i);
  if (!rest.startsWith(first) && !rest.startsWith(`"${first}"`)) return undefined;
  const fields = splitCsvLine(rest);
  return typeof fields === 'string' ? undefined : fields;
}

/** What a column line does to the layout: taken if it names the required columns, taken as it is, or passed over. */
export type ColumnLineUse = 'checked' | 'unchecked' | 'skipped';

/** One abuse.ch CSV download: its layout, what its column lines do, and what a row becomes. */
export type AbuseChCsv<Name extends string> = {
  /** The columns the rows are read by, in the order the feed writes them when no column line says otherwise. */
  columns: readonly Name[];
  /** The columns a `checked` column line must name; one that lacks any is rejected and the known layout kept. */
  required: readonly Name[];
  /** The first column's name: a line that starts with it, commented or not, is a column line. */
  marker: Name;
  /** What a `#` comment line naming the columns does. */
  commented: ColumnLineUse;
  /** What an uncommented column line does. */
  uncommented: ColumnLineUse;
  /** Whether an uncommented row is the column line; by default when its first field is `marker`. */
  isColumnLine?(fields: readonly string[], columns: Columns<Name>): boolean;
  /** A row with the layout's column count → its record, or what is wrong with it (`line N: ` is put before it). */
  row(fields: readonly string[], columns: Columns<Name>, line: Line, position: string): ClaimRecord | string;
};

/** Streams the records of one abuse.ch CSV download; a line that cannot be read becomes a Rejected `line N: …`. */
export async function* readAbuseChCsv<Name extends string>(
  input: AsyncIterable<Uint8Array>,
  ctx: ParseContext,
  csv: AbuseChCsv<Name>,
): AsyncIterable<ClaimRecord | Rejected> {
  let columns = new Columns<Name>(csv.columns, csv.columns);
  for await (const line of readLines(input)) {
    const text = line.text;
    if (text.length === 0) continue;
    const position = `${ctx.input}:${line.number}`;
    const c0 = text.charCodeAt(0);
    if (c0 === 0x23) {
      const names = commentColumns(text, csv.marker);
      if (names) {
        const next = layoutFrom(names, csv.commented, csv, columns);
        if (typeof next === 'string') yield rejectLine(line.number, next, position, line.raw);
        else columns = next;
      }
      continue;
    }
    if ((c0 === 0x20 || c0 === 0x09) && text.trim() === '') continue;
    const fields = splitCsvLine(text);
    if (typeof fields === 'string') {
      yield rejectLine(line.number, fields, position, line.raw);
      continue;
    }
    if (csv.isColumnLine ? csv.isColumnLine(fields, columns) : fields[0] === csv.marker) {
      const next = layoutFrom(fields, csv.uncommented, csv, columns);
      if (typeof next === 'string') yield rejectLine(line.number, next, position, line.raw);
      else columns = next;
      continue;
    }
    if (fields.length !== columns.count) {
      const reason = `expected ${columns.count} columns (${columns.names.join(',')}), found ${fields.length}`;
      yield rejectLine(line.number, reason, position, line.raw);
      continue;
    }
    const record = csv.row(fields, columns, line, position);
    yield typeof record === 'string' ? rejectLine(line.number, record, position, line.raw) : record;
  }
}

/** The layout after a column line naming `names`, as `use` says; a string when a `checked` line is refused. */
function layoutFrom<Name extends string>(
  names: readonly string[],
  use: ColumnLineUse,
  csv: AbuseChCsv<Name>,
  current: Columns<Name>,
): Columns<Name> | string {
  if (use === 'skipped') return current;
  const next = new Columns<Name>(names, csv.columns);
  const missing = use === 'checked' ? next.missing(csv.required) : [];
  return missing.length > 0 ? `the column line lacks ${missing.join(', ')}; keeping the known layout` : next;
}
