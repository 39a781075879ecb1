import type { Observation, ObservationPoint } from '../domain/observation.js';

/** The text log formats `observe replay --format` and input configs name. */
export const LINE_FORMAT_NAMES = ['bind-querylog', 'unbound-log', 'squid', 'nftables-log', 'postfix'] as const;
export type LineFormatName = (typeof LINE_FORMAT_NAMES)[number];

/** What a line parser may know besides the line: never a clock of its own. */
export type LineContext = {
  /** The time to take as now, in ms: year-less syslog stamps take the year that puts them nearest before it. */
  now: number;
  /** Turns a local wall-clock time (a log stamp without a zone) into ms since the epoch. */
  localTime: (
    year: number,
    month: number,
    day: number,
    hour: number,
    minute: number,
    second: number,
    ms: number,
  ) => number;
};

/**
 * A log format read one line at a time. `parseLine` is pure and does not throw:
 *  - an Observation when the line records something seen,
 *  - null when the line is well-formed but not an observation (a start-up message, another daemon's line),
 *  - a string saying what is wrong when it is meant to be one but cannot be read (it goes to dead letters).
 * Lines arrive without their end-of-line; they may carry a syslog prefix (see syslog-prefix.ts).
 */
export interface LineFormat {
  name: LineFormatName;
  point: ObservationPoint;
  parseLine(line: string, ctx: LineContext): Observation | string | null;
}
