import type { Kysely } from 'kysely';
import type { Config } from '../config/index.js';
import { POINT_NAMES } from '../enforce/snapshot.js';
import type { IngestResult } from '../intel/ingest.js';
import type { Database } from '../store/schema.js';

// The dashboard's health rows: each intel source as its last run left it, and each enforcement
// point's live and pending versions. Both read a handful of rows per source or point.

export type FeedHealth = {
  name: string;
  format: string;
  mode: string;
  configured: boolean;
  lastRunAt: string | null;
  /** never: not run yet; error: the last run failed; held: a full snapshot waits for approval; ok. */
  status: 'never' | 'error' | 'held' | 'ok';
  /** The last run's failure. */
  error: string | null;
  /** Claims the source holds after its last successful run. */
  total: number | null;
  /** Rows the last run could not read (kept as dead letters). */
  rejected: number | null;
  /** A held full snapshot: how many claims it would retire, of how many. */
  held: { wouldRetire: number; of: number } | null;
  /** Dead letters of this source not replayed yet. */
  deadLetters: number;
};

type StoredResult = Partial<IngestResult> & { error?: string };

export async function feedHealth(
  db: Kysely<Database>,
  config: Config,
  deadLettersBySource: Map<string, number>,
): Promise<FeedHealth[]> {
  const rows = await db.selectFrom('intelSources').selectAll().execute();
  const stored = new Map(rows.map((r) => [r.name, r]));
  const names = [...new Set([...config.intel.sources.map((s) => s.name), ...stored.keys()])].sort();
  return names.map((name) => {
    const configured = config.intel.sources.find((s) => s.name === name);
    const row = stored.get(name);
    const last = row?.lastResult ? (JSON.parse(row.lastResult) as StoredResult) : null;
    const status: FeedHealth['status'] = !row?.lastRunAt
      ? 'never'
      : last?.error !== undefined
        ? 'error'
        : last?.held
          ? 'held'
          : 'ok';
    return {
      name,
      format: configured?.format ?? row?.format ?? '',
      mode: configured?.mode ?? row?.mode ?? '',
      configured: configured !== undefined,
      lastRunAt: row?.lastRunAt ?? null,
      status,
      error: last?.error ?? null,
      total: last?.total ?? null,
      rejected: last?.rejected ?? null,
      held: last?.held ? { wouldRetire: last.held.wouldRetire, of: last.held.of } : null,
      deadLetters: deadLettersBySource.get(name) ?? 0,
    };
  });
}

export type PointVersion = { version: number; status: string; entries: number; at: string | null };

export type EnforcementRow = {
  point: string;
  enabled: boolean;
  /** Published so the device only logs what it would block (shadow mode). */
  monitor: boolean;
  live: PointVersion | null;
  /** The newest version when it is not live: held for approval, failed or rejected. */
  pending: PointVersion | null;
};

/** Versions looked at per point: the live one is normally among the last few. */
const RECENT_VERSIONS = 20;

export async function enforcementStatus(db: Kysely<Database>, config: Config): Promise<EnforcementRow[]> {
  return Promise.all(
    POINT_NAMES.map(async (point) => {
      const recent = await db
        .selectFrom('enforceVersions')
        .select(['version', 'status', 'entries', 'createdAt', 'publishedAt'])
        .where('point', '=', point)
        .orderBy('version', 'desc')
        .limit(RECENT_VERSIONS)
        .execute();
      const live = recent.find((v) => v.status === 'live');
      const latest = recent[0];
      const pending = latest && latest.status !== 'live' && latest.status !== 'superseded' ? latest : undefined;
      const view = (v: (typeof recent)[number]): PointVersion => ({
        version: v.version,
        status: v.status,
        entries: v.entries,
        at: v.status === 'live' ? v.publishedAt : v.createdAt,
      });
      return {
        point,
        enabled: config.enforce[point].enabled,
        monitor: config.enforce.monitor || config.enforce[point].monitor,
        live: live ? view(live) : null,
        pending: pending ? view(pending) : null,
      };
    }),
  );
}
