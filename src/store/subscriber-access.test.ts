import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sourcesMatching } from '../../test/support/source-files.js';

// Subscriber data may be read only through readSubscribers (purpose required, audited). This test
// fails when any other source file touches the table, so a second path cannot appear unnoticed.
const ALLOWED = new Set(['src/store/subscribers.ts', 'src/store/schema.ts', 'src/store/migrations/0001-foundation.ts']);
const TABLE_USE = [
  /\b(selectFrom|updateTable|deleteFrom|insertInto|innerJoin|leftJoin|rightJoin|fullJoin|mergeInto)\(\s*['"`]subscribers\b/,
  /\b(from|join|update|into)\s+"?subscribers\b/i,
];
test('only src/store/subscribers.ts reads the subscribers table', () => {
  const offenders = sourcesMatching(TABLE_USE).filter((file) => !ALLOWED.has(file));
  assert.deepEqual(
    offenders,
    [],
    `these files reach the subscribers table directly; use readSubscribers(): ${offenders.join(', ')}`,
  );
});
