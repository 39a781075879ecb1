import type { Config } from '../config/schema.js';
import { deterministicNat } from './cgnat/deterministic-nat.js';
import type { DeterministicNatResolver } from './lookup.js';

/** The configured deterministic NAT mappings (RFC 7422) as the look-ups follow them: which inside address held a public port then. */
export function deterministicResolver(mappings: Config['attribute']['deterministic_nat']): DeterministicNatResolver {
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
