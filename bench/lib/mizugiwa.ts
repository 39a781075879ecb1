import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToEnd, startService, type Finished } from './child.js';
import type { Cleanup } from './cleanup.js';
import { freePort } from './free-port.js';
import { repoRoot } from './paths.js';
import { dropSchema } from './postgres.js';

export type StoreKind = { kind: 'sqlite' } | { kind: 'postgres'; url: string };

export type Mizugiwa = {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** An admin API token's secret, for `Authorization: Bearer …`. */
  token: string;
  /** Runs `mizugiwa <args>` against the same database. */
  cli(args: string[]): Promise<Finished>;
  /** Stops the server (SIGTERM); the database stays until the Cleanup runs. */
  stop(): Promise<void>;
};

const BIN = join(repoRoot, 'bin', 'mizugiwa.js');

/**
 * `mizugiwa serve` on a fresh database (a temp dir for SQLite, a new schema for PostgreSQL) and a free
 * loopback port, with an admin token made by the CLI. Everything is registered with `cleanup`.
 */
export async function startMizugiwa(store: StoreKind, cleanup: Cleanup): Promise<Mizugiwa> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mizugiwa-bench-'));
  cleanup.add(`remove ${dataDir}`, () => rmSync(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const env = serverEnv({
    MIZUGIWA_DATA_DIR: dataDir,
    MIZUGIWA_HTTP_LISTEN: `127.0.0.1:${port}`,
    MIZUGIWA_LOG_LEVEL: 'warn',
  });
  if (store.kind === 'postgres') {
    const schema = `bench_${process.pid}_${Date.now()}`;
    env.MIZUGIWA_DATABASE_URL = store.url;
    env.MIZUGIWA_DATABASE_SCHEMA = schema;
    cleanup.add(`drop schema ${schema}`, () => dropSchema(store.url, schema));
  }

  const cli = (args: string[]) => runToEnd(process.execPath, [BIN, ...args], { env, cwd: repoRoot });
  const created = await cli(['token', 'create', 'bench', '--role', 'admin']);
  const token = created.stdout
    .split('\n')
    .find((l) => l.startsWith('mzg_'))
    ?.trim();
  if (created.code !== 0 || !token) throw new Error(`token create failed (exit ${created.code}): ${created.stderr}`);

  const service = await startService(process.execPath, [BIN, 'serve'], {
    env,
    cwd: repoRoot,
    ready: /Mizugiwa is listening on http:\/\//,
    label: `mizugiwa serve (${store.kind})`,
  });
  cleanup.add(`stop mizugiwa (${store.kind})`, () => service.stop());
  const url = /(http:\/\/[^\s]+)/.exec(service.readyLine)?.[1] ?? `http://127.0.0.1:${port}`;
  return { url, token, cli, stop: () => service.stop() };
}

/** The caller's environment without its own MIZUGIWA_* settings, plus the bench's. */
function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('MIZUGIWA_')) env[key] = value;
  return { ...env, ...extra };
}
