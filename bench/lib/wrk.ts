import { runToEnd } from './child.js';
import { rowBase, type LoadSpec } from './load.js';
import { repoRoot } from './paths.js';
import type { Row } from './result.js';

const WRK = '/usr/bin/wrk';

/** `wrk 4.1.0`, or undefined when wrk is not installed. */
export async function wrkVersion(): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await runToEnd(WRK, ['--version'], { env: process.env, cwd: repoRoot });
    const version = /wrk\s+(?:\S+\/)?(\d+\.\d+\.\d+)/.exec(stdout + stderr)?.[1];
    return `wrk ${version ?? '?'}`;
  } catch {
    return undefined;
  }
}

/** One GET run of the external wrk (2 threads at most); its text report is parsed into a Row. */
export async function runWrk(spec: LoadSpec, tool: string): Promise<Row> {
  const threads = Math.min(2, spec.connections);
  const headerArgs = Object.entries(spec.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const args = [
    `-t${threads}`,
    `-c${spec.connections}`,
    `-d${spec.durationS}s`,
    '--timeout',
    '10s',
    '--latency',
    ...headerArgs,
    spec.url,
  ];
  const { code, stdout, stderr } = await runToEnd(WRK, args, { env: process.env, cwd: repoRoot });
  if (code !== 0) throw new Error(`wrk exited ${code}: ${stderr}`);

  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  return {
    ...rowBase(spec),
    tool,
    rps: Number(match(stdout, /Requests\/sec:\s+([\d.]+)/)),
    p50Ms: toMs(match(stdout, /^\s+50%\s+(\S+)/m)),
    p99Ms: toMs(match(stdout, /^\s+99%\s+(\S+)/m)),
    errors: socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0),
    requests: Number(match(stdout, /(\d+) requests in/)),
  };
}

function match(text: string, re: RegExp): string {
  const found = re.exec(text)?.[1];
  if (found === undefined) throw new Error(`wrk output did not match ${re}:\n${text}`);
  return found;
}

/** wrk prints durations as 812.00us, 1.23ms or 1.05s. */
function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value);
  if (!m) throw new Error(`unreadable wrk duration ${value}`);
  const factor = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(m[1]) * factor;
}
