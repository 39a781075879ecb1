import type { SourceConfig } from '../config/intel-schema.js';
import { DEFAULT_TTL_SECONDS, type SourceSpec } from './source.js';

/** A configured source as ingest sees it: the config's names and defaults in the SourceSpec shape. */
export function sourceSpecFromConfig(s: SourceConfig): SourceSpec {
  return {
    name: s.name,
    format: s.format,
    location: s.url ?? s.file,
    snapshot: s.snapshot,
    mode: s.mode,
    defaults: {
      category: s.category,
      confidence: s.confidence,
      tlp: s.tlp,
      ttlSeconds: { ...DEFAULT_TTL_SECONDS, ...s.ttl },
    },
    maxRetireShare: s.max_retire_share,
  };
}
