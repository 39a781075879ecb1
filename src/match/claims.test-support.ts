// What the matcher tests ingest: a delta source of c2 claims, and a feed of values with optional overrides.
import type { ClaimRecord } from '../intel/claim-record.js';
import { DEFAULT_SOURCE_DEFAULTS, type SourceSpec } from '../intel/source.js';

export const spec = (name: string, overrides: Partial<SourceSpec> = {}): SourceSpec => ({
  name,
  format: 'test',
  snapshot: 'delta',
  mode: 'block',
  defaults: { ...DEFAULT_SOURCE_DEFAULTS, category: 'c2' },
  maxRetireShare: 0.5,
  ...overrides,
});

export async function* feed(...values: [string, Partial<ClaimRecord>?][]): AsyncIterable<ClaimRecord> {
  for (const [value, extra] of values) yield { value, position: 'x:1', raw: Buffer.from(value), ...extra };
}
