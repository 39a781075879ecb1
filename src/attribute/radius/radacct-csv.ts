import { parse } from 'csv-parse/sync';
import type { LeaseRecord, LeaseRejected } from '../../domain/lease.js';
import type { LeaseContext, LeaseFormat, LeaseReader } from '../lease-format.js';
import { RADACCT_COLUMNS, radacctRecords, type RadacctColumn, type RadacctRow } from './radacct-row.js';

// A dump of FreeRADIUS's radacct table with a header row, as operators make one:
//
//   psql  -c "\copy (select * from radacct) to 'radacct.csv' csv header"            comma-separated, RFC 4180 quoting
//   psql  -c "\copy (select * from radacct) to 'radacct.tsv' with (format text, header)"  tab-separated, \N for NULL
//   mysql --batch -e 'select * from radacct' > radacct.tsv                            tab-separated, NULL for NULL
//
// The header says which: a tab in it means tab-separated. Columns are found by name (any order, any case, extra
// columns ignored). Times are as the dump wrote them: PostgreSQL's carry their offset (`+09`); MySQL's DATETIME
// has none and is read in ctx.localTime, which must be the zone of the MySQL session that wrote it.
//
// A record is one line. FreeRADIUS escapes control characters in what it writes (`=0A`), the tab-separated dumps
// escape them (`\n`), so a line break inside a quoted CSV field only comes from some other writer or a cut line:
// such a line is rejected, not joined with the next. Comma-separated lines go through csv-parse's sync parser one
// at a time (quoting is subtle enough to leave to it); tab-separated ones through a small splitter, since those
// dumps quote nothing and escape with backslashes.

type Layout = { separator: ',' | '\t'; columns: string[]; header: string; wanted: [number, RadacctColumn][] };

const REQUIRED: RadacctColumn[] = ['acctsessionid', 'acctstarttime'];

export const radacctCsv: LeaseFormat = {
  name: 'radacct',
  reader(ctx: LeaseContext): LeaseReader {
    let layout: Layout | undefined;
    return {
      line(raw, line) {
        const text = (line === 1 ? raw.replace(/^\uFEFF/, '') : raw).replace(/\r$/, '');
        if (text.trim() === '') return [];
        const rejected = (reason: string): LeaseRejected[] => [
          { action: 'rejected', reason, evidence: `line ${line}`, raw },
        ];
        if (layout === undefined) {
          const header = readHeader(text);
          if (typeof header === 'string') return rejected(header);
          layout = header;
          return [];
        }
        // A second dump appended to the first repeats the header.
        if (text === layout.header) return [];
        const fields = layout.separator === ',' ? csvFields(text) : tsvFields(text);
        if (typeof fields === 'string') return rejected(fields);
        if (fields.length !== layout.columns.length) {
          return rejected(
            `the line has ${fields.length} fields but the header on line 1 names ${layout.columns.length}: ` +
              'the line is cut or has an unquoted separator in a value',
          );
        }
        const row: RadacctRow = {};
        for (const [index, column] of layout.wanted) row[column] = fields[index];
        return radacctRecords(row, `line ${line}`, ctx.localTime).map((record): LeaseRecord =>
          record.action === 'rejected' ? { ...record, raw } : record,
        );
      },
      end: () => [],
      pendingFrom: () => undefined,
    };
  },
};

function readHeader(text: string): Layout | string {
  const separator = text.includes('\t') ? '\t' : ',';
  const fields = separator === ',' ? csvFields(text) : tsvFields(text);
  const columns = typeof fields === 'string' ? [] : fields.map((f) => (f ?? '').trim().toLowerCase());
  const missing = REQUIRED.filter((column) => !columns.includes(column));
  if (missing.length > 0) {
    return (
      `expected the header row of a radacct dump (radacctid, acctsessionid, …) but it has no ${missing.join(' or ')} ` +
      `column: export with a header, as \`psql -c "\\copy (select * from radacct) to 'radacct.csv' csv header"\` ` +
      "or `mysql --batch -e 'select * from radacct'` write it"
    );
  }
  const wanted: [number, RadacctColumn][] = [];
  for (const column of RADACCT_COLUMNS) {
    const index = columns.indexOf(column);
    if (index !== -1) wanted.push([index, column]);
  }
  return { separator, columns, header: text, wanted };
}

/** One CSV record's fields; an empty field (PostgreSQL's NULL, or "") is null. */
function csvFields(text: string): (string | null)[] | string {
  try {
    const records = parse(text, { relax_column_count: true }) as string[][];
    if (records.length !== 1) return 'the line is not one CSV record';
    return records[0]!.map((field) => (field === '' ? null : field));
  } catch (error) {
    if ((error as { code?: string }).code === 'CSV_QUOTE_NOT_CLOSED') {
      return (
        'a quoted value does not close on this line: the line is cut, or a value holds a line break, which ' +
        'FreeRADIUS never writes (it escapes one as =0A)'
      );
    }
    return (
      'the line is not a CSV record: a value has a quote in its middle or text after its closing quote ' +
      '(a value with a quote in it is written in quotes, with the quote doubled)'
    );
  }
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b', f: '\f', v: '\v', '\\': '\\' };

/**
 * One tab-separated line's fields, unescaped: mysql --batch writes NULL as `NULL`, psql's text format as `\N`;
 * both escape tab, line feed, carriage return and backslash with a backslash.
 */
function tsvFields(text: string): (string | null)[] {
  return text.split('\t').map((field) => {
    if (field === 'NULL' || field === '\\N') return null;
    if (!field.includes('\\')) return field;
    return field.replace(/\\(.)/g, (_, c: string) => ESCAPES[c] ?? c);
  });
}
