import { parse } from 'csv-parse/sync';

// The first rows of a spreadsheet list as cells, read the way a mapping being written says (encoding,
// delimiter, lines above the header): what the operator picks columns from while building a mapping.
// Lenient on purpose: a mapping half written still shows the list, and a setting not valid yet falls
// back to the default the schema would give.

export type CsvLayout = { encoding: 'utf-8' | 'shift_jis'; delimiter: string; skipLines: number; header: boolean };
export type CsvSample = {
  /** The header row's cells, or with header: false the column positions ("0", "1", …). */
  columns: string[];
  /** The first data rows' cells. */
  rows: string[][];
};

/** The layout settings of a mapping written so far, each one the default where it is missing or not valid. */
export function csvLayoutOf(draft: unknown): CsvLayout {
  const d = typeof draft === 'object' && draft !== null ? (draft as Record<string, unknown>) : {};
  return {
    encoding: d.encoding === 'shift_jis' ? 'shift_jis' : 'utf-8',
    delimiter: typeof d.delimiter === 'string' && d.delimiter.length === 1 ? d.delimiter : ',',
    skipLines:
      typeof d.skip_lines === 'number' && Number.isInteger(d.skip_lines) && d.skip_lines >= 0 ? d.skip_lines : 0,
    header: d.header !== false,
  };
}

export function readCsvSample(bytes: Uint8Array, layout: CsvLayout, maxRows: number): CsvSample {
  let text = new TextDecoder(layout.encoding).decode(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let at = 0;
  for (let i = 0; i < layout.skipLines && at !== -1; i++) at = next(text, at);
  const body = at === -1 ? '' : text.slice(at);
  const records = parse(body, {
    delimiter: layout.delimiter,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    to: maxRows + (layout.header ? 1 : 0),
  }) as string[][];
  const trimmed = records.map((r) => r.map((c) => c.trim()));
  if (!layout.header) {
    const width = Math.max(0, ...trimmed.map((r) => r.length));
    return { columns: Array.from({ length: width }, (_, i) => String(i)), rows: trimmed };
  }
  const [columns = [], ...rows] = trimmed;
  return { columns, rows };
}

/** The offset after the line break that ends the line starting at `from`, or -1 when there is none. */
function next(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end === -1 ? -1 : end + 1;
}
