import { join } from 'node:path';
import { installFiles, runCommand } from '../files.js';
import type { Artifact, EnforcementPoint, RenderContext } from '../point.js';
import { entryKey, type PolicySnapshot } from '../snapshot.js';
import { renderZone, zoneText, type RpzZone } from './zone.js';

export type RpzArtifact = Artifact & { zone: RpzZone };

/** The zone file's path: configured, or `<data_dir>/rpz/<zone>zone` (`rpz.mizugiwa.zone`). */
export function rpzZoneFile(context: Pick<RenderContext, 'config' | 'dataDir'>): string {
  const configured = context.config.enforce.rpz.zone_file;
  return configured || join(context.dataDir, 'rpz', `${context.config.enforce.rpz.zone}zone`);
}

/**
 * The DNS point. Its main channel is the transfer server (src/enforce/rpz/server.ts), which serves
 * the zone from memory; the zone file is written too, for resolvers that only read files (Knot
 * Resolver) and so the server restarts with what was last published.
 */
export const rpzPoint: EnforcementPoint & { render(s: PolicySnapshot, c: RenderContext): RpzArtifact } = {
  name: 'rpz',
  render(snapshot, context) {
    const zone = renderZone(snapshot, context.config.enforce, context.serial);
    const keys = [
      ...snapshot.entries.map(entryKey),
      ...snapshot.passthru.map((name) => `passthru ${name}`),
      ...snapshot.restrictedClients.map((prefix) => `client ${prefix}`),
    ].sort();
    const { rpz, monitor } = context.config.enforce;
    // Everything in the config that shapes the zone besides its entries (the serial changes every time).
    const fingerprint = JSON.stringify([
      monitor,
      rpz.monitor,
      rpz.zone,
      rpz.action,
      rpz.sinkhole,
      rpz.ip_triggers,
      rpz.ttl,
      rpz.soa,
    ]);
    const files = [{ path: rpzZoneFile(context), content: zoneText(zone) }];
    return { point: 'rpz', keys, files, fingerprint, zone };
  },
  async apply(artifact, context) {
    const command = context.config.enforce.rpz.reload_command;
    const file = artifact.files[0]?.path ?? '';
    await installFiles(artifact.files, async () => {
      if (command) await runCommand(command, { file });
    });
  },
};
