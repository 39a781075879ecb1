// The set-up the browser tests repeat around `mizugiwa serve`: the builds they need, a work directory with the
// test's mizugiwa.yaml, the server started there (its first start creates the admin) and users added beside it.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Role } from '../../src/domain/roles.js';
import type { BrowserSession } from './browser.js';
import { ENTRY, runCli, startServe, stopServe, type Served } from './serve.js';

export const WEB_INDEX = path.resolve(import.meta.dirname, '../../dist/web/index.html');
/** What the tests set the first admin's password to when it signs in for the first time. */
export const ADMIN_PASSWORD = 'kawa-no-mizugiwa-de-tomeru';
/** The password of the user without permissions a test adds to check the screens hide what it may not do. */
export const VIEWER_PASSWORD = 'miru-dake-de-sawaranai';

export interface UiUser {
  username: string;
  role: Role;
  password: string;
}

/** A fresh work directory `mizugiwa-ui-<name>-…` holding `config` as mizugiwa.yaml, once the builds are there. */
export async function uiWorkDir(name: string, config?: readonly string[]): Promise<string> {
  assert.ok(existsSync(ENTRY), `${ENTRY} is missing`);
  assert.ok(existsSync(WEB_INDEX), `${WEB_INDEX} is missing: run npm run build first`);
  const workDir = await mkdtemp(path.join(os.tmpdir(), `mizugiwa-ui-${name}-`));
  if (config) writeFileSync(path.join(workDir, 'mizugiwa.yaml'), [...config, ''].join('\n'));
  return workDir;
}

/** Runs `mizugiwa <args>` in the work directory and fails the test unless it exits 0; gives its standard output. */
export function cliOk(workDir: string, args: string[], input?: string): string {
  const res = runCli(args, { cwd: workDir, ...(input !== undefined && { input }) });
  assert.equal(res.code, 0, `${args.join(' ')}: ${res.stdout}${res.stderr}`);
  return res.stdout;
}

/**
 * Starts `mizugiwa serve` in the work directory for the first time (it prints the admin's one-time password), then
 * adds the users (after the start: before it, the server would not create the first admin).
 */
export async function startUiServe(workDir: string, users: readonly UiUser[] = []): Promise<Served> {
  const server = await startServe(workDir);
  try {
    assert.ok(server.password, 'the first start prints a one-time password');
    for (const user of users) {
      cliOk(workDir, ['user', 'add', user.username, '--role', user.role, '--password-stdin'], `${user.password}\n`);
    }
  } catch (err) {
    await stopServe(server);
    throw err;
  }
  return server;
}

/** What a browser test's after() undoes: the browser, the server, the work directory (whichever were made). */
export async function tearDownUi(made: { session?: BrowserSession; server?: Served; workDir?: string }): Promise<void> {
  await made.session?.browser.close();
  if (made.server) await stopServe(made.server);
  if (made.workDir) await rm(made.workDir, { recursive: true, force: true });
}
