import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClaimRecord } from '../claim-record.js';
import { readAbuseChCsv, type AbuseChCsv, type ColumnLineUse } from './abusech-csv.js';
import { utf8 } from './lines.js';
import { chunks } from './test-helpers.js';

// A toy layout: the reader's own rules, apart from any one feed's.
const COLUMNS = ['a', 'b', 'c'] as const;
type Column = (typeof COLUMNS)[number];
const ctx = { source: 'test', input: 'in.csv', now: new Date('2026-11-20T00:00:00Z') };

function layout(commented: ColumnLineUse, uncommented: ColumnLineUse, extra: Partial<AbuseChCsv<Column>> = {}) {
  const csv: AbuseChCsv<Column> = {
    columns: COLUMNS,
    required: ['b'],
    marker: 'a',
    commented,
    uncommented,
    row(fields, columns, line, position): ClaimRecord | string {
      const value = columns.get(fields, 'b');
      return value === '' ? 'column b is empty' : { type: 'domain', value, position, raw: line.raw };
    },
    ...extra,
  };
  return csv;
}

async function read(text: string, csv: AbuseChCsv<Column>, size?: number): Promise<string[]> {
  const out: string[] = [];
  for await (const r of readAbuseChCsv(chunks(utf8(text), size), ctx, csv)) {
    out.push('rejected' in r ? `${r.position} ${r.reason}` : `${r.position} ${r.value}`);
  }
  return out;
}

test('rows become records; blank lines and comments are passed over; a row string is a line rejection', async () => {
  const text = '# banner\n\n   \n\t\n"1","x.example","3"\n"1","","3"\n"1","y.example"\n"1","open\n';
  const expected = [
    'in.csv:5 x.example',
    'in.csv:6 line 6: column b is empty',
    'in.csv:7 line 7: expected 3 columns (a,b,c), found 2',
    'in.csv:8 line 8: a quote opened in field 2 is never closed',
  ];
  assert.deepEqual(await read(text, layout('checked', 'skipped')), expected);
  assert.deepEqual(await read(text, layout('checked', 'skipped'), 7), expected);
});

test('a checked column line is taken when it names the required columns, refused (layout kept) when not', async () => {
  const csv = layout('checked', 'checked');
  assert.deepEqual(await read('# c,b,a\n"3","x.example","1"\n', csv), ['in.csv:2 x.example']);
  // without the marker first, a line is a row like any other
  assert.deepEqual(await read('"c","b","a"\n"3","x.example","1"\n', csv), ['in.csv:1 b', 'in.csv:2 x.example']);
  assert.deepEqual(await read('# a,c\n"1","x.example","3"\n', csv), [
    'in.csv:1 line 1: the column line lacks b; keeping the known layout',
    'in.csv:2 x.example',
  ]);
  assert.deepEqual(await read('"a","c"\n"1","x.example","3"\n', csv), [
    'in.csv:1 line 1: the column line lacks b; keeping the known layout',
    'in.csv:2 x.example',
  ]);
});

test('an unchecked column line is taken as it is; a skipped one changes nothing', async () => {
  assert.deepEqual(await read('# a,c\n"1","3"\n', layout('unchecked', 'skipped')), [
    'in.csv:2 line 2: column b is empty',
  ]);
  assert.deepEqual(await read('"a","c","b"\n"1","3","x.example"\n', layout('checked', 'skipped')), ['in.csv:2 3']);
  assert.deepEqual(await read('"a","c","b"\n"1","3","x.example"\n', layout('checked', 'unchecked')), [
    'in.csv:2 x.example',
  ]);
});

test('isColumnLine decides which uncommented rows are column lines', async () => {
  const csv = layout('checked', 'skipped', { isColumnLine: (fields) => fields[0] === 'a' && fields[1] === 'b' });
  assert.deepEqual(await read('"a","b","c"\n"a","x.example","3"\n', csv), ['in.csv:2 x.example']);
});
