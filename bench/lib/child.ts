import { spawn, type ChildProcess } from 'node:child_process';

export type Service = {
  /** The first stdout line that matched `ready`. */
  readyLine: string;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
};

type ServiceOptions = { env: NodeJS.ProcessEnv; cwd: string; ready: RegExp; timeoutMs?: number; label: string };

/** Starts a long-running process and resolves once it prints a line matching `ready`. */
export function startService(command: string, args: string[], opts: ServiceOptions): Promise<Service> {
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = stopper(child, exited);

  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      void stop().then(() => reject(new Error(`${opts.label}: ${why}\n${output.slice(-2000)}`)));
    };
    const timer = setTimeout(() => fail(`not ready after ${opts.timeoutMs ?? 30_000} ms`), opts.timeoutMs ?? 30_000);
    child.once('error', (err) => fail(err.message));
    const early = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(`exited early (${signal ?? `code ${code}`})`);
    child.once('exit', early);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => opts.ready.test(l));
      if (!line) return;
      clearTimeout(timer);
      child.off('exit', early);
      child.stdout.removeAllListeners('data');
      child.stdout.resume(); // keep draining so the child never blocks on a full pipe
      resolve({ readyLine: line, stop });
    });
  });
}

function stopper(child: ChildProcess, exited: Promise<void>): (graceMs?: number) => Promise<void> {
  let stopping: Promise<void> | undefined;
  return (graceMs = 15_000) => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
}

export type Finished = { code: number; stdout: string; stderr: string };

/** Runs a command to completion and collects its output; never rejects on a non-zero exit. */
export function runToEnd(
  command: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd: string },
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
