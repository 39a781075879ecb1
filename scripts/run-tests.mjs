#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's own test runner (Node 20 has no --test globs).
// Arguments narrow the set: `npm test -- store audit` runs files whose path contains "store" or "audit".
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) found.push(...findTests(full));
    else if (name.endsWith('.test.ts')) found.push(relative(root, full));
  }
  return found;
}

const files = ['src', 'test']
  .flatMap((d) => findTests(join(root, d)))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (files.length === 0) {
  console.error(`run-tests: no test files match ${filters.join(', ')}`);
  process.exit(1);
}

const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(result.status ?? 1);
