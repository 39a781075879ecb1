import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../src/api/server.js';
import { createToken } from '../../src/auth/tokens.js';
import { createUser } from '../../src/auth/users.js';
import { configSchema, type Config } from '../../src/config/index.js';
import { ROLES, type Role } from '../../src/domain/roles.js';
import type { TestStore } from './stores.js';

export type TestApp = {
  app: FastifyInstance;
  store: TestStore;
  config: Config;
  /** A bearer secret per role. */
  tokens: Record<Role, string>;
  close(): Promise<void>;
};

export const TEST_PASSWORD = 'correct horse battery staple';

/** The API on a test store, with one token per role and a user `alice` (analyst) whose password is TEST_PASSWORD. */
export async function testApp(store: TestStore, overrides: Partial<Config> = {}): Promise<TestApp> {
  const config = { ...configSchema.parse({}), ...overrides };
  const app = await buildApp({ store, config, configDir: process.cwd(), log: pino({ level: 'silent' }) });
  await app.ready();
  const system = { actor: { kind: 'system', component: 'test' } } as const;
  const tokens = {} as Record<Role, string>;
  for (const role of ROLES) tokens[role] = (await createToken(store.db, system, { name: `test-${role}`, role })).secret;
  await createUser(store.db, system, { username: 'alice', role: 'analyst', password: TEST_PASSWORD });
  return {
    app,
    store,
    config,
    tokens,
    async close() {
      await app.close();
      await store.dispose();
    },
  };
}

/** testApp with a data directory of its own (`<prefix>…` in the system's temp directory), removed by close(). */
export async function testAppWithDataDir(
  store: TestStore,
  prefix: string,
  overrides: Partial<Config> = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  let t: TestApp;
  try {
    t = await testApp(store, { data_dir: dataDir, ...overrides });
  } catch (err) {
    removeDir();
    throw err;
  }
  return {
    ...t,
    async close() {
      try {
        await t.close();
      } finally {
        removeDir();
      }
    },
  };
}

export function bearer(secret: string): Record<string, string> {
  return { authorization: `Bearer ${secret}` };
}

/** Signs in through the API and returns what a browser would hold: the cookie and the CSRF token. */
export async function signIn(app: FastifyInstance, username: string, password: string) {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies.find((c) => c.name === 'mizugiwa_session');
  const body = res.json() as { csrfToken: string; user: { mustChangePassword: boolean } };
  return {
    cookie: `mizugiwa_session=${cookie!.value}`,
    csrfToken: body.csrfToken,
    user: body.user,
    setCookie: cookie!,
  };
}
