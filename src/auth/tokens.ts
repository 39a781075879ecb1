import type { Kysely } from 'kysely';
import { audited } from '../audit/append.js';
import type { AuditContext } from '../domain/actor.js';
import type { Role } from '../domain/roles.js';
import { nowIso } from '../domain/time.js';
import type { Database } from '../store/schema.js';
import { findTokenByHash, toApiToken, type ApiToken } from '../store/tokens.js';
import { UserFacingError } from '../domain/user-facing-error.js';
import { hashSecret, newApiToken, TOKEN_PREFIX } from './secrets.js';

export type CreatedToken = { token: ApiToken; secret: string };

export async function createToken(
  db: Kysely<Database>,
  ctx: AuditContext,
  input: { name: string; role: Role; expiresAt?: string | undefined },
): Promise<CreatedToken> {
  const secret = newApiToken();
  const token = await audited(
    db,
    ctx,
    (t: ApiToken) => ({
      action: 'token.create',
      target: `token:${t.id}`,
      detail: { name: t.name, role: t.role, expiresAt: t.expiresAt },
    }),
    async (trx) => {
      const row = await trx
        .insertInto('apiTokens')
        .values({
          name: input.name,
          role: input.role,
          tokenHash: hashSecret(secret),
          createdBy: ctx.actor.kind === 'user' ? ctx.actor.username : ctx.actor.kind,
          createdAt: nowIso(),
          expiresAt: input.expiresAt ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toApiToken(row);
    },
  );
  return { token, secret };
}

export async function revokeToken(db: Kysely<Database>, ctx: AuditContext, id: number): Promise<ApiToken> {
  return audited(db, ctx, { action: 'token.revoke', target: `token:${id}` }, async (trx) => {
    const row = await trx
      .updateTable('apiTokens')
      .set({ revokedAt: nowIso() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new UserFacingError(404, 'token.not_found', { id });
    return toApiToken(row);
  });
}

const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The token a bearer secret belongs to, if it authenticates now. last_used_at is written at most
 * once a minute per token so that authenticated reads do not each become a write.
 */
export async function authenticateToken(db: Kysely<Database>, secret: string): Promise<ApiToken | undefined> {
  if (!secret.startsWith(TOKEN_PREFIX)) return undefined;
  const row = await findTokenByHash(db, hashSecret(secret));
  if (!row) return undefined;
  const now = new Date();
  if (row.revokedAt) return undefined;
  if (row.expiresAt && row.expiresAt <= now.toISOString()) return undefined;
  if (!row.lastUsedAt || now.getTime() - Date.parse(row.lastUsedAt) > LAST_USED_RESOLUTION_MS) {
    await db.updateTable('apiTokens').set({ lastUsedAt: now.toISOString() }).where('id', '=', row.id).execute();
  }
  return toApiToken(row);
}

/** `30d`, `12h`, `90m` or an ISO 8601 time → an ISO time in the future; undefined for "no expiry". */
export function parseExpiry(input: string | undefined, now = new Date()): string | undefined {
  if (input === undefined || input === '' || input === 'never') return undefined;
  const duration = /^(\d+)\s*([dhm])$/.exec(input.trim());
  let at: Date;
  if (duration) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[duration[2] as 'd' | 'h' | 'm'];
    at = new Date(now.getTime() + Number(duration[1]) * unit);
  } else {
    at = new Date(input);
  }
  if (Number.isNaN(at.getTime()) || at <= now) throw new UserFacingError(400, 'token.bad_expiry');
  return at.toISOString();
}
