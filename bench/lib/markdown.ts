import type { Row } from './result.js';

/** A GitHub-flavoured markdown table; also readable as plain text on a terminal. */
export function markdownTable(header: string[], rows: string[][], alignRight: boolean[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (cell: string, i: number) => (alignRight[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!));
  const line = (cells: string[]) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (alignRight[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

const HEADER = ['workload', 'server', 'tool', 'conns', 'duration', 'req/s', 'p50 ms', 'p99 ms', 'errors / non-2xx'];
const RIGHT = [false, false, false, true, true, true, true, true, true];

export function rowsTable(rows: Row[]): string {
  return markdownTable(
    HEADER,
    rows.map((r) => [
      r.workload,
      r.server,
      r.tool,
      String(r.connections),
      `${r.durationS} s`,
      Math.round(r.rps).toLocaleString('en-US'),
      ms(r.p50Ms),
      ms(r.p99Ms),
      `${r.errors} / ${r.non2xx}`,
    ]),
    RIGHT,
  );
}

function ms(value: number): string {
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}
