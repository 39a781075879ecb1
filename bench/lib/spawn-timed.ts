import { spawn } from 'node:child_process';
import type { Finished } from './child.js';
import type { Cleanup } from './cleanup.js';

export type Timed = Finished & { wallMs: number };

/**
 * Runs a command to completion, timing it by the wall clock from spawn to exit, with stdin fed from
 * `input` (or closed). Killed (SIGKILL) if it runs past `timeoutMs`, which then rejects: every run ends.
 * With `cleanup`, a bench that is interrupted or fails kills the child too, before its files are removed.
 */
export function spawnTimed(
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd: string; input?: string; timeoutMs: number; label: string; cleanup?: Cleanup },
): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.on('error', () => undefined); // a child that exits without reading its input
    child.stdin.end(opts.input ?? '');
    opts.cleanup?.add(`stop ${opts.label}`, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      if (timedOut) reject(new Error(`${opts.label}: killed after ${Math.round(opts.timeoutMs / 1000)} s\n${stderr}`));
      else resolve({ code: code ?? 1, stdout, stderr, wallMs });
    });
  });
}
