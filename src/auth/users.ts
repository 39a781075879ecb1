import type { Kysely, Transaction } from 'kysely';
import { audited } from '../audit/append.js';
import type { AuditContext } from '../domain/actor.js';
import type { Role } from '../domain/roles.js';
import { nowIso } from '../domain/time.js';
import type { Database } from '../store/schema.js';
import { findUserByName, toUser, type User } from '../store/users.js';
import { UserFacingError } from '../domain/user-facing-error.js';
import { generatePassword, hashPassword, MIN_PASSWORD_LENGTH, passwordProblem } from './password.js';

// User operations shared by the API and the CLI. Each change is audited in the same transaction.

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/;

export type NewUser = {
  username: string;
  role: Role;
  password: string;
  displayName?: string | undefined;
  /** Set for passwords another person chose (admin-created, first start): changed at first login. */
  mustChangePassword?: boolean;
};

export async function createUser(db: Kysely<Database>, ctx: AuditContext, input: NewUser): Promise<User> {
  if (!USERNAME.test(input.username)) throw new UserFacingError(400, 'user.bad_name');
  checkPassword(input.password);
  const passwordHash = await hashPassword(input.password);
  return audited(
    db,
    ctx,
    (user: User) => ({
      action: 'user.create',
      target: `user:${user.id}`,
      detail: { username: user.username, role: user.role },
    }),
    async (trx) => {
      if (await findUserByName(trx, input.username)) {
        throw new UserFacingError(409, 'user.exists', { username: input.username });
      }
      const now = nowIso();
      const row = await trx
        .insertInto('users')
        .values({
          username: input.username,
          displayName: input.displayName ?? null,
          role: input.role,
          passwordHash,
          mustChangePassword: input.mustChangePassword ? 1 : 0,
          createdAt: now,
          updatedAt: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toUser(row);
    },
  );
}

/** Sets a password. `mustChange` marks it as one-time (an admin reset); a user's own change clears it. */
export async function setPassword(
  db: Kysely<Database>,
  ctx: AuditContext,
  username: string,
  password: string,
  mustChange: boolean,
): Promise<void> {
  checkPassword(password);
  const passwordHash = await hashPassword(password);
  await audited(db, ctx, { action: 'user.passwd', target: `user:${username}`, detail: { mustChange } }, async (trx) => {
    const user = await requireUser(trx, username);
    await trx
      .updateTable('users')
      .set({ passwordHash, mustChangePassword: mustChange ? 1 : 0, updatedAt: nowIso() })
      .where('id', '=', user.id)
      .execute();
    // Other sessions of this user end: a changed password must lock out whoever had the old one.
    await trx.deleteFrom('sessions').where('userId', '=', user.id).execute();
  });
}

export async function setUserDisabled(
  db: Kysely<Database>,
  ctx: AuditContext,
  username: string,
  disabled: boolean,
): Promise<User> {
  return audited(
    db,
    ctx,
    { action: disabled ? 'user.disable' : 'user.enable', target: `user:${username}` },
    async (trx) => {
      const user = await requireUser(trx, username);
      if (disabled && user.role === 'admin') await refuseLastAdmin(trx, user.id);
      const row = await trx
        .updateTable('users')
        .set({ disabledAt: disabled ? nowIso() : null, updatedAt: nowIso() })
        .where('id', '=', user.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (disabled) await trx.deleteFrom('sessions').where('userId', '=', user.id).execute();
      return toUser(row);
    },
  );
}

export async function setUserRole(
  db: Kysely<Database>,
  ctx: AuditContext,
  username: string,
  role: Role,
): Promise<User> {
  return audited(db, ctx, { action: 'user.role', target: `user:${username}`, detail: { role } }, async (trx) => {
    const user = await requireUser(trx, username);
    if (user.role === 'admin' && role !== 'admin') await refuseLastAdmin(trx, user.id);
    const row = await trx
      .updateTable('users')
      .set({ role, updatedAt: nowIso() })
      .where('id', '=', user.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toUser(row);
  });
}

/**
 * On an empty database, creates `admin` with a random one-time password and returns it so the
 * caller can print it once. Returns undefined when any user exists.
 */
export async function ensureFirstAdmin(db: Kysely<Database>): Promise<string | undefined> {
  const any = await db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (any) return undefined;
  const password = generatePassword();
  try {
    await createUser(
      db,
      { actor: { kind: 'system', component: 'first-start' } },
      {
        username: 'admin',
        role: 'admin',
        password,
        displayName: 'Administrator',
        mustChangePassword: true,
      },
    );
  } catch (err) {
    // Another process created it first (two starts racing on a fresh database): not ours to print.
    if (err instanceof UserFacingError && err.key === 'user.exists') return undefined;
    throw err;
  }
  return password;
}

async function requireUser(trx: Transaction<Database>, username: string): Promise<User> {
  const row = await findUserByName(trx, username);
  if (!row) throw new UserFacingError(404, 'user.not_found', { username });
  return toUser(row);
}

async function refuseLastAdmin(trx: Transaction<Database>, userId: number): Promise<void> {
  const others = await trx
    .selectFrom('users')
    .select('id')
    .where('role', '=', 'admin')
    .where('disabledAt', 'is', null)
    .where('id', '!=', userId)
    .limit(1)
    .executeTakeFirst();
  if (!others) throw new UserFacingError(409, 'user.last_admin');
}

function checkPassword(password: string): void {
  if (passwordProblem(password)) throw new UserFacingError(400, 'auth.password_weak', { min: MIN_PASSWORD_LENGTH });
}
