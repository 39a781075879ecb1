import { Cron } from 'croner';
import { z } from 'zod';
import { CATEGORIES, CLAIM_MODES, INDICATOR_TYPES, TLP_LEVELS } from '../domain/indicator.js';
import { ALLOW_KINDS } from '../intel/allowlist/entry.js';
import { INTEL_FORMAT_NAMES } from '../intel/formats/names.js';

// The `intel:` section: feeds to fetch or import, allowlists, and the ISP's own names and networks.

const duration = z
  .string()
  .regex(/^\d+\s*[smhd]$/, 'expected a duration such as 7d, 12h, 30m or 90s')
  .transform((v) => {
    const n = Number(v.slice(0, -1).trim());
    return n * { s: 1, m: 60, h: 3600, d: 86_400 }[v.slice(-1) as 's' | 'm' | 'h' | 'd'];
  });

const feedUrl = z.string().refine(
  (v) => {
    try {
      return new URL(v).protocol === 'https:';
    } catch {
      return false;
    }
  },
  // TLS is not optional for threat feeds: a tampered feed is a tool to block anything.
  { error: (iss) => `expected an https URL, got ${JSON.stringify(iss.input)}` },
);

const schedule = z.string().refine(
  (v) => {
    try {
      new Cron(v, { paused: true }).stop();
      return true;
    } catch {
      return false;
    }
  },
  { error: (iss) => `expected a cron expression such as "*/30 * * * *", got ${JSON.stringify(iss.input)}` },
);

export const sourceSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'expected a short lower-case name: letters, digits, ".", "_", "-"'),
    format: z.enum(INTEL_FORMAT_NAMES),
    url: feedUrl.optional(),
    file: z.string().min(1).optional(),
    schedule: schedule.default('0 * * * *'),
    snapshot: z.enum(['full', 'delta']).default('full'),
    mode: z.enum(CLAIM_MODES).default('block'),
    /** Extra request headers (abuse.ch wants Auth-Key). */
    headers: z.record(z.string(), z.string()).default({}),
    category: z.enum(CATEGORIES).default('other'),
    confidence: z.number().int().min(0).max(100).default(50),
    tlp: z.enum(TLP_LEVELS).default('clear'),
    ttl: z.partialRecord(z.enum(INDICATOR_TYPES), duration).default({}),
    max_retire_share: z.number().min(0).max(1).default(0.5),
    timeout_seconds: z.number().int().min(1).max(3600).default(60),
    max_bytes: z
      .number()
      .int()
      .min(1024)
      .default(512 * 1024 * 1024),
    /** A CA certificate file (PEM) to trust besides the system's, for a feed mirror behind an internal CA. */
    ca_file: z.string().min(1).optional(),
    /** Options of the format itself (csv columns, plain type, rpz origin). */
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .refine((s) => (s.url === undefined) !== (s.file === undefined), {
    error: 'give exactly one of url (fetched on the schedule) or file (read from disk)',
  });

const allowEntry = z.strictObject({
  kind: z.enum(ALLOW_KINDS),
  value: z.string().min(1),
  comment: z.string().optional(),
});

export const allowlistSchema = z
  .strictObject({
    name: z.string().min(1),
    mode: z.enum(['block', 'inform']).default('block'),
    entries: z.array(allowEntry).default([]),
    /** A file of entries: one hostname per line (`lines`) or a MISP warninglist JSON file. */
    file: z.string().min(1).optional(),
    file_format: z.enum(['lines', 'misp-warninglist']).default('lines'),
  })
  .refine((l) => l.entries.length > 0 || l.file !== undefined, { error: 'give entries, a file, or both' });

export const intelSchema = z
  .strictObject({
    /** The ISP's own domains and prefixes: never blocked. */
    own: z
      .strictObject({ domains: z.array(z.string()).default([]), prefixes: z.array(z.string()).default([]) })
      .prefault({}),
    sources: z.array(sourceSchema).default([]),
    allowlists: z.array(allowlistSchema).default([]),
    /**
     * The allowlist operators edit in the console and API (value, reason, expiry): a JSON file that
     * Mizugiwa writes, read with the other lists wherever they apply. Relative to the config file.
     */
    console_allowlist: z
      .strictObject({
        name: z
          .string()
          .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'expected a short lower-case name: letters, digits, ".", "_", "-"')
          .default('console'),
        file: z.string().min(1).default('data/console-allowlist.json'),
      })
      .prefault({}),
    /** Claims expired longer than this are deleted by housekeeping (expiry itself takes effect at once). */
    expired_retention_days: z.number().int().min(0).default(30),
  })
  .prefault({})
  .refine((i) => new Set(i.sources.map((s) => s.name)).size === i.sources.length, {
    error: 'two sources have the same name',
  })
  .refine((i) => !i.allowlists.some((l) => l.name === i.console_allowlist.name), {
    error: 'an allowlist has the name of console_allowlist.name; rename one of them',
  });

export type IntelConfig = z.output<typeof intelSchema>;
export type SourceConfig = z.output<typeof sourceSchema>;
