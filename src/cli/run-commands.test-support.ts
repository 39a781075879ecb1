// Runs several `mizugiwa` commands in one process, each one's output captured, and prints the results as
// JSON: CLI tests call it as a child (`node --import tsx`), since a test file's own stdout belongs to the
// test runner. Usage: run-commands.test-support.ts '[["abuse", "notify", "--dry-run"], ...]'
import { main } from './main.js';

const commands = JSON.parse(process.argv[2] ?? '[]') as string[][];
const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
const results: { code: number; out: string; err: string }[] = [];
for (const args of commands) {
  let out = '';
  let err = '';
  process.stdout.write = ((chunk: string | Uint8Array) => (
    (out += String(chunk)),
    true
  )) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (
    (err += String(chunk)),
    true
  )) as typeof process.stderr.write;
  let code: number;
  try {
    code = await main(['node', 'mizugiwa', ...args]);
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
  results.push({ code: typeof process.exitCode === 'number' && code === 0 ? process.exitCode : code, out, err });
  process.exitCode = undefined;
}
write.out(JSON.stringify(results));
