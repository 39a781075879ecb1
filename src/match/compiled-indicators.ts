import { INDICATOR_TYPES, type Category, type Indicator, type IndicatorType } from '../domain/indicator.js';
import { buildDomainTable, type DomainTable } from './domain-table.js';
import type { IndicatorRef } from './load-indicators.js';
import { buildMatcher, type Matcher, type MatcherItem } from './matcher.js';

/**
 * The effective indicators compiled once for matching, as flat buffers and two strings: what worker
 * threads match with (they share the domain table instead of each hashing a million names again), and
 * what indicator-snapshot.ts writes to disk so that the next start reads it instead of rebuilding.
 * An indicator is named by its ref, its index here; what it says (sources, categories) is decoded only
 * for the indicators that matched.
 */
export type CompiledIndicators = {
  count: number;
  /** The values one after another: ref r's is values.slice(valueStarts[r], valueStarts[r + 1]). */
  values: string;
  valueStarts: Int32Array<ArrayBufferLike>;
  /** Per ref, its type's index in INDICATOR_TYPES. */
  types: Uint8Array<ArrayBufferLike>;
  /** Per ref, ms after which it no longer matches (its claims all expired). */
  validUntil: Float64Array<ArrayBufferLike>;
  /** Per ref, 1 when some effective claim blocks it (mode block), 0 when it is only watched. */
  blocks: Uint8Array<ArrayBufferLike>;
  /** Per ref, `[sources, categories, confidence]` as JSON, one after another (see `refs` offsets). */
  refs: string;
  refStarts: Int32Array<ArrayBufferLike>;
  /** The domains, each entry's id being its ref. */
  domains: DomainTable;
};

/** What worker threads need of it: matching, not what the matches mean. */
export type MatchTable = Omit<CompiledIndicators, 'refs' | 'refStarts'>;

const DOMAIN = INDICATOR_TYPES.indexOf('domain');

export function compileIndicators(items: readonly MatcherItem<IndicatorRef>[]): CompiledIndicators {
  const count = items.length;
  const values: string[] = new Array<string>(count);
  const refs: string[] = new Array<string>(count);
  const valueStarts = new Int32Array(count + 1);
  const refStarts = new Int32Array(count + 1);
  const types = new Uint8Array(count);
  const validUntil = new Float64Array(count);
  const blocks = new Uint8Array(count);
  let valueAt = 0;
  let refAt = 0;
  for (let r = 0; r < count; r++) {
    const { indicator, ref } = items[r]!;
    values[r] = indicator.value;
    valueStarts[r] = valueAt;
    valueAt += indicator.value.length;
    const said = JSON.stringify([ref.sources, ref.categories, ref.confidence]);
    refs[r] = said;
    refStarts[r] = refAt;
    refAt += said.length;
    types[r] = INDICATOR_TYPES.indexOf(indicator.type);
    validUntil[r] = ref.validUntilMs;
    blocks[r] = ref.mode === 'block' ? 1 : 0;
  }
  valueStarts[count] = valueAt;
  refStarts[count] = refAt;
  const domains = buildDomainTable(
    (function* () {
      for (let r = 0; r < count; r++) if (types[r] === DOMAIN) yield { domain: values[r]!, id: r };
    })(),
  );
  return {
    count,
    values: values.join(''),
    valueStarts,
    types,
    validUntil,
    blocks,
    refs: refs.join(''),
    refStarts,
    domains,
  };
}

export function indicatorAt(table: MatchTable, ref: number): Indicator {
  return {
    type: INDICATOR_TYPES[table.types[ref]!] as IndicatorType,
    value: table.values.slice(table.valueStarts[ref], table.valueStarts[ref + 1]),
  };
}

/** Indicator `ref` with what its claims say. */
export function itemAt(compiled: CompiledIndicators, ref: number): MatcherItem<IndicatorRef> | undefined {
  if (!(ref >= 0 && ref < compiled.count)) return undefined;
  const [sources, categories, confidence] = JSON.parse(
    compiled.refs.slice(compiled.refStarts[ref], compiled.refStarts[ref + 1]),
  ) as [string[], Category[], number];
  return {
    indicator: indicatorAt(compiled, ref),
    ref: {
      sources,
      categories,
      mode: compiled.blocks[ref] === 1 ? 'block' : 'monitor',
      confidence,
      validUntilMs: compiled.validUntil[ref]!,
    },
  };
}

/**
 * A matcher whose refs are indicator numbers, for the worker threads: the domain table is used as it is,
 * and only the indicators of other types (addresses, URLs, mail, hashes) are put into indexes here.
 */
export function matcherOf(table: MatchTable): Matcher<number> {
  return tableMatcher(table, (ref) => ({ indicator: indicatorAt(table, ref), ref }));
}

/** A matcher whose refs say what the claims say: for lookups in the main thread (the sinkhole, replays of dead letters). */
export function refMatcherOf(compiled: CompiledIndicators): Matcher<IndicatorRef> {
  // A domain is decoded when first matched, then kept: the same indicator is the same object
  // (matchObservation tells two matches apart by ref), and a name matched often is decoded once. The
  // other types are decoded once anyway, when their indexes are built.
  const decoded = new Map<number, MatcherItem<IndicatorRef>>();
  return tableMatcher(compiled, (ref) => {
    if (compiled.types[ref] !== DOMAIN) return itemAt(compiled, ref)!;
    let item = decoded.get(ref);
    if (!item) decoded.set(ref, (item = itemAt(compiled, ref)!));
    return item;
  });
}

/** The domain table as it is, the other types indexed; `itemOf` says what indicator `ref` stands for. */
function tableMatcher<T>(table: MatchTable, itemOf: (ref: number) => MatcherItem<T>): Matcher<T> {
  const others: MatcherItem<T>[] = [];
  for (let r = 0; r < table.count; r++) if (table.types[r] !== DOMAIN) others.push(itemOf(r));
  const domains = table.domains;
  return buildMatcher(others, { table: domains, item: (entry) => itemOf(domains.ids[entry]!) });
}
