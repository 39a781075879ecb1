import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export const ENTRY = path.resolve(import.meta.dirname, '../../bin/mizugiwa.js');
const STARTUP_TIMEOUT_MS = 30_000;

/** A port that was free a moment ago: listen on 0, read it, close. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The environment for a child `mizugiwa`: this one without MIZUGIWA_* and test-runner variables, plus `extra`. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('MIZUGIWA_') && !key.startsWith('NODE_TEST')) env[key] = value;
  }
  return { ...env, MIZUGIWA_LOG_FORMAT: 'json', ...extra };
}

/** A log line as plain text: pino JSON lines become their msg, colour codes are dropped. */
export function plain(line: string): string {
  // eslint-disable-next-line no-control-regex
  const text = line.replace(/\x1b\[[0-9;]*m/g, '').trim();
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as { msg?: unknown };
      if (typeof parsed.msg === 'string') return parsed.msg;
    } catch {
      // not JSON after all
    }
  }
  return text;
}

export type Served = {
  child: ChildProcess;
  baseUrl: string;
  /** The one-time admin password, when this start created the first admin. */
  password: string | undefined;
  output: string[];
  exited: Promise<number | null>;
};

/**
 * Starts `mizugiwa serve` in `cwd` with `MIZUGIWA_DATA_DIR=<cwd>/data` on a free loopback port and
 * waits for the "listening on" line (and, on a fresh database, the one-time password before it).
 */
export async function startServe(cwd: string, extraEnv: Record<string, string> = {}): Promise<Served> {
  const port = await freePort();
  const env = childEnv({
    MIZUGIWA_DATA_DIR: path.join(cwd, 'data'),
    MIZUGIWA_HTTP_LISTEN: `127.0.0.1:${port}`,
    // Tests run side by side: the RPZ primary and the sinkhole take whatever port is free.
    MIZUGIWA_ENFORCE_RPZ_LISTEN: '127.0.0.1:0',
    MIZUGIWA_ENFORCE_SINKHOLE_LISTEN: '127.0.0.1:0',
    ...extraEnv,
  });
  const child = spawn(process.execPath, [ENTRY, 'serve'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  return new Promise<Served>((resolve, reject) => {
    let password: string | undefined;
    let baseUrl: string | undefined;
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${why}\n--- server output ---\n${output.join('\n')}`));
    };
    const timer = setTimeout(
      () => fail(`mizugiwa serve did not print "listening on" within ${STARTUP_TIMEOUT_MS} ms`),
      STARTUP_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      for (const raw of chunk.toString('utf8').split('\n')) {
        if (!raw.trim()) continue;
        output.push(raw);
        const line = plain(raw);
        password ??= /One-time password:\s*(\S+)/.exec(line)?.[1];
        if (!baseUrl) {
          baseUrl = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
          if (baseUrl) {
            clearTimeout(timer);
            resolve({ child, baseUrl, password, output, exited });
          }
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('error', (err) => fail(`could not start ${ENTRY}: ${err.message}`));
    void exited.then((code) => {
      if (!baseUrl) fail(`mizugiwa serve exited early (code ${code})`);
    });
  });
}

/** SIGTERM, then SIGKILL after 10 s; resolves with the exit code. */
export async function stopServe(served: Pick<Served, 'child' | 'exited'>): Promise<number | null> {
  if (served.child.exitCode !== null || served.child.signalCode !== null) return served.child.exitCode;
  served.child.kill('SIGTERM');
  const timer = setTimeout(() => served.child.kill('SIGKILL'), 10_000);
  const code = await served.exited;
  clearTimeout(timer);
  return code;
}

export type CliResult = { code: number | null; stdout: string; stderr: string };

/** Runs the `mizugiwa` command to completion. */
export function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; input?: string },
): CliResult {
  const result = spawnSync(process.execPath, [ENTRY, ...args], {
    cwd: options.cwd,
    env: childEnv({ MIZUGIWA_DATA_DIR: path.join(options.cwd, 'data'), LANG: 'C.UTF-8', ...options.env }),
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
