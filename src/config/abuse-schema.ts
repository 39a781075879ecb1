import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { RSIT_TYPES } from '../domain/abuse-event.js';
import { abuseEscalationSchema } from './abuse-escalation-schema.js';
import { abuseNoticesSchema } from './abuse-notices-schema.js';
import { imapIntakeSchema, maildirIntakeSchema, smtpIntakeSchema } from '../abuse/intake/intake-schema.js';
import { shadowserverApiConfigSchema } from './shadowserver-api-schema.js';

// The `abuse:` section: how events become cases. Intake transports and notices come in their own keys.

const prefix = z.string().refine((p) => ipaddr.isValidCIDR(p) || ipaddr.isValid(p), {
  message: 'expected an IPv4 or IPv6 prefix such as 203.0.113.0/24 or 2001:db8::/32',
});

const classSettings = z.strictObject({
  /** Events of one subscriber and this class within this many days of the case's last event join it. */
  aggregation_days: z.number().int().min(1).max(365).optional(),
});

/** How reports arrive while `serve` runs: every transport is off until configured. */
const intakeSchema = z
  .strictObject({
    /** An SMTP listener the ISP's MTA relays abuse@ to. */
    smtp: smtpIntakeSchema.optional(),
    /** Maildirs the MTA delivers report mail into. */
    maildir: z.array(maildirIntakeSchema).default([]),
    /** Mailboxes polled over IMAP. */
    imap: z.array(imapIntakeSchema).default([]),
    /** Shadowserver's Reports API, polled on a schedule. */
    shadowserver_api: shadowserverApiConfigSchema.optional(),
  })
  .prefault({});

export const abuseSchema = z
  .strictObject({
    /** Default aggregation window, days. */
    aggregation_days: z.number().int().min(1).max(365).default(30),
    /**
     * The ISP's own address space. An event about an address outside it goes to the unassigned queue
     * (`outside-prefixes`) without a look-up; empty: every address is looked up.
     */
    own_prefixes: z.array(prefix).default([]),
    /** Per class (RSIT type): settings that differ from the defaults above. */
    classes: z.partialRecord(z.enum(RSIT_TYPES as [string, ...string[]]), classSettings).default({}),
    /** The walled garden: restricting a case's subscriber, approval, release. */
    escalation: abuseEscalationSchema,
    /** Notices to subscribers: templates, digests, SMTP, reminders. */
    notices: abuseNoticesSchema,
    intake: intakeSchema,
    /** A Shadowserver schema file laid over the bundled one (new report types as data); empty: the bundled one. */
    shadowserver_schema: z.string().default(''),
  })
  .prefault({});

export type AbuseConfig = z.output<typeof abuseSchema>;
