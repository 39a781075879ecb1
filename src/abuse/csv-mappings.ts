import type { Kysely } from 'kysely';
import { actorLabel, type Actor } from '../domain/actor.js';
import { nowIso } from '../domain/time.js';
import { UserFacingError } from '../domain/user-facing-error.js';
import { appendAudit } from '../audit/append.js';
import type { Database } from '../store/schema.js';
import { parseCsvMapping, type CsvMapping } from './formats/csv-mapping-schema.js';

// Saved column mappings for lists that arrive as spreadsheets: saved once by the operator, named on
// each import. Validated when saved and again when used (a mapping saved by an older version may no
// longer fit).

export async function loadCsvMapping(db: Kysely<Database>, name: string): Promise<CsvMapping> {
  const row = await db.selectFrom('csvMappings').select('mapping').where('name', '=', name).executeTakeFirst();
  if (!row) throw new UserFacingError(404, 'abuse.mapping_not_found', { name });
  const parsed = parseCsvMapping(JSON.parse(row.mapping));
  if (!parsed.ok)
    throw new UserFacingError(422, 'abuse.mapping_invalid', { name, problems: parsed.problems.join('; ') });
  return parsed.mapping;
}

export async function saveCsvMapping(
  db: Kysely<Database>,
  name: string,
  mapping: unknown,
  actor: Actor,
): Promise<void> {
  const parsed = parseCsvMapping(mapping);
  if (!parsed.ok)
    throw new UserFacingError(422, 'abuse.mapping_invalid', { name, problems: parsed.problems.join('; ') });
  const row = { name, mapping: JSON.stringify(mapping), updatedBy: actorLabel(actor), updatedAt: nowIso() };
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('csvMappings')
      .values(row)
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({ mapping: row.mapping, updatedBy: row.updatedBy, updatedAt: row.updatedAt }),
      )
      .execute();
    await appendAudit(trx, { actor }, { action: 'abuse.mapping.save', detail: { name } });
  });
}

export async function listCsvMappings(
  db: Kysely<Database>,
): Promise<{ name: string; updatedBy: string; updatedAt: string; description?: string }[]> {
  const rows = await db.selectFrom('csvMappings').selectAll().orderBy('name').execute();
  return rows.map((r) => {
    const description = (JSON.parse(r.mapping) as { description?: unknown }).description;
    return {
      name: r.name,
      updatedBy: r.updatedBy,
      updatedAt: r.updatedAt,
      ...(typeof description === 'string' && { description }),
    };
  });
}
