import { buildDomainTable, domainAt, domainCount, domainLookup, entryOf, isExact, NOT_FOUND } from './domain-table.js';

/**
 * A domain table (domain-table.ts) with a value of any kind per name: for lists built and used in one
 * thread (allowlists, policy checks), where a table of numbers would only push the mapping onto the caller.
 */
export type DomainIndex<T> = {
  /** The most specific entry covering `name` (ASCII case and one trailing dot ignored), or undefined. */
  lookup(name: string): DomainHit<T> | undefined;
  readonly size: number;
};
export type DomainHit<T> = { domain: string; value: T; exact: boolean };
export type DomainEntry<T> = { domain: string; value: T; includeSubdomains?: boolean };

export function buildDomainIndex<T>(entries: Iterable<DomainEntry<T>>): DomainIndex<T> {
  const values: T[] = [];
  const table = buildDomainTable(
    (function* () {
      for (const e of entries) {
        values.push(e.value);
        yield { domain: e.domain, id: values.length - 1, includeSubdomains: e.includeSubdomains !== false };
      }
    })(),
  );
  const lookup = domainLookup(table);
  return {
    size: domainCount(table),
    lookup(name) {
      const found = lookup(name);
      if (found === NOT_FOUND) return undefined;
      const n = entryOf(found);
      return { domain: domainAt(table, n), value: values[table.ids[n]!] as T, exact: isExact(found) };
    },
  };
}
