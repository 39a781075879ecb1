import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

// For tests that keep a rule about who may touch what (one reader of subscribers, one writer of claims):
// the product's source files, as paths from the repository root, tests left out.

const root = new URL('../../', import.meta.url).pathname;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return walk(full);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.test-support.ts')
      ? [relative(root, full)]
      : [];
  });
}

/** The files under src/ whose text matches any of the patterns. */
export function sourcesMatching(patterns: readonly RegExp[]): string[] {
  return walk(join(root, 'src')).filter((file) => {
    const text = readFileSync(join(root, file), 'utf8');
    return patterns.some((p) => p.test(text));
  });
}
