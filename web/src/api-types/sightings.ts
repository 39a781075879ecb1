// GET /api/sightings's query (src/api/routes/sightings.ts) as the Sightings screen sends it: the filter of
// types.ts plus the subscriber the dashboard's "top subscribers" links to.
import type { SightingFilter } from '../types';

export interface SightingQuery extends SightingFilter {
  /** A subscriber ID, matched exactly (sightings attributed to it). */
  subscriber?: string;
}
