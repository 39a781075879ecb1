import type { Kysely } from 'kysely';
import { appendAudit } from '../audit/append.js';
import { nowIso } from '../domain/time.js';
import type { Database } from '../store/schema.js';
import { findUserById, findUserByName, toUser, type User } from '../store/users.js';
import { UserFacingError } from '../domain/user-facing-error.js';
import { hashPassword, verifyPassword } from './password.js';
import { hashSecret, newSecret } from './secrets.js';

export type Session = { user: User; csrfToken: string };
export type NewSession = Session & { sessionId: string };
type Client = { ip?: string | undefined; userAgent?: string | undefined; requestId?: string | undefined };

// Compared against when the user does not exist, so that a wrong name costs as long as a wrong
// password and response times do not reveal which user names exist.
let decoyHash: Promise<string> | undefined;

/** Checks a password and opens a session. Success and failure are both audited. */
export async function login(
  db: Kysely<Database>,
  input: { username: string; password: string },
  sessionHours: number,
  client: Client = {},
): Promise<NewSession> {
  const row = await findUserByName(db, input.username);
  decoyHash ??= hashPassword('decoy password for absent users');
  const ok = await verifyPassword(input.password, row?.passwordHash ?? (await decoyHash));
  const actorName = row ? row.username : input.username;
  const audit = { actor: { kind: 'system', component: 'auth' } as const, requestId: client.requestId };

  if (!row || !ok || row.disabledAt) {
    await db.transaction().execute((trx) =>
      appendAudit(trx, audit, {
        action: 'auth.login_failed',
        target: `user:${actorName}`,
        detail: {
          ip: client.ip ?? null,
          reason: !row ? 'unknown user' : row.disabledAt ? 'disabled' : 'wrong password',
        },
      }),
    );
    throw new UserFacingError(401, row?.disabledAt && ok ? 'auth.disabled' : 'auth.invalid_credentials');
  }

  const sessionId = newSecret();
  const csrfToken = newSecret();
  const now = new Date();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('sessions')
      .values({
        idHash: hashSecret(sessionId),
        userId: row.id,
        csrfToken,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + sessionHours * 3_600_000).toISOString(),
        lastSeenAt: now.toISOString(),
        clientIp: client.ip ?? null,
        userAgent: client.userAgent?.slice(0, 300) ?? null,
      })
      .execute();
    await trx.updateTable('users').set({ lastLoginAt: now.toISOString() }).where('id', '=', row.id).execute();
    await appendAudit(
      trx,
      {
        actor: { kind: 'user', userId: row.id, username: row.username, role: toUser(row).role },
        requestId: client.requestId,
      },
      { action: 'auth.login', target: `user:${row.id}`, detail: { ip: client.ip ?? null } },
    );
  });
  return { sessionId, csrfToken, user: toUser({ ...row, lastLoginAt: now.toISOString() }) };
}

const SLIDE_RESOLUTION_MS = 60_000;

/** The session's user, if the session is live; extends an idle session's end (at most once a minute). */
export async function resumeSession(
  db: Kysely<Database>,
  sessionId: string,
  sessionHours: number,
): Promise<Session | undefined> {
  const idHash = hashSecret(sessionId);
  const session = await db.selectFrom('sessions').selectAll().where('idHash', '=', idHash).executeTakeFirst();
  if (!session) return undefined;
  const now = new Date();
  if (session.expiresAt <= now.toISOString()) {
    await db.deleteFrom('sessions').where('idHash', '=', idHash).execute();
    return undefined;
  }
  const row = await findUserById(db, Number(session.userId));
  if (!row || row.disabledAt) return undefined;
  if (now.getTime() - Date.parse(session.lastSeenAt) > SLIDE_RESOLUTION_MS) {
    await db
      .updateTable('sessions')
      .set({
        lastSeenAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + sessionHours * 3_600_000).toISOString(),
      })
      .where('idHash', '=', idHash)
      .execute();
  }
  return { user: toUser(row), csrfToken: session.csrfToken };
}

export async function logout(db: Kysely<Database>, sessionId: string, user: User, requestId?: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('sessions').where('idHash', '=', hashSecret(sessionId)).execute();
    await appendAudit(
      trx,
      { actor: { kind: 'user', userId: user.id, username: user.username, role: user.role }, requestId },
      { action: 'auth.logout', target: `user:${user.id}` },
    );
  });
}

/** Removes ended sessions; run by the housekeeping job. */
export async function purgeExpiredSessions(db: Kysely<Database>): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expiresAt', '<=', nowIso()).executeTakeFirst();
  return Number(result.numDeletedRows);
}
