import type { Kysely } from 'kysely';
import type { IntelConfig } from '../config/intel-schema.js';
import { isRejected } from '../domain/format.js';
import { registerReplayer } from '../deadletter/replay.js';
import { inferType, normalise } from '../net/normalise.js';
import type { Database } from '../store/schema.js';
import type { AllowChecker } from './allowlist/check.js';
import type { ClaimRecord } from './claim-record.js';
import { intelFormat } from './formats/registry.js';
import { INTEL_FORMAT_NAMES } from './formats/names.js';
import { ingest } from './ingest.js';
import { sourceSpecFromConfig } from './source-config.js';
import { DEFAULT_SOURCE_DEFAULTS, type SourceSpec } from './source.js';

/**
 * Makes intel dead letters replayable: the raw record goes through its format (with the source's
 * current options, which may be the fix) and, if it now parses and normalises, into its source as a
 * delta — a replay adds what was missed and never retires anything.
 */
export function registerIntelReplayers(db: Kysely<Database>, intel: IntelConfig, allow: AllowChecker): void {
  for (const name of INTEL_FORMAT_NAMES) {
    registerReplayer(name, async (raw, letter) => {
      const configured = intel.sources.find((s) => s.name === letter.source);
      const format = intelFormat(name, configured?.options ?? {});
      const records: ClaimRecord[] = [];
      const ctx = { source: letter.source, input: letter.position, now: new Date() };
      for await (const r of format.parse(once(raw), ctx)) {
        if (isRejected(r)) return { ok: false, reason: r.reason };
        const n = normalise(r.type ?? inferType(r.value), r.value);
        if (!n.ok) return { ok: false, reason: n.reason };
        records.push(r);
      }
      if (records.length === 0)
        return { ok: false, reason: 'the record parses to nothing (a comment or header line?)' };
      const spec: SourceSpec = configured
        ? { ...sourceSpecFromConfig(configured), snapshot: 'delta' }
        : {
            name: letter.source,
            format: name,
            snapshot: 'delta',
            mode: 'block',
            defaults: DEFAULT_SOURCE_DEFAULTS,
            maxRetireShare: 1,
          };
      await ingest(db, spec, list(records), { allow });
      return { ok: true };
    });
  }
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}
async function* list<T>(items: T[]): AsyncIterable<T> {
  yield* items;
}
