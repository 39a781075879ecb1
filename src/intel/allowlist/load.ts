import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { IntelConfig } from '../../config/intel-schema.js';
import { BUILTIN_NAMES, BUILTIN_NETWORKS, ownNetworkAllowlist } from './builtin.js';
import { compileAllowlists, type CompiledAllowlists } from './check.js';
import { activeConsoleEntries, consoleListPath, readConsoleEntries } from './console-list.js';
import type { AllowEntry, Allowlist } from './entry.js';
import { parseMispWarninglist } from './warninglist.js';

/** An allowlist with where it comes from, for people reading the lists in force. */
export type AllowlistSource = Allowlist & { origin: 'builtin' | 'own' | 'configured' | 'console'; file: string | null };

/**
 * Every allowlist in force: the built-in ones (always on), the ISP's own networks, the configured
 * lists with their files read, and the console's list (its entries that have not expired). `baseDir` resolves relative file paths (the config file's directory).
 * A file that cannot be read is a problem line, not an exception: callers decide what that means.
 */
export function readAllowlists(
  intel: IntelConfig,
  baseDir: string,
): { lists: AllowlistSource[]; fileProblems: string[] } {
  const fileProblems: string[] = [];
  const lists: AllowlistSource[] = [
    { ...BUILTIN_NETWORKS, origin: 'builtin', file: null },
    { ...BUILTIN_NAMES, origin: 'builtin', file: null },
    { ...ownNetworkAllowlist(intel.own), origin: 'own', file: null },
  ];
  for (const configured of intel.allowlists) {
    const entries: AllowEntry[] = [...configured.entries];
    let file: string | null = null;
    if (configured.file) {
      file = resolve(baseDir, configured.file);
      try {
        const text = readFileSync(file, 'utf8');
        if (configured.file_format === 'misp-warninglist') {
          entries.push(...parseMispWarninglist(text, file, configured.mode).entries);
        } else {
          for (const line of text.split(/\r?\n/)) {
            const value = line.replace(/#.*$/, '').trim();
            if (value) entries.push({ kind: value.includes('/') ? 'cidr' : 'hostname', value });
          }
        }
      } catch (err) {
        fileProblems.push(`allowlist ${configured.name}: file ${file}: ${(err as Error).message}`);
      }
    }
    lists.push({ name: configured.name, mode: configured.mode, entries, origin: 'configured', file });
  }
  const consoleFile = consoleListPath(intel, baseDir);
  let consoleEntries: AllowEntry[] = [];
  try {
    consoleEntries = activeConsoleEntries(readConsoleEntries(consoleFile), new Date());
  } catch (err) {
    fileProblems.push(`allowlist ${intel.console_allowlist.name}: file ${consoleFile}: ${(err as Error).message}`);
  }
  lists.push({
    name: intel.console_allowlist.name,
    mode: 'block',
    entries: consoleEntries,
    origin: 'console',
    file: consoleFile,
  });
  return { lists, fileProblems };
}

/**
 * The compiled allowlists for ingest and checks. An unreadable list file stops it: going on without
 * the list would let through exactly what the list is there to protect.
 */
export function loadAllowlists(intel: IntelConfig, baseDir: string): CompiledAllowlists {
  const { lists, fileProblems } = readAllowlists(intel, baseDir);
  if (fileProblems.length) throw new Error(fileProblems.join('; '));
  return compileAllowlists(lists);
}
