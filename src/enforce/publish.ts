import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/append.js';
import type { Config } from '../config/index.js';
import type { AuditContext } from '../domain/actor.js';
import { UserFacingError } from '../domain/user-facing-error.js';
import { raiseAlert, resolveAlerts } from '../store/alerts.js';
import type { Database, EnforceVersionRow } from '../store/schema.js';
import { diffSorted, type KeyDiff } from './diff.js';
import { writeFileAtomic } from './files.js';
import type { Artifact, EnforcementPoint } from './point.js';
import type { Stopped } from './policy.js';
import type { PointName, PolicySnapshot } from './snapshot.js';

// Publishing one point: render, compare with what is live, run the guards, apply, record the version.
// A version that fails a guard is held (the previous one stays live) until someone approves exactly
// that change; a version the device refuses is recorded as failed (the previous files are back).

export type GuardCheck = { name: 'never-publish' | 'change-share' | 'removals'; ok: boolean; detail: string };

/** Stored as JSON in enforce_versions.guards. */
export type GuardRecord = {
  checks: GuardCheck[];
  /** Examples of what never-publish stopped (at most 20). */
  stopped: Stopped[];
  /** Hashes of the artifact's keys and of its bytes: "is this the change that was reviewed?" */
  keysHash: string;
  contentHash: string;
};

export type PublishOutcome = {
  point: PointName;
  status: 'unchanged' | 'live' | 'held' | 'failed';
  version: number | null;
  serial: number | null;
  entries: number;
  diff: KeyDiff;
  checks: GuardCheck[];
  error?: string;
  /** The artifact published (status live), for in-process consumers such as the RPZ transfer server. */
  artifact?: Artifact;
};

export type PublishContext = {
  db: Kysely<Database>;
  config: Config;
  dataDir: string;
  audit: AuditContext;
  now?: Date;
};

/** The keys the live version of a point carries, sorted (empty before the first publish). */
export function liveKeys(dataDir: string, point: PointName): string[] {
  const file = keysFile(dataDir, point);
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  return text === '' ? [] : text.slice(0, -1).split('\n');
}

function keysFile(dataDir: string, point: PointName): string {
  return join(dataDir, 'enforce', `${point}.keys`);
}

export async function latestVersion(
  db: Kysely<Database>,
  point: PointName,
  status?: EnforceVersionRow['status'],
): Promise<EnforceVersionRow | undefined> {
  let q = db.selectFrom('enforceVersions').selectAll().where('point', '=', point);
  if (status) q = q.where('status', '=', status);
  return q.orderBy('version', 'desc').limit(1).executeTakeFirst();
}

/**
 * Publishes what `snapshot` says to `point`, unless it is what is live already. `approve` names a held
 * version an operator approved: its guard failures are accepted only if the render is still exactly
 * the change that was held.
 */
