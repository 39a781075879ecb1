import { sql, type ColumnDefinitionBuilder, type CreateTableBuilder, type Kysely } from 'kysely';

export type DialectName = 'sqlite' | 'postgres';

/** What a migration receives: the database and the few column types that differ by dialect. */
export type MigrationContext = {
  db: Kysely<unknown>;
  dialect: DialectName;
  /** An auto-incrementing integer primary key named `id`. */
  withId<T extends string>(table: CreateTableBuilder<T, never>): CreateTableBuilder<T, 'id'>;
  /** Column type for raw bytes. */
  bytes: 'blob' | ReturnType<typeof sql.raw>;
};

export function migrationContext(db: Kysely<unknown>, dialect: DialectName): MigrationContext {
  return {
    db,
    dialect,
    withId: (table) =>
      dialect === 'sqlite'
        ? table.addColumn('id', 'integer', (c: ColumnDefinitionBuilder) => c.primaryKey().autoIncrement())
        : table.addColumn('id', 'bigserial', (c: ColumnDefinitionBuilder) => c.primaryKey()),
    bytes: dialect === 'sqlite' ? 'blob' : sql.raw('bytea'),
  };
}

export type Migration = { name: string; up(ctx: MigrationContext): Promise<void> };
