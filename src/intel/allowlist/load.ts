import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { IntelConfig } from '../../config/intel-schema.js';
import { BUILTIN_NAMES, BUILTIN_NETWORKS, ownNetworkAllowlist } from './builtin.js';
import { compileAllowlists, type CompiledAllowlists } from './check.js';
import type { AllowEntry, Allowlist } from './entry.js';
import { parseMispWarninglist } from './warninglist.js';

/**
 * Every allowlist in force: the built-in ones (always on), the ISP's own networks, and the configured
 * lists with their files read. `baseDir` resolves relative file paths (the config file's directory).
 */
export function loadAllowlists(intel: IntelConfig, baseDir: string): CompiledAllowlists {
  const lists: Allowlist[] = [BUILTIN_NETWORKS, BUILTIN_NAMES, ownNetworkAllowlist(intel.own)];
  for (const configured of intel.allowlists) {
    const entries: AllowEntry[] = [...configured.entries];
    if (configured.file) {
      const path = resolve(baseDir, configured.file);
      const text = readFileSync(path, 'utf8');
      if (configured.file_format === 'misp-warninglist') {
        entries.push(...parseMispWarninglist(text, path, configured.mode).entries);
      } else {
        for (const line of text.split(/\r?\n/)) {
          const value = line.replace(/#.*$/, '').trim();
          if (value) entries.push({ kind: value.includes('/') ? 'cidr' : 'hostname', value });
        }
      }
    }
    lists.push({ name: configured.name, mode: configured.mode, entries });
  }
  return compileAllowlists(lists);
}
