import type { Kysely, Transaction } from 'kysely';
import { actorLabel, type AuditContext } from '../domain/actor.js';
import { nowIso } from '../domain/time.js';
import type { Database } from '../store/schema.js';
import { entryHash } from './hash.js';

export type AuditRecord = {
  /** Dotted verb: `user.create`, `auth.login`, `subscriber.read`, `deadletter.purge` … */
  action: string;
  /** What it was done to: `user:5`, `subscriber:C-1001`, `token:3`. */
  target?: string | undefined;
  /** Why: required for every read of subscriber data. */
  purpose?: string | undefined;
  /** Anything else worth keeping (never secrets). */
  detail?: Record<string, unknown> | undefined;
};

/**
 * Appends one entry to the chain inside `trx`. The first statement bumps audit_head, which takes the
 * write lock (SQLite) or the row lock (PostgreSQL) before the previous hash is read, so concurrent
 * writers — the server and a CLI on the same database — queue up instead of forking the chain.
 */
export async function appendAudit(trx: Transaction<Database>, ctx: AuditContext, record: AuditRecord): Promise<number> {
  const head = await trx
    .updateTable('auditHead')
    .set((eb) => ({ seq: eb('seq', '+', 1) }))
    .where('id', '=', 1)
    .returning(['seq', 'lastHash'])
    .executeTakeFirstOrThrow();
  const entry = {
    id: Number(head.seq),
    at: nowIso(),
    actor: actorLabel(ctx.actor),
    action: record.action,
    target: record.target ?? null,
    purpose: record.purpose ?? null,
    requestId: ctx.requestId ?? null,
    detail: record.detail ? JSON.stringify(record.detail) : null,
    prevHash: head.lastHash,
  };
  const hash = entryHash(entry);
  await trx
    .insertInto('auditEntries')
    .values({ ...entry, hash })
    .execute();
  await trx.updateTable('auditHead').set({ lastHash: hash }).where('id', '=', 1).execute();
  return entry.id;
}

/**
 * Runs `change` and records it in one transaction: either both happen or neither does. This is the
 * way every change made through the API or CLI is written.
 */
export async function audited<T>(
  db: Kysely<Database>,
  ctx: AuditContext,
  record: AuditRecord | ((result: T) => AuditRecord),
  change: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const result = await change(trx);
    await appendAudit(trx, ctx, typeof record === 'function' ? record(result) : record);
    return result;
  });
}

/** Records something that changed nothing in the database itself (a job started, a file exported). */
export async function recordAudit(db: Kysely<Database>, ctx: AuditContext, record: AuditRecord): Promise<void> {
  await db.transaction().execute((trx) => appendAudit(trx, ctx, record));
}
