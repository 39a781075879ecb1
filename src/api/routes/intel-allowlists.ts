import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IntelConfig } from '../../config/intel-schema.js';
import { compileAllowlists } from '../../intel/allowlist/check.js';
import { ALLOW_KINDS } from '../../intel/allowlist/entry.js';
import { readAllowlists, type AllowlistSource } from '../../intel/allowlist/load.js';
import type { AppDeps } from '../deps.js';

export type AllowlistView = AllowlistSource;

/** The allowlists in force as a person reads them, with one line per entry or file that could not be used. */
export function allowlistsInForce(intel: IntelConfig, baseDir: string): { lists: AllowlistView[]; problems: string[] } {
  const { lists, fileProblems } = readAllowlists(intel, baseDir);
  return { lists, problems: [...fileProblems, ...compileAllowlists(lists).problems] };
}

const entryView = z.object({ kind: z.enum(ALLOW_KINDS), value: z.string(), comment: z.string().optional() });
const listView = z.object({
  name: z.string(),
  origin: z.enum(['builtin', 'own', 'configured']),
  mode: z.enum(['block', 'inform']),
  file: z.string().nullable(),
  entryCount: z.number(),
  /** Built-in lists are fixed in the code and not repeated here; the others list their entries. */
  entries: z.array(entryView).nullable(),
  entriesTruncated: z.boolean(),
});

export const intelAllowlistRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/intel/allowlists',
      {
        config: { permission: 'system.read' },
        schema: {
          tags: ['intel'],
          summary:
            'The allowlists in force (built-in, own network, configured) with their entries, and the entries that could not be used',
          querystring: z.object({
            /** A MISP warninglist can hold a million entries: list at most this many per list. */
            entryLimit: z.coerce.number().int().min(0).max(100_000).default(1000),
          }),
          response: {
            200: z.object({
              lists: z.array(listView),
              /** Public suffixes (co.jp, github.io) are never blocked either; checked from the bundled Public Suffix List. */
              publicSuffixes: z.boolean(),
              problems: z.array(z.string()),
            }),
          },
        },
      },
      async (request) => {
        const { entryLimit } = request.query;
        const { lists, problems } = allowlistsInForce(deps.config.intel, deps.configDir);
        return {
          lists: lists.map((l) => ({
            name: l.name,
            origin: l.origin,
            mode: l.mode,
            file: l.file,
            entryCount: l.entries.length,
            entries: l.origin === 'builtin' ? null : l.entries.slice(0, entryLimit),
            entriesTruncated: l.origin !== 'builtin' && l.entries.length > entryLimit,
          })),
          publicSuffixes: true,
          problems,
        };
      },
    );
  };
