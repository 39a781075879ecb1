import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { getDeadLetter, recordReplay } from '../store/dead-letters.js';
import type { Progress } from '../jobs/run.js';
import { UserFacingError } from '../domain/user-facing-error.js';

/**
 * Feeds one dead letter's raw bytes back through its format's parser and on into the pipeline.
 * Each input format registers one, keyed by its format name, when its module loads.
 */
export type Replayer = (
  raw: Uint8Array,
  letter: { source: string; format: string; position: string },
) => Promise<{ ok: true } | { ok: false; reason: string }>;

const replayers = new Map<string, Replayer>();

export function registerReplayer(format: string, replayer: Replayer): void {
  replayers.set(format, replayer);
}

export function replayableFormats(): string[] {
  return [...replayers.keys()].sort();
}

export type ReplaySummary = { replayed: number; stillRejected: number; skipped: number };

/**
 * Replays dead letters by id (after the parser was fixed, or the source's config was). Those that now
 * parse are marked replayed; those that still fail keep the new reason in last_error.
 */
export async function replayDeadLetters(
  db: Kysely<Database>,
  ids: number[],
  progress?: Progress,
): Promise<ReplaySummary> {
  const summary: ReplaySummary = { replayed: 0, stillRejected: 0, skipped: 0 };
  progress?.setTotal(ids.length);
  for (const id of ids) {
    if (progress?.signal.aborted) break;
    const letter = await getDeadLetter(db, id);
    if (!letter) throw new UserFacingError(404, 'deadletter.not_found', { id });
    const replayer = replayers.get(letter.format);
    if (!replayer) throw new UserFacingError(409, 'deadletter.no_replayer', { format: letter.format });
    if (letter.replayedAt) {
      summary.skipped++;
    } else {
      let outcome: { ok: true } | { ok: false; error: string };
      try {
        const r = await replayer(new Uint8Array(letter.raw), letter);
        outcome = r.ok ? { ok: true } : { ok: false, error: r.reason };
      } catch (err) {
        outcome = { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
      await recordReplay(db, id, outcome);
      if (outcome.ok) summary.replayed++;
      else summary.stillRejected++;
    }
    progress?.advance();
  }
  return summary;
}
