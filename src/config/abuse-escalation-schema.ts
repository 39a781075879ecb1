import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { RSIT_TYPES } from '../domain/abuse-event.js';

// `abuse.escalation`: the walled garden. A restricted subscriber's addresses become rpz-client-ip
// triggers that send every name they look up to the sinkhole's notice page, and optionally go into
// an nftables set; a restriction needs a second person's approval and ends on resolution, by an
// operator, or on its own after a quiet period.
//
//   abuse:
//     escalation:
//       release_after_days: 14          # lift a restriction after 14 days without new events (0: never)
//       classes:
//         copyright: { release_after_days: 3 }
//       nftables:
//         enabled: true                 # sets restricted_v4 / restricted_v6 in Mizugiwa's table
//         walled_garden: true           # and drop their forwarded traffic except to `allow`
//         allow: [192.0.2.53, 192.0.2.80]   # the resolver, the notice page, update servers

const network = z.string().refine((p) => ipaddr.isValidCIDR(p) || ipaddr.isValid(p), {
  message: 'expected an IPv4 or IPv6 address or prefix such as 192.0.2.53 or 2001:db8::/32',
});

const releaseAfterDays = z.number().int().min(0).max(365);

export const abuseEscalationSchema = z
  .strictObject({
    /**
     * Lets the person who asked for a restriction approve it too: for a desk of one. Off, a second
     * person with the abuse.restrict permission must approve.
     */
    allow_self_approval: z.boolean().default(false),
    /** An active restriction is lifted (and its case resolved) after this many days without new events; 0: never. */
    release_after_days: releaseAfterDays.default(14),
    /** Per class (RSIT type): a different quiet period. */
    classes: z
      .partialRecord(
        z.enum(RSIT_TYPES as [string, ...string[]]),
        z.strictObject({ release_after_days: releaseAfterDays.optional() }),
      )
      .default({}),
    /**
     * How often `serve` recomputes the addresses of active restrictions from the lease data (the
     * subscriber got a new address), lifts those whose case was resolved or that went quiet, and publishes.
     */
    follow_every_seconds: z.number().int().min(5).max(3600).default(60),
    nftables: z
      .strictObject({
        /** Restricted addresses also go into the nftables sets restricted_v4 / restricted_v6 (enforce.nftables). */
        enabled: z.boolean().default(false),
        /** Also drop their forwarded traffic, except to the `allow` addresses. */
        walled_garden: z.boolean().default(false),
        /** What a restricted subscriber may still reach through the router: the resolver, the notice page, update servers. */
        allow: z.array(network).default([]),
      })
      .prefault({}),
  })
  .prefault({});

export type AbuseEscalationConfig = z.output<typeof abuseEscalationSchema>;

/** The quiet period after which a restriction of this class is lifted; 0: never. */
export function releaseAfterDaysFor(config: AbuseEscalationConfig, type: string): number {
  return config.classes[type]?.release_after_days ?? config.release_after_days;
}
