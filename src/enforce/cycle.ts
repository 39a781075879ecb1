import { resolve } from 'node:path';
import type { Kysely } from 'kysely';
import { restrictedClientAddresses } from '../abuse/restrictions/active-clients.js';
import type { Config } from '../config/index.js';
import type { AuditContext } from '../domain/actor.js';
import { UserFacingError } from '../domain/user-facing-error.js';
import type { Allowlist } from '../intel/allowlist/entry.js';
import type { Database } from '../store/schema.js';
import { buildSnapshots, enabledPoints, type Snapshots } from './policy.js';
import { configWithPointModes } from './point-modes.js';
import { pointNamed } from './points.js';
import { diffSorted } from './diff.js';
import { latestVersion, liveKeys, publishPoint, type PublishOutcome } from './publish.js';
import { POINT_NAMES, type PointName } from './snapshot.js';

export type CycleContext = {
  db: Kysely<Database>;
  config: Config;
  allowlists: Allowlist[];
  audit: AuditContext;
  /**
   * Walled-garden subscribers' prefixes (the abuse desk's restrictions), carried as rpz-client-ip.
   * Unset: read from the active restrictions, so every publisher (serve, the CLI) carries them.
   */
  restrictedClients?: string[];
  now?: Date;
};

export type CycleResult = { outcomes: PublishOutcome[]; nextExpiry: string | null; stopped: number };

/** The point named, if it exists and is enabled; otherwise a message that says which do. */
export function enabledPoint(config: Config, name: string): PointName {
  if (!(POINT_NAMES as readonly string[]).includes(name)) {
    throw new UserFacingError(404, 'enforce.unknown_point', { point: name, points: POINT_NAMES.join(', ') });
  }
  if (!config.enforce[name as PointName].enabled)
    throw new UserFacingError(409, 'enforce.point_disabled', { point: name });
  return name as PointName;
}

/**
 * The one place a cycle reads its config: the file's, with the point modes switched from the console
 * (enforce_point_modes) applied, so every publisher (serve, the CLI) publishes the same modes.
 */
async function withConsoleModes(ctx: CycleContext): Promise<CycleContext> {
  return { ...ctx, config: await configWithPointModes(ctx.db, ctx.config) };
}

async function snapshotsNow(ctx: CycleContext): Promise<Snapshots> {
  const clients = ctx.restrictedClients ?? (await restrictedClientAddresses(ctx.db));
  return buildSnapshots(ctx.db, ctx.config, ctx.allowlists, ctx.now ?? new Date(), clients);
}

/** Publishes every enabled point (or only `only`) from one snapshot of the effective claims. */
export async function runEnforceCycle(given: CycleContext, only?: PointName): Promise<CycleResult> {
  const ctx = await withConsoleModes(given);
  const { snapshots, stopped, nextExpiry } = await snapshotsNow(ctx);
  const outcomes: PublishOutcome[] = [];
  for (const name of only ? [only] : enabledPoints(ctx.config)) {
    outcomes.push(await publishPoint(publishContext(ctx), pointNamed(name), snapshots.get(name)!, stopped));
  }
  return { outcomes, nextExpiry, stopped: stopped.length };
}

/** Approves the held version of a point: published if the change is still the one that was held. */
export async function approvePoint(given: CycleContext, name: PointName): Promise<PublishOutcome> {
  const ctx = await withConsoleModes(given);
  const held = await latestVersion(ctx.db, name);
  if (held?.status !== 'held') throw new UserFacingError(409, 'enforce.not_held', { point: name });
  const { snapshots, stopped } = await snapshotsNow(ctx);
  return publishPoint(publishContext(ctx), pointNamed(name), snapshots.get(name)!, stopped, { version: held.version });
}

/** What the next publish of a point would change, without publishing. */
export async function previewPoint(given: CycleContext, name: PointName) {
  const ctx = await withConsoleModes(given);
  const { snapshots, stopped } = await snapshotsNow(ctx);
  const dataDir = resolve(ctx.config.data_dir);
  const artifact = pointNamed(name).render(snapshots.get(name)!, {
    config: ctx.config,
    dataDir,
    version: 0,
    serial: 0,
  });
  return { diff: diffSorted(liveKeys(dataDir, name), artifact.keys), stopped };
}

function publishContext(ctx: CycleContext) {
  return {
    db: ctx.db,
    config: ctx.config,
    dataDir: resolve(ctx.config.data_dir),
    audit: ctx.audit,
    ...(ctx.now && { now: ctx.now }),
  };
}
