import type { Kysely } from 'kysely';
import type { AuditEntryRow, Database } from '../store/schema.js';

/** An entry as shown: the chain's hashes left out, the detail parsed. */
export type AuditEntryView = Omit<AuditEntryRow, 'prevHash' | 'hash' | 'detail'> & { detail: unknown };

export type AuditFilter = {
  limit: number;
  beforeId?: number | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  target?: string | undefined;
};

/** Newest first, paged by id. */
export async function listAudit(db: Kysely<Database>, f: AuditFilter): Promise<AuditEntryView[]> {
  let q = db.selectFrom('auditEntries').selectAll().orderBy('id', 'desc').limit(f.limit);
  if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId);
  if (f.actor) q = q.where('actor', '=', f.actor);
  if (f.action) q = q.where('action', 'like', `${f.action}%`);
  if (f.target) q = q.where('target', '=', f.target);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: Number(r.id),
    at: r.at,
    actor: r.actor,
    action: r.action,
    target: r.target,
    purpose: r.purpose,
    requestId: r.requestId,
    detail: r.detail ? (JSON.parse(r.detail) as unknown) : null,
  }));
}
