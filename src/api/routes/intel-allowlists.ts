import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audited } from '../../audit/append.js';
import type { IntelConfig } from '../../config/intel-schema.js';
import { actorLabel } from '../../domain/actor.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import { compileAllowlists } from '../../intel/allowlist/check.js';
import {
  CONSOLE_ALLOW_KINDS,
  consoleListPath,
  consoleVerdictText,
  newConsoleEntry,
  readConsoleEntries,
  updateConsoleEntries,
  type ConsoleEntry,
} from '../../intel/allowlist/console-list.js';
import { ALLOW_KINDS } from '../../intel/allowlist/entry.js';
import { loadAllowlists, readAllowlists, type AllowlistSource } from '../../intel/allowlist/load.js';
import { releaseEntry, suppressByEntry } from '../../intel/allowlist/reapply.js';
import { normaliseAny } from '../../net/normalise.js';
import type { AppDeps } from '../deps.js';
import { auditContext } from '../context.js';

export type AllowlistView = AllowlistSource;

/** The allowlists in force as a person reads them, with one line per entry or file that could not be used. */
export function allowlistsInForce(intel: IntelConfig, baseDir: string): { lists: AllowlistView[]; problems: string[] } {
  const { lists, fileProblems } = readAllowlists(intel, baseDir);
  return { lists, problems: [...fileProblems, ...compileAllowlists(lists).problems] };
}

const entryView = z.object({ kind: z.enum(ALLOW_KINDS), value: z.string(), comment: z.string().optional() });
const listView = z.object({
  name: z.string(),
  origin: z.enum(['builtin', 'own', 'configured', 'console']),
  mode: z.enum(['block', 'inform']),
  file: z.string().nullable(),
  entryCount: z.number(),
  /** Built-in lists are fixed in the code and not repeated here; the others list their entries. */
  entries: z.array(entryView).nullable(),
  entriesTruncated: z.boolean(),
});

const consoleEntryView = z.object({
  id: z.string(),
  kind: z.enum(CONSOLE_ALLOW_KINDS),
  value: z.string(),
  reason: z.string(),
  expiresAt: z.string().nullable(),
  addedBy: z.string(),
  addedAt: z.string(),
  expired: z.boolean(),
});

/** Broader than this, an entry would stop blocking a good part of the Internet: a reviewed config file's job. */
const MIN_PREFIX = { 4: 8, 6: 16 } as const;

/**
 * The entry an operator means by a value: a name covers its subdomains, an address or network is a
 * CIDR entry, anything else (a URL, a mail address, a hash) is exact. Values are stored normalised,
 * as claims are, so the entry and the claims it covers read the same.
 */
