import type { Kysely } from 'kysely';
import { UserFacingError } from '../domain/user-facing-error.js';
import type { Rejected } from '../domain/format.js';
import { divertRejected } from '../deadletter/divert.js';
import type { Progress } from '../jobs/run.js';
import { normalise, inferType } from '../net/normalise.js';
import { putDeadLetter } from '../store/dead-letters.js';
import type { Database } from '../store/schema.js';
import { claimWriter, countClaims, retireClaims, type NewClaim } from './claims-store.js';
import type { ClaimRecord } from './claim-record.js';
import type { SourceSpec } from './source.js';
import type { AllowChecker } from './allowlist/check.js';

export type IngestResult = {
  generation: number;
  accepted: number;
  rejected: number;
  /** Accepted claims an allowlist suppressed (kept, never blocked) or flagged for review. */
  suppressed: number;
  flagged: number;
  /** Claims of the source after the run. */
  total: number;
  retired: number;
  /** Set when a full snapshot would have retired too much: nothing was retired; `intel approve` does it. */
  held: { wouldRetire: number; of: number; share: number } | null;
};

/** Rows per write: one SQLite transaction, or one PostgreSQL statement. */
const BATCH = 20_000;

/**
 * Writes a parsed feed into the source's claims: each record normalised (or filed as a dead letter
 * with the reason), the source's defaults and time-to-live filled in, upserted in batches. For a full
 * snapshot, the claims it no longer lists are retired — unless that would remove more than the
 * source's `maxRetireShare`, which looks like a broken feed: then the run is held for review.
 * Allowlisted indicators are stored, marked with the list and entry, and never count as effective.
 */
export async function ingest(
  db: Kysely<Database>,
  source: SourceSpec,
  records: AsyncIterable<ClaimRecord | Rejected>,
  options: { now?: Date; progress?: Progress; allow?: AllowChecker } = {},
): Promise<IngestResult> {
  const now = options.now ?? new Date();
  const nowIso = now.toISOString();
  const generation = await nextGeneration(db, source, nowIso);
  const counts = { accepted: 0, rejected: 0 };
  let suppressed = 0;
  let flagged = 0;
  let batch: NewClaim[] = [];
  const writer = claimWriter(db);
  const flush = async () => {
    const rows = batch;
    batch = [];
    await writer.add(rows);
  };

  // Whatever was read before a failure is kept, as a delta would be: close() merges what is staged.
  try {
    for await (const record of divertRejected(db, records, { source: source.name, format: source.format }, counts)) {
      if (options.progress?.signal.aborted) break;
      const type = record.type ?? inferType(record.value);
      const normalised = normalise(type, record.value);
      if (!normalised.ok) {
        counts.accepted--;
        counts.rejected++;
        await putDeadLetter(db, {
          source: source.name,
          format: source.format,
          reason: normalised.reason,
          position: record.position,
          raw: record.raw,
        });
        continue;
      }
      const { indicator } = normalised;
      const verdict = options.allow?.check(indicator);
      const because = verdict && `${verdict.list} / ${verdict.entry}`;
      if (verdict?.mode === 'block') suppressed++;
      else if (verdict) flagged++;
      const lastSeen = record.lastSeen ?? nowIso;
      const ttl = source.defaults.ttlSeconds[indicator.type] * 1000;
      batch.push({
        source: source.name,
        type: indicator.type,
        value: indicator.value,
        category: record.category ?? source.defaults.category,
        confidence: clampConfidence(record.confidence ?? source.defaults.confidence),
        tags: record.tags?.length ? JSON.stringify(record.tags) : null,
        firstSeen: record.firstSeen ?? lastSeen,
        lastSeen,
        // A feed's own expiry wins; otherwise the claim lives for the type's TTL after the later of
        // "last seen" and this run (the feed listed it now, so it is current now).
        validUntil: record.validUntil ?? new Date(Math.max(Date.parse(lastSeen), now.getTime()) + ttl).toISOString(),
        tlp: record.tlp ?? source.defaults.tlp,
        reference: record.reference ?? null,
        mode: source.mode === 'monitor' ? 'monitor' : (record.mode ?? 'block'),
        attributes:
          record.attributes && Object.keys(record.attributes).length ? JSON.stringify(record.attributes) : null,
        suppressedBy: verdict?.mode === 'block' ? (because as string) : null,
        reviewBy: verdict?.mode === 'inform' ? (because as string) : null,
        generation,
        updatedAt: nowIso,
      });
      options.progress?.advance();
      if (batch.length >= BATCH) await flush();
    }
    await flush();
  } finally {
    await writer.close();
  }

  let retired = 0;
  let held: IngestResult['held'] = null;
  if (source.snapshot === 'full' && !options.progress?.signal.aborted) {
    const before = await countClaims(db, source.name);
    const vanished = await countClaims(db, source.name, generation);
    const share = before === 0 ? 0 : vanished / before;
    if (vanished > 0 && share > source.maxRetireShare) {
      held = { wouldRetire: vanished, of: before, share: Math.round(share * 1000) / 1000 };
    } else {
      retired = await retireClaims(db, source.name, generation);
    }
  }
  const result: IngestResult = {
    generation,
    accepted: counts.accepted,
    rejected: counts.rejected,
    suppressed,
    flagged,
    total: await countClaims(db, source.name),
    retired,
    held,
  };
  await db
    .updateTable('intelSources')
    .set({ lastRunAt: nowIso, lastResult: JSON.stringify(result), updatedAt: nowIso })
    .where('name', '=', source.name)
    .execute();
  return result;
}

