import { recordKey, type RpzZone, type Soa, type ZoneRecord } from './zone.js';

// The IXFR journal (RFC 1995): what changed between consecutive versions of the policy zone, so a
// resolver that is a few versions behind fetches the change instead of the whole zone. Pure data: the
// server encodes the deltas when a secondary asks for them.

/** A zone record, or one of the apex NS records (which can change with the configuration). */
export type DeltaRecord = { name: string; type: ZoneRecord['type'] | 'NS'; ttl: number; data: string };

export type ZoneDelta = {
  /** The SOA a secondary holding the old version has; IXFR names the step by its serial. */
  from: Soa;
  to: Soa;
  deleted: DeltaRecord[];
  added: DeltaRecord[];
};

/**
 * The change from `prev` to `next`. Both record lists are sorted by recordKey without duplicates (the
 * zone invariant), so one merge pass finds it; a list out of order would give a wrong delta, which
 * would corrupt every secondary silently, so that is checked on the way and throws.
 */
export function diffZones(prev: RpzZone, next: RpzZone): ZoneDelta {
  return diffZonesIndexed(prev, next).delta;
}

/**
 * The delta, and where its records sit: indices into prev.records of the deleted ones and into
 * next.records of the added ones (apex NS changes are in the delta only). With them the server
 * builds the new version's wire form by copying the unchanged runs of the previous one.
 */
export function diffZonesIndexed(
  prev: RpzZone,
  next: RpzZone,
): { delta: ZoneDelta; deletedIndex: number[]; addedIndex: number[] } {
  if (prev.origin !== next.origin) {
    throw new Error(`cannot diff zones with different origins: ${prev.origin} and ${next.origin}`);
  }
  const deleted: DeltaRecord[] = [];
  const added: DeltaRecord[] = [];
  diffNs(prev, next, deleted, added);
  const deletedIndex: number[] = [];
  const addedIndex: number[] = [];
  const a = prev.records;
  const b = next.records;
  let i = 0;
  let j = 0;
  const checkA = () => {
    if (i > 0 && compareRecords(a[i - 1]!, a[i]!) >= 0) throw unsorted('previous', i, a[i]!);
  };
  const checkB = () => {
    if (j > 0 && compareRecords(b[j - 1]!, b[j]!) >= 0) throw unsorted('next', j, b[j]!);
  };
  const drop = () => {
    checkA();
    deleted.push(a[i]!);
    deletedIndex.push(i++);
  };
  const take = () => {
    checkB();
    added.push(b[j]!);
    addedIndex.push(j++);
  };
  // When a[i-1] and a[i] each match a record of b, b's order (checked) is a's: the check of a is
  // skipped there, which for a mostly unchanged zone saves a third of the comparisons.
  let lastMatched = false;
  while (i < a.length && j < b.length) {
    const order = compareRecords(a[i]!, b[j]!);
    if (order < 0) {
      drop();
      lastMatched = false;
    } else if (order > 0) {
      take();
      lastMatched = false;
    } else {
      if (!lastMatched) checkA();
      checkB();
      // Same name, type and data: a TTL change is still a change a secondary must see.
      if (a[i]!.ttl !== b[j]!.ttl) {
        deleted.push(a[i]!);
        deletedIndex.push(i);
        added.push(b[j]!);
        addedIndex.push(j);
      }
      i++;
      j++;
      lastMatched = true;
    }
  }
  while (i < a.length) drop();
  while (j < b.length) take();
  return { delta: { from: prev.soa, to: next.soa, deleted, added }, deletedIndex, addedIndex };
}

function diffNs(prev: RpzZone, next: RpzZone, deleted: DeltaRecord[], added: DeltaRecord[]): void {
  const ns = (zone: RpzZone) => new Map(zone.ns.map((data) => [data, zone.ttl]));
  const before = ns(prev);
  const after = ns(next);
  for (const [data, ttl] of before) {
    if (after.get(data) !== ttl) deleted.push({ name: prev.origin, type: 'NS', ttl, data });
  }
  for (const [data, ttl] of after) {
    if (before.get(data) !== ttl) added.push({ name: next.origin, type: 'NS', ttl, data });
  }
}

function unsorted(which: string, index: number, record: ZoneRecord): Error {
  return new Error(`the ${which} zone's records are not sorted by recordKey at ${index} (${recordKey(record)})`);
}

/**
 * The order of recordKey(a) and recordKey(b) (`name type data`), without building either string: a
 * million-record diff would otherwise allocate two million keys. Where one field is a prefix of the
 * other, the key continues with a space, so the next character decides against that space; only a
 * space inside a name (which DNS names from renderZone never have) falls back to the keys themselves.
 */
export function compareRecords(a: ZoneRecord, b: ZoneRecord): number {
  return (
    compareField(a.name, b.name) ?? compareField(a.type, b.type) ?? (a.data === b.data ? 0 : a.data < b.data ? -1 : 1)
  );
  function compareField(x: string, y: string): number | undefined {
    if (x === y) return undefined;
    if (x < y) return y.startsWith(x) ? afterPrefix(y.charCodeAt(x.length), -1) : -1;
    return x.startsWith(y) ? afterPrefix(x.charCodeAt(y.length), 1) : 1;
  }
  function afterPrefix(next: number, sign: number): number {
    if (next > 0x20) return sign;
    if (next < 0x20) return -sign;
    const ka = recordKey(a);
    const kb = recordKey(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  }
}

/**
 * The last `maxVersions` deltas, keyed by the serial they start from. A secondary at serial s is
 * brought up to date by following the chain s → … → current; when the chain does not reach back to
 * s (too old, or the server restarted), there is no IXFR answer and the secondary gets the whole zone.
 */
export class Journal {
  private readonly deltas = new Map<number, ZoneDelta>();

  constructor(readonly maxVersions: number) {
    if (!Number.isInteger(maxVersions) || maxVersions < 1) {
      throw new Error(`journal_versions must be a whole number ≥ 1, got ${maxVersions}`);
    }
  }

  push(delta: ZoneDelta): void {
    // Re-inserting moves a reused serial (after 2^32 versions, or a reset) to the newest position.
    this.deltas.delete(delta.from.serial);
    this.deltas.set(delta.from.serial, delta);
    while (this.deltas.size > this.maxVersions) {
      const oldest = this.deltas.keys().next().value as number;
      this.deltas.delete(oldest);
    }
  }

  /** The deltas from `serial` to `current`, oldest first; [] when already current; undefined when out of reach. */
  since(serial: number, current: number): ZoneDelta[] | undefined {
    const path: ZoneDelta[] = [];
    let at = serial;
    while (at !== current) {
      const step = this.deltas.get(at);
      // More steps than entries means a cycle of serials, which no real history has.
      if (!step || path.length >= this.deltas.size) return undefined;
      path.push(step);
      at = step.to.serial;
    }
    return path;
  }

  /** Deltas kept. */
  get size(): number {
    return this.deltas.size;
  }

  clear(): void {
    this.deltas.clear();
  }
}
