/**
 * Domain lookup by label suffix, held entirely in typed arrays: an entry for `evil.example` matches
 * `evil.example` and, unless it is exact-only, every name under it (`a.b.evil.example`), and nothing
 * else — `notevil.example` and `evil.example.org` do not match, which substring search (grep) gets wrong.
 *
 * Typed arrays rather than strings and objects, because a table of a million names is then a few
 * flat buffers: written to disk and read back in one go (indicator-snapshot.ts), handed to worker
 * threads without a rebuild, and shared between them when the buffers are shared.
 *
 * A lookup reads the name once, right to left, hashing as it goes; at each label boundary it probes a
 * table keyed by the hash of that suffix and confirms a candidate by comparing the characters. No
 * substring is allocated, so the cost is one pass over the name whatever the number of entries.
 */
export type DomainTable = {
  /** The listed names one after another, as UTF-16 code units (names are ASCII after IDNA; nothing here relies on it). */
  chars: Uint16Array<ArrayBufferLike>;
  /** Entry n's name is chars[starts[n], starts[n + 1]). */
  starts: Int32Array<ArrayBufferLike>;
  /** The caller's number for entry n (an index into its own values). */
  ids: Int32Array<ArrayBufferLike>;
  /** 1 when entry n also covers the names under it. */
  subtree: Uint8Array<ArrayBufferLike>;
  /** Open addressing (linear probing, load under 1/2): each slot's suffix hash and entry, side by side. */
  hashes: Int32Array<ArrayBufferLike>;
  slots: Int32Array<ArrayBufferLike>;
  /** One bit per hash: most suffixes of a name (`net`, `example.net`) are not listed and stop here. */
  filter: Int32Array<ArrayBufferLike>;
};

export type DomainTableEntry = { domain: string; id: number; includeSubdomains?: boolean };

/**
 * What a lookup found: -1 nothing; n ≥ 0 entry n is the name itself; n ≤ -2 entry -(n + 2) is a
 * parent of the name. A number, not an object, because it is asked for every name a resolver logs.
 */
export type DomainFound = number;
export const NOT_FOUND = -1;
export const isExact = (found: DomainFound): boolean => found >= 0;
export const entryOf = (found: DomainFound): number => (found >= 0 ? found : -(found + 2));

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

/** Builds the table; a name listed twice keeps its first entry. Names must be lower case without a trailing dot. */
export function buildDomainTable(entries: Iterable<DomainTableEntry>): DomainTable {
  const domains: string[] = [];
  const ids: number[] = [];
  const subtrees: boolean[] = [];
  const seen = new Set<string>();
  let length = 0;
  for (const e of entries) {
    if (seen.has(e.domain)) continue;
    seen.add(e.domain);
    domains.push(e.domain);
    ids.push(e.id);
    subtrees.push(e.includeSubdomains !== false);
    length += e.domain.length;
  }
  seen.clear();

  let capacity = 1024;
  while (capacity < domains.length * 2) capacity *= 2;
  const mask = capacity - 1;
  const filterBits = Math.min(2 ** 26, capacity * 4);
  const table: DomainTable = {
    chars: new Uint16Array(length),
    starts: new Int32Array(domains.length + 1),
    ids: Int32Array.from(ids),
    subtree: Uint8Array.from(subtrees, (s) => (s ? 1 : 0)),
    hashes: new Int32Array(capacity),
    slots: new Int32Array(capacity).fill(EMPTY),
    filter: new Int32Array(filterBits >>> 5),
  };
  const { chars, starts, hashes, slots, filter } = table;
  let at = 0;
  for (let n = 0; n < domains.length; n++) {
    const d = domains[n] as string;
    starts[n] = at;
    let h = SEED;
    for (let i = 0; i < d.length; i++) chars[at + i] = d.charCodeAt(i);
    for (let i = d.length - 1; i >= 0; i--) h = step(h, d.charCodeAt(i));
    at += d.length;
    h = mix(h);
    let slot = h & mask;
    while (slots[slot] !== EMPTY) slot = (slot + 1) & mask;
    hashes[slot] = h;
    slots[slot] = n;
    filter[(h & (filterBits - 1)) >>> 5]! |= 1 << (h & 31);
  }
  starts[domains.length] = at;
  return table;
}

/** Entries in the table. */
export function domainCount(table: DomainTable): number {
  return table.starts.length - 1;
}

/** Entry n's name. */
export function domainAt(table: DomainTable, n: number): string {
  return String.fromCharCode(...table.chars.subarray(table.starts[n], table.starts[n + 1]));
}

/**
 * The lookup over a table: the most specific entry covering `name` (ASCII case and one trailing dot
 * ignored). The arrays are read through closure variables, which the JIT keeps in registers.
 */
export function domainLookup(table: DomainTable): (name: string) => DomainFound {
  const { chars, starts, subtree, hashes, slots, filter } = table;
  const mask = slots.length - 1;
  const filterMask = filter.length * 32 - 1;

  // The entry whose name is `name[start, end)` folded to lower case, hashing to `h`; -1 if none.
  const probe = (name: string, start: number, end: number, h: number, whole: boolean): number => {
    if ((filter[(h & filterMask) >>> 5]! & (1 << (h & 31))) === 0) return EMPTY;
    for (let at = h & mask; slots[at] !== EMPTY; at = (at + 1) & mask) {
      if (hashes[at] !== h) continue;
      const n = slots[at] as number;
      if ((whole || subtree[n] === 1) && sameFolded(name, start, end, chars, starts[n]!, starts[n + 1]!)) return n;
    }
    return EMPTY;
  };

  return (name) => {
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
    if (n !== EMPTY) return n;
    return best === EMPTY ? NOT_FOUND : -(best + 2);
  };
}

/** Whether `name[start, end)`, with A–Z folded to lower case, is chars[from, to) (already lower case). */
function sameFolded(
  name: string,
  start: number,
  end: number,
  chars: Uint16Array<ArrayBufferLike>,
  from: number,
  to: number,
): boolean {
  if (end - start !== to - from) return false;
  for (let i = 0; i < to - from; i++) {
    let c = name.charCodeAt(start + i);
    if (c >= 65 && c <= 90) c |= 32;
    if (c !== chars[from + i]) return false;
  }
  return true;
}
