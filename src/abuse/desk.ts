import { resolve } from 'node:path';
import type { Kysely } from 'kysely';
import type { Config } from '../config/index.js';
import { lookupOptionsFor } from '../attribute/lookup-options.js';
import type { AuditContext } from '../domain/actor.js';
import type { Database } from '../store/schema.js';
import { attributeNewEvents, type EventAttributionSummary } from './attribute-events.js';
import type { EventAttributionOptions } from './attribution-decisions.js';
import { loadShadowserverSchema } from './formats/shadowserver-schema.js';
import type { AbuseContext } from './receive-report.js';

// What `serve`, the API and the command line set up the same way from the config: the context reports
// are received in (data directory, the operator's Shadowserver schema), the options events are
// attributed with, and one attribution run at a time.

/** The audit actor of attribution that no person started (a mail arrived, the minute came round). */
export const ABUSE_SYSTEM_AUDIT: AuditContext = { actor: { kind: 'system', component: 'abuse' } };

/**
 * The context `receiveReport` needs: events are attributed as they go in, the look-ups audited as `audit`'s.
 * A Shadowserver schema file that cannot be read or is not valid throws the ConfigError that says what is
 * wrong with it.
 */
export async function loadAbuseContext(
  db: Kysely<Database>,
  config: Config,
  configDir: string,
  audit: AuditContext = ABUSE_SYSTEM_AUDIT,
): Promise<AbuseContext> {
  const schemaFile = config.abuse.shadowserver_schema;
  const dataDir = resolve(configDir, config.data_dir);
  return {
    db,
    dataDir,
    shadowserverSchema: schemaFile ? await loadShadowserverSchema(resolve(configDir, schemaFile)) : undefined,
    attribution: abuseAttributionOptions(config, audit),
    reader: {
      store: { data_dir: dataDir, database: config.database },
      deterministicNat: config.attribute.deterministic_nat,
    },
  };
}

export function abuseAttributionOptions(config: Config, audit: AuditContext): EventAttributionOptions {
  return {
    ...lookupOptionsFor(config),
    skewMs: config.attribute.skew_seconds * 1000,
    ownPrefixes: config.abuse.own_prefixes,
    windowDays: (type) => config.abuse.classes[type]?.aggregation_days ?? config.abuse.aggregation_days,
    audit,
  };
}

export type AttributionRunner = {
  /**
   * Attributes every event still new. A call while a run is under way gets the run after it (which
   * sees the events that arrived meanwhile), so callers are never told "done" too early and two runs
   * never work on the same events at once.
   */
  run(): Promise<EventAttributionSummary>;
  /** Resolves when no run is under way or waiting. */
  idle(): Promise<void>;
};

export function attributionRunner(db: Kysely<Database>, config: Config, audit = ABUSE_SYSTEM_AUDIT): AttributionRunner {
  const options = abuseAttributionOptions(config, audit);
  return singleFlight(() => attributeNewEvents(db, options));
}

/** One run of `work` at a time; calls during a run share the single run queued after it. */
export function singleFlight<T>(work: () => Promise<T>): { run(): Promise<T>; idle(): Promise<void> } {
  let current: Promise<T> | undefined;
  let queued: Promise<T> | undefined;
  const start = (): Promise<T> => {
    const p = work().finally(() => {
      if (current === p) current = undefined;
    });
    current = p;
    return p;
  };
  return {
    run() {
      if (queued) return queued;
      if (!current) return start();
      queued = current
        .catch(() => undefined)
        .then(() => {
          queued = undefined;
          return start();
        });
      return queued;
    },
    async idle() {
      while (current || queued) await Promise.allSettled([current, queued]);
    },
  };
}

/** What the running intake has done since start, for /metrics and the status page. */
export type AbuseIntakeStatus = {
  /** Reports handed to `receiveReport`, by transport and outcome (stored, duplicate, failed: not stored). */
  received: { transport: string; outcome: 'stored' | 'duplicate' | 'failed'; count: number }[];
  /** Each transport's own counters (connections, refused, oversized, polls, …), by input. */
  inputs: { transport: string; input: string; counters: Record<string, number>; lastError?: string | undefined }[];
  attribution: { runs: number; failures: number; attributed: number; unassigned: number; casesOpened: number };
};

/** The running desk, as `serve` hands it to the API: uploads share its context and its attribution runs. */
export type AbuseRuntime = {
  context: AbuseContext;
  attribution: AttributionRunner;
  status(): AbuseIntakeStatus;
};

const standalone = new WeakMap<object, Promise<AbuseRuntime>>();

/**
 * The running desk when there is one (`serve`), else one made for this store and kept: the API outside
 * `serve` (tests, an API-only process) still shares one attribution runner between its routes. A
 * context that fails to load (a broken schema file) is not kept, so the next request tries again.
 */
export function abuseRuntimeOf(deps: {
  store: { db: Kysely<Database> };
  config: Config;
  configDir: string;
  abuse?: AbuseRuntime | undefined;
}): Promise<AbuseRuntime> {
  if (deps.abuse) return Promise.resolve(deps.abuse);
  const key = deps.store;
  let runtime = standalone.get(key);
  if (!runtime) {
    runtime = loadAbuseContext(deps.store.db, deps.config, deps.configDir).then((context) => ({
      context,
      attribution: attributionRunner(deps.store.db, deps.config),
      status: () => ({
        received: [],
        inputs: [],
        attribution: { runs: 0, failures: 0, attributed: 0, unassigned: 0, casesOpened: 0 },
      }),
    }));
    runtime.catch(() => standalone.delete(key));
    standalone.set(key, runtime);
  }
  return runtime;
}
