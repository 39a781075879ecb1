import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { applyLeaseRecords } from '../attribute/apply-leases.js';
import { watchLeaseDirectory } from '../attribute/ingest/directory-source.js';
import { readLeaseFile } from '../attribute/ingest/lease-file.js';
import { startRadiusAccountingServer, type RadiusAccountingServer } from '../attribute/radius/accounting-server.js';
import {
  connectRadacct,
  parseRadacctCursor,
  radacctCursorText,
  readRadacctChanges,
} from '../attribute/radius/radacct-source.js';
import type { LeaseSourceConfig } from '../config/attribute-schema.js';
import { parseListen } from '../config/listen.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import type { Database } from '../store/schema.js';

export type Attribution = {
  describe(): string[];
  /** RADIUS accounting counters per source, for status and metrics. */
  radiusStats(): { source: string; stats: ReturnType<RadiusAccountingServer['stats']> }[];
  stop(): Promise<void>;
};

/**
 * What `serve` runs for attribution: every configured lease source — files tailed, directories
 * watched, radacct tables polled, RADIUS accounting received. A source that fails is logged and
 * retried or left; it never takes the server (or the other sources) down.
 */
export async function startAttribution(deps: {
  db: Kysely<Database>;
  config: Config;
  configDir: string;
  log: Logger;
}): Promise<Attribution> {
  const log = deps.log.child({ component: 'attribute' });
  const abort = new AbortController();
  const running: Promise<unknown>[] = [];
  const servers: { source: string; server: RadiusAccountingServer }[] = [];
  const lines: string[] = [];
  const stale = deps.config.attribute.stale_after_intervals;

  for (const source of deps.config.attribute.sources) {
    try {
      const started = await startSource(source);
      if (started)
        running.push(
          started.task.catch((err: unknown) =>
            log.error({ err, source: source.name }, 'attribute: a lease source stopped'),
          ),
        );
    } catch (err) {
      log.error({ err, source: source.name }, 'attribute: a lease source could not start');
    }
  }

  /** Starts one source; what it returns runs until stopped (a RADIUS server returns nothing: it is kept in `servers`). */
  async function startSource(source: LeaseSourceConfig): Promise<{ task: Promise<unknown> } | undefined> {
    const zone = 'timezone' in source ? source.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone : '';
    switch (source.type) {
      case 'file': {
        const path = resolve(deps.configDir, source.path);
        lines.push(`Attribution: ${source.name} tails ${path} (${source.format})`);
        return {
          task: readLeaseFile(
            { source: source.name, format: source.format, path, zone, follow: true, staleIntervals: stale },
            { db: deps.db, log, signal: abort.signal },
          ),
        };
      }
      case 'directory': {
        const path = resolve(deps.configDir, source.path);
        lines.push(`Attribution: ${source.name} watches ${path}/${source.pattern} (${source.format})`);
        return {
          task: watchLeaseDirectory(
            {
              source: source.name,
              format: source.format,
              path,
              pattern: source.pattern,
              pollMs: source.poll_seconds * 1000,
              zone,
              staleIntervals: stale,
            },
            { db: deps.db, log, signal: abort.signal },
          ),
        };
      }
      case 'radacct':
        lines.push(`Attribution: ${source.name} polls ${source.table} every ${source.poll_seconds} s`);
        return { task: pollRadacct(source) };
      case 'radius': {
        const { host, port } = parseListen(source.listen)!;
        const server = await startRadiusAccountingServer({
          host,
          port,
          clients: source.clients,
          log,
          onRecords: async (records) => {
            await applyLeaseRecords(deps.db, source.name, records, { format: 'radius', staleIntervals: stale });
          },
        });
        servers.push({ source: source.name, server });
        lines.push(`Attribution: ${source.name} receives RADIUS accounting on udp ${host}:${server.port}`);
        return undefined;
      }
    }
  }

  /** Reads what changed in a radacct table since the stored cursor, stores it with the new cursor, and waits. */
  async function pollRadacct(source: Extract<LeaseSourceConfig, { type: 'radacct' }>): Promise<void> {
    let warned = false;
    while (!abort.signal.aborted) {
      try {
        const conn = await connectRadacct(source.url, source.table);
        try {
          for (;;) {
            const stored = await deps.db
              .selectFrom('leaseCursors')
              .select('cursor')
              .where('source', '=', source.name)
              .executeTakeFirst();
            const cursor = stored ? parseRadacctCursor(stored.cursor) : undefined;
            const changes = await readRadacctChanges(conn, cursor, 5000, { settleSeconds: 0 });
            if (changes.rows === 0) break;
            await applyLeaseRecords(deps.db, source.name, changes.records, {
              format: 'radacct',
              staleIntervals: stale,
              within: async (trx) => {
                const text = radacctCursorText(changes.cursor);
                const now = new Date().toISOString();
                await trx
                  .insertInto('leaseCursors')
                  .values({ source: source.name, cursor: text, updatedAt: now })
                  .onConflict((oc) => oc.column('source').doUpdateSet({ cursor: text, updatedAt: now }))
                  .execute();
              },
            });
            if (changes.rows < 5000 || abort.signal.aborted) break;
          }
          warned = false;
        } finally {
          await conn.close();
        }
      } catch (err) {
        if (!warned) log.warn({ err, source: source.name }, 'attribute: reading radacct failed; trying again');
        warned = true;
      }
      await sleep(source.poll_seconds * 1000, undefined, { signal: abort.signal }).catch(() => undefined);
    }
  }

  return {
    describe: () => lines,
    radiusStats: () => servers.map((s) => ({ source: s.source, stats: s.server.stats() })),
    async stop() {
      abort.abort();
      await Promise.all(servers.map((s) => s.server.close()));
      await Promise.all(running);
    },
  };
}