export function consoleEntryOf(
  raw: string,
  kind: ConsoleEntry['kind'] | undefined,
): Pick<ConsoleEntry, 'kind' | 'value'> {
  const n = normaliseAny(raw);
  if (!n.ok) throw new UserFacingError(400, 'request.invalid', { detail: `value "${raw}": ${n.reason}` });
  const { type, value } = n.indicator;
  const network = type === 'ipv4' || type === 'ipv6' || type === 'cidr';
  const chosen = kind ?? (type === 'domain' ? 'hostname' : network ? 'cidr' : 'exact');
  if (chosen === 'hostname' && type !== 'domain') {
    throw new UserFacingError(400, 'request.invalid', { detail: `kind hostname needs a host name, not a ${type}` });
  }
  if (chosen === 'cidr') {
    if (!network)
      throw new UserFacingError(400, 'request.invalid', {
        detail: `kind cidr needs an address or a network, not a ${type}`,
      });
    const [address = '', length] = value.split('/');
    const family = address.includes(':') ? 6 : 4;
    if (length !== undefined && Number(length) < MIN_PREFIX[family]) {
      throw new UserFacingError(400, 'intel.allowlist_too_broad', { value, family, min: MIN_PREFIX[family] });
    }
  }
  return { kind: chosen, value };
}

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

    const consoleFile = consoleListPath(deps.config.intel, deps.configDir);
    const listName = deps.config.intel.console_allowlist.name;

    /** The file's entries; an unreadable file is a server error naming the file (ingest stops on it too). */
    const currentEntries = (): ConsoleEntry[] => {
      try {
        return readConsoleEntries(consoleFile);
      } catch (err) {
        throw new Error(`console allowlist ${consoleFile}: ${(err as Error).message}`, { cause: err });
      }
    };

    /** Claims and the running server follow a change at once: the matcher is rebuilt, enforcement publishes soon. */
    const takeEffect = async () => {
      await deps.matcher?.rebuild();
      deps.enforcer?.poke();
    };

    app.get(
      '/api/intel/allowlist-entries',
      {
        config: { permission: 'system.read' },
        schema: {
          tags: ['intel'],
          summary: 'The console allowlist: entries operators added, with reason, expiry and who added them',
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(500).default(50),
            offset: z.coerce.number().int().min(0).default(0),
            /** Expired entries stay in the file until the next change; list them too. */
            expired: z
              .enum(['true', 'false'])
              .transform((v) => v === 'true')
              .default(false),
          }),
          response: {
            200: z.object({
              list: z.string(),
              file: z.string(),
              total: z.number(),
              items: z.array(consoleEntryView),
            }),
          },
        },
      },
      async (request) => {
        const { limit, offset, expired } = request.query;
        const now = new Date().toISOString();
        const all = currentEntries()
          .map((e) => ({ ...e, expired: e.expiresAt !== null && e.expiresAt <= now }))
          .filter((e) => expired || !e.expired)
          .sort((a, b) => (a.addedAt < b.addedAt ? 1 : a.addedAt > b.addedAt ? -1 : 0));
        return { list: listName, file: consoleFile, total: all.length, items: all.slice(offset, offset + limit) };
      },
    );

    app.post(
      '/api/intel/allowlist-entries',
      {
        // Allowlisting stops blocking: an operator's decision, like approving a held snapshot.
        config: { permission: 'system.operate' },
        schema: {
          tags: ['intel'],
          summary: 'Add an entry to the console allowlist; the claims it covers are suppressed at once (audited)',
          body: z.strictObject({
            value: z.string().trim().min(1).max(2048),
            /** hostname: the name and every subdomain; exact: this value only; cidr: an address or network. Default: from the value. */
            kind: z.enum(CONSOLE_ALLOW_KINDS).optional(),
            reason: z.string().trim().min(3, 'say in a few words why (at least 3 characters)').max(500),
            /** ISO 8601 with a zone; null or absent: until removed. */
            expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
          }),
          response: { 201: z.object({ entry: consoleEntryView, suppressed: z.number() }) },
        },
      },
      async (request, reply) => {
        const { reason } = request.body;
        const { kind, value } = consoleEntryOf(request.body.value, request.body.kind);
        const expiresAt = request.body.expiresAt ? new Date(request.body.expiresAt).toISOString() : null;
        const now = new Date();
        if (expiresAt !== null && expiresAt <= now.toISOString()) {
          throw new UserFacingError(400, 'request.invalid', { detail: `expiresAt ${expiresAt} is not in the future` });
        }
        const { problems } = compileAllowlists([{ name: listName, mode: 'block', entries: [{ kind, value }] }]);
        if (problems.length) throw new UserFacingError(400, 'request.invalid', { detail: problems.join('; ') });

        const ctx = auditContext(request);
        const entry = newConsoleEntry({
          kind,
          value,
          reason,
          expiresAt,
          addedBy: actorLabel(ctx.actor),
          addedAt: now.toISOString(),
        });
        const at = now.toISOString();
        await writeEntries((entries) => {
          const same = entries.find(
            (e) => e.kind === kind && e.value === value && (e.expiresAt === null || e.expiresAt > at),
          );
          if (same) {
            throw new UserFacingError(409, 'intel.allowlist_entry_exists', {
              entry: `${kind}:${value}`,
              until: same.expiresAt ?? '-',
            });
          }
          return { entries: [...entries, entry], result: undefined };
        });
        const verdict = consoleVerdictText(deps.config.intel, entry);
        const suppressed = await audited(
          deps.store.db,
          ctx,
          (n: number) => ({
            action: 'intel.allowlist.add',
            target: `allowlist:${listName}`,
            detail: { entry, suppressed: n },
          }),
          (trx) => suppressByEntry(trx, listName, { kind, value }, verdict),
        );
        await takeEffect();
        return reply.status(201).send({ entry: { ...entry, expired: false }, suppressed });
      },
    );

    app.delete(
      '/api/intel/allowlist-entries/:id',
      {
        config: { permission: 'system.operate' },
        schema: {
          tags: ['intel'],
          summary:
            'Remove an entry from the console allowlist; the claims it suppressed count again unless another list covers them (audited)',
          params: z.object({ id: z.string().min(1).max(100) }),
          response: { 200: z.object({ entry: consoleEntryView, released: z.number() }) },
        },
      },
      async (request) => {
        const { id } = request.params;
        const removed = await writeEntries((entries) => {
          const found = entries.find((e) => e.id === id);
          if (!found) throw new UserFacingError(404, 'intel.allowlist_entry_not_found', { id });
          return { entries: entries.filter((e) => e !== found), result: found };
        });
        // The lists as they are now, without the entry: a claim it covered may be covered by another.
        const { checker } = loadAllowlists(deps.config.intel, deps.configDir);
        const released = await audited(
          deps.store.db,
          auditContext(request),
          (n: number) => ({
            action: 'intel.allowlist.remove',
            target: `allowlist:${listName}`,
            detail: { entry: removed, released: n },
          }),
          (trx) => releaseEntry(trx, consoleVerdictText(deps.config.intel, removed), checker),
        );
        await takeEffect();
        const now = new Date().toISOString();
        return { entry: { ...removed, expired: removed.expiresAt !== null && removed.expiresAt <= now }, released };
      },
    );

    /** A change to the file, refused with the fix when the server may not write it. */
    async function writeEntries<T>(
      change: (entries: ConsoleEntry[]) => { entries: ConsoleEntry[]; result: T },
    ): Promise<T> {
      try {
        return await updateConsoleEntries(consoleFile, change);
      } catch (err) {
        if (err instanceof UserFacingError) throw err;
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM' || code === 'ENOTDIR') {
          throw new UserFacingError(409, 'intel.allowlist_unwritable', { file: consoleFile, reason: code });
        }
        throw err;
      }
    }
  };
