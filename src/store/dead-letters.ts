import type { Kysely } from 'kysely';
import { nowIso } from '../domain/time.js';
import type { Database, DeadLetterRow } from './schema.js';

/** What a parser hands over when it cannot read a record: nothing is dropped silently. */
export type DeadLetterInput = {
  source: string;
  format: string;
  reason: string;
  /** Where in the input: `feeds/urlhaus.csv:1042`, `syslog 192.0.2.1:514 @ byte 88`, `mail <id>`. */
  position: string;
  raw: Uint8Array;
};

export type DeadLetter = Omit<DeadLetterRow, 'raw'> & { id: number };
export type DeadLetterFilter = {
  source?: string | undefined;
  format?: string | undefined;
  limit: number;
  offset: number;
};

/** Raw bytes beyond this are cut (and the cut said in the reason): one bad line must not fill the disk. */
export const MAX_RAW_BYTES = 64 * 1024;

export async function putDeadLetter(db: Kysely<Database>, input: DeadLetterInput): Promise<number> {
  const cut = input.raw.byteLength > MAX_RAW_BYTES;
  const raw = cut ? input.raw.subarray(0, MAX_RAW_BYTES) : input.raw;
  const row = await db
    .insertInto('deadLetters')
    .values({
      receivedAt: nowIso(),
      source: input.source,
      format: input.format,
      reason: cut
        ? `${input.reason} (raw record cut to ${MAX_RAW_BYTES} of ${input.raw.byteLength} bytes)`
        : input.reason,
      position: input.position,
      raw: Buffer.from(raw),
      size: input.raw.byteLength,
      replayCount: 0,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

const summaryColumns = [
  'id',
  'receivedAt',
  'source',
  'format',
  'reason',
  'position',
  'size',
  'replayCount',
  'replayedAt',
  'lastError',
] as const;

export async function listDeadLetters(
  db: Kysely<Database>,
  f: DeadLetterFilter,
): Promise<{ total: number; items: DeadLetter[] }> {
  let base = db.selectFrom('deadLetters');
  if (f.source) base = base.where('source', '=', f.source);
  if (f.format) base = base.where('format', '=', f.format);
  const [count, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    base.select(summaryColumns).orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute(),
  ]);
  return { total: Number(count.n), items: rows.map((r) => ({ ...r, id: Number(r.id) })) };
}

export async function getDeadLetter(db: Kysely<Database>, id: number): Promise<DeadLetterRow | undefined> {
  return db.selectFrom('deadLetters').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Counts per (source, format, replayed or not), for /metrics. */
export async function countDeadLetters(
  db: Kysely<Database>,
): Promise<{ source: string; format: string; pending: number; replayed: number }[]> {
  const rows = await db
    .selectFrom('deadLetters')
    .select(['source', 'format'])
    .select((eb) => [eb.fn.countAll<number>().as('total'), eb.fn.count<number>('replayedAt').as('replayed')])
    .groupBy(['source', 'format'])
    .execute();
  return rows.map((r) => ({
    source: r.source,
    format: r.format,
    pending: Number(r.total) - Number(r.replayed),
    replayed: Number(r.replayed),
  }));
}

export async function recordReplay(
  db: Kysely<Database>,
  id: number,
  outcome: { ok: true } | { ok: false; error: string },
): Promise<void> {
  await db
    .updateTable('deadLetters')
    .set((eb) => ({
      replayCount: eb('replayCount', '+', 1),
      replayedAt: outcome.ok ? nowIso() : null,
      lastError: outcome.ok ? null : outcome.error,
    }))
    .where('id', '=', id)
    .execute();
}

/** Deletes dead letters by id, or all older than a time; returns how many went. */
export async function deleteDeadLetters(
  db: Kysely<Database>,
  which: { ids: number[] } | { receivedBefore: string } | { replayed: true },
): Promise<number> {
  let q = db.deleteFrom('deadLetters');
  if ('ids' in which) q = q.where('id', 'in', which.ids.length ? which.ids : [-1]);
  else if ('receivedBefore' in which) q = q.where('receivedAt', '<', which.receivedBefore);
  else q = q.where('replayedAt', 'is not', null);
  const result = await q.executeTakeFirst();
  return Number(result.numDeletedRows);
}
