import { Cron } from 'croner';
import { z } from 'zod';
import { RSIT_TYPES } from '../domain/abuse-event.js';

// The `abuse.notices:` section: how subscribers are told about their cases. Digests go out over SMTP through
// the ISP's own relay; the password and the DKIM key live in files of their own, so the config can be shown,
// diffed and backed up without them.

const timeZone = z.string().refine(
  (v) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: v });
      return true;
    } catch {
      return false;
    }
  },
  { error: (iss) => `expected an IANA time zone such as Asia/Tokyo, got ${JSON.stringify(iss.input)}` },
);

/** `abuse@isp.example.jp` or `Example ISP <abuse@isp.example.jp>`. */
const mailbox = z
  .string()
  .regex(
    /^(?:[^<>]*<[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)$/,
    'expected an address such as abuse@isp.example.jp or "Example ISP <abuse@isp.example.jp>"',
  );

const classSettings = z.strictObject({
  /** A subscriber gets at most one notice about this class in this many hours: the rest waits for the next digest. */
  interval_hours: z
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .optional(),
  /** A notified case whose problem is still seen this many days after its last notice gets a reminder. */
  remind_after_days: z.number().int().min(1).max(365).optional(),
});

export const abuseNoticesSchema = z
  .strictObject({
    /** The language of subscribers whose record names none (the `language` column of the subscriber CSV). */
    default_locale: z.enum(['ja', 'en']).default('ja'),
    /** The zone times are written in. Japanese notices say 日本時間 when it is Asia/Tokyo. */
    timezone: timeZone.default('Asia/Tokyo'),
    /** Default interval between two notices about one class to one subscriber, hours. */
    interval_hours: z
      .number()
      .int()
      .min(1)
      .max(24 * 90)
      .default(24),
    /** Default days after a notice before a reminder, when events keep coming. */
    remind_after_days: z.number().int().min(1).max(365).default(7),
    /** Per class (RSIT type): settings that differ from the defaults above. */
    classes: z.partialRecord(z.enum(RSIT_TYPES as [string, ...string[]]), classSettings).default({}),
    /** At most this many events are listed per case in a notice; the rest are counted. */
    max_events_listed: z.number().int().min(1).max(500).default(20),
    /** How often `serve` runs the notifier (cron); empty: only `mizugiwa abuse notify` sends. */
    schedule: z
      .string()
      .refine((v) => v === '' || isCron(v), {
        error: (iss) => `expected a cron expression such as "*/15 * * * *", or empty; got ${JSON.stringify(iss.input)}`,
      })
      .default('*/15 * * * *'),
    /** Who the subscriber contacts: written into every notice. */
    contact: z
      .strictObject({
        name_ja: z.string().default('サポートセンター'),
        name_en: z.string().default('Support centre'),
        mail: z.string().default(''),
        phone: z.string().default(''),
        web: z.string().default(''),
        hours_ja: z.string().default(''),
        hours_en: z.string().default(''),
      })
      .prefault({}),
    smtp: z
      .strictObject({
        /** The ISP's relay; empty: notices are not sent (a dry run and the CSV export still work). */
        host: z.string().default(''),
        port: z.number().int().min(1).max(65535).default(587),
        /** TLS from the start (465); false: STARTTLS when the server offers it (587, 25). */
        secure: z.boolean().default(false),
        user: z.string().default(''),
        /** A file holding the password (first line); required when user is set. */
        password_file: z.string().default(''),
        from: mailbox.or(z.literal('')).default(''),
        reply_to: mailbox.or(z.literal('')).default(''),
        /** Seconds to wait for the relay. */
        timeout_seconds: z.number().int().min(1).max(600).default(60),
        dkim: z
          .strictObject({
            domain: z.string().min(1),
            selector: z.string().min(1),
            /** PEM file of the RSA private key (nodemailer signs rsa-sha256). */
            private_key_file: z.string().min(1),
          })
          .optional(),
      })
      .refine((s) => s.host === '' || s.from !== '', {
        message: 'notices need a From address: set abuse.notices.smtp.from',
        path: ['from'],
      })
      .refine((s) => s.user === '' || s.password_file !== '', {
        message: 'smtp.user needs smtp.password_file (a file holding the password)',
        path: ['password_file'],
      })
      .prefault({}),
  })
  .prefault({});

export type AbuseNoticesConfig = z.output<typeof abuseNoticesSchema>;

/** The interval and reminder delay of a class, with the section's defaults. */
export function noticeClassSettings(
  config: AbuseNoticesConfig,
  type: string,
): { intervalHours: number; remindAfterDays: number } {
  const own = (config.classes as Record<string, z.output<typeof classSettings> | undefined>)[type];
  return {
    intervalHours: own?.interval_hours ?? config.interval_hours,
    remindAfterDays: own?.remind_after_days ?? config.remind_after_days,
  };
}

function isCron(expression: string): boolean {
  try {
    new Cron(expression, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}
