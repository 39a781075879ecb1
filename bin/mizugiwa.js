#!/usr/bin/env node
// The installed command: runs the compiled CLI that `npm run build` (also run by npm ci, start and test) produces.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error(
    'mizugiwa is not built yet: run `npm run build` in the project directory (npm ci, npm start and npm test do it too).',
  );
  console.error(
    'mizugiwa はまだビルドされていません。プロジェクトのディレクトリで `npm run build` を実行してください。',
  );
  process.exit(1);
}
const { main } = await import(entry.href);
main(process.argv).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
