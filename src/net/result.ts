import type { Indicator } from '../domain/indicator.js';

/** A normalised indicator, or why the input is not one (said so a person can fix the feed or the config). */
export type Normalised = { ok: true; indicator: Indicator } | { ok: false; reason: string };

export function invalid(reason: string): Normalised {
  return { ok: false, reason };
}
