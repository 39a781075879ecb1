import type { Kysely } from 'kysely';
import { isRejected, type Format, type ParseContext, type Rejected } from '../domain/format.js';
import { putDeadLetter } from '../store/dead-letters.js';
import type { Database } from '../store/schema.js';
import { registerReplayer } from './replay.js';

export type DivertCounts = { accepted: number; rejected: number };

/**
 * Passes a parser's good records on and files every Rejected in the dead-letter store, so that one
 * bad line costs one dead letter and nothing else. `counts` is filled in as the records flow.
 */
export async function* divertRejected<T>(
  db: Kysely<Database>,
  records: AsyncIterable<T | Rejected>,
  origin: { source: string; format: string },
  counts: DivertCounts = { accepted: 0, rejected: 0 },
): AsyncIterable<T> {
  for await (const record of records) {
    if (isRejected(record)) {
      counts.rejected++;
      await putDeadLetter(db, { ...origin, reason: record.reason, position: record.position, raw: record.raw });
    } else {
      counts.accepted++;
      yield record;
    }
  }
}

/**
 * Makes a format's dead letters replayable: the raw bytes go through the (fixed) parser again, and the
 * records that now parse go to `ingest`, the same place the format's records normally go.
 */
export function registerFormatReplay<T>(
  format: Format<T>,
  ingest: (records: T[], source: string) => Promise<void>,
): void {
  registerReplayer(format.name, async (raw, letter) => {
    const ctx: ParseContext = { source: letter.source, input: `dead letter (${letter.position})`, now: new Date() };
    const good: T[] = [];
    const reasons: string[] = [];
    for await (const record of format.parse(once(raw), ctx)) {
      if (isRejected(record)) reasons.push(record.reason);
      else good.push(record);
    }
    if (reasons.length > 0) return { ok: false, reason: reasons.join('; ') };
    await ingest(good, letter.source);
    return { ok: true };
  });
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}
