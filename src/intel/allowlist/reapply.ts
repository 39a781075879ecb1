import type { Kysely } from 'kysely';
import { INDICATOR_TYPES, type IndicatorType } from '../../domain/indicator.js';
import { normaliseAny } from '../../net/normalise.js';
import type { Database } from '../../store/schema.js';
import { bumpIntelRevision } from '../revision.js';
import { compileAllowlists, type AllowChecker } from './check.js';
import type { AllowEntry } from './entry.js';

// Ingest marks a claim with the allowlist entry that covers it. An entry added or removed from the
// console must not wait for every feed's next run: these bring the stored marks up to date at once,
// touching only the claims the entry can cover.

/** The indicator types an entry of each kind can cover (a URL or a mail address through its host). */
const TYPES_OF_KIND: Record<AllowEntry['kind'], readonly IndicatorType[]> = {
  exact: INDICATOR_TYPES,
  hostname: ['domain', 'url', 'email'],
  cidr: ['ipv4', 'ipv6', 'cidr', 'ip-port', 'url'],
  regex: INDICATOR_TYPES,
  substring: INDICATOR_TYPES,
};
/** Types whose values hold a host: an exact name entry covers them through it, so they are read in full. */
const HOST_BEARING: ReadonlySet<IndicatorType> = new Set(['url', 'email']);
const PAGE = 20_000;

type Key = { type: string; value: string };

/**
 * Marks the claims a new block-mode entry covers and that nothing suppressed yet: `suppressed_by` is
 * set to `verdict` (and a review flag cleared, as ingest does for a suppressed indicator). Returns the
 * number of claims marked.
 */
export async function suppressByEntry(
  db: Kysely<Database>,
  listName: string,
  entry: AllowEntry,
  verdict: string,
): Promise<number> {
  const { checker } = compileAllowlists([{ name: listName, mode: 'block', entries: [entry] }], {
    publicSuffixes: false,
  });
  const covered: Key[] = [];
  for (const type of TYPES_OF_KIND[entry.kind]) {
    if (entry.kind === 'exact' && !HOST_BEARING.has(type)) {
      const n = normaliseAny(entry.value);
      const value = n.ok ? n.indicator.value : entry.value.trim();
      const hit = await db
        .selectFrom('claims')
        .select(['type', 'value'])
        .where('type', '=', type)
        .where('value', '=', value)
        .where('suppressedBy', 'is', null)
        .executeTakeFirst();
      if (hit) covered.push(hit);
      continue;
    }
    for await (const key of unsuppressedOfType(db, type)) {
      if (checker.check({ type: key.type as IndicatorType, value: key.value })) covered.push(key);
    }
  }
  let marked = 0;
  for (const key of covered) {
    const result = await db
      .updateTable('claims')
      .set({ suppressedBy: verdict, reviewBy: null })
      .where('type', '=', key.type)
      .where('value', '=', key.value)
      .where('suppressedBy', 'is', null)
      .executeTakeFirst();
    marked += Number(result.numUpdatedRows);
  }
  if (marked > 0) await bumpIntelRevision(db);
  return marked;
}

/**
 * Re-checks the claims marked with `verdict` (an entry that was removed or expired) against the lists
 * in force now: each is suppressed by another entry, flagged by an inform list, or counts again.
 * Returns the number of claims that count again.
 */
export async function releaseEntry(db: Kysely<Database>, verdict: string, checker: AllowChecker): Promise<number> {
  const rows = await db
    .selectFrom('claims')
    .select(['type', 'value'])
    .distinct()
    .where('suppressedBy', '=', verdict)
    .execute();
  let released = 0;
  let changed = 0;
  for (const row of rows) {
    const now = checker.check({ type: row.type as IndicatorType, value: row.value });
    const because = now && `${now.list} / ${now.entry}`;
    const result = await db
      .updateTable('claims')
      .set({
        suppressedBy: now?.mode === 'block' ? (because as string) : null,
        reviewBy: now?.mode === 'inform' ? (because as string) : null,
      })
      .where('type', '=', row.type)
      .where('value', '=', row.value)
      .where('suppressedBy', '=', verdict)
      .executeTakeFirst();
    if (now?.mode !== 'block') released += Number(result.numUpdatedRows);
    changed += Number(result.numUpdatedRows);
  }
  if (changed > 0) await bumpIntelRevision(db);
  return released;
}

/** The distinct indicators of one type that no allowlist suppresses, a page at a time along the key. */
async function* unsuppressedOfType(db: Kysely<Database>, type: IndicatorType): AsyncIterable<Key> {
  let after: string | undefined;
  for (;;) {
    let q = db
      .selectFrom('claims')
      .select(['type', 'value'])
      .distinct()
      .where('type', '=', type)
      .where('suppressedBy', 'is', null);
    if (after !== undefined) q = q.where('value', '>', after);
    const rows = await q.orderBy('value').limit(PAGE).execute();
    yield* rows;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]!.value;
  }
}
