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
  const result: MigrationResultSet = upTo ? await migrator.migrateTo(upTo) : await migrator.migrateToLatest();
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
