import type { Kysely } from 'kysely';
import { isRole, type Role } from '../domain/roles.js';
import type { ApiTokenRow, Database } from './schema.js';

export type ApiToken = {
  id: number;
  name: string;
  role: Role;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
};

export function toApiToken(row: ApiTokenRow): ApiToken {
  if (!isRole(row.role)) throw new Error(`token ${row.id} has an unknown role "${row.role}" in the database`);
  return {
    id: Number(row.id),
    name: row.name,
    role: row.role,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
  };
}

export async function findTokenByHash(db: Kysely<Database>, tokenHash: string): Promise<ApiTokenRow | undefined> {
  return db.selectFrom('apiTokens').selectAll().where('tokenHash', '=', tokenHash).executeTakeFirst();
}

export async function listTokens(db: Kysely<Database>): Promise<ApiToken[]> {
  const rows = await db.selectFrom('apiTokens').selectAll().orderBy('id').execute();
  return rows.map(toApiToken);
}

/** Tokens that still authenticate at `now`. */
export async function countActiveTokens(db: Kysely<Database>, now: string): Promise<number> {
  const row = await db
    .selectFrom('apiTokens')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('revokedAt', 'is', null)
    .where((eb) => eb.or([eb('expiresAt', 'is', null), eb('expiresAt', '>', now)]))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
