import { Migrator, type Kysely, type MigrationResultSet } from 'kysely';
import { recordAudit } from '../audit/append.js';
import type { Store } from './open.js';
import { MIGRATIONS } from './migrations/index.js';
import { migrationContext } from './migrations/dialect.js';

export type MigrationReport = { applied: string[]; current: string | undefined };

/**
 * Brings the schema up to date (or, for an upgrade test, up to the migration named `upTo`). Safe to run
 * at every start and from several processes.
 */
export async function migrate(store: Store, upTo?: string): Promise<MigrationReport> {
  const db = store.db as unknown as Kysely<unknown>;
  const migrator = new Migrator({
    db,
    provider: {
      getMigrations: async () =>
        Object.fromEntries(
          MIGRATIONS.map((m) => [
            m.name,
            // CamelCasePlugin is off inside migrations: they speak the real (snake_case) names.
            { up: (mdb: Kysely<unknown>) => m.up(migrationContext(mdb.withoutPlugins(), store.dialect)) },
          ]),
        ),
    },
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
    // Without it Kysely looks for its tables in every schema and may find another instance's.
    ...(store.schema ? { migrationTableSchema: store.schema } : {}),
  });
  let result: MigrationResultSet = upTo ? await migrator.migrateTo(upTo) : await migrator.migrateToLatest();
  // Kysely reads the catalog of every schema before it migrates: a schema another instance drops meanwhile
  // (tests, a second instance on the same database) fails that read. Nothing was applied then: read again.
  for (let retry = 0; retry < 3 && droppedMeanwhile(result, store.schema); retry++)
    result = upTo ? await migrator.migrateTo(upTo) : await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const cause = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed on ${store.location}: ${cause}`);
  }
  const applied = (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  if (applied.length) {
    await recordAudit(
      store.db,
      { actor: { kind: 'system', component: 'migrate' } },
      { action: 'db.migrate', detail: { applied } },
    );
  }
  return { applied, current: upTo ?? MIGRATIONS[MIGRATIONS.length - 1]?.name };
}

function droppedMeanwhile(result: MigrationResultSet, own: string | undefined): boolean {
  if (!result.error || result.results?.some((r) => r.status === 'Error')) return false;
  const gone = /schema "([^"]+)" does not exist/.exec(String((result.error as Error).message ?? result.error))?.[1];
  return gone !== undefined && gone !== own;
}
