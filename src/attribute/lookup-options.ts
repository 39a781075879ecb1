import type { Config } from '../config/schema.js';
import { deterministicResolver } from './deterministic-resolver.js';
import { httpDirectory } from './directory/http-directory.js';
import { subscriberInput } from './import-subscribers.js';
import type { LookupOptions } from './lookup.js';
import type { SubscriberDirectory } from './who-held.js';

/**
 * How look-ups run under this configuration: staleness, the deterministic NAT mappings to follow, and
 * the billing system's directory for subscribers not in the store.
 */
export function lookupOptionsFor(config: Config): LookupOptions & { directory?: SubscriberDirectory | undefined } {
  return {
    staleIntervals: config.attribute.stale_after_intervals,
    deterministicNat: deterministicResolver(config.attribute.deterministic_nat),
    directory: config.attribute.directory && directoryFor(config.attribute.directory),
  };
}

function directoryFor(d: NonNullable<Config['attribute']['directory']>): SubscriberDirectory {
  const f = d.fields;
  const directory = httpDirectory({
    url: d.url,
    headers: d.headers,
    timeoutMs: d.timeout_ms,
    fields: {
      id: f.id,
      name: f.name,
      ...(f.name_kana && { nameKana: f.name_kana }),
      ...(f.email && { email: f.email }),
      ...(f.phone && { phone: f.phone }),
      ...(f.postal_address && { postalAddress: f.postal_address }),
      ...(f.contract && { contract: f.contract }),
      ...(f.plan && { plan: f.plan }),
      ...(f.status && { status: f.status }),
    },
  });
  return {
    async lookup(key) {
      const r = await directory.lookup(key as Parameters<typeof directory.lookup>[0]);
      if (!r) return undefined;
      const { keys: _keys, source: _source, ...contact } = subscriberInput(r, 'directory');
      return contact as Awaited<ReturnType<SubscriberDirectory['lookup']>>;
    },
  };
}
