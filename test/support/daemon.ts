import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Steps run in reverse at the end of a test file: daemons stopped, temp dirs removed. */
export type Cleanups = (() => unknown)[];

export async function runCleanups(cleanups: Cleanups): Promise<void> {
  for (const step of cleanups.splice(0).reverse()) await step();
}

export function tempDir(cleanups: Cleanups, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A program in the foreground with its output kept; stopped (TERM, then KILL after 5 s) at cleanup. */
export function daemon(
  cleanups: Cleanups,
  command: string,
  args: string[],
): { child: ChildProcess; output: () => string } {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  });
  return { child, output: () => output };
}

/** `dig` against 127.0.0.1:`port` (one try, two seconds); its output whatever the exit code. */
export async function dig(port: number, ...args: string[]): Promise<string> {
  const out = await run('/usr/bin/dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+timeout=2', ...args]).catch(
    (err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
  );
  return (out.stdout + out.stderr).trim();
}

/** Polls `check` until it returns true, for at most `ms`; fails with the last thing it said. */
export async function eventually(
  what: string,
  check: () => Promise<string | true> | string | true,
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const result = await check();
    if (result === true) return;
    if (Date.now() > deadline) throw new Error(`${what}: still ${result} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
