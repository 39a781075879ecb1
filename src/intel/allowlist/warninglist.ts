import type { AllowEntry, AllowKind, Allowlist, AllowMode } from './entry.js';

/** MISP warninglist `type` → our entry kind. */
const KINDS: Record<string, AllowKind> = {
  string: 'exact',
  hostname: 'hostname',
  cidr: 'cidr',
  regex: 'regex',
  substring: 'substring',
};

/**
 * Reads a MISP warninglist file (`{"name", "type", "list": […]}`, as in the misp-warninglists
 * repository) into an allowlist. A file that is not one throws, naming what is missing: a list is
 * configuration, and a broken one must stop the load rather than silently allow nothing.
 */
export function parseMispWarninglist(json: string, file: string, mode: AllowMode = 'block'): Allowlist {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message})`, { cause: err });
  }
  const w = doc as { name?: unknown; type?: unknown; list?: unknown };
  if (typeof w !== 'object' || w === null || !Array.isArray(w.list)) {
    throw new Error(`${file}: not a MISP warninglist (expected an object with "name", "type" and a "list" array)`);
  }
  const kind = KINDS[String(w.type)];
  if (!kind)
    throw new Error(`${file}: warninglist type "${String(w.type)}" is not one of ${Object.keys(KINDS).join(', ')}`);
  const entries: AllowEntry[] = w.list
    .filter((v): v is string => typeof v === 'string' && v.trim() !== '')
    .map((value) => ({ kind, value }));
  return { name: `misp:${typeof w.name === 'string' ? w.name : file}`, mode, entries };
}
