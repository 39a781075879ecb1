import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CamelCasePlugin,
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  sql,
  type DatabaseConnection,
  type Driver,
} from 'kysely';
import pg from 'pg';
import type { Config } from '../config/index.js';
import type { Database } from './schema.js';
import type { DialectName } from './migrations/dialect.js';

export type Store = {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Where the data lives, for logs and messages (no password). */
  location: string;
  /** The SQLite file, when the store is SQLite: the instance lock is taken beside it. */
  sqliteFile?: string;
  /** The PostgreSQL schema holding Mizugiwa's tables, when the store is PostgreSQL. */
  schema?: string;
  close(): Promise<void>;
};

// PostgreSQL returns int8 (bigserial ids, counts) as strings; every such value here fits a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export const SQLITE_FILE_NAME = 'mizugiwa.db';

// The better-sqlite3 handle behind a Kysely instance, for the few bulk paths (feed ingest) where a
// prepared statement run per row beats any query builder by an order of magnitude.
const sqliteHandles = new WeakMap<Kysely<Database>, SqliteDatabase.Database>();

/** The native SQLite handle of a store's Kysely instance, or undefined for PostgreSQL. */
export function sqliteHandle(db: Kysely<Database>): SqliteDatabase.Database | undefined {
  return sqliteHandles.get(db);
}

/** Opens the configured store: the embedded SQLite in data_dir by default, or PostgreSQL. */
export async function openStore(config: Pick<Config, 'data_dir' | 'database'>): Promise<Store> {
  const url = config.database.url;
  if (url.startsWith('postgres:') || url.startsWith('postgresql:')) {
    return openPostgres(url, config.database.schema, config.database.pool_size);
  }
  const file = url.startsWith('sqlite:')
    ? resolve(config.data_dir, url.slice('sqlite:'.length).replace(/^\/\//, ''))
    : resolve(config.data_dir, SQLITE_FILE_NAME);
  return openSqlite(file);
}

export function openSqlite(file: string): Store {
  mkdirSync(dirname(file), { recursive: true });
  const native = new SqliteDatabase(file);
  native.pragma('journal_mode = WAL');
  native.pragma('busy_timeout = 10000');
  native.pragma('synchronous = NORMAL');
  native.pragma('foreign_keys = ON');
  // 128 MiB of page cache (the default is 2 MiB): index pages of a million-claim table stay in memory.
  native.pragma('cache_size = -131072');
  native.pragma('temp_store = MEMORY');
  // A checkpoint every 40 MiB of WAL rather than every 4 MiB: bulk writes (a million-row report, a lease import)
  // rewrite the same index pages many times between checkpoints, and each checkpoint copies them once.
  native.pragma('wal_autocheckpoint = 10000');
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: native }),
    plugins: [new CamelCasePlugin()],
  });
  sqliteHandles.set(db, native);
  return {
    db,
    dialect: 'sqlite',
    location: file,
    sqliteFile: file,
    close: () => db.destroy(),
  };
}

// A transaction that reads and then writes must not wait for the write lock at its first write: SQLite cannot
// run the busy handler then (the read may already be stale) and answers "database is locked" at once, while
// another connection — the thread writing a large report, a command run beside `mizugiwa serve` — writes.
// So every transaction takes the write lock when it begins, waiting its turn (busy_timeout) if it must.
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

export async function openPostgres(url: string, schema: string, poolSize: number): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    options: `-c search_path=${schema}`,
  });
  // A down database must be a clear start-up error, not a hang on the first request.
  const client = await pool.connect().catch(async (err: Error) => {
    await pool.end();
    throw new Error(
      `cannot connect to PostgreSQL at ${redact(url)}: ${err.message}. ` +
        `Check database.url (or MIZUGIWA_DATABASE_URL) and that the server is running.`,
    );
  });
  try {
    await client.query(`create schema if not exists "${schema}"`);
  } finally {
    client.release();
  }
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    plugins: [new CamelCasePlugin()],
  });
  return {
    db,
    dialect: 'postgres',
    schema,
    location: `${redact(url)} (schema ${schema})`,
    close: () => db.destroy(),
  };
}

/** A URL with its password replaced, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

export async function ping(store: Store): Promise<void> {
  await sql`select 1`.execute(store.db);
}
