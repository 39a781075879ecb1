import type { Kysely } from 'kysely';
import { isRole, type Role } from '../domain/roles.js';
import type { Database, UserRow } from './schema.js';

export type User = {
  id: number;
  username: string;
  displayName: string | null;
  role: Role;
  mustChangePassword: boolean;
  createdAt: string;
  disabledAt: string | null;
  lastLoginAt: string | null;
};

export function toUser(row: UserRow): User {
  if (!isRole(row.role)) throw new Error(`user ${row.username} has an unknown role "${row.role}" in the database`);
  return {
    id: Number(row.id),
    username: row.username,
    displayName: row.displayName,
    role: row.role,
    mustChangePassword: row.mustChangePassword === 1,
    createdAt: row.createdAt,
    disabledAt: row.disabledAt,
    lastLoginAt: row.lastLoginAt,
  };
}

export async function findUserByName(db: Kysely<Database>, username: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
}

export async function findUserById(db: Kysely<Database>, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listUsers(db: Kysely<Database>): Promise<User[]> {
  const rows = await db.selectFrom('users').selectAll().orderBy('username').execute();
  return rows.map(toUser);
}

export async function countUsers(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