/**
 * Applies a held snapshot: retires what the last run no longer listed, and records that the run is no
 * longer held (so lists stop showing it, and a second approve is refused rather than a no-op).
 */
export async function approveHeldSnapshot(
  db: Kysely<Database>,
  sourceName: string,
): Promise<{ retired: number; total: number }> {
  const row = await db
    .selectFrom('intelSources')
    .select(['generation', 'lastResult'])
    .where('name', '=', sourceName)
    .executeTakeFirst();
  if (!row) throw new UserFacingError(404, 'intel.source_not_found', { name: sourceName });
  const last = row.lastResult ? (JSON.parse(row.lastResult) as IngestResult) : null;
  if (!last?.held) throw new UserFacingError(409, 'intel.not_held', { name: sourceName });
  const retired = await retireClaims(db, sourceName, row.generation);
  const total = await countClaims(db, sourceName);
  const next: IngestResult = { ...last, retired: last.retired + retired, total, held: null };
  await db
    .updateTable('intelSources')
    .set({ lastResult: JSON.stringify(next), updatedAt: new Date().toISOString() })
    .where('name', '=', sourceName)
    .execute();
  return { retired, total };
}

async function nextGeneration(db: Kysely<Database>, source: SourceSpec, nowIso: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('intelSources')
      .values({
        name: source.name,
        format: source.format,
        location: source.location ?? null,
        snapshot: source.snapshot,
        mode: source.mode,
        generation: 0,
        createdAt: nowIso,
        updatedAt: nowIso,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    // Only a full snapshot starts a new generation: a delta run (or a dead-letter replay) joins the
    // current one, so it can never make the last snapshot's claims look stale.
    const step = source.snapshot === 'full' ? 1 : 0;
    const row = await trx
      .updateTable('intelSources')
      .set((eb) => ({ generation: eb('generation', '+', step), updatedAt: nowIso }))
      .where('name', '=', source.name)
      .returning('generation')
      .executeTakeFirstOrThrow();
    if (Number(row.generation) === 0) {
      await trx.updateTable('intelSources').set({ generation: 1 }).where('name', '=', source.name).execute();
      return 1;
    }
    return Number(row.generation);
  });
}

function clampConfidence(n: number): number {
  return Math.max(0, Math.min(100, Math.round(n)));
}
