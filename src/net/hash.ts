import type { IndicatorType } from '../domain/indicator.js';
import type { Normalised } from './result.js';
import { invalid } from './result.js';

export const HASH_LENGTHS: Record<'md5' | 'sha1' | 'sha256', number> = { md5: 32, sha1: 40, sha256: 64 };

/** A file hash in lower-case hex of the right length for its algorithm. */
export function normaliseHash(type: 'md5' | 'sha1' | 'sha256', input: string): Normalised {
  const text = input.trim().toLowerCase();
  const length = HASH_LENGTHS[type];
  if (!/^[0-9a-f]+$/.test(text)) return invalid(`"${input}" is not hexadecimal, so not a ${type} hash`);
  if (text.length !== length) return invalid(`"${input}" has ${text.length} hex digits; a ${type} hash has ${length}`);
  return { ok: true, indicator: { type: type as IndicatorType, value: text } };
}
