import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { RSIT_TYPES } from '../domain/abuse-event.js';

// The `abuse:` section: how events become cases. Intake transports and notices come in their own keys.

const prefix = z.string().refine((p) => ipaddr.isValidCIDR(p) || ipaddr.isValid(p), {
  message: 'expected an IPv4 or IPv6 prefix such as 203.0.113.0/24 or 2001:db8::/32',
});

const classSettings = z.strictObject({
  /** Events of one subscriber and this class within this many days of the case's last event join it. */
  aggregation_days: z.number().int().min(1).max(365).optional(),
});

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
  })
  .prefault({});

export type AbuseConfig = z.output<typeof abuseSchema>;
