import type { Config } from '../config/schema.js';
import { deterministicNat } from './cgnat/deterministic-nat.js';
import { httpDirectory } from './directory/http-directory.js';
import { subscriberInput } from './import-subscribers.js';
import type { DeterministicNatResolver, LookupOptions } from './lookup.js';
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

function deterministicResolver(mappings: Config['attribute']['deterministic_nat']): DeterministicNatResolver {
  const nats = mappings.map((m) => ({
    name: m.name,
    firstPort: m.ports_first,
    lastPort: m.ports_last,
    since: Date.parse(m.since),
    until: m.until === undefined ? undefined : Date.parse(m.until),
    nat: deterministicNat({
      inside: m.inside,
      outside: m.outside,
      portsFirst: m.ports_first,
      portsLast: m.ports_last,
      since: m.since,
      ...(m.until !== undefined && { until: m.until }),
    }),
  }));
  return (address, port, atMs) =>
    nats.flatMap((m) => {
      if (atMs < m.since || (m.until !== undefined && atMs >= m.until)) return [];
      const at = (p: number) => {
        const inside = m.nat.insideOf(address, p);
        const block = inside === undefined ? undefined : m.nat.outsideOf(inside);
        return inside === undefined || !block
          ? undefined
          : { inside, ports: block.ports, mapping: m.name, since: m.since, until: m.until };
      };
      if (port !== undefined) return [at(port)].filter((x) => x !== undefined);
      // Without a port every inside address sharing the public one is a candidate: walk its blocks.
      const all = [];
      for (let p = m.firstPort; p <= m.lastPort;) {
        const found = at(p);
        if (!found) break;
        all.push(found);
        p = found.ports[1] + 1;
      }
      return all;
    });
}
