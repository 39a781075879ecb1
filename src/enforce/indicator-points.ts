import type { Config } from '../config/index.js';
import type { Category, IndicatorType } from '../domain/indicator.js';
import type { AllowChecker } from '../intel/allowlist/check.js';
import { CARRIES, neverPublish } from './policy.js';
import { POINT_NAMES, type EntryAction, type PointName } from './snapshot.js';

// "Where is this indicator enforced?" for one indicator, by the rules buildSnapshots (policy.ts) applies
// to all of them at publish time: which points would carry it, and whether they block it or only log it.

/** The first reason, in this order, that a point does not carry the indicator; null when it does. */
export type NotCarried =
  'point-disabled' | 'type-not-carried' | 'no-effective-claim' | 'category-not-carried' | 'allowlisted';

/** Why a carried indicator is only logged: the first that applies. */
export type MonitorReason = 'monitor-all' | 'point-monitor' | 'claim-monitor';

export type PointEnforcement = {
  point: PointName;
  enabled: boolean;
  /** The categories of the indicator's effective claims that this point carries. */
  categories: Category[];
  /** What the device does with it: block, log only, or nothing (notCarried says why). */
  action: EntryAction | null;
  notCarried: NotCarried | null;
  monitorReason: MonitorReason | null;
  /** The never-publish rule (allowlist entry, root, default route) that keeps it off every point. */
  stoppedBy: string | null;
};

/** What enforcement needs of each effective claim on the indicator. */
export type CarriedClaim = { source: string; category: string; mode: string };

export function indicatorEnforcement(
  config: Config,
  indicator: { type: IndicatorType; value: string },
  effectiveClaims: CarriedClaim[],
  checker: AllowChecker,
): PointEnforcement[] {
  const enforce = config.enforce;
  const stoppedBy = neverPublish(indicator.type, indicator.value, checker) ?? null;
  const claimAction = (c: CarriedClaim): EntryAction =>
    c.mode === 'block' &&
    enforce.policy.categories[c.category as Category] === 'block' &&
    enforce.policy.sources[c.source] !== 'monitor'
      ? 'block'
      : 'monitor';

  return POINT_NAMES.map((point) => {
    const settings = enforce[point];
    const carried = new Set<string>(settings.categories);
    const claims = effectiveClaims.filter((c) => carried.has(c.category));
    const categories = [...new Set(claims.map((c) => c.category as Category))].sort();
    const notCarried: NotCarried | null = !settings.enabled
      ? 'point-disabled'
      : !CARRIES[point].has(indicator.type)
        ? 'type-not-carried'
        : effectiveClaims.length === 0
          ? 'no-effective-claim'
          : claims.length === 0
            ? 'category-not-carried'
            : stoppedBy
              ? 'allowlisted'
              : null;
    let action: EntryAction | null = null;
    let monitorReason: MonitorReason | null = null;
    if (notCarried === null) {
      if (enforce.monitor) monitorReason = 'monitor-all';
      else if (settings.monitor) monitorReason = 'point-monitor';
      else if (!claims.some((c) => claimAction(c) === 'block')) monitorReason = 'claim-monitor';
      action = monitorReason ? 'monitor' : 'block';
    }
    return {
      point,
      enabled: settings.enabled,
      categories: notCarried === null ? categories : [],
      action,
      notCarried,
      monitorReason,
      stoppedBy,
    };
  });
}
