import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { configLeaves, readEnvOverrides } from './env.js';

export const DEFAULT_CONFIG_FILE = 'mizugiwa.yaml';

/** A config that failed validation; `problems` are one line each: `path: what is wrong, and the fix`. */
export class ConfigError extends Error {
  constructor(
    readonly file: string | undefined,
    readonly problems: string[],
  ) {
    super(
      `${file ? `configuration in ${file}` : 'configuration'} is not valid:\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

export type LoadedConfig = {
  config: Config;
  /** The file that was read, or undefined when the documented defaults were used. */
  file: string | undefined;
  warnings: string[];
};

/**
 * Reads the config: the explicit file if given (it must exist), else ./mizugiwa.yaml if present,
 * else defaults; MIZUGIWA_* variables override either. Relative paths resolve against `cwd`.
 */
export function loadConfig(
  options: { file?: string | undefined; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.file ?? env.MIZUGIWA_CONFIG;
  const file = explicit
    ? resolve(cwd, explicit)
    : existsSync(resolve(cwd, DEFAULT_CONFIG_FILE))
      ? resolve(cwd, DEFAULT_CONFIG_FILE)
      : undefined;

  let fromFile: Record<string, unknown> = {};
  if (file) {
    if (!existsSync(file)) {
      throw new ConfigError(file, [
        `the file does not exist; check the path, or copy mizugiwa.example.yaml to start one`,
      ]);
    }
    fromFile = readYaml(file);
  }

  const overrides = readEnvOverrides(env);
  const merged = deepMerge(fromFile, overrides.values);
  const result = configSchema.safeParse(merged, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(
      file,
      result.error.issues.map((issue) => describeIssue(issue, overrides.origin)),
    );
  }
  const config = result.data;
  config.data_dir = resolve(cwd, config.data_dir);
  const warnings = overrides.unknown.map(
    (name) => `${name} is set but is not a configuration key; see mizugiwa.example.yaml for the names`,
  );
  return { config, file, warnings };
}

function readYaml(file: string): Record<string, unknown> {
  const doc = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => `YAML syntax: ${e.message.split('\n')[0]} (fix the indentation or quoting there)`),
    );
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(file, ['the top level must be a mapping of keys such as `http:` and `database:`']);
  }
  return value as Record<string, unknown>;
}

function describeIssue(issue: z.core.$ZodIssue, origin: Map<string, string>): string {
  const path = formatPath(issue.path);
  const where = origin.get(issue.path.join('.'));
  const label = where ? `${path} (from ${where})` : path || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return issue.keys
      .map((key) => {
        const full = [...issue.path, key];
        const hint = suggestKey(full.map(String));
        return `${formatPath(full)}: unknown key${hint ? `; did you mean "${hint}"?` : '; remove it'}`;
      })
      .join('\n  - ');
  }
  if (issue.code === 'invalid_type') {
    return `${label}: expected ${issue.expected}, got ${describeValue(issue.input)}`;
  }
  if (issue.code === 'invalid_value') {
    return `${label}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(issue.input)}`;
  }
  return `${label}: ${issue.message}`;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'a list' : 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** The nearest known key at the same depth, for "did you mean". */
function suggestKey(path: string[]): string | undefined {
  const parent = path.slice(0, -1).join('.');
  const typed = path[path.length - 1] as string;
  const siblings = new Set(
    configLeaves()
      .map((l) => l.path)
      .filter((p) => p.length >= path.length && p.slice(0, path.length - 1).join('.') === parent)
      .map((p) => p[path.length - 1] as string),
  );
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of siblings) {
    const d = editDistance(typed, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const existing = out[key];
    out[key] = isPlainObject(existing) && isPlainObject(value) ? deepMerge(existing, value) : value;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
