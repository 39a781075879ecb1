import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

// Subscriber data may be read only through readSubscribers (purpose required, audited). This test
// fails when any other source file touches the table, so a second path cannot appear unnoticed.
const ALLOWED = new Set(['src/store/subscribers.ts', 'src/store/schema.ts', 'src/store/migrations/0001-foundation.ts']);
const TABLE_USE = [
  /\b(selectFrom|updateTable|deleteFrom|insertInto|innerJoin|leftJoin|rightJoin|fullJoin|mergeInto)\(\s*['"`]subscribers\b/,
  /\b(from|join|update|into)\s+"?subscribers\b/i,
];
const root = new URL('../../', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [relative(root, full)] : [];
  });
}

test('only src/store/subscribers.ts reads the subscribers table', () => {
  const offenders = sources(join(root, 'src'))
    .filter((file) => !ALLOWED.has(file))
    .filter((file) => TABLE_USE.some((pattern) => pattern.test(readFileSync(join(root, file), 'utf8'))));
  assert.deepEqual(
    offenders,
    [],
    `these files reach the subscribers table directly; use readSubscribers(): ${offenders.join(', ')}`,
  );
});
