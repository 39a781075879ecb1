import ipaddr from 'ipaddr.js';

/**
 * Longest-prefix match over IPv4 and IPv6 networks and single addresses. Each prefix length present
 * has its own hash map keyed by the masked network; a lookup masks the address once per length present,
 * longest first, and stops at the first hit. Feeds use few distinct lengths, so that is a handful of
 * map lookups, independent of the number of entries.
 */
export type IpIndex<T> = {
  /** The most specific network containing `address` (normalised text), or undefined. */
  lookup(address: string): IpHit<T> | undefined;
  readonly size: number;
};
export type IpHit<T> = { network: string; value: T };
export type IpEntry<T> = { network: string; value: T };

type Table<K, T> = { lengths: number[]; maps: Map<number, Map<K, { network: string; value: T }>> };

export function buildIpIndex<T>(entries: Iterable<IpEntry<T>>): IpIndex<T> {
  const v4: Table<number, T> = { lengths: [], maps: new Map() };
  const v6: Table<string, T> = { lengths: [], maps: new Map() };
  let size = 0;
  for (const e of entries) {
    const slash = e.network.indexOf('/');
    const address = slash < 0 ? e.network : e.network.slice(0, slash);
    if (address.includes(':')) {
      const length = slash < 0 ? 128 : Number(e.network.slice(slash + 1));
      if (put(v6, length, v6Key(ipaddr.IPv6.parse(address).parts, length), e)) size++;
    } else {
      const length = slash < 0 ? 32 : Number(e.network.slice(slash + 1));
      if (put(v4, length, (v4Number(address) & v4Mask(length)) >>> 0, e)) size++;
    }
  }
  v4.lengths.sort((a, b) => b - a);
  v6.lengths.sort((a, b) => b - a);

  return {
    size,
    lookup(address) {
      if (address.includes(':')) {
        if (v6.lengths.length === 0) return undefined;
        let parts: number[];
        try {
          parts = ipaddr.IPv6.parse(address).parts;
        } catch {
          return undefined;
        }
        for (const length of v6.lengths) {
          const hit = v6.maps.get(length)!.get(v6Key(parts, length));
          if (hit) return hit;
        }
        return undefined;
      }
      if (v4.lengths.length === 0) return undefined;
      const n = v4Number(address);
      if (Number.isNaN(n)) return undefined;
      for (const length of v4.lengths) {
        const hit = v4.maps.get(length)!.get((n & v4Mask(length)) >>> 0);
        if (hit) return hit;
      }
      return undefined;
    },
  };
}

function put<K, T>(table: Table<K, T>, length: number, key: K, e: IpEntry<T>): boolean {
  let map = table.maps.get(length);
  if (!map) {
    map = new Map();
    table.maps.set(length, map);
    table.lengths.push(length);
  }
  if (map.has(key)) return false;
  map.set(key, { network: e.network, value: e.value });
  return true;
}

const MASKS = Array.from({ length: 33 }, (_, len) => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0));
function v4Mask(length: number): number {
  return MASKS[length] as number;
}

/** A dotted quad as an unsigned 32-bit number, NaN if it is not one; hand-written because it runs per lookup. */
function v4Number(text: string): number {
  let result = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return NaN;
      result = result * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return NaN;
    } else {
      return NaN;
    }
  }
  if (dots !== 3 || digits === 0) return NaN;
  return result * 256 + part;
}

/** The first `length` bits of an IPv6 address as a string key: whole 16-bit groups, then the masked partial one. */
function v6Key(parts: number[], length: number): string {
  const whole = length >> 4;
  const rest = length & 15;
  let key = '';
  for (let i = 0; i < whole; i++) key += `${(parts[i] as number).toString(16)}:`;
  if (rest) key += (((parts[whole] as number) >> (16 - rest)) << (16 - rest)).toString(16);
  return key;
}
