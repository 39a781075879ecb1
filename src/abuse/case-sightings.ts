import { OPEN_CASE_STATES, type CaseState } from '../domain/abuse-case.js';

// Which sightings belong with a case: those attributed to its subscriber while the case's problem was
// around. Reports arrive late and a sighting may come before the first report, so the window reaches one
// aggregation window (the class's, as events are grouped into cases) before the first event; it ends
// that long after the last event, or not at all while the case is open — a machine still reaching its
// C2 server is what the desk wants to see.

const DAY_MS = 86_400_000;

export type SightingWindow = { from: string; to: string | null };

export function caseSightingWindow(
  kase: { state: string; firstEventAt: string; lastEventAt: string },
  windowDays: number,
): SightingWindow {
  const margin = windowDays * DAY_MS;
  const from = new Date(Date.parse(kase.firstEventAt) - margin).toISOString();
  if (OPEN_CASE_STATES.includes(kase.state as CaseState)) return { from, to: null };
  return { from, to: new Date(Date.parse(kase.lastEventAt) + margin).toISOString() };
}
