// Benches whose figures are not HTTP load runs (rows/s, lookups/s, peak RSS…) do not fit `Row`'s columns
// (connections, p50/p99, non-2xx). They still write a `BenchResult` — `rows` empty, so run.ts draws no
// load table — with their own table as the first note, which run.ts puts into the README as written:
// a caption line, a blank line, then the markdown table. The raw figures go beside it in `measurements`.
import { markdownTable } from './markdown.js';
import { writeResult, type BenchResult } from './result.js';

export type Cell = string | number | null;
export type Measurement = Record<string, Cell>;

export type Column = {
  key: string;
  label: string;
  /** Right-aligned (numbers). */
  right?: boolean;
  /** How the raw value is shown; default: numbers with thousands separators, null as `—`. */
  show?: (value: Cell, row: Measurement) => string;
};

export type TableResult = BenchResult & { columns: { key: string; label: string }[]; measurements: Measurement[] };

export function renderTable(columns: Column[], rows: Measurement[]): string {
  return markdownTable(
    columns.map((c) => c.label),
    rows.map((row) => columns.map((c) => (c.show ?? showCell)(row[c.key] ?? null, row))),
    columns.map((c) => c.right === true),
  );
}

export function showCell(value: Cell): string {
  if (value === null) return '—';
  if (typeof value === 'number') return Math.round(value).toLocaleString('en-US');
  return value;
}

/** Seconds with precision that suits their size: 0.042, 3.51, 12.3, 154. */
export function seconds(value: Cell): string {
  if (typeof value !== 'number') return showCell(value);
  return value < 1
    ? value.toFixed(3)
    : value < 10
      ? value.toFixed(2)
      : value < 100
        ? value.toFixed(1)
        : value.toFixed(0);
}

/** Writes bench/results/<name>.json and prints the table and notes; returns the file written. */
export function writeTableResult(spec: {
  name: string;
  title: string;
  caption: string;
  columns: Column[];
  rows: Measurement[];
  notes: string[];
}): string {
  const table = renderTable(spec.columns, spec.rows);
  const result: TableResult = {
    name: spec.name,
    title: spec.title,
    rows: [],
    // The blank line after the table ends it before run.ts's next `- note` line.
    notes: [`${spec.caption}\n\n${table}\n`, ...spec.notes],
    columns: spec.columns.map(({ key, label }) => ({ key, label })),
    measurements: spec.rows,
  };
  const file = writeResult(result);
  process.stdout.write(`\n${table}\n\n${spec.notes.map((n) => `- ${n}`).join('\n')}\n\nwrote ${file}\n`);
  return file;
}
