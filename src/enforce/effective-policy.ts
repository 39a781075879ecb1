import type { Config } from '../config/index.js';
import { CATEGORIES, type Category } from '../domain/indicator.js';
import { POINT_NAMES, type EntryAction, type PointName } from './snapshot.js';

// What the enforce config means in effect, per category and per point: the table an operator reads to
// answer "does phishing block on the firewall?" without working out the YAML's defaults and overrides.
// It follows buildSnapshots (policy.ts): a point carries a category only when enabled and listing it;
// a carried category blocks only when its policy says block and neither the point nor the whole of
// enforce is in monitor mode.

/** Why a cell is what it is; the first rule that applies, in this order. */
export type CellReason =
  'point-disabled' | 'category-not-carried' | 'monitor-all' | 'point-monitor' | 'category-monitor' | 'block';

export type PolicyCell = { category: Category; effect: EntryAction | 'not-carried'; reason: CellReason };

export type EffectivePolicy = {
  /** enforce.monitor: every point logs only. */
  monitorAll: boolean;
  categories: { category: Category; action: EntryAction }[];
  points: { point: PointName; enabled: boolean; monitor: boolean; cells: PolicyCell[] }[];
  /**
   * Every source that does not block whatever its categories say: its own mode (intel.sources[].mode)
   * or enforce.policy.sources. Configured sources in block mode are listed too, so the table is complete.
   */
  sources: { source: string; mode: EntryAction | null; override: EntryAction | null; effect: EntryAction }[];
};

export function effectivePolicy(config: Config): EffectivePolicy {
  const enforce = config.enforce;
  const categoryAction = enforce.policy.categories;
  const points = POINT_NAMES.map((point) => {
    const settings = enforce[point];
    const carried = new Set<string>(settings.categories);
    const cells = CATEGORIES.map((category): PolicyCell => {
      if (!settings.enabled) return { category, effect: 'not-carried', reason: 'point-disabled' };
      if (!carried.has(category)) return { category, effect: 'not-carried', reason: 'category-not-carried' };
      if (enforce.monitor) return { category, effect: 'monitor', reason: 'monitor-all' };
      if (settings.monitor) return { category, effect: 'monitor', reason: 'point-monitor' };
      if (categoryAction[category] === 'monitor') return { category, effect: 'monitor', reason: 'category-monitor' };
      return { category, effect: 'block', reason: 'block' };
    });
    return { point, enabled: settings.enabled, monitor: enforce.monitor || settings.monitor, cells };
  });

  const configured = new Map(config.intel.sources.map((s) => [s.name, s.mode as EntryAction]));
  const names = [...new Set([...configured.keys(), ...Object.keys(enforce.policy.sources)])].sort();
  const sources = names.map((source) => {
    const mode = configured.get(source) ?? null;
    const override = enforce.policy.sources[source] ?? null;
    const effect: EntryAction = mode === 'monitor' || override === 'monitor' ? 'monitor' : 'block';
    return { source, mode, override, effect };
  });

  return {
    monitorAll: enforce.monitor,
    categories: CATEGORIES.map((category) => ({ category, action: categoryAction[category] })),
    points,
    sources,
  };
}
