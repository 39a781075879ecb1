// Shapes of the /api/deadletters answers (src/api/routes/dead-letters.ts) as the Dead letters screen uses them.

/** One dead letter in the list: where and why a record failed, without its raw bytes. */
export interface DeadLetterSummary {
  id: number;
  receivedAt: string;
  source: string;
  format: string;
  reason: string;
  position: string;
  size: number;
  replayCount: number;
  replayedAt: string | null;
  /** Why the last replay failed (null before any replay, or once one succeeded). */
  lastError: string | null;
}

export interface DeadLetterList {
  total: number;
  items: DeadLetterSummary[];
}

/** GET /api/deadletters/:id: the record with its raw bytes (base64) and the same bytes decoded as UTF-8. */
export interface DeadLetterRecord extends DeadLetterSummary {
  raw: string;
  rawText: string;
}

/** What a replay came to, counted from the letters after its job ended. */
export interface ReplayOutcome {
  replayed: number;
  stillFailing: number;
  /** The reason each still-failing letter gave on this replay, by id. */
  errors: { id: number; error: string }[];
}
