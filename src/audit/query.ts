import { sql, type Kysely } from 'kysely';
import type { AuditEntryRow, Database } from '../store/schema.js';

/** An entry as shown: the chain's hashes left out, the detail parsed. */
export type AuditEntryView = Omit<AuditEntryRow, 'prevHash' | 'hash' | 'detail'> & { detail: unknown };

export type AuditFilter = {
  limit: number;
  beforeId?: number | undefined;
  /** Exactly this actor: `user:admin`, `token:7:ci-export`. */
  actor?: string | undefined;
  /** Actions starting with this: `subscriber.` or `auth.login`. */
  action?: string | undefined;
  /** Exactly this target, or, ending in `*`, targets starting with what comes before it (`address:192.0.2.5*`). */
  target?: string | undefined;
  /** Purposes starting with this: `abuse-notice` (any reference) or `abuse-notice: CASE-9`. */
  purpose?: string | undefined;
};

/** `value` as the start of a LIKE pattern: its own `%`, `_` and `\` match only themselves. */
function startsWith(value: string): string {
  return `${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Newest first, paged by id. */
export async function listAudit(db: Kysely<Database>, f: AuditFilter): Promise<AuditEntryView[]> {
  let q = db.selectFrom('auditEntries').selectAll().orderBy('id', 'desc').limit(f.limit);
  if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId);
  if (f.actor) q = q.where('actor', '=', f.actor);
  if (f.action) q = q.where(sql<boolean>`action like ${startsWith(f.action)} escape '\\'`);
  if (f.target?.endsWith('*')) q = q.where(sql<boolean>`target like ${startsWith(f.target.slice(0, -1))} escape '\\'`);
  else if (f.target) q = q.where('target', '=', f.target);
  if (f.purpose) q = q.where(sql<boolean>`purpose like ${startsWith(f.purpose)} escape '\\'`);
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
