import type { Category, IndicatorType } from '../domain/indicator.js';

// What an enforcement point is asked to carry at one moment: the effective claims it takes, one entry
// per indicator, already past every guard. Points render this and nothing else, so the same snapshot
// always gives the same bytes.

export const POINT_NAMES = ['rpz', 'squid', 'nftables', 'postfix'] as const;
export type PointName = (typeof POINT_NAMES)[number];

export type EntryAction = 'block' | 'monitor';

export type PolicyEntry = {
  type: IndicatorType;
  /** Canonical value (src/net/normalise.ts). */
  value: string;
  /** block: the point refuses it; monitor: the point only logs it (shadow). */
  action: EntryAction;
  /** Every category and source that lists it, sorted; for logs, the block page and the diff. */
  categories: Category[];
  sources: string[];
};

export type PolicySnapshot = {
  point: PointName;
  /** Sorted by type, then value; one entry per indicator. */
  entries: PolicyEntry[];
  /**
   * Allowlisted names under a listed parent (listed `example.net`, allowlisted `www.example.net`):
   * the RPZ carries them as PASSTHRU so the parent's wildcard does not catch them. Sorted.
   */
  passthru: string[];
  /** Prefixes of subscribers in the walled garden (rpz-client-ip), from the abuse desk. Sorted. */
  restrictedClients: string[];
};

/** The line an entry is compared by between versions: a change of action is a change. */
export function entryKey(entry: Pick<PolicyEntry, 'type' | 'value' | 'action'>): string {
  return `${entry.type} ${entry.value} ${entry.action}`;
}
