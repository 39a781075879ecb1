/**
 * Domain lookup by label suffix: an entry for `evil.example` matches `evil.example` and, unless it is
 * exact-only, every name under it (`a.b.evil.example`), and nothing else — `notevil.example` and
 * `evil.example.org` do not match, which substring search (grep) gets wrong.
 *
 * A lookup reads the name once, right to left, hashing as it goes; at each label boundary it probes a
 * table keyed by the hash of that suffix and confirms a candidate by comparing the characters. No
 * substring is allocated, so the cost is one pass over the name whatever the number of entries.
 */
export type DomainIndex<T> = {
  /** The most specific entry covering `name` (ASCII case and one trailing dot ignored), or undefined. */
  lookup(name: string): DomainHit<T> | undefined;
  readonly size: number;
};
export type DomainHit<T> = { domain: string; value: T; exact: boolean };
export type DomainEntry<T> = { domain: string; value: T; includeSubdomains?: boolean };

const DOT = 46;
const EMPTY = -1;

/** The hash step, applied right to left per character; cheap, because it runs for every character looked up. */
function step(hash: number, code: number): number {
  return (Math.imul(hash, 31) + code) & 0x3fffffff;
}

/** Spreads a suffix hash's bits before it picks a table slot; runs once per label, not per character. */
function mix(hash: number): number {
  const h = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
  return (h ^ (h >>> 12)) & 0x3fffffff;
}
const SEED = 0x811c9dc5 & 0x3fffffff;

export function buildDomainIndex<T>(entries: Iterable<DomainEntry<T>>): DomainIndex<T> {
  const domains: string[] = [];
  const values: T[] = [];
  const subtree: boolean[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.domain)) continue;
    seen.add(e.domain);
    domains.push(e.domain);
    values.push(e.value);
    subtree.push(e.includeSubdomains !== false);
  }
  seen.clear();

  // Open addressing in typed arrays (linear probing, load factor under 1/2): the hash and the entry
  // index side by side, so a probe that misses — most of them — touches one cache line, not a Map node.
  let capacity = 1024;
  while (capacity < domains.length * 2) capacity *= 2;
  const mask = capacity - 1;
  // A one-bit-per-hash filter, small enough to stay in cache: most suffixes of a name (`net`,
  // `example.net`) are not listed, and the filter turns those probes away without touching the table.
  const filterBits = Math.min(2 ** 26, capacity * 4);
  const filterMask = filterBits - 1;
  const filter = new Int32Array(filterBits >>> 5);
  const hashes = new Int32Array(capacity);
  const slots = new Int32Array(capacity).fill(EMPTY);
  for (let n = 0; n < domains.length; n++) {
    const d = domains[n] as string;
    let h = SEED;
    for (let i = d.length - 1; i >= 0; i--) h = step(h, d.charCodeAt(i));
    h = mix(h);
    let at = h & mask;
    while (slots[at] !== EMPTY) at = (at + 1) & mask;
    hashes[at] = h;
    slots[at] = n;
    filter[(h & filterMask) >>> 5]! |= 1 << (h & 31);
  }

  // The entry whose domain is `name[start, end)` folded to lower case, hashing to `h`; -1 if none.
  const probe = (name: string, start: number, end: number, h: number, whole: boolean): number => {
    if ((filter[(h & filterMask) >>> 5]! & (1 << (h & 31))) === 0) return EMPTY;
    for (let at = h & mask; slots[at] !== EMPTY; at = (at + 1) & mask) {
      if (hashes[at] !== h) continue;
      const n = slots[at] as number;
      if ((whole || subtree[n]) && sameFolded(name, start, end, domains[n] as string)) return n;
    }
    return EMPTY;
  };

  return {
    size: domains.length,
    lookup(name) {
      // One pass right to left, folding case and skipping a trailing dot as it goes (names arrive from
      // logs as `Evil.Example.`), so no lower-cased copy is made. Each dot met closes a suffix, shorter
      // to longer, so the last hit is the most specific.
      const end = name.charCodeAt(name.length - 1) === DOT ? name.length - 1 : name.length;
      let h = SEED;
      let best = EMPTY;
      for (let i = end - 1; i >= 0; i--) {
        let c = name.charCodeAt(i);
        if (c === DOT) {
          const n = probe(name, i + 1, end, mix(h), false);
          if (n !== EMPTY) best = n;
        } else if (c >= 65 && c <= 90) c |= 32;
        h = step(h, c);
      }
      const n = probe(name, 0, end, mix(h), true);
      if (n !== EMPTY) return { domain: domains[n] as string, value: values[n] as T, exact: true };
      return best === EMPTY ? undefined : { domain: domains[best] as string, value: values[best] as T, exact: false };
    },
  };
}

/** Whether `name[start, end)`, with A–Z folded to lower case, is `domain` (already lower case). */
function sameFolded(name: string, start: number, end: number, domain: string): boolean {
  if (end - start !== domain.length) return false;
  for (let i = 0; i < domain.length; i++) {
    let c = name.charCodeAt(start + i);
    if (c >= 65 && c <= 90) c |= 32;
    if (c !== domain.charCodeAt(i)) return false;
  }
  return true;
}
