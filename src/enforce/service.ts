import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Kysely } from 'kysely';
import type { Config } from '../config/index.js';
import type { AuditContext } from '../domain/actor.js';
import { readAllowlists } from '../intel/allowlist/load.js';
import type { Logger } from '../log.js';
import type { Database } from '../store/schema.js';
import { approvePoint, previewPoint, runEnforceCycle, type CycleContext, type CycleResult } from './cycle.js';
import { latestVersion, type PublishOutcome } from './publish.js';
import type { RpzArtifact } from './rpz/point.js';
import { rpzZoneFile } from './rpz/point.js';
import { parseZoneText, type RpzZone } from './rpz/zone.js';
import type { PointName } from './snapshot.js';

/**
 * Enforcement inside `mizugiwa serve`: publishes on a timer, soon after each ingest, and when the
 * earliest claim carried expires (so an expired indicator leaves every device without waiting for
 * the next tick); runs one publish at a time; and hands each new live zone to the RPZ transfer
 * server — including zones that `mizugiwa enforce publish|approve` published from another process.
 */
export type Enforcer = {
  publish(audit: AuditContext, only?: PointName): Promise<CycleResult>;
  approve(audit: AuditContext, point: PointName): Promise<PublishOutcome>;
  preview(point: PointName): ReturnType<typeof previewPoint>;
  /** Publish soon (claims changed); calls close together become one publish. */
  poke(): void;
  stop(): Promise<void>;
};

export type EnforcerOptions = {
  db: Kysely<Database>;
  config: Config;
  configDir: string;
  log: Logger;
  /** Receives every zone that becomes live (the transfer server's setZone). */
  onRpzZone?: (zone: RpzZone) => Promise<void>;
  /** The serial the transfer server started with (from the zone file), so it is not loaded twice. */
  rpzSerial?: number;
  /** Start the timers (serve); tests and the API-only app drive publishes themselves. */
  schedule?: boolean;
};

const SYSTEM: AuditContext = { actor: { kind: 'system', component: 'enforcer' } };
/** How soon after a poke the publish runs: an ingest burst (several sources at once) becomes one. */
const POKE_DELAY_MS = 2_000;

export function createEnforcer(options: EnforcerOptions): Enforcer {
  const { db, config, configDir, log } = options;
  const dataDir = resolve(config.data_dir);
  let queue: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let tick: NodeJS.Timeout | undefined;
  let expiry: NodeJS.Timeout | undefined;
  let poked: NodeJS.Timeout | undefined;
  let rpzSerial: number | null = options.rpzSerial ?? null;

  // One publish at a time, in order: two cycles racing could publish an older snapshot last.
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };

  const context = (audit: AuditContext): CycleContext => {
    const { lists, fileProblems } = readAllowlists(config.intel, configDir);
    if (fileProblems.length) throw new Error(`not publishing: ${fileProblems.join('; ')}`);
    return { db, config, allowlists: lists, audit };
  };

  const handOver = async (outcomes: PublishOutcome[]) => {
    for (const o of outcomes) {
      if (o.point === 'rpz' && o.status === 'live' && o.artifact && options.onRpzZone) {
        await options.onRpzZone((o.artifact as RpzArtifact).zone);
        rpzSerial = o.serial;
      }
    }
  };

  /** A zone published by another process (the CLI) reaches the transfer server from its file. */
  const adoptExternalZone = async () => {
    if (!options.onRpzZone || !config.enforce.rpz.enabled) return;
    const live = await latestVersion(db, 'rpz', 'live');
    const file = rpzZoneFile({ config, dataDir });
    if (!live || live.serial === rpzSerial || !existsSync(file)) return;
    const zone = parseZoneText(readFileSync(file, 'utf8'));
    if (zone.soa.serial !== live.serial) return; // written but not yet recorded live: next tick
    await options.onRpzZone(zone);
    rpzSerial = zone.soa.serial;
    log.info({ serial: zone.soa.serial }, 'RPZ: loaded the zone published by another process');
  };

  const cycle = (audit: AuditContext, only?: PointName) =>
    serial(async () => {
      await adoptExternalZone();
      const result = await runEnforceCycle(context(audit), only);
      await handOver(result.outcomes);
      for (const o of result.outcomes) {
        if (o.status === 'live')
          log.info({ point: o.point, version: o.version, added: o.diff.added, removed: o.diff.removed }, 'published');
        else if (o.status === 'held')
          log.warn({ point: o.point, version: o.version, checks: o.checks }, 'publish held');
        else if (o.status === 'failed')
          log.error({ point: o.point, version: o.version, error: o.error }, 'publish failed');
      }
      scheduleExpiry(result.nextExpiry);
      return result;
    });

  const background = (why: string) => {
    if (stopped) return;
    cycle(SYSTEM).catch((err: unknown) => log.error({ err, why }, 'enforcement publish failed'));
  };

  const scheduleExpiry = (nextExpiry: string | null) => {
    if (expiry) clearTimeout(expiry);
    expiry = undefined;
    if (!options.schedule || nextExpiry === null) return;
    const wait = Date.parse(nextExpiry) - Date.now() + 1_000;
    // Past the tick interval the tick comes first anyway (timers also cap at about 24.8 days).
    if (wait < config.enforce.publish_every_seconds * 1000)
      expiry = setTimeout(() => background('expiry'), Math.max(wait, 0));
  };

  if (options.schedule) {
    tick = setInterval(() => background('tick'), config.enforce.publish_every_seconds * 1000);
    tick.unref();
    background('start');
  }

  return {
    publish: (audit, only) => cycle(audit, only),
    approve: (audit, point) =>
      serial(async () => {
        const outcome = await approvePoint(context(audit), point);
        await handOver([outcome]);
        return outcome;
      }),
    preview: (point) => previewPoint(context(SYSTEM), point),
    poke() {
      if (stopped || poked) return;
      poked = setTimeout(() => {
        poked = undefined;
        background('ingest');
      }, POKE_DELAY_MS);
    },
    async stop() {
      stopped = true;
      for (const t of [tick, expiry, poked]) if (t) clearTimeout(t);
      await queue;
    },
  };
}
