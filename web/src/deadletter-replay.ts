// Replay as the screen runs it: which letters a "replay all of this source" covers, and what a finished replay
// came to, both read from the list API (the replay job itself reports only progress).
import { api } from './api';
import type { DeadLetterList, DeadLetterSummary, ReplayOutcome } from './api-types/deadletters';

const PAGE = 500;
/** The replay API's own limit on ids per request. */
export const MAX_REPLAY_IDS = 100_000;

/** Every dead letter of one source, paging through the list 500 at a time. */
export async function lettersOfSource(source: string): Promise<DeadLetterSummary[]> {
  const letters: DeadLetterSummary[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const query = new URLSearchParams({ source, limit: String(PAGE), offset: String(offset) });
    const page = await api.get<DeadLetterList>(`/api/deadletters?${query}`);
    letters.push(...page.items);
    if (page.items.length < PAGE || letters.length >= page.total || letters.length >= MAX_REPLAY_IDS) return letters;
  }
}

/** The letters a replay of this source would feed again: those not yet replayed successfully. */
export function waitingIds(letters: readonly DeadLetterSummary[]): number[] {
  return letters
    .filter((l) => l.replayedAt === null)
    .map((l) => l.id)
    .slice(0, MAX_REPLAY_IDS);
}

/** Counts a finished replay: a letter that now has replayedAt went through; the others still fail. */
export function replayOutcome(ids: readonly number[], after: readonly DeadLetterSummary[]): ReplayOutcome {
  const byId = new Map(after.map((l) => [l.id, l]));
  const outcome: ReplayOutcome = { replayed: 0, stillFailing: 0, errors: [] };
  for (const id of ids) {
    const letter = byId.get(id);
    // A letter purged meanwhile counts as neither.
    if (!letter) continue;
    if (letter.replayedAt !== null) outcome.replayed++;
    else {
      outcome.stillFailing++;
      if (letter.lastError) outcome.errors.push({ id, error: letter.lastError });
    }
  }
  return outcome;
}
