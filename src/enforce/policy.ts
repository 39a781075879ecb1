import type { Kysely } from 'kysely';
import type { Config } from '../config/index.js';
import type { Category, IndicatorType } from '../domain/indicator.js';
import { compileAllowlists } from '../intel/allowlist/check.js';
import type { Allowlist } from '../intel/allowlist/entry.js';
import { effectiveClaimPages, type EffectiveClaim } from '../intel/claims-store.js';
import { buildDomainIndex } from '../match/domain-index.js';
import { normaliseDomain } from '../net/domain.js';
import type { Database } from '../store/schema.js';
import { POINT_NAMES, type EntryAction, type PointName, type PolicyEntry, type PolicySnapshot } from './snapshot.js';

/** What each point can enforce at all: a resolver sees names and answers, a firewall sees addresses… */
export const CARRIES: Record<PointName, ReadonlySet<IndicatorType>> = {
  rpz: new Set(['domain', 'ipv4', 'ipv6', 'cidr']),
  squid: new Set(['domain', 'ipv4', 'ipv6', 'cidr']),
  nftables: new Set(['ipv4', 'ipv6', 'cidr', 'ip-port']),
  postfix: new Set(['ipv4', 'ipv6', 'cidr', 'email', 'domain']),
};

/** An entry a guard kept out of every artifact, and which rule did. */
export type Stopped = { type: IndicatorType; value: string; rule: string };

export type Snapshots = {
  snapshots: Map<PointName, PolicySnapshot>;
  /** Entries the never-publish guard stopped (a claim slipped past ingest, or the lists changed since). */
  stopped: Stopped[];
  /** The soonest valid_until among the claims carried: the next publish must happen by then. */
  nextExpiry: string | null;
};

export function enabledPoints(config: Config): PointName[] {
  return POINT_NAMES.filter((p) => config.enforce[p].enabled);
}

/**
 * One pass over the effective claims builds what every enabled point should carry now. A claim
 * blocks only when its own mode, its category's policy and its source's policy all say block; an
 * indicator blocks on a point when any claim the point carries blocks it, and is monitored when
 * they only watch. The allowlists (built-in, the ISP's own, configured) are checked again here,
 * because they may have changed since the claim was ingested: nothing they cover is ever published.
 */
export async function buildSnapshots(
  db: Kysely<Database>,
  config: Config,
  allowlists: Allowlist[],
  now: Date,
  restrictedClients: string[] = [],
): Promise<Snapshots> {
  const points = enabledPoints(config);
  const entries = new Map<PointName, PolicyEntry[]>(points.map((p) => [p, []]));
  const { checker } = compileAllowlists(allowlists);
  const stopped: Stopped[] = [];
  let nextExpiry: string | null = null;

  const categoryAction = config.enforce.policy.categories;
  const sourceAction = config.enforce.policy.sources;
  const claimAction = (c: EffectiveClaim): EntryAction =>
    c.mode === 'block' && categoryAction[c.category as Category] === 'block' && sourceAction[c.source] !== 'monitor'
      ? 'block'
      : 'monitor';

  const flush = (group: EffectiveClaim[]) => {
    const first = group[0] as EffectiveClaim;
    const type = first.type as IndicatorType;
    const rule = neverPublish(type, first.value, checker);
    if (rule) {
      stopped.push({ type, value: first.value, rule });
      return;
    }
    for (const point of points) {
      if (!CARRIES[point].has(type)) continue;
      const carried = config.enforce[point].categories as Category[];
      const claims = group.filter((c) => carried.includes(c.category as Category));
      if (claims.length === 0) continue;
      for (const c of claims) if (nextExpiry === null || c.validUntil < nextExpiry) nextExpiry = c.validUntil;
      (entries.get(point) as PolicyEntry[]).push({
        type,
        value: first.value,
        action: claims.some((c) => claimAction(c) === 'block') ? 'block' : 'monitor',
        categories: [...new Set(claims.map((c) => c.category as Category))].sort(),
        sources: [...new Set(claims.map((c) => c.source))].sort(),
      });
    }
  };

  // Claims arrive sorted by (type, value, source): an indicator's claims are consecutive.
  let group: EffectiveClaim[] = [];
  for await (const page of effectiveClaimPages(db, now.toISOString())) {
    for (const claim of page) {
      const head = group[0];
      if (head && (head.type !== claim.type || head.value !== claim.value)) {
        flush(group);
        group = [];
      }
      group.push(claim);
    }
  }
  if (group.length) flush(group);

  const clients = [...new Set(restrictedClients)].sort();
  // The walled garden is the resolver's (rpz-client-ip), and the firewall's when the desk asks for it.
  const carriesClients = (point: PointName) =>
    point === 'rpz' || (point === 'nftables' && config.abuse.escalation.nftables.enabled);
  const snapshots = new Map<PointName, PolicySnapshot>();
  for (const point of points) {
    const list = entries.get(point) as PolicyEntry[];
    snapshots.set(point, {
      point,
      entries: list,
      passthru: point === 'rpz' ? passthruNames(list, allowlists) : [],
      restrictedClients: carriesClients(point) ? clients : [],
    });
  }
  return { snapshots, stopped, nextExpiry };
}

/**
 * The last line of defence before anything reaches a device: the root, a TLD, a public suffix, and
 * anything an allowlist covers in block mode (which includes the ISP's own names and networks and the
 * special-purpose ranges). Returns the rule that stops it, or undefined.
 */
export function neverPublish(
  type: IndicatorType,
  value: string,
  checker: ReturnType<typeof compileAllowlists>['checker'],
): string | undefined {
  if (type === 'domain' && (value === '' || value === '.' || !value.includes('.'))) return 'builtin:root-or-tld';
  if (type === 'cidr' && /\/0$/.test(value)) return 'builtin:default-route';
  const verdict = checker.check({ type, value });
  return verdict?.mode === 'block' ? `${verdict.list} / ${verdict.entry}` : undefined;
}

/**
 * Allowlisted names that a listed parent's wildcard would catch (`*.example.net` listed,
 * `www.example.net` allowlisted): the zone must say PASSTHRU for them explicitly.
 */
function passthruNames(entries: PolicyEntry[], allowlists: Allowlist[]): string[] {
  const index = buildDomainIndex(
    entries.filter((e) => e.type === 'domain').map((e) => ({ domain: e.value, value: true })),
  );
  if (index.size === 0) return [];
  const names = new Set<string>();
  for (const list of allowlists) {
    if (list.mode !== 'block') continue;
    for (const entry of list.entries) {
      if (entry.kind !== 'exact' && entry.kind !== 'hostname') continue;
      const normalised = normaliseDomain(entry.value);
      if (!normalised.ok) continue; // an address entry, or not a name
      const hit = index.lookup(normalised.indicator.value);
      if (hit && !hit.exact) names.add(normalised.indicator.value);
    }
  }
  return [...names].sort();
}
