import type { Kysely } from 'kysely';
import type { Observation } from '../domain/observation.js';
import { registerReplayer } from '../deadletter/replay.js';
import type { IndicatorRef } from '../match/live.js';
import type { Match, Matcher } from '../match/matcher.js';
import type { Database } from '../store/schema.js';
import { writeObservationFlush } from '../store/sightings.js';
import { decodeDnstapFrame } from './dnstap/observation.js';
import { LINE_FORMATS } from './formats.js';
import type { LineFormatName } from './line-format.js';
import { localTimeIn } from './local-time.js';
import { matchObservation } from './match-observation.js';
import { sightingOf } from './sighting-of.js';

/**
 * Makes the observation formats' dead letters replayable: after a parser fix, the line (or dnstap
 * frame) is read again and, if it now gives an observation that matches, summed into its sighting
 * like any other. A line needing context it no longer has (a Postfix qmgr line without its smtpd
 * client line) stays a dead letter, with that reason.
 */
export function registerObserveReplayers(
  db: Kysely<Database>,
  options: {
    /** The indicators as they stand now (built on first use by a CLI run). */
    matcher: () => Matcher<IndicatorRef> | Promise<Matcher<IndicatorRef>>;
    windowMs: number;
    zone: string;
  },
): void {
  const localTime = localTimeIn(options.zone === '' ? Intl.DateTimeFormat().resolvedOptions().timeZone : options.zone);
  const apply = async (input: string, parsed: Observation | string | null) => {
    if (parsed === null) return { ok: false as const, reason: 'the record reads now, but it is not an observation' };
    if (typeof parsed === 'string') return { ok: false as const, reason: parsed };
    const matches = matchObservation(parsed, await options.matcher(), [] as Match<IndicatorRef>[]);
    if (matches.length > 0)
      await writeObservationFlush(db, {
        sightings: matches.map((m) => sightingOf(input, parsed, m, options.windowMs)),
        counts: [],
        deadLetters: [],
        raw: [],
        positions: [],
      });
    return { ok: true as const };
  };
  for (const name of Object.keys(LINE_FORMATS) as LineFormatName[]) {
    registerReplayer(name, async (raw, letter) => {
      const line = new TextDecoder().decode(raw).replace(/\r?\n$/, '');
      return apply(letter.source, LINE_FORMATS[name].create().parseLine(line, { now: Date.now(), localTime }));
    });
  }
  registerReplayer('dnstap', async (raw, letter) => apply(letter.source, decodeDnstapFrame(raw)));
}
