/** What the status screen and `observe status` show per input. */
export type InputStatus = {
  input: string;
  format: string;
  /** Lines or dnstap frames read. */
  units: number;
  bytes: number;
  observed: number;
  matched: number;
  rejected: number;
  dropped: number;
  /** Lines or frames per second over the last minute. */
  rate: number;
  position: { path: string; offset: number; line: number } | null;
  lastAt: string | null;
};

export type InputStats = {
  units: number;
  bytes: number;
  observed: number;
  matched: number;
  rejected: number;
  dropped: number;
  position: InputStatus['position'];
  lastAt: number;
  /** [ms, units] samples, one per status read at most every second, for the rate. */
  samples: [number, number][];
};

const RATE_WINDOW_MS = 60_000;

/** Counters per input, kept in memory by the running pipeline (the durable counts are in the store). */
export function createInputStats(): { of(input: string, format: string): InputStats; list(): InputStatus[] } {
  const byInput = new Map<string, InputStats & { format: string }>();
  return {
    of(input, format) {
      let s = byInput.get(input);
      if (!s) {
        s = {
          format,
          units: 0,
          bytes: 0,
          observed: 0,
          matched: 0,
          rejected: 0,
          dropped: 0,
          position: null,
          lastAt: 0,
          samples: [],
        };
        byInput.set(input, s);
      }
      return s;
    },
    list() {
      const now = Date.now();
      return [...byInput.entries()].map(([input, s]) => {
        const last = s.samples[s.samples.length - 1];
        if (!last || now - last[0] >= 1000) s.samples.push([now, s.units]);
        while (s.samples.length > 2 && now - s.samples[0]![0] > RATE_WINDOW_MS) s.samples.shift();
        const first = s.samples[0]!;
        const span = (now - first[0]) / 1000;
        return {
          input,
          format: s.format,
          units: s.units,
          bytes: s.bytes,
          observed: s.observed,
          matched: s.matched,
          rejected: s.rejected,
          dropped: s.dropped,
          rate: span > 0 ? (s.units - first[1]) / span : 0,
          position: s.position,
          lastAt: s.lastAt ? new Date(s.lastAt).toISOString() : null,
        };
      });
    },
  };
}
