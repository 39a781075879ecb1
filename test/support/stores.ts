import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres, openSqlite, type Store } from '../../src/store/open.js';
import { requireOrSkip } from './components.js';

export const TEST_PG_URL = process.env.MIZUGIWA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type TestStore = Store & { dispose(): Promise<void> };

/** A migrated SQLite store in a fresh temp dir (migrated only up to `upTo` when given). */
export async function sqliteStore(upTo?: string): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-test-'));
  const store = openSqlite(join(dir, 'mizugiwa.db'));
  await migrate(store, upTo);
  return {
    ...store,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A migrated PostgreSQL store in a schema of its own, so concurrent runs never collide. */
export async function postgresStore(upTo?: string): Promise<TestStore> {
  const schema = `mz_test_${randomBytes(6).toString('hex')}`;
  const store = await openPostgres(TEST_PG_URL, schema, 5);
  await migrate(store, upTo);
  return {
    ...store,
    async dispose() {
      await store.close();
      await dropSchema(schema);
    },
  };
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

let pgReachable: Promise<boolean> | undefined;
export function postgresReachable(): Promise<boolean> {
  pgReachable ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.end();
      return true;
    } catch {
      return false;
    }
  })();
  return pgReachable;
}

export type StoreKind = {
  name: 'sqlite' | 'postgres';
  open(upTo?: string): Promise<TestStore>;
  skip: string | false;
};

/**
 * The dialects a store test runs on: SQLite always, PostgreSQL when reachable (skipped with the reason
 * otherwise, and failing under MIZUGIWA_E2E=require).
 */
export async function storeKinds(): Promise<StoreKind[]> {
  const pgSkip = (await postgresReachable())
    ? false
    : requireOrSkip(`PostgreSQL not reachable at ${TEST_PG_URL} (package postgresql; set MIZUGIWA_TEST_PG_URL)`);
  return [
    { name: 'sqlite', open: sqliteStore, skip: false },
    { name: 'postgres', open: postgresStore, skip: pgSkip },
  ];
}
