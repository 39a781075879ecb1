// The settings for fetching from Shadowserver's Reports API (abuse/intake/shadowserver-api.ts): where the API is,
// the files that hold its key and secret, what to fetch, and how often to poll (minutes or cron, kept as cron).

import { Cron } from 'croner';
import { z } from 'zod';
import { DEFAULT_BASE_URL } from '../abuse/intake/shadowserver-http.js';

const apiBaseUrl = z.string().refine(
  (v) => {
    try {
      const url = new URL(v);
      // Plain http only to this machine: a local mirror or test server, never the key across a network.
      return (
        url.protocol === 'https:' ||
        (url.protocol === 'http:' && /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/.test(url.hostname))
      );
    } catch {
      return false;
    }
  },
  { error: (iss) => `expected an https URL such as ${DEFAULT_BASE_URL}, got ${JSON.stringify(iss.input)}` },
);

/** Minutes that divide an hour or whole hours that divide a day become a cron expression; anything else is cron. */
export function pollToCron(poll: number | string): string | undefined {
  const minutes = typeof poll === 'number' ? poll : /^\d+$/.test(poll.trim()) ? Number(poll) : undefined;
  if (minutes === undefined) {
    try {
      new Cron(String(poll), { paused: true }).stop();
      return String(poll);
    } catch {
      return undefined;
    }
  }
  if (minutes >= 1 && minutes < 60 && 60 % minutes === 0) return minutes === 1 ? '* * * * *' : `*/${minutes} * * * *`;
  const hours = minutes / 60;
  if (Number.isInteger(hours) && hours >= 1 && 24 % hours === 0)
    return hours === 1 ? '7 * * * *' : `7 */${hours} * * *`;
  return undefined;
}

export const shadowserverApiConfigSchema = z.strictObject({
  base_url: apiBaseUrl.default(DEFAULT_BASE_URL),
  /** Files holding the key and the secret Shadowserver sent (one line each), kept out of the config file. */
  api_key_file: z.string().min(1),
  secret_file: z.string().min(1),
  /** UTC dates before today to list on each poll, besides today. */
  days: z.number().int().min(0).max(30).default(2),
  /** Mailing-list names (reports/subscribed); default: every list the key may see. */
  reports: z.array(z.string().min(1)).min(1).optional(),
  types: z
    .array(z.string().regex(/^[a-z0-9_]+$/, 'expected a report type such as scan_smb or event4_sinkhole_http'))
    .min(1)
    .optional(),
  /** A cron expression (UTC), or minutes between polls (5, 10, 15, 20, 30, 60, 120, ...). */
  poll: z
    .union([z.number(), z.string()])
    .default('7 * * * *')
    .transform((v, ctx) => {
      const cron = pollToCron(v);
      if (cron === undefined)
        ctx.addIssue({
          code: 'custom',
          message: `expected a cron expression such as "7 * * * *", or minutes that divide an hour or whole hours that divide a day (15, 30, 60, 360), got ${JSON.stringify(v)}`,
        });
      return cron ?? '';
    }),
  timeout_seconds: z.number().int().min(1).max(3600).default(60),
});

export type ShadowserverApiConfig = z.output<typeof shadowserverApiConfigSchema>;