export async function publishPoint(
  ctx: PublishContext,
  point: EnforcementPoint,
  snapshot: PolicySnapshot,
  stopped: Stopped[],
  approve?: { version: number },
): Promise<PublishOutcome> {
  const { db, config } = ctx;
  const now = ctx.now ?? new Date();
  const name = point.name;
  const live = await latestVersion(db, name, 'live');
  const latest = await latestVersion(db, name);
  const version = (latest?.version ?? 0) + 1;
  const serial = Math.max((await maxSerial(db, name)) + 1, Math.floor(now.getTime() / 1000));
  const artifact = point.render(snapshot, { config, dataDir: ctx.dataDir, version, serial });
  const keysHash = sha256(artifact.keys.join('\n'));
  const contentHash = sha256(
    [
      artifact.fingerprint ?? '',
      ...artifact.files.map((f) => `${f.path}\n${artifact.fingerprint ? '' : f.content}`),
    ].join('\n'),
  );
  const diff = diffSorted(liveKeys(ctx.dataDir, name), artifact.keys);
  const base = { point: name, entries: artifact.keys.length, diff };

  const liveGuards = live && (JSON.parse(live.guards) as GuardRecord);
  if (!approve && liveGuards?.keysHash === keysHash && liveGuards.contentHash === contentHash) {
    return { ...base, status: 'unchanged', version: live!.version, serial: live!.serial, checks: liveGuards.checks };
  }

  const checks = guardChecks(config, diff, stopped);
  const guards: GuardRecord = { checks, stopped: stopped.slice(0, 20), keysHash, contentHash };
  const failing = checks.filter((c) => !c.ok);
  const held = latest?.status === 'held' ? latest : undefined;

  if (approve) {
    if (!held || held.version !== approve.version) throw new UserFacingError(409, 'enforce.not_held', { point: name });
    if ((JSON.parse(held.guards) as GuardRecord).keysHash !== keysHash) {
      await db.updateTable('enforceVersions').set({ status: 'superseded' }).where('id', '=', held.id).execute();
      await insertVersion(db, name, version, 'held', artifact, diff, serial, guards, now);
      throw new UserFacingError(409, 'enforce.held_changed', { point: name, version: held.version, next: version });
    }
  } else if (failing.length > 0) {
    // The same held change seen again (the next cycle) stays one held version, not one per cycle.
    if (held && (JSON.parse(held.guards) as GuardRecord).keysHash === keysHash) {
      return { ...base, status: 'held', version: held.version, serial: held.serial, checks };
    }
    if (held) await db.updateTable('enforceVersions').set({ status: 'superseded' }).where('id', '=', held.id).execute();
    await insertVersion(db, name, version, 'held', artifact, diff, serial, guards, now);
    const reasons = failing.map((c) => c.detail).join('; ');
    await raiseAlert(db, {
      kind: 'enforce.held',
      severity: 'warning',
      subject: name,
      messageKey: 'alert.enforce.held',
      params: { point: name, version, reasons },
    });
    await recordAudit(db, ctx.audit, {
      action: 'enforce.hold',
      target: `point:${name}`,
      detail: { version, added: diff.added, removed: diff.removed, reasons },
    });
    return { ...base, status: 'held', version, serial, checks };
  }

  const recorded = approve ? (held as EnforceVersionRow).version : version;
  const recordedSerial = approve ? ((held as EnforceVersionRow).serial ?? serial) : serial;
  const applied = approve
    ? point.render(snapshot, { config, dataDir: ctx.dataDir, version: recorded, serial: recordedSerial })
    : artifact;
  try {
    await point.apply(applied, { config, dataDir: ctx.dataDir, version: recorded, serial: recordedSerial });
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    if (approve) {
      await db.updateTable('enforceVersions').set({ status: 'failed', error }).where('id', '=', held!.id).execute();
    } else {
      await insertVersion(db, name, version, 'failed', artifact, diff, serial, guards, now, error);
    }
    await raiseAlert(db, {
      kind: 'enforce.failed',
      severity: 'critical',
      subject: name,
      messageKey: 'alert.enforce.failed',
      params: { point: name, version: recorded, error: error.slice(0, 500) },
    });
    await recordAudit(db, ctx.audit, { action: 'enforce.fail', target: `point:${name}`, detail: { version, error } });
    return { ...base, status: 'failed', version: recorded, serial: recordedSerial, checks, error };
  }

  writeFileAtomic(keysFile(ctx.dataDir, name), artifact.keys.map((k) => `${k}\n`).join(''));
  const at = now.toISOString();
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('enforceVersions')
      .set({ status: 'superseded' })
      .where('point', '=', name)
      .where('status', '=', 'live')
      .execute();
    if (approve) {
      await trx
        .updateTable('enforceVersions')
        .set({
          status: 'live',
          publishedAt: at,
          approvedBy: ctx.audit.actor.kind === 'user' ? ctx.audit.actor.username : JSON.stringify(ctx.audit.actor),
          approvedAt: at,
        })
        .where('id', '=', held!.id)
        .execute();
    } else {
      await insertVersion(trx, name, version, 'live', artifact, diff, serial, guards, now);
    }
  });
  await resolveAlerts(db, ['enforce.held', 'enforce.failed'], name, now);
  await recordAudit(db, ctx.audit, {
    action: approve ? 'enforce.approve' : 'enforce.publish',
    target: `point:${name}`,
    detail: {
      version: recorded,
      serial: recordedSerial,
      entries: artifact.keys.length,
      added: diff.added,
      removed: diff.removed,
    },
  });
  await pruneVersions(db, name, config.enforce.keep_versions);
  return { ...base, status: 'live', version: recorded, serial: recordedSerial, checks, artifact: applied };
}

function guardChecks(config: Config, diff: KeyDiff, stopped: Stopped[]): GuardCheck[] {
  const limits = config.enforce.limits;
  const changed = diff.added + diff.removed;
  const share = diff.before === 0 ? 0 : changed / diff.before;
  const shareApplies = diff.before >= limits.min_entries_for_share;
  const pct = (n: number) => `${(n * 100).toFixed(1)}%`;
  return [
    {
      name: 'never-publish',
      // Stopping entries is the guard working, not failing: the rest is safe to publish.
      ok: true,
      detail: `${stopped.length} entries kept out (allowlisted, own, public suffix, root or TLD)`,
    },
    {
      name: 'change-share',
      ok: !shareApplies || share <= limits.max_change_share,
      detail: `${changed} of ${diff.before} entries change (${pct(share)}; limit ${pct(limits.max_change_share)})`,
    },
    {
      name: 'removals',
      ok: diff.removed <= limits.max_removals,
      detail: `${diff.removed} removals (limit ${limits.max_removals})`,
    },
  ];
}

async function insertVersion(
  db: Kysely<Database>,
  point: PointName,
  version: number,
  status: EnforceVersionRow['status'],
  artifact: Artifact,
  diff: KeyDiff,
  serial: number,
  guards: GuardRecord,
  now: Date,
  error?: string,
): Promise<void> {
  await db
    .insertInto('enforceVersions')
    .values({
      point,
      version,
      status,
      entries: artifact.keys.length,
      added: diff.added,
      removed: diff.removed,
      serial,
      guards: JSON.stringify(guards),
      error: error ?? null,
      createdAt: now.toISOString(),
      publishedAt: status === 'live' ? now.toISOString() : null,
      approvedBy: null,
      approvedAt: null,
    })
    .execute();
}

async function maxSerial(db: Kysely<Database>, point: PointName): Promise<number> {
  const row = await db
    .selectFrom('enforceVersions')
    .select((eb) => eb.fn.max('serial').as('serial'))
    .where('point', '=', point)
    .executeTakeFirst();
  return Number(row?.serial ?? 0);
}

/** Keeps the newest `keep` versions of a point (and the live one, however old). */
async function pruneVersions(db: Kysely<Database>, point: PointName, keep: number): Promise<void> {
  const cutoff = await db
    .selectFrom('enforceVersions')
    .select('version')
    .where('point', '=', point)
    .orderBy('version', 'desc')
    .offset(keep)
    .limit(1)
    .executeTakeFirst();
  if (!cutoff) return;
  await db
    .deleteFrom('enforceVersions')
    .where('point', '=', point)
    .where('version', '<=', cutoff.version)
    .where('status', '!=', 'live')
    .execute();
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
