import { parse as parseCsv } from 'csv-parse/sync';
import type { LeaseEvent, LeaseRecord, LeaseRejected } from '../../domain/lease.js';
import { normaliseCidr } from '../../net/cidr.js';
import { normaliseIp } from '../../net/ip.js';
import type { LeaseContext, LeaseFormat, LeaseReader } from '../lease-format.js';
import { assignmentTime } from './assignment-time.js';

// Static assignments (business lines, fixed IPs) kept as a spreadsheet exported to CSV:
//
//   prefix,subscriber_id,since,until,note
//   203.0.113.16/28,C-10023,2026-04-01,,head office
//   198.51.100.7,C-10456,,2026-03-31,
//
// or with the Japanese header most sheets here have: プレフィックス,加入者ID,開始,終了,備考. since, until and note
// are optional columns; other columns are kept out of the lease (a sheet has many). Each row is a start at
// `since` (0, "always", without one) and, with an until, a stop. The session is `static/PREFIX`, with
// `@SINCE` when the row has a since: the same prefix passes from customer to customer over the years, and
// re-importing an edited sheet must join a row's new until to the same row's start.

type Column = 'prefix' | 'subscriber' | 'since' | 'until' | 'note';

const HEADER_NAMES: Record<string, Column> = {
  prefix: 'prefix',
  プレフィックス: 'prefix',
  subscriber_id: 'subscriber',
  加入者id: 'subscriber',
  since: 'since',
  開始: 'since',
  until: 'until',
  終了: 'until',
  note: 'note',
  備考: 'note',
};

/** A quoted field left open swallows the lines after it; past this size the record is given up. */
const MAX_RECORD = 64 * 1024;

export const staticCsv: LeaseFormat = {
  name: 'static-csv',
  reader(ctx: LeaseContext): LeaseReader {
    let columns: Partial<Record<Column, number>> | undefined;
    let headerProblem: { line: number } | undefined;
    let pending: { text: string; from: number } | undefined;

    const record = (text: string, from: number): LeaseRecord[] => {
      let cells: string[];
      try {
        const rows = parseCsv(text, { relax_column_count: true }) as string[][];
        cells = rows[0] ?? [];
      } catch (error) {
        return [reject(`the row is not valid CSV (${(error as Error).message}); check its quotes`, from, text)];
      }
      if (cells.every((c) => c.trim() === '')) return [];
      if (columns === undefined && headerProblem === undefined) {
        const header = readHeader(cells);
        if (typeof header === 'string') {
          headerProblem = { line: from };
          return [reject(header, from, text)];
        }
        columns = header;
        return [];
      }
      if (columns === undefined)
        return [reject(`no row can be read: the header row (line ${headerProblem!.line}) is unusable`, from, text)];
      return readRow(cells, columns, from, text, ctx);
    };

    return {
      line(raw, line) {
        // Spreadsheets export UTF-8 with a byte-order mark and CRLF line ends.
        const unmarked = line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
        const text = unmarked.endsWith('\r') ? unmarked.slice(0, -1) : unmarked;
        const current =
          pending === undefined ? { text, from: line } : { text: `${pending.text}\n${text}`, from: pending.from };
        pending = undefined;
        if (endsInsideQuotes(current.text)) {
          if (current.text.length > MAX_RECORD)
            return [reject('a quoted field is never closed; close the quote or remove it', current.from, current.text)];
          pending = current;
          return [];
        }
        return record(current.text, current.from);
      },
      end() {
        if (pending === undefined) return [];
        const open = pending;
        pending = undefined;
        return [reject('the file ends inside a quoted field; close the quote', open.from, open.text)];
      },
      pendingFrom: () => pending?.from,
    };
  },
};

/**
 * Whether a quoted field is still open at the end of the text (RFC 4180: a quote opens a field only at its
 * start, `""` inside one is a quote). A stray quote in the middle of a field does not make the row swallow the
 * next ones; csv-parse rejects that row on its own.
 */
function endsInsideQuotes(text: string): boolean {
  let quoted = false;
  let fieldStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c === 34) {
        if (text.charCodeAt(i + 1) === 34) i++;
        else quoted = false;
      }
    } else if (c === 34 && fieldStart) quoted = true;
    else fieldStart = c === 44 || c === 10;
    if (quoted) fieldStart = false;
  }
  return quoted;
}

function readHeader(cells: string[]): Partial<Record<Column, number>> | string {
  const columns: Partial<Record<Column, number>> = {};
  cells.forEach((cell, index) => {
    const name = cell
      .normalize('NFKC')
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_');
    const column = Object.hasOwn(HEADER_NAMES, name) ? HEADER_NAMES[name] : undefined;
    if (column !== undefined && columns[column] === undefined) columns[column] = index;
  });
  if (columns.prefix === undefined || columns.subscriber === undefined)
    return (
      'the first row must be a header naming the columns prefix and subscriber_id ' +
      `(or プレフィックス and 加入者ID), optionally since, until and note (開始, 終了, 備考); it names: ${cells.join(', ')}`
    );
  return columns;
}

function readRow(
  cells: string[],
  columns: Partial<Record<Column, number>>,
  line: number,
  raw: string,
  ctx: LeaseContext,
): LeaseRecord[] {
  const cell = (column: Column) => (columns[column] === undefined ? '' : (cells[columns[column]!] ?? '').trim());
  const prefixText = cell('prefix');
  const subscriber = cell('subscriber');
  if (prefixText === '') return [reject('the row has no prefix; fill in the prefix column', line, raw)];
  if (subscriber === '') return [reject(`the row for ${prefixText} has no subscriber id; fill it in`, line, raw)];
  const prefix = prefixText.includes('/') ? normaliseCidr(prefixText) : normaliseIp(prefixText);
  if (!prefix.ok)
    return [
      reject(`the prefix is not usable: ${prefix.reason}; write the network address, e.g. 192.0.2.0/24`, line, raw),
    ];
  const address = prefix.indicator.value;

  const sinceText = cell('since');
  const untilText = cell('until');
  const since = sinceText === '' ? undefined : assignmentTime(sinceText, ctx, false);
  if (typeof since === 'string') return [reject(`the since (開始) date ${since}`, line, raw)];
  const until = untilText === '' ? undefined : assignmentTime(untilText, ctx, true);
  if (typeof until === 'string') return [reject(`the until (終了) date ${until}`, line, raw)];
  if (until !== undefined && until <= (since ?? 0))
    return [
      reject(`the assignment of ${address} ends (${untilText}) before it starts (${sinceText || 'always'})`, line, raw),
    ];

  const session = since === undefined ? `static/${address}` : `static/${address}@${new Date(since).toISOString()}`;
  const note = cell('note');
  const event = (action: 'start' | 'stop', at: number): LeaseEvent => {
    const e: LeaseEvent = {
      session,
      action,
      at,
      address,
      subscriberKey: subscriber,
      keyKind: 'subscriber',
      evidence: `line ${line}`,
    };
    if (action === 'stop') e.startedAt = since ?? 0;
    if (note !== '') e.detail = { note };
    return e;
  };
  const out: LeaseRecord[] = [event('start', since ?? 0)];
  if (until !== undefined) out.push(event('stop', until));
  return out;
}

function reject(reason: string, line: number, raw: string): LeaseRejected {
  return { action: 'rejected', reason: `line ${line}: ${reason}`, evidence: `line ${line}`, raw };
}
