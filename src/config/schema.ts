import { Cron } from 'croner';
import { z } from 'zod';
import { enforceSchema } from './enforce-schema.js';
import { intelSchema } from './intel-schema.js';
import { observeSchema } from './observe-schema.js';
import { abuseSchema } from './abuse-schema.js';
import { attributeSchema } from './attribute-schema.js';
import { parseListen } from './listen.js';

export { parseListen };

// One schema for the YAML file and the MIZUGIWA_* environment. Every key has a default so that
// `mizugiwa serve` with no file runs the embedded default; mizugiwa.example.yaml documents each key.

const listenAddress = z.string().refine((v) => parseListen(v) !== undefined, {
  error: (iss) => `expected host:port such as 127.0.0.1:8080 or [::1]:8080, got ${JSON.stringify(iss.input)}`,
});

const timeZone = z.string().refine((v) => isTimeZone(v), {
  error: (iss) => `expected an IANA time zone such as Asia/Tokyo or UTC, got ${JSON.stringify(iss.input)}`,
});

const databaseUrl = z.string().refine((v) => v === '' || /^(postgres|postgresql|sqlite):/.test(v), {
  error: (iss) =>
    `expected postgres://user@host:port/db, sqlite:<file>, or empty for the embedded SQLite, got ${JSON.stringify(iss.input)}`,
});

const cronExpression = z.string().refine((v) => cronProblem(v) === undefined, {
  error: (iss) =>
    `expected a cron expression such as "17 3 * * *" (minute hour day month weekday): ${cronProblem(String(iss.input))}`,
});

export const configSchema = z.strictObject({
  data_dir: z.string().min(1).default('./data'),
  http: z
    .strictObject({
      listen: listenAddress.default('127.0.0.1:8080'),
      trust_proxy: z.boolean().default(false),
      session_hours: z
        .number()
        .int()
        .min(1)
        .max(24 * 30)
        .default(12),
      secure_cookies: z.boolean().default(false),
      login_attempts_per_minute: z.number().int().min(1).max(10_000).default(10),
    })
    .prefault({}),
  database: z
    .strictObject({
      url: databaseUrl.default(''),
      schema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]*$/, 'expected a lower-case PostgreSQL schema name')
        .default('public'),
      pool_size: z.number().int().min(1).max(200).default(10),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
      format: z.enum(['auto', 'json', 'pretty']).default('auto'),
    })
    .prefault({}),
  ui: z
    .strictObject({
      timezone: timeZone.default('Asia/Tokyo'),
    })
    .prefault({}),
  deadletter: z
    .strictObject({
      retention_days: z.number().int().min(1).default(90),
    })
    .prefault({}),
  jobs: z
    .strictObject({
      history_days: z.number().int().min(1).default(30),
      housekeeping_cron: cronExpression.default('17 3 * * *'),
    })
    .prefault({}),
  intel: intelSchema,
  enforce: enforceSchema,
  observe: observeSchema,
  attribute: attributeSchema,
  abuse: abuseSchema,
});

export type Config = z.output<typeof configSchema>;

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function cronProblem(expression: string): string | undefined {
  try {
    new Cron(expression, { paused: true }).stop();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
