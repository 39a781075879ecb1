import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema } from './schema.js';

// Environment overrides follow the config path: http.listen → MIZUGIWA_HTTP_LISTEN. The names are
// derived from the schema itself, so a key added to the schema is overridable without more code.

/** `optional`: under a key with no default (enforce.rpz.tsig), which the example shows commented out. */
type Leaf = { path: string[]; kind: 'string' | 'other'; optional: boolean };

/** Variables that share the MIZUGIWA_ prefix but are not config keys. */
const NOT_CONFIG = new Set(['MIZUGIWA_CONFIG', 'MIZUGIWA_E2E', 'MIZUGIWA_TEST_PG_URL']);

export function envName(path: readonly string[]): string {
  return `MIZUGIWA_${path.join('_').toUpperCase()}`;
}

export function configLeaves(): Leaf[] {
  const leaves: Leaf[] = [];
  const walk = (schema: z.ZodType, path: string[], optional = false): void => {
    const type = (schema as unknown as { _zod: { def: { type: string } } })._zod.def.type;
    optional ||= type === 'optional';
    const inner = unwrap(schema);
    const def = (inner as unknown as { _zod: { def: { type: string; shape?: Record<string, z.ZodType> } } })._zod.def;
    if (def.type === 'object' && def.shape) {
      for (const [key, child] of Object.entries(def.shape)) walk(child, [...path, key], optional);
    } else {
      leaves.push({ path, kind: def.type === 'string' ? 'string' : 'other', optional });
    }
  };
  walk(configSchema, []);
  return leaves;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema as unknown as { _zod: { def: { type: string; innerType?: unknown } } };
  while (['default', 'prefault', 'optional', 'nullable'].includes(current._zod.def.type)) {
    current = current._zod.def.innerType as typeof current;
  }
  return current as unknown as z.ZodType;
}

export type EnvOverrides = {
  /** The overrides as a nested object, ready to merge over the file. */
  values: Record<string, unknown>;
  /** config path ("http.listen") → the variable that set it, for error messages. */
  origin: Map<string, string>;
  /** MIZUGIWA_* variables that match no key (likely typos). */
  unknown: string[];
};

export function readEnvOverrides(env: NodeJS.ProcessEnv): EnvOverrides {
  const byName = new Map(configLeaves().map((leaf) => [envName(leaf.path), leaf]));
  const values: Record<string, unknown> = {};
  const origin = new Map<string, string>();
  const unknown: string[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('MIZUGIWA_') || raw === undefined || NOT_CONFIG.has(name)) continue;
    const leaf = byName.get(name);
    if (!leaf) {
      unknown.push(name);
      continue;
    }
    // Strings stay as written ("0123" is not a number); everything else is read as a YAML scalar
    // so that MIZUGIWA_HTTP_TRUST_PROXY=true and MIZUGIWA_DATABASE_POOL_SIZE=20 have their types.
    const value = leaf.kind === 'string' ? raw : parseScalar(raw);
    setPath(values, leaf.path, value);
    origin.set(leaf.path.join('.'), name);
  }
  return { values, origin, unknown };
}

function parseScalar(raw: string): unknown {
  try {
    return parseYaml(raw);
  } catch {
    return raw;
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}
