import type { IngestResult } from './ingest.js';

/** One line for a fetch or import job's message: what the run did, as `mizugiwa intel fetch` prints it. */
export function ingestSummary(r: IngestResult): string {
  const line =
    `${r.accepted} accepted (${r.suppressed} suppressed by allowlists, ${r.flagged} flagged), ` +
    `${r.rejected} rejected to dead letters, ${r.retired} retired; ${r.total} claims now`;
  return r.held
    ? `${line}. HELD: this snapshot would retire ${r.held.wouldRetire} of ${r.held.of}; nothing was retired (approve to apply)`
    : line;
}
