import type { Kysely } from 'kysely';
import type { Rejected } from '../../domain/format.js';
import type { LogSink } from '../../log.js';
import { putDeadLetter } from '../../store/dead-letters.js';
import type { Database } from '../../store/schema.js';

/**
 * Where a listener's unreadable messages go: the dead-letter store, under the input's name. Listeners
 * call it from socket callbacks that cannot wait, so the write runs on its own; a store that fails is
 * logged, and the listener goes on either way.
 */
export function deadLetterSink(
  db: Kysely<Database>,
  log: LogSink,
  input: string,
  format: string,
): (rejected: Rejected) => void {
  return (rejected) => {
    const letter = { source: input, format, reason: rejected.reason, position: rejected.position, raw: rejected.raw };
    putDeadLetter(db, letter).catch((err: unknown) =>
      log.error({ err, input, position: rejected.position }, 'observe: a dead letter could not be stored'),
    );
  };
}
