// GET /api/dashboard (src/api/routes/dashboard.ts). Times are ISO 8601 UTC strings.

export type DashboardRange = '24h' | '30d';
export type CaseAgeBucket = 'day' | 'week' | 'month' | 'older';
export type OpenCaseState = 'new' | 'notified' | 'reminded' | 'restricted';
export const CASE_AGE_BUCKETS: readonly CaseAgeBucket[] = ['day', 'week', 'month', 'older'];

export interface CategorySeries {
  category: string;
  /** One count per bucket, oldest first. */
  counts: number[];
  total: number;
}

export interface TopIndicator {
  type: string;
  value: string;
  categories: string[];
  sightings: number;
  hits: number;
  clients: number;
}

export interface TopSubscriber {
  subscriber: string;
  sightings: number;
  hits: number;
  indicators: number;
}

export interface OpenCasesOfState {
  state: OpenCaseState;
  total: number;
  byAge: Record<CaseAgeBucket, number>;
}

export interface FeedHealth {
  name: string;
  format: string;
  mode: string;
  configured: boolean;
  lastRunAt: string | null;
  status: 'never' | 'error' | 'held' | 'ok';
  error: string | null;
  total: number | null;
  rejected: number | null;
  held: { wouldRetire: number; of: number } | null;
  deadLetters: number;
}

export interface PointVersion {
  version: number;
  status: string;
  entries: number;
  at: string | null;
}

export interface EnforcementRow {
  point: string;
  enabled: boolean;
  monitor: boolean;
  live: PointVersion | null;
  pending: PointVersion | null;
}

export interface ObservationDrops {
  input: string;
  observed: number;
  rejected: number;
  dropped: number;
}

export interface Dashboard {
  generatedAt: string;
  range: DashboardRange;
  timeZone: string;
  sightings: { bucket: 'hour' | 'day'; starts: string[]; series: CategorySeries[] };
  /** Null when the user may not read sightings (viewer). */
  topIndicators: TopIndicator[] | null;
  topSubscribers: TopSubscriber[] | null;
  cases: { open: number; byState: OpenCasesOfState[]; byAge: Record<CaseAgeBucket, number> };
  feeds: FeedHealth[];
  enforcement: EnforcementRow[];
  deadLetters: number;
  /** The last hour, per observation input. */
  observation: ObservationDrops[];
}
