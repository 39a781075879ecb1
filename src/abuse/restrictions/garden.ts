import type { Kysely } from 'kysely';
import type { AbuseEscalationConfig } from '../../config/abuse-escalation-schema.js';
import type { RestrictedClient } from '../../enforce/sinkhole/restricted-page.js';
import type { LogSink } from '../../log.js';
import type { Database } from '../../store/schema.js';
import { activeRestrictedAddresses, restrictedClientIndex } from './active-clients.js';
import { escalationRound } from './follow.js';

// The walled garden inside `serve`. Two timers:
//
//  - every few seconds, the active restrictions are read into the sinkhole's in-memory index (so the
//    notice page knows the client), and when the set of restricted addresses changed — approved or
//    released here, from the CLI, or a case resolved by hand — enforcement is poked to publish;
//  - every abuse.escalation.follow_every_seconds, a round follows subscribers to their new addresses,
//    lifts restrictions that are over, and refreshes at once.

/** How stale the sinkhole's idea of who is restricted may get. */
const REFRESH_MS = 3_000;

export type WalledGarden = {
  /** The sinkhole's look-up: the restriction a client address is in, if any. */
  lookup(clientIp: string): RestrictedClient | undefined;
  /** Re-reads the active restrictions; pokes enforcement when the addresses changed. */
  refresh(): Promise<void>;
  /** One follow-and-settle round, then a refresh. */
  round(): Promise<void>;
  stop(): Promise<void>;
};

export type WalledGardenOptions = {
  db: Kysely<Database>;
  escalation: AbuseEscalationConfig;
  log: LogSink;
  /** Asks enforcement to publish soon (the enforcer's poke). */
  poke: () => void;
  /** Start the timers (serve); tests drive refresh and round themselves. */
  schedule?: boolean;
};

export function createWalledGarden(options: WalledGardenOptions): WalledGarden {
  const { db, escalation, log } = options;
  let lookup: (clientIp: string) => RestrictedClient | undefined = () => undefined;
  let published: string | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let stopped = false;

  // One database pass at a time: a slow round must not overlap the next refresh.
  const serial = (work: () => Promise<void>): Promise<void> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };

  const refreshNow = async () => {
    const rows = await activeRestrictedAddresses(db);
    lookup = restrictedClientIndex(rows);
    const key = [...new Set(rows.map((r) => r.address))].sort().join(' ');
    // The first read only learns what is there: the enforcer publishes at start anyway.
    if (published !== undefined && key !== published) options.poke();
    published = key;
  };

  const refresh = () => serial(refreshNow);
  const round = () =>
    serial(async () => {
      const result = await escalationRound(db, escalation);
      for (const r of result.released)
        log.info({ restriction: r.id, kind: r.kind }, 'walled garden: restriction lifted');
      for (const m of result.moved)
        log.info({ restriction: m.id, added: m.added, removed: m.removed }, 'walled garden: subscriber followed');
      await refreshNow();
    });

  const timers: NodeJS.Timeout[] = [];
  if (options.schedule) {
    const every = (ms: number, what: string, work: () => Promise<void>) => {
      const t = setInterval(() => {
        if (!stopped) work().catch((err: unknown) => log.error({ err }, `walled garden: ${what} failed`));
      }, ms);
      t.unref();
      timers.push(t);
    };
    every(REFRESH_MS, 'refresh', refresh);
    every(escalation.follow_every_seconds * 1000, 'follow round', round);
    refresh().catch((err: unknown) => log.error({ err }, 'walled garden: first refresh failed'));
  }

  return {
    lookup: (clientIp) => lookup(clientIp),
    refresh,
    round,
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      await queue;
    },
  };
}
