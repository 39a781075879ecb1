import type { Kysely } from 'kysely';
import type { MessageKey } from '../i18n/messages.js';
import type { AlertRow, Database } from './schema.js';

// Alerts: conditions an operator must act on (a publish held by a guard, a device that refused its
// files). One open alert per (kind, subject): raising it again updates it rather than piling up.

export type NewAlert = {
  kind: string;
  severity: AlertRow['severity'];
  subject: string;
  messageKey: MessageKey;
  params: Record<string, string | number>;
};

export async function raiseAlert(db: Kysely<Database>, alert: NewAlert, now = new Date()): Promise<void> {
  const at = now.toISOString();
  const params = JSON.stringify(alert.params);
  const updated = await db
    .updateTable('alerts')
    .set({ severity: alert.severity, messageKey: alert.messageKey, params, updatedAt: at })
    .where('kind', '=', alert.kind)
    .where('subject', '=', alert.subject)
    .where('resolvedAt', 'is', null)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) > 0) return;
  await db
    .insertInto('alerts')
    .values({ ...alert, params, createdAt: at, updatedAt: at, resolvedAt: null })
    .execute();
}

/** Closes the open alerts of these kinds about `subject` (the condition has cleared). */
export async function resolveAlerts(db: Kysely<Database>, kinds: string[], subject: string, now = new Date()) {
  await db
    .updateTable('alerts')
    .set({ resolvedAt: now.toISOString() })
    .where('kind', 'in', kinds)
    .where('subject', '=', subject)
    .where('resolvedAt', 'is', null)
    .execute();
}

export async function openAlerts(db: Kysely<Database>): Promise<AlertRow[]> {
  return db.selectFrom('alerts').selectAll().where('resolvedAt', 'is', null).orderBy('id', 'desc').execute();
}
