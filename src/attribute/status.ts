import type { Kysely } from 'kysely';
import type { Config } from '../config/schema.js';
import type { Database } from '../store/schema.js';
import { listPositions } from '../store/sightings.js';
import { LEASE_POSITION_PREFIX } from './ingest/lease-file.js';
import { leaseTables } from './store/lease-store.js';

export type LeaseSourceState = {
  source: string;
  /** The configured type (file, directory, radacct, radius); undefined for a source only imported by hand. */
  type?: string | undefined;
  open: number;
  closed: number;
  /** ISO time of the newest end of an interval kept. */
  lastEnd?: string | undefined;
  /** Where reading of its file(s) stands: `path:line`. */
  position?: string | undefined;
};

/** Each lease source, configured or seen in the store, with what it holds: read from the store, so it works beside serve. */
export async function attributionStatus(
  db: Kysely<Database>,
  config: Config,
): Promise<{ sources: LeaseSourceState[] }> {
  const counts = await leaseTables(db).counts(db);
  const positions = (await listPositions(db)).filter((p) => p.input.startsWith(LEASE_POSITION_PREFIX));
  const names = new Set([...config.attribute.sources.map((s) => s.name), ...counts.map((c) => c.source)]);
  return {
    sources: [...names].sort().map((source) => {
      const c = counts.find((x) => x.source === source);
      const mine = positions
        .filter((p) => p.input === `${LEASE_POSITION_PREFIX}${source}`)
        .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
      return {
        source,
        type: config.attribute.sources.find((s) => s.name === source)?.type,
        open: c?.open ?? 0,
        closed: c?.closed ?? 0,
        lastEnd: c?.lastEndMs == null ? undefined : new Date(c.lastEndMs).toISOString(),
        position: mine[0] ? `${mine[0].path}:${mine[0].line}` : undefined,
      };
    }),
  };
}
