import type { Kysely } from 'kysely';
import { audited } from '../audit/append.js';
import { actorLabel, type AuditContext } from '../domain/actor.js';
import { nowIso } from '../domain/time.js';
import type { Database } from '../store/schema.js';
import type { HoldRange } from './store/lease-store.js';

// A legal hold keeps the intervals of an address, prefix or subscriber key in a time range past their
// retention: a disclosure request or litigation needs the evidence that a routine cleanup would drop.

export type LegalHoldInput = { subject: string; from: string; until: string; reason: string };

export async function addLegalHold(db: Kysely<Database>, ctx: AuditContext, hold: LegalHoldInput): Promise<number> {
  const from = Date.parse(hold.from);
  const until = Date.parse(hold.until);
  if (Number.isNaN(from) || Number.isNaN(until) || until < from) {
    throw new Error(
      `a legal hold needs --from and --until as ISO 8601 times, from before until (got ${hold.from} / ${hold.until})`,
    );
  }
  return audited(
    db,
    ctx,
    (id: number) => ({ action: 'legal-hold.add', target: `legal-hold:${id}`, detail: { ...hold } }),
    async (trx) => {
      const row = await trx
        .insertInto('legalHolds')
        .values({
          subject: hold.subject.trim(),
          fromAt: new Date(from).toISOString(),
          untilAt: new Date(until).toISOString(),
          reason: hold.reason,
          createdBy: actorLabel(ctx.actor),
          createdAt: nowIso(),
          releasedAt: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return Number(row.id);
    },
  );
}

export async function releaseLegalHold(db: Kysely<Database>, ctx: AuditContext, id: number): Promise<void> {
  await audited(db, ctx, { action: 'legal-hold.release', target: `legal-hold:${id}` }, async (trx) => {
    await trx.updateTable('legalHolds').set({ releasedAt: nowIso() }).where('id', '=', id).execute();
  });
}

export async function listLegalHolds(db: Kysely<Database>) {
  return db.selectFrom('legalHolds').selectAll().orderBy('id').execute();
}

/** The holds in force, as the interval store's retention takes them. */
export async function activeHoldRanges(db: Kysely<Database>): Promise<HoldRange[]> {
  const rows = await db.selectFrom('legalHolds').selectAll().where('releasedAt', 'is', null).execute();
  return rows.map((r) => ({ subject: r.subject, fromMs: Date.parse(r.fromAt), untilMs: Date.parse(r.untilAt) }));
}
