// `npm run demo [-- <dir>] [--port <n>]`: fills a fresh embedded store in ./demo-data (or <dir>) with a small ISP's
// day — feeds, resolver logs, RADIUS and CGNAT logs, subscribers, abuse reports — through the `mizugiwa` command, then
// starts `mizugiwa serve` there and prints where to sign in with the one-time admin password. Works offline.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { demoEnv, fillDemo } from './fill.js';

const USAGE = 'usage: npm run demo [-- <dir>] [--port <n>]   (default dir ./demo-data, port 8080)';

function parseArgs(argv: string[]): { dir: string; port: number } {
  let dir = 'demo-data';
  let port = 8080;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--port') {
      port = Number(argv[++i]);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port: expected 1-65535\n${USAGE}`);
    } else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg.startsWith('-')) {
      throw new Error(`unknown option ${arg}\n${USAGE}`);
    } else dir = arg;
  }
  return { dir: resolve(dir), port };
}

async function main(): Promise<void> {
  const { dir, port } = parseArgs(process.argv.slice(2));
  console.log(`Mizugiwa demo: filling ${dir} / デモデータを ${dir} に作成します`);
  const filled = await fillDemo(dir, { log: (line) => console.log(line) });
  const seconds = filled.steps.reduce((s, step) => s + step.seconds, 0);
  console.log(
    `Filled in ${seconds.toFixed(0)} s. Starting mizugiwa serve (Ctrl-C stops it) / サーバーを起動します（Ctrl-C で停止）`,
  );
  console.log(
    `  The config is ${resolve(dir, 'mizugiwa.yaml')}; run it again later with: cd ${dir} && npx mizugiwa serve`,
  );
  const server = spawn(process.execPath, [resolve(import.meta.dirname, '../../bin/mizugiwa.js'), 'serve'], {
    cwd: dir,
    env: demoEnv({ MIZUGIWA_HTTP_LISTEN: `127.0.0.1:${port}` }),
    stdio: 'inherit',
  });
  // Ctrl-C reaches the server too (same process group) and it stops cleanly; this process waits for it. A SIGTERM
  // sent to this process alone is passed on, after a moment in which one sent to the whole group has arrived.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => {
    setTimeout(() => {
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
    }, 2000).unref();
  });
  server.on('exit', (code) => process.exit(code ?? 1));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
