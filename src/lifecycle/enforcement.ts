import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Kysely } from 'kysely';
import { createWalledGarden, type WalledGarden } from '../abuse/restrictions/garden.js';
import type { Config } from '../config/index.js';
import { rpzZoneFile } from '../enforce/rpz/point.js';
import { startRpzServer, type RpzServer } from '../enforce/rpz/server.js';
import { parseZoneText, type RpzZone } from '../enforce/rpz/zone.js';
import { createEnforcer, type Enforcer } from '../enforce/service.js';
import { startSinkhole, type Sinkhole } from '../enforce/sinkhole/server.js';
import type { Logger } from '../log.js';
import type { LiveMatcher } from '../match/live.js';
import type { ObservePipeline } from '../observe/pipeline/pipeline.js';
import type { Database } from '../store/schema.js';

export type Enforcement = {
  enforcer: Enforcer;
  rpz: RpzServer | undefined;
  sinkhole: Sinkhole | undefined;
  /** The abuse desk's restrictions: who the notice page is for, following subscribers, releases. */
  garden: WalledGarden;
  /** Lines for the start-up banner: where each listener is. */
  describe(): string[];
  stop(): Promise<void>;
};

/**
 * What `serve` runs for enforcement: the RPZ transfer server (serving the last published zone from
 * the first second, so resolvers never see an empty policy after a restart), the sinkhole block page,
 * the walled garden (restricted subscribers: the notice page, following their addresses, releases),
 * and the enforcer that publishes to every point. Stopped in reverse order.
 */
export async function startEnforcement(deps: {
  db: Kysely<Database>;
  config: Config;
  configDir: string;
  log: Logger;
  matcher: LiveMatcher;
  /** Where a sinkhole hit on a listed name goes to become a sighting. */
  observe?: Pick<ObservePipeline, 'matched'>;
}): Promise<Enforcement> {
  const { db, config, log } = deps;
  let rpz: RpzServer | undefined;
  let sinkhole: Sinkhole | undefined;
  let enforcer: Enforcer | undefined;
  const garden = createWalledGarden({
    db,
    escalation: config.abuse.escalation,
    log: log.child({ component: 'walled-garden' }),
    poke: () => enforcer?.poke(),
    schedule: true,
  });
  try {
    let zone: RpzZone | undefined;
    if (config.enforce.rpz.enabled) {
      const file = rpzZoneFile({ config, dataDir: resolve(config.data_dir) });
      if (existsSync(file)) {
        try {
          zone = parseZoneText(readFileSync(file, 'utf8'));
        } catch (err) {
          // A damaged file must not stop the server: the first publish replaces it.
          log.warn({ err, file }, 'RPZ: the last published zone file could not be read; waiting for the next publish');
        }
      }
      rpz = await startRpzServer({
        config: config.enforce.rpz,
        logger: log.child({ component: 'rpz' }),
        ...(zone && { zone }),
      });
    }
    if (config.enforce.sinkhole.enabled) {
      sinkhole = await startSinkhole({
        config: config.enforce.sinkhole,
        db,
        log: log.child({ component: 'sinkhole' }),
        lookup: (host) => {
          const match = deps.matcher.current.domain(host);
          return match && { categories: match.ref.categories };
        },
        restricted: (clientIp) => garden.lookup(clientIp),
        timeZone: config.ui.timezone,
        onHit: (hit) => {
          const match = hit.host === '' ? undefined : deps.matcher.current.domain(hit.host);
          if (!match || !deps.observe) return;
          deps.observe.matched(
            'sinkhole',
            {
              time: hit.at.getTime(),
              point: 'sinkhole',
              client: hit.clientIp,
              clientPort: hit.clientPort,
              domain: hit.host,
              blocked: true,
              detail: hit.reference,
            },
            match,
          );
        },
      });
    }
    const server = rpz;
    enforcer = createEnforcer({
      db,
      config,
      configDir: deps.configDir,
      log: log.child({ component: 'enforce' }),
      schedule: true,
      ...(zone && { rpzSerial: zone.soa.serial }),
      ...(server && { onRpzZone: (z: RpzZone) => server.setZone(z) }),
    });
    return {
      enforcer,
      rpz,
      sinkhole,
      garden,
      describe() {
        const lines: string[] = [];
        if (rpz) {
          const a = rpz.address();
          lines.push(
            `RPZ primary for ${config.enforce.rpz.zone} on ${a.host} TCP ${a.tcp} / UDP ${a.udp} (mizugiwa enforce rpz config unbound|bind|powerdns|knot)`,
          );
        }
        if (sinkhole) {
          const { http } = sinkhole.address();
          lines.push(
            `Sinkhole block page on http://${http.host.includes(':') ? `[${http.host}]` : http.host}:${http.port}`,
          );
        }
        return lines;
      },
      async stop() {
        await garden.stop();
        await enforcer!.stop();
        await sinkhole?.close();
        await rpz?.close();
      },
    };
  } catch (err) {
    await garden.stop().catch(() => undefined);
    await sinkhole?.close().catch(() => undefined);
    await rpz?.close().catch(() => undefined);
    throw err;
  }
}
