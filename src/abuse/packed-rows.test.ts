import assert from 'node:assert/strict';
import { test } from 'node:test';
import { packRows, unpackRows } from './packed-rows.js';

test('rows packed and unpacked are the rows: strings, numbers, null and absent fields, rows of other shapes', () => {
  const rows = [
    { type: 'infected-system', port: 443, caseId: null, detail: '{"tag":"ramnit"}' },
    { type: 'infected-system', port: null, caseId: 12, reason: 'no-lease' },
    { type: 'scanner', port: 0, caseId: 12, detail: '' },
    {},
  ];
  const packed = packRows(rows);
  assert.deepEqual(unpackRows(packed), rows);
  // Each distinct string once, however many rows repeat it.
  assert.deepEqual([...packed.strings].sort(), ['', 'infected-system', 'no-lease', 'scanner', '{"tag":"ramnit"}']);
  assert.deepEqual(unpackRows(packRows([])), []);
});
