import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/append.js';
import type { Config } from '../config/index.js';
import type { EnforceConfig } from '../config/enforce-schema.js';
import { actorLabel, type AuditContext } from '../domain/actor.js';
import type { Database, EnforcePointModeRow } from '../store/schema.js';
import { POINT_NAMES, type EntryAction, type PointName } from './snapshot.js';

// Shadow (monitor) or block per point, switched from the console and stored in enforce_point_modes.
// Everything that works out what a point does — publishing, the effective policy table, "where is this
// indicator enforced" — reads the config through configWithPointModes, so they all agree. The config's
// enforce.monitor (every point at once) is left as it is: it still wins over a point switched to block.

export type PointModeOverride = Pick<EnforcePointModeRow, 'point' | 'mode' | 'reason' | 'changedBy' | 'changedAt'>;

/** Where a point's effective mode comes from: enforce.monitor, enforce.<point>.monitor, or the console. */
export type ModeOrigin = 'config-all' | 'config' | 'console';

export type PointMode = {
  point: PointName;
  mode: EntryAction;
  origin: ModeOrigin;
  /** What enforce.<point>.monitor says on its own. */
  configured: EntryAction;
  override: PointModeOverride | null;
};

export async function readPointModes(db: Kysely<Database>): Promise<PointModeOverride[]> {
  return db.selectFrom('enforcePointModes').selectAll().orderBy('point').execute();
}

/** The enforce config with each overridden point's `monitor` set as the console says. */
export function withPointModes(enforce: EnforceConfig, overrides: readonly PointModeOverride[]): EnforceConfig {
  const out = { ...enforce };
  for (const o of overrides) {
    if (!(POINT_NAMES as readonly string[]).includes(o.point)) continue; // a point a later version dropped
    const name = o.point as PointName;
    // Each point's settings object is copied, never changed: the loaded config stays what the file says.
    (out as Record<PointName, unknown>)[name] = { ...enforce[name], monitor: o.mode === 'monitor' };
  }
  return out;
}

/** The config as enforcement uses it this moment: the file's, with the console's point modes applied. */
export async function configWithPointModes(db: Kysely<Database>, config: Config): Promise<Config> {
  const overrides = await readPointModes(db);
  return overrides.length ? { ...config, enforce: withPointModes(config.enforce, overrides) } : config;
}

/** Each point's effective mode and where it comes from. */
export function pointModes(config: Config, overrides: readonly PointModeOverride[]): PointMode[] {
  const byPoint = new Map(overrides.map((o) => [o.point, o]));
  return POINT_NAMES.map((point) => {
    const configured: EntryAction = config.enforce[point].monitor ? 'monitor' : 'block';
    const override = byPoint.get(point) ?? null;
    if (config.enforce.monitor) return { point, mode: 'monitor', origin: 'config-all', configured, override };
    if (override) return { point, mode: override.mode, origin: 'console', configured, override };
    return { point, mode: configured, origin: 'config', configured, override };
  });
}

/** Stores the console's mode for a point and records who switched it, from what, and why. */
export async function setPointMode(
  db: Kysely<Database>,
  audit: AuditContext,
  change: { point: PointName; mode: EntryAction; reason: string },
  now = new Date(),
): Promise<PointModeOverride> {
  const actor = audit.actor;
  const row: PointModeOverride = {
    point: change.point,
    mode: change.mode,
    reason: change.reason,
    changedBy: actor.kind === 'user' ? actor.username : actorLabel(actor),
    changedAt: now.toISOString(),
  };
  const previous = await db
    .selectFrom('enforcePointModes')
    .select('mode')
    .where('point', '=', change.point)
    .executeTakeFirst();
  await db
    .insertInto('enforcePointModes')
    .values(row)
    .onConflict((oc) =>
      oc.column('point').doUpdateSet({
        mode: row.mode,
        reason: row.reason,
        changedBy: row.changedBy,
        changedAt: row.changedAt,
      }),
    )
    .execute();
  await recordAudit(db, audit, {
    action: 'enforce.mode',
    target: `point:${change.point}`,
    detail: { mode: change.mode, previous: previous?.mode ?? null, reason: change.reason },
  });
  return row;
}
